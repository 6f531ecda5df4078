package org.diffusion4j.plugin.toydata;

import org.diffusion4j.api.ComponentContext;
import org.diffusion4j.api.ComponentProvider;
import org.diffusion4j.api.Dataset;
import org.diffusion4j.api.Kind;
import org.diffusion4j.api.config.Config;
import org.diffusion4j.api.config.ConfigSpec;

/**
 * The options every synthetic dataset shares: {@code count} (points per split) and {@code seed}
 * (the three splits are the child streams "train", "test", "reference" of
 * {@code new Rng(seed)}). The dataset's own stream does not come from the run's seed
 * ({@link ComponentContext#rng()}), so a dataset is the same whatever the model's seed.
 */
abstract class SyntheticDatasetProvider implements ComponentProvider<Dataset> {

    /** Default points per split: the peer harness's 10,000. */
    static final int DEFAULT_COUNT = 10_000;
    /** Default seed: the blog's {@code random_state}. */
    static final int DEFAULT_SEED = 42;
    /** Upper bound on {@code count}, to fail early instead of running out of memory. */
    static final int MAX_COUNT = 50_000_000;

    @Override
    public final Kind kind() {
        return Kind.DATASET;
    }

    @Override
    public final ConfigSpec config() {
        ConfigSpec.Builder b = ConfigSpec.builder()
                .integer("count", DEFAULT_COUNT, 1, MAX_COUNT, "points in each split (train, test, reference)")
                .integer("seed", DEFAULT_SEED, null, null, "seed; the splits are its child streams train, test, reference");
        shapeOptions(b);
        return b.build();
    }

    /** Adds the options of the distribution's shape, if any. */
    void shapeOptions(ConfigSpec.Builder b) {
    }

    @Override
    public final Dataset create(Config config, ComponentContext context) {
        return create(config.getInt("count"), config.getInt("seed"), config);
    }

    abstract Dataset create(int count, long seed, Config config);
}
