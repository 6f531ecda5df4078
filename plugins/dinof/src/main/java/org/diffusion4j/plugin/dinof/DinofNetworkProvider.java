package org.diffusion4j.plugin.dinof;

import java.util.List;
import org.diffusion4j.api.AbstractProvider;
import org.diffusion4j.api.ComponentContext;
import org.diffusion4j.api.Kind;
import org.diffusion4j.api.Network;
import org.diffusion4j.api.config.Config;
import org.diffusion4j.api.config.ConfigException;
import org.diffusion4j.api.config.ConfigSpec;
import org.diffusion4j.api.nn.Activation;

/** Creates the {@code dinof} network: a score MLP plus a Glow-style flow of x(T_m). */
public final class DinofNetworkProvider extends AbstractProvider<Network> {

    public static final String NAME = "dinof";

    private static final ConfigSpec SPEC = ConfigSpec.builder()
            .number("t-m", 0.6, null, null, "T_m in (0, 1]: the diffusion runs on [0, T_m], the flow models x(T_m)"
                    + " (the prior dinof.flow must name the same value)")
            .integer("width", 128, 1, 65_536, "units per hidden layer of the score MLP")
            .integer("depth", 3, 1, 1_000, "hidden layers of the score MLP")
            .choice("activation", "silu", List.of("relu", "silu", "gelu", "tanh"), "the score MLP's nonlinearity")
            .integer("embedding-dim", 32, 2, 65_536, "sinusoidal time features of the score MLP (even)")
            .number("time-scale", 1000.0, 1e-9, 1e12, "multiplier of t inside the sinusoids")
            .integer("flow-steps", 4, 1, 1_000, "K, steps of (actnorm, LU linear map, affine coupling) of the flow")
            .integer("flow-hidden", 64, 1, 65_536, "hidden units of the coupling MLPs (two hidden layers)")
            .build();

    public DinofNetworkProvider() {
        super(Kind.NETWORK, NAME, "DiNof: score MLP for t < T_m plus a normalizing flow (actnorm, LU linear,"
                + " affine coupling) of x(T_m) (Zand, Etemad and Greenspan; Glow)", SPEC);
    }

    @Override
    public Network create(Config config, ComponentContext context) {
        double tM = checkedTm(NAME, config.getDouble("t-m"));
        if (context.dataShape().length != 1) {
            throw new ConfigException(NAME + ": the flow is built for points [D]; this dataset's samples have shape "
                    + java.util.Arrays.toString(context.dataShape()) + " (image flows are not available yet)");
        }
        if (context.dataDimension() < 2) {
            throw new ConfigException(NAME + ": the flow's coupling layers need points of dimension >= 2, got "
                    + context.dataDimension());
        }
        if (context.extraOutputs() > 0) {
            throw new ConfigException(NAME + ": the loss asks for " + context.extraOutputs()
                    + " extra outputs; the dinof network outputs the score only (use the loss dinof.joint)");
        }
        int embeddingDim = config.getInt("embedding-dim");
        if (embeddingDim % 2 != 0) {
            throw new ConfigException(NAME + ": option 'embedding-dim' = '" + embeddingDim
                    + "' is not valid; it takes an even integer in [2, 65536]");
        }
        return new DinofNetwork(context.backend(), context.rng(), context.dataDimension(), tM, config.getInt("width"),
                config.getInt("depth"), Activation.Function.parse(config.getString("activation")), embeddingDim,
                config.getDouble("time-scale"), config.getInt("flow-steps"), config.getInt("flow-hidden"));
    }

    /** T_m as given, or a one-line refusal naming the allowed range (0, 1]. */
    static double checkedTm(String component, double tM) {
        if (!(tM > 0 && tM <= 1)) {
            throw new ConfigException(component + ": option 't-m' = '" + tM + "' is not valid; it takes a number in (0, 1]"
                    + " (the time where the flow takes over from the diffusion)");
        }
        return tM;
    }
}
