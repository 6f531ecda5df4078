package org.diffusion4j.plugin.dinof;

import org.diffusion4j.api.AbstractProvider;
import org.diffusion4j.api.ComponentContext;
import org.diffusion4j.api.Kind;
import org.diffusion4j.api.Sampler;
import org.diffusion4j.api.config.Config;
import org.diffusion4j.api.config.ConfigSpec;

/** Creates {@code dinof.flow-alone}: the flow prior's draw is the sample (plain Glow). */
public final class FlowAloneSamplerProvider extends AbstractProvider<Sampler> {

    public static final String NAME = "dinof.flow-alone";

    public FlowAloneSamplerProvider() {
        super(Kind.SAMPLER, NAME, "the flow alone: the prior dinof.flow's draw f^-1(z) is the sample, no diffusion"
                + " step (plain Glow; train the flow with dinof.joint objective: data)", ConfigSpec.empty());
    }

    @Override
    public Sampler create(Config config, ComponentContext context) {
        return new FlowAloneSampler();
    }
}
