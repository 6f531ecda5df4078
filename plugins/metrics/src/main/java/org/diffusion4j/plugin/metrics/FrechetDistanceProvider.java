package org.diffusion4j.plugin.metrics;

/** Provides {@link FrechetDistance} as metric {@value #NAME}. */
public final class FrechetDistanceProvider extends MetricProvider {

    /** Component name. */
    public static final String NAME = "frechet";

    public FrechetDistanceProvider() {
        super(NAME, "Frechet distance |mu1-mu2|^2 + Tr(S1 + S2 - 2(S1 S2)^1/2) of the Gaussian fits, unbiased"
                + " covariances (Dowson and Landau 1982; the FID of Heusel et al. 2017 on classifier features)",
                FrechetDistance::new);
    }
}
