package org.diffusion4j.plugin.flowmatching;

import java.util.function.IntFunction;
import org.diffusion4j.api.AbstractProvider;
import org.diffusion4j.api.ComponentContext;
import org.diffusion4j.api.Kind;
import org.diffusion4j.api.Sampler;
import org.diffusion4j.api.config.Config;
import org.diffusion4j.api.config.ConfigSpec;

/**
 * The providers of the ODE samplers, whose only option is {@code steps}; {@link #options()} is the
 * start of every sampler spec of this plugin, the reverse SDE's too.
 */
abstract class StepSamplerProvider extends AbstractProvider<Sampler> {

    /** The option every sampler of this plugin takes: equal time steps from tMax to tMin. */
    static final String STEPS = "steps";

    private final IntFunction<Sampler> solver;

    /**
     * @param solver the sampler for a number of steps
     */
    StepSamplerProvider(String name, String description, IntFunction<Sampler> solver) {
        super(Kind.SAMPLER, name, description, options().build());
        this.solver = solver;
    }

    /** A spec that starts with {@code steps}, 100 by default, in [1, 100000]. */
    static ConfigSpec.Builder options() {
        return ConfigSpec.builder()
                .integer(STEPS, 100, 1, 100_000, "number of equal time steps from tMax to tMin");
    }

    @Override
    public final Sampler create(Config config, ComponentContext context) {
        return solver.apply(config.getInt(STEPS));
    }
}
