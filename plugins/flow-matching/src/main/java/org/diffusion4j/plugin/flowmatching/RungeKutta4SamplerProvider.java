package org.diffusion4j.plugin.flowmatching;

import org.diffusion4j.api.ComponentContext;
import org.diffusion4j.api.ComponentProvider;
import org.diffusion4j.api.Kind;
import org.diffusion4j.api.Sampler;
import org.diffusion4j.api.config.Config;
import org.diffusion4j.api.config.ConfigSpec;

/** Provider of {@code flow-matching.rk4}, the {@link RungeKutta4Sampler}. */
public final class RungeKutta4SamplerProvider implements ComponentProvider<Sampler> {

    public static final String NAME = RungeKutta4Sampler.NAME;

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
        return "classical 4th-order Runge-Kutta solver of the probability-flow ODE dx = v dt (Unified Perspective blog, Eq. 3/8)";
    }

    @Override
    public ConfigSpec config() {
        return SPEC;
    }

    @Override
    public Sampler create(Config config, ComponentContext context) {
        return new RungeKutta4Sampler(config.getInt("steps"));
    }
}
