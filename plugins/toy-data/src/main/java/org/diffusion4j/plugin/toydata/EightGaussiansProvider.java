package org.diffusion4j.plugin.toydata;

import org.diffusion4j.api.Dataset;
import org.diffusion4j.api.config.Config;

/** Provides {@link EightGaussians} as dataset {@value #NAME}. */
public final class EightGaussiansProvider extends SyntheticDatasetProvider {

    /** Component name. */
    public static final String NAME = "eight-gaussians";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String description() {
        return "Eight 2-D Gaussians on a circle of radius 2.83, std 0.354 (FFJORD 8gaussians, Grathwohl et al. 2019)";
    }

    @Override
    Dataset create(int count, long seed, Config config) {
        return new EightGaussians(count, seed);
    }
}
