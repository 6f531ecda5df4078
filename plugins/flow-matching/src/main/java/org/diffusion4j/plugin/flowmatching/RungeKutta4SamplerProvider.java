package org.diffusion4j.plugin.flowmatching;

/** Provider of {@code flow-matching.rk4}, the {@link RungeKutta4Sampler}. */
public final class RungeKutta4SamplerProvider extends StepSamplerProvider {

    public static final String NAME = RungeKutta4Sampler.NAME;

    public RungeKutta4SamplerProvider() {
        super(NAME, "classical 4th-order Runge-Kutta solver of the probability-flow ODE dx = v dt "
                + "(Unified Perspective blog, Eq. 3/8)", RungeKutta4Sampler::new);
    }
}
