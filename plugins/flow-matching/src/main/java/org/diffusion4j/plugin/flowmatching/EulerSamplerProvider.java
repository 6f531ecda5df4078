package org.diffusion4j.plugin.flowmatching;

/** Provider of {@code flow-matching.euler}, the {@link EulerSampler}. */
public final class EulerSamplerProvider extends StepSamplerProvider {

    public static final String NAME = EulerSampler.NAME;

    public EulerSamplerProvider() {
        super(NAME, "Euler ODE solver of dx = v dt from tMax to tMin (the blog's static_sample, Eq. 3)",
                EulerSampler::new);
    }
}
