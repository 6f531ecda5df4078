package org.diffusion4j.plugin.toydata;

import org.diffusion4j.api.Dataset;
import org.diffusion4j.api.config.Config;
import org.diffusion4j.api.config.ConfigSpec;

/** Provides {@link SwissRoll} as dataset {@value #NAME}. */
public final class SwissRollProvider extends SyntheticDatasetProvider {

    /** Component name. */
    public static final String NAME = "swiss-roll";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String description() {
        return "Swiss roll (sklearn make_swiss_roll) on its (x, z) coordinates divided by 5, as in FFJORD (Grathwohl et al. 2019)";
    }

    @Override
    void shapeOptions(ConfigSpec.Builder b) {
        b.number("noise", 1.0, 0.0, null, "std of the Gaussian noise added before dividing by 5");
    }

    @Override
    Dataset create(int count, long seed, Config config) {
        return new SwissRoll(count, seed, config.getDouble("noise"));
    }
}
