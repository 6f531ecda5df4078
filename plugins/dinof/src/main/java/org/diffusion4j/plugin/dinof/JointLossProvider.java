package org.diffusion4j.plugin.dinof;

import org.diffusion4j.api.AbstractProvider;
import org.diffusion4j.api.ComponentContext;
import org.diffusion4j.api.Kind;
import org.diffusion4j.api.Loss;
import org.diffusion4j.api.config.Config;
import org.diffusion4j.api.config.ConfigSpec;

/** Creates {@code dinof.joint}, the score-matching plus flow-NLL loss of a dinof network. */
public final class JointLossProvider extends AbstractProvider<Loss> {

    public static final String NAME = "dinof.joint";

    private static final ConfigSpec SPEC = ConfigSpec.builder()
            .number("flow-weight", 1.0, 0.0, 1e6, "weight w of the flow's NLL (nats per sample) beside the score loss;"
                    + " 0 trains the score alone")
            .choice("objective", "joint", java.util.List.of("joint", "flow", "data"), "joint: score matching on t < T_m"
                    + " plus the flow's NLL of x(T_m); flow: the flow's NLL alone, the score term skipped (separate"
                    + " training on top of a score network loaded with train --init-from); data: the flow alone on the"
                    + " data, 8-bit images uniformly dequantised, points as they are (plain Glow; sample it with the"
                    + " sampler dinof.flow-alone)")
            .build();

    public JointLossProvider() {
        super(Kind.LOSS, NAME, "DiNof joint training: sigma^2-weighted DSM on t < T_m plus the flow's NLL of"
                + " x(T_m) = alpha(T_m) x0 + sigma(T_m) eps (seed 001 §3.3)", SPEC);
    }

    @Override
    public Loss create(Config config, ComponentContext context) {
        String objective = config.getString("objective");
        config.refuseWithoutEffect("flow-weight", !objective.equals("joint"), "objective: " + objective
                + " (the flow's NLL is the whole loss)", "remove it");
        double logCell = logPixelCell(context);
        // images without a pixel range have no cells to dequantise into; points are taken as they are
        if (objective.equals("data") && Double.isNaN(logCell) && context.dataShape().length == 3) {
            throw new org.diffusion4j.api.config.ConfigException(NAME + ": option 'objective' = 'data' dequantises"
                    + " 8-bit pixels; this dataset's samples of shape " + java.util.Arrays.toString(context.dataShape())
                    + " declare no pixel range; it takes joint or flow here");
        }
        return new JointLoss(config.getDouble("flow-weight"), objective.equals("flow"), objective.equals("data"),
                logCell);
    }

    /**
     * log Δ, Δ = 2R/255 the step between the 256 pixel levels of images scaled to [−R, R] (the
     * image datasets map byte p to p/127.5 − 1, R = 1); NaN for points or data without a range.
     */
    static double logPixelCell(ComponentContext context) {
        if (context.dataShape().length != 3 || context.dataRange().isEmpty()) {
            return Double.NaN;
        }
        return Math.log(2 * context.dataRange().getAsDouble() / 255);
    }
}
