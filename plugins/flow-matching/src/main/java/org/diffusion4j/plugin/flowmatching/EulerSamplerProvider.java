package org.diffusion4j.plugin.flowmatching;

import org.diffusion4j.api.ComponentContext;
import org.diffusion4j.api.ComponentProvider;
import org.diffusion4j.api.Kind;
import org.diffusion4j.api.Sampler;
import org.diffusion4j.api.config.Config;
import org.diffusion4j.api.config.ConfigSpec;

/** Provider of {@code flow-matching.euler}, the {@link EulerSampler}. */
public final class EulerSamplerProvider implements ComponentProvider<Sampler> {

    public static final String NAME = EulerSampler.NAME;

    private static final ConfigSpec SPEC = ConfigSpec.builder()
            .integer("steps", 100, 1, 100_000, "number of equal time steps from tMax to tMin")
            .build();

    @Override
    public Kind kind() {
        return Kind.SAMPLER;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String description() {
        return "Euler ODE solver of dx = v dt from tMax to tMin (the blog's static_sample, Eq. 3)";
    }

    @Override
    public ConfigSpec config() {
        return SPEC;
    }

    @Override
    public Sampler create(Config config, ComponentContext context) {
        return new EulerSampler(config.getInt("steps"));
    }
}
