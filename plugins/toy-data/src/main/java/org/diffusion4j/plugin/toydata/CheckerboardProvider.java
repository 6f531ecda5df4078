package org.diffusion4j.plugin.toydata;

import org.diffusion4j.api.Dataset;
import org.diffusion4j.api.config.Config;

/** Provides {@link Checkerboard} as dataset {@value #NAME}. */
public final class CheckerboardProvider extends SyntheticDatasetProvider {

    /** Component name. */
    public static final String NAME = "checkerboard";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String description() {
        return "Uniform on the 8 black squares of a 4x4 checkerboard on [-4,4]^2 (FFJORD checkerboard, Grathwohl et al. 2019)";
    }

    @Override
    Dataset create(int count, long seed, Config config) {
        return new Checkerboard(count, seed);
    }
}
