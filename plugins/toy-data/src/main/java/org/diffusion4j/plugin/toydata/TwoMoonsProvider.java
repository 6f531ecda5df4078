package org.diffusion4j.plugin.toydata;

import org.diffusion4j.api.Dataset;
import org.diffusion4j.api.config.Config;
import org.diffusion4j.api.config.ConfigSpec;

/** Provides {@link TwoMoons} as dataset {@value #NAME}. */
public final class TwoMoonsProvider extends SyntheticDatasetProvider {

    /** Component name. */
    public static final String NAME = "two-moons";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String description() {
        return "Two interleaving noisy half circles (sklearn make_moons) mapped by x*2 + (-1,-0.2) as in FFJORD (Grathwohl et al. 2019)";
    }

    @Override
    void shapeOptions(ConfigSpec.Builder b) {
        b.number("noise", 0.1, 0.0, null, "std of the Gaussian noise added before the map x*2 + (-1,-0.2)");
    }

    @Override
    Dataset create(int count, long seed, Config config) {
        return new TwoMoons(count, seed, config.getDouble("noise"));
    }
}
