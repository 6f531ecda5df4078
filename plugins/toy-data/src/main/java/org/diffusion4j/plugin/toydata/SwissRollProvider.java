package org.diffusion4j.plugin.toydata;

/** Provides {@link SwissRoll} as dataset {@value #NAME}. */
public final class SwissRollProvider extends SyntheticDatasetProvider {

    /** Component name. */
    public static final String NAME = "swiss-roll";

    public SwissRollProvider() {
        super(NAME, "Swiss roll (sklearn make_swiss_roll) on its (x, z) coordinates divided by 5, as in FFJORD "
                        + "(Grathwohl et al. 2019)",
                b -> b.number("noise", 1.0, 0.0, null, "std of the Gaussian noise added before dividing by 5"),
                (count, seed, config) -> new SwissRoll(count, seed, config.getDouble("noise")));
    }
}
