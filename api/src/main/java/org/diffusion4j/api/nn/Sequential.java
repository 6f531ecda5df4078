package org.diffusion4j.api.nn;

import java.util.ArrayList;
import java.util.List;
import org.diffusion4j.api.tensor.Tensor;
import org.diffusion4j.api.tensor.UnaryOp;

/**
 * Layers applied in order; parameters are named by position ({@code 0.weight}).
 *
 * <p>When the layers are {@link Linear}s, each followed by at most one pointwise
 * {@link Activation} other than GELU, the stack is one {@link Tensor#mlp} operation: one
 * {@link org.diffusion4j.api.tensor.Backend#mlpForward} call when nothing needs a gradient
 * (sampling, evaluation), one forward and one backward call when training, each of which a
 * backend can fuse. The values are those of the layer-by-layer pass.
 */
public final class Sequential extends Layer {

    private final List<Layer> layers;
    /** The affine layers of an MLP stack, or null when the layers are not one. */
    private final Linear[] linears;
    /** The activation after each affine layer (null: none). */
    private final UnaryOp[] activations;

    public Sequential(List<? extends Layer> layers) {
        this.layers = List.copyOf(layers);
        for (int i = 0; i < this.layers.size(); i++) {
            child(Integer.toString(i), this.layers.get(i));
        }
        List<Linear> lin = new ArrayList<>();
        List<UnaryOp> act = new ArrayList<>();
        boolean mlp = !this.layers.isEmpty();
        for (Layer l : this.layers) {
            if (l instanceof Linear linear) {
                lin.add(linear);
                act.add(null);
            } else if (l instanceof Activation a && !lin.isEmpty() && act.getLast() == null
                    && a.function() != Activation.Function.GELU) {
                act.set(act.size() - 1, switch (a.function()) {
                    case RELU -> UnaryOp.RELU;
                    case SILU -> UnaryOp.SILU;
                    case TANH -> UnaryOp.TANH;
                    case SIGMOID -> UnaryOp.SIGMOID;
                    case GELU -> throw new IllegalStateException("GELU takes the layer-by-layer pass");
                });
            } else {
                mlp = false;
            }
        }
        this.linears = mlp ? lin.toArray(Linear[]::new) : null;
        this.activations = mlp ? act.toArray(UnaryOp[]::new) : null;
    }

    @Override
    public Tensor forward(Tensor x) {
        if (linears != null && x.rank() == 2) {
            Tensor[] weights = new Tensor[linears.length];
            Tensor[] biases = new Tensor[linears.length];
            for (int l = 0; l < linears.length; l++) {
                weights[l] = linears[l].weight();
                biases[l] = linears[l].bias();
            }
            return x.mlp(weights, biases, activations);
        }
        Tensor h = x;
        for (Layer l : layers) {
            h = l.forward(h);
        }
        return h;
    }
}
