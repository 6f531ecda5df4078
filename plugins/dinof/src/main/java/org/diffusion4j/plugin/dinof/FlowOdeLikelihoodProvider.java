package org.diffusion4j.plugin.dinof;

import org.diffusion4j.api.AbstractProvider;
import org.diffusion4j.api.ComponentContext;
import org.diffusion4j.api.Kind;
import org.diffusion4j.api.Likelihood;
import org.diffusion4j.api.config.Config;
import org.diffusion4j.api.config.ConfigSpec;

/** Creates {@code dinof.likelihood}: the probability-flow ODE from tMin to T_m plus the flow's exact density. */
public final class FlowOdeLikelihoodProvider extends AbstractProvider<Likelihood> {

    public static final String NAME = "dinof.likelihood";

    private static final ConfigSpec SPEC = ConfigSpec.builder()
            .integer("steps", 200, 1, 1_000_000, "fixed RK4 steps of the probability-flow ODE from tMin to T_m")
            .choice("divergence", "exact", java.util.List.of("exact", "hutchinson"), "exact: one gradient per"
                    + " coordinate (points); hutchinson: one Gaussian probe per sample, one gradient (images)")
            .build();

    public FlowOdeLikelihoodProvider() {
        super(Kind.LIKELIHOOD, NAME, "DiNof's exact -log p(x0): probability-flow ODE (RK4, exact divergence) from"
                + " tMin to T_m plus the flow's log-density of x(T_m)", SPEC);
    }

    @Override
    public Likelihood create(Config config, ComponentContext context) {
        boolean hutchinson = config.getString("divergence").equals("hutchinson");
        if (!hutchinson && context.dataShape().length == 3) {
            context.log(NAME + ": the exact divergence takes " + context.dataDimension() + " gradients per RK4 stage on"
                    + " images of shape " + java.util.Arrays.toString(context.dataShape())
                    + "; divergence: hutchinson takes one");
        }
        return new FlowOdeLikelihood(config.getInt("steps"), hutchinson);
    }
}
