package org.diffusion4j.plugin.toydata;

/** Provides {@link TwoGaussians} as dataset {@value #NAME}. */
public final class TwoGaussiansProvider extends SyntheticDatasetProvider {

    /** Component name. */
    public static final String NAME = "two-gaussians";

    public TwoGaussiansProvider() {
        super(NAME, "Two 2-D Gaussians at (4,4) and (4,-4), std 0.5 by default, half the points each, shuffled: "
                        + "the flow-matching blog's data (sklearn make_blobs)",
                b -> b.number("std", 0.5, 0.0, null, "standard deviation of each Gaussian"),
                (count, seed, config) -> new TwoGaussians(count, seed, config.getDouble("std")));
    }
}
