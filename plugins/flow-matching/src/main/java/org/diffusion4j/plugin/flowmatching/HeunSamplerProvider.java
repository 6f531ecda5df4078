package org.diffusion4j.plugin.flowmatching;

/** Provider of {@code flow-matching.heun}, the {@link HeunSampler}. */
public final class HeunSamplerProvider extends StepSamplerProvider {

    public static final String NAME = HeunSampler.NAME;

    public HeunSamplerProvider() {
        super(NAME, "Heun (2nd-order) solver of the probability-flow ODE dx = v dt (Unified Perspective blog, Eq. 3/8)",
                HeunSampler::new);
    }
}
