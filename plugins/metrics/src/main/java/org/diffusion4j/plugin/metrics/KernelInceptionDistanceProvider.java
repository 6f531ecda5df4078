package org.diffusion4j.plugin.metrics;

/** Provides {@link KernelInceptionDistance} as metric {@value #NAME}. */
public final class KernelInceptionDistanceProvider extends MetricProvider {

    /** Component name. */
    public static final String NAME = "kid";

    public KernelInceptionDistanceProvider() {
        super(NAME, "Unbiased MMD^2 over all pairs with the cubic kernel (a.b/d + 1)^3, d the dimension"
                + " (the KID of Binkowski et al. 2018 on classifier features)", KernelInceptionDistance::new);
    }
}
