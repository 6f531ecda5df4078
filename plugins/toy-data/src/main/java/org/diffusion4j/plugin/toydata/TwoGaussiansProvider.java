package org.diffusion4j.plugin.toydata;

import org.diffusion4j.api.Dataset;
import org.diffusion4j.api.config.Config;
import org.diffusion4j.api.config.ConfigSpec;

/** Provides {@link TwoGaussians} as dataset {@value #NAME}. */
public final class TwoGaussiansProvider extends SyntheticDatasetProvider {

    /** Component name. */
    public static final String NAME = "two-gaussians";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String description() {
        return "Two 2-D Gaussians at (4,4) and (4,-4), std 0.5 by default, half the points each, shuffled: the flow-matching blog's data (sklearn make_blobs)";
    }

    @Override
    void shapeOptions(ConfigSpec.Builder b) {
        b.number("std", 0.5, 0.0, null, "standard deviation of each Gaussian");
    }

    @Override
    Dataset create(int count, long seed, Config config) {
        return new TwoGaussians(count, seed, config.getDouble("std"));
    }
}
