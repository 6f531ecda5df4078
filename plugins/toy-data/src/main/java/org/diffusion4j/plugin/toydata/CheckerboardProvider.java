package org.diffusion4j.plugin.toydata;

/** Provides {@link Checkerboard} as dataset {@value #NAME}. */
public final class CheckerboardProvider extends SyntheticDatasetProvider {

    /** Component name. */
    public static final String NAME = "checkerboard";

    public CheckerboardProvider() {
        super(NAME, "Uniform on the 8 black squares of a 4x4 checkerboard on [-4,4]^2 (FFJORD checkerboard, "
                + "Grathwohl et al. 2019)", (count, seed, config) -> new Checkerboard(count, seed));
    }
}
