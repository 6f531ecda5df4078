package org.diffusion4j.plugin.metrics;

/** Provides {@link Mmd2} as metric {@value #NAME}. */
public final class Mmd2Provider extends MetricProvider {

    /** Component name. */
    public static final String NAME = "mmd2";

    public Mmd2Provider() {
        super(NAME, "Unbiased MMD^2 with the sum of RBF kernels at bandwidths 0.1, 0.5, 1, 2"
                + " (Gretton et al. 2012; the peer harness's definition)", Mmd2::new);
    }
}
