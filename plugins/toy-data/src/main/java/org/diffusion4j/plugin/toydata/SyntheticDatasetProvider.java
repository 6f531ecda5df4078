package org.diffusion4j.plugin.toydata;

import java.util.function.UnaryOperator;
import org.diffusion4j.api.AbstractProvider;
import org.diffusion4j.api.ComponentContext;
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
abstract class SyntheticDatasetProvider extends AbstractProvider<Dataset> {

    /** Default points per split: the peer harness's 10,000. */
    static final int DEFAULT_COUNT = 10_000;
    /** Default seed: the blog's {@code random_state}. */
    static final int DEFAULT_SEED = 42;
    /** Upper bound on {@code count}, to fail early instead of running out of memory. */
    static final int MAX_COUNT = 50_000_000;

    /** Makes the dataset from the shared options and the config (for the shape's own options). */
    @FunctionalInterface
    interface Factory {
        Dataset create(int count, long seed, Config config);
    }

    private final Factory factory;

    /** A distribution without options of its own. */
    SyntheticDatasetProvider(String name, String description, Factory factory) {
        this(name, description, UnaryOperator.identity(), factory);
    }

    /**
     * @param shapeOptions adds the options of the distribution's shape after {@code count} and {@code seed}
     */
    SyntheticDatasetProvider(String name, String description, UnaryOperator<ConfigSpec.Builder> shapeOptions,
            Factory factory) {
        super(Kind.DATASET, name, description, shapeOptions.apply(ConfigSpec.builder()
                .integer("count", DEFAULT_COUNT, 1, MAX_COUNT, "points in each split (train, test, reference)")
                .integer("seed", DEFAULT_SEED, null, null, "seed; the splits are its child streams train, test, reference"))
                .build());
        this.factory = factory;
    }

    @Override
    public final Dataset create(Config config, ComponentContext context) {
        return factory.create(config.getInt("count"), config.getInt("seed"), config);
    }
}
