package org.diffusion4j.plugin.dinof;

import org.diffusion4j.api.AbstractProvider;
import org.diffusion4j.api.ComponentContext;
import org.diffusion4j.api.Kind;
import org.diffusion4j.api.Prior;
import org.diffusion4j.api.config.Config;
import org.diffusion4j.api.config.ConfigSpec;

/** Creates the {@code dinof.flow} prior: sampling starts at T_m from the dinof network's flow. */
public final class FlowPriorProvider extends AbstractProvider<Prior> {

    public static final String NAME = "dinof.flow";

    private static final ConfigSpec SPEC = ConfigSpec.builder()
            .number("t-m", 0.6, null, null, "T_m in (0, 1] where sampling starts: must equal the network's t-m;"
                    + " give the sampler about N*T_m steps (the paper's ceil(1000*T_m))")
            .build();

    public FlowPriorProvider() {
        super(Kind.PRIOR, NAME, "DiNof: start the reverse SDE at T_m from the flow's inverse of z ~ N(0, I)"
                + " (seed 001 Algorithm 2)", SPEC);
    }

    @Override
    public Prior create(Config config, ComponentContext context) {
        return new FlowPrior(DinofNetworkProvider.checkedTm(NAME, config.getDouble("t-m")));
    }
}
