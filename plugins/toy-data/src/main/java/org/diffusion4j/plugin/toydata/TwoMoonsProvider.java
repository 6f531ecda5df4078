package org.diffusion4j.plugin.toydata;

/** Provides {@link TwoMoons} as dataset {@value #NAME}. */
public final class TwoMoonsProvider extends SyntheticDatasetProvider {

    /** Component name. */
    public static final String NAME = "two-moons";

    public TwoMoonsProvider() {
        super(NAME, "Two interleaving noisy half circles (sklearn make_moons) mapped by x*2 + (-1,-0.2) as in FFJORD "
                        + "(Grathwohl et al. 2019)",
                b -> b.number("noise", 0.1, 0.0, null, "std of the Gaussian noise added before the map x*2 + (-1,-0.2)"),
                (count, seed, config) -> new TwoMoons(count, seed, config.getDouble("noise")));
    }
}
