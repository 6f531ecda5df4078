package org.diffusion4j.api.nn;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import org.diffusion4j.api.tensor.Tensor;

/** Pointwise nonlinearities as layers. */
public final class Activation extends Layer {

    /** The available functions. */
    public enum Function {
        RELU, SILU, GELU, TANH, SIGMOID;

        public String id() {
            return name().toLowerCase(Locale.ROOT);
        }

        public static List<String> ids() {
            return Arrays.stream(values()).map(Function::id).toList();
        }

        public static Function parse(String id) {
            return valueOf(id.trim().toUpperCase(Locale.ROOT));
        }
    }

    private final Function function;

    public Activation(Function function) {
        this.function = function;
    }

    public Function function() {
        return function;
    }

    @Override
    public Tensor forward(Tensor x) {
        return switch (function) {
            case RELU -> x.relu();
            case SILU -> x.silu();
            case GELU -> x.gelu();
            case TANH -> x.tanh();
            case SIGMOID -> x.sigmoid();
        };
    }
}
