package org.diffusion4j.plugin.dinof;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.diffusion4j.api.AbstractProvider;
import org.diffusion4j.api.ComponentContext;
import org.diffusion4j.api.Kind;
import org.diffusion4j.api.Network;
import org.diffusion4j.api.config.Config;
import org.diffusion4j.api.config.ConfigException;
import org.diffusion4j.api.config.ConfigSpec;
import org.diffusion4j.api.nn.Activation;

/**
 * Creates the {@code dinof} network: a score network (any, named in the {@code score} option; the
 * built-in MLP when none is named) plus a Glow-style flow of x(T_m): {@link Flow} on points,
 * the multi-scale {@link ImageFlow} on images.
 */
public final class DinofNetworkProvider extends AbstractProvider<Network> {

    public static final String NAME = "dinof";

    private static final List<String> MLP_OPTIONS = List.of("width", "depth", "activation", "embedding-dim",
            "time-scale");

    private static final ConfigSpec SPEC = ConfigSpec.builder()
            .number("t-m", 0.6, null, null, "T_m in (0, 1]: the diffusion runs on [0, T_m], the flow models x(T_m)"
                    + " (the prior dinof.flow must name the same value)")
            .section("score", "the score network, any network with its options ({name: unet, base-channels: 16});"
                    + " its parameters keep their own names. Not given: the built-in score MLP (width, depth, ...)")
            .integer("width", 128, 1, 65_536, "units per hidden layer of the built-in score MLP")
            .integer("depth", 3, 1, 1_000, "hidden layers of the built-in score MLP")
            .choice("activation", "silu", List.of("relu", "silu", "gelu", "tanh"), "the built-in score MLP's nonlinearity")
            .integer("embedding-dim", 32, 2, 65_536, "sinusoidal time features of the built-in score MLP (even)")
            .number("time-scale", 1000.0, 1e-9, 1e12, "multiplier of t inside the built-in score MLP's sinusoids")
            .integer("flow-steps", 4, 1, 1_000, "K, steps of (actnorm, LU linear map / 1x1 convolution, affine coupling)"
                    + " of the flow (per level on images)")
            .integer("flow-hidden", 64, 1, 65_536, "hidden units of the coupling MLPs (points) or channels of the"
                    + " coupling CNNs (images)")
            .integer("flow-levels", 2, 1, 16, "L, levels of (squeeze, K steps, split) of the image flow; height and"
                    + " width must be multiples of 2^L (28x28 allows 2); images only")
            .build();

    public DinofNetworkProvider() {
        super(Kind.NETWORK, NAME, "DiNof: a score network for t < T_m (any network, or a built-in MLP) plus a"
                + " normalizing flow of x(T_m) (Glow: actnorm, LU 1x1 convolution, affine coupling; multi-scale on"
                + " images) (Zand, Etemad and Greenspan)", SPEC);
    }

    @Override
    public Network create(Config config, ComponentContext context) {
        double tM = checkedTm(NAME, config.getDouble("t-m"));
        int[] shape = context.dataShape();
        if (context.extraOutputs() > 0) {
            throw new ConfigException(NAME + ": the loss asks for " + context.extraOutputs()
                    + " extra outputs; the dinof network outputs the score only (use the loss dinof.joint)");
        }
        Map<String, Object> scoreSection = config.getSection("score");
        boolean builtIn = scoreSection.isEmpty();
        for (String o : MLP_OPTIONS) {
            config.refuseWithoutEffect(o, !builtIn, "score: {name: " + scoreSection.get("name") + "}",
                    "it sets the built-in score MLP; give the score network's own options inside score: {...}");
        }
        boolean image = shape.length == 3;
        config.refuseWithoutEffect("flow-levels", !image, "data of shape " + Arrays.toString(shape)
                + " (points)", "levels are the image flow's; remove it");
        int levels = config.getInt("flow-levels");
        if (image) {
            int f = 1 << levels;
            if (shape[1] % f != 0 || shape[2] % f != 0) {
                int max = 0;
                while (shape[1] % (2 << max) == 0 && shape[2] % (2 << max) == 0) {
                    max++;
                }
                throw new ConfigException(NAME + ": option 'flow-levels' = '" + levels + "' is not valid for images of"
                        + " shape " + Arrays.toString(shape) + ": each level squeezes 2x2 pixels, so height and width"
                        + " must be multiples of 2^" + levels + " = " + f + "; it takes an integer in [1, " + max + "]"
                        + (max == 0 ? " (none: an odd height or width cannot be squeezed)" : ""));
            }
        } else if (shape.length != 1) {
            throw new ConfigException(NAME + ": the flow is built for points [D] or images [C, H, W]; this dataset's"
                    + " samples have shape " + Arrays.toString(shape));
        } else if (context.dataDimension() < 2) {
            throw new ConfigException(NAME + ": the flow's coupling layers need points of dimension >= 2, got "
                    + context.dataDimension());
        }
        int embeddingDim = config.getInt("embedding-dim");
        if (builtIn && embeddingDim % 2 != 0) {
            throw new ConfigException(NAME + ": option 'embedding-dim' = '" + embeddingDim
                    + "' is not valid; it takes an even integer in [2, 65536]");
        }
        int d = context.dataDimension();
        // score first, then flow: the order in which the points network drew its weights before
        Network score = builtIn
                ? DinofNetwork.builtIn(context.backend(), context.rng(), d, config.getInt("width"), config.getInt("depth"),
                        Activation.Function.parse(config.getString("activation")), embeddingDim,
                        config.getDouble("time-scale"))
                : context.create(Kind.NETWORK, "score", scoreSection);
        if (DinofNetwork.of(score) != null) {
            throw new ConfigException(NAME + ": option 'score' names a dinof network; it takes a score network"
                    + " (unet, mlp, ...)");
        }
        NormalizingFlow flow = image
                ? new ImageFlow(context.backend(), context.rng(), shape, levels, config.getInt("flow-steps"),
                        config.getInt("flow-hidden"))
                : new Flow(context.backend(), context.rng(), d, config.getInt("flow-steps"), config.getInt("flow-hidden"));
        try {
            return new DinofNetwork(shape, tM, score, builtIn, flow);
        } catch (IllegalArgumentException e) {
            throw new ConfigException(NAME + ": " + e.getMessage());
        }
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
