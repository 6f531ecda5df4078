package org.diffusion4j.plugin.toydata;

/** Provides {@link EightGaussians} as dataset {@value #NAME}. */
public final class EightGaussiansProvider extends SyntheticDatasetProvider {

    /** Component name. */
    public static final String NAME = "eight-gaussians";

    public EightGaussiansProvider() {
        super(NAME, "Eight 2-D Gaussians on a circle of radius 2.83, std 0.354 (FFJORD 8gaussians, "
                + "Grathwohl et al. 2019)", (count, seed, config) -> new EightGaussians(count, seed));
    }
}
