package org.diffusion4j.plugin.toydata;

import org.diffusion4j.api.Dataset;
import org.diffusion4j.api.PointSet;
import org.diffusion4j.api.Split;
import org.diffusion4j.api.tensor.Rng;
import org.diffusion4j.api.config.ConfigException;

/**
 * A 2-D distribution sampled from a seeded stream. Each split is drawn from its own child stream
 * {@code new Rng(seed).split("train" | "test" | "reference")}, so the three splits are independent
 * draws and each is reproduced exactly by its seed, whatever was loaded before. Points are generated
 * in double precision and stored as float32, as the peer harness does.
 *
 * <p>The definitions follow the peer harness ({@code peers/datasets.py}) draw for draw in structure,
 * but not in bits: the peer uses NumPy's MT19937, this uses {@link Rng}; the distributions are the
 * same.
 */
public abstract class SyntheticDataset implements Dataset {

    private final int count;
    private final long seed;

    /**
     * @param count points per split, at least 1
     * @param seed  the dataset seed
     */
    protected SyntheticDataset(int count, long seed) {
        if (count < 1) {
            throw new ConfigException(getClass().getSimpleName() + ": count = " + count
                    + " is not valid; it takes an integer >= 1");
        }
        this.count = count;
        this.seed = seed;
    }

    /** Points per split. */
    public int count() {
        return count;
    }

    /** The dataset seed. */
    public long seed() {
        return seed;
    }

    @Override
    public int dimension() {
        return 2;
    }

    @Override
    public PointSet load(Split split) {
        double[] xy = new double[2 * count];
        sample(stream(seed, split), count, xy);
        float[] v = new float[xy.length];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) xy[i];
        }
        return new PointSet(2, v);
    }

    /** The stream split {@code split} is drawn from: {@code new Rng(seed).split(name)}. */
    public static Rng stream(long seed, Split split) {
        return new Rng(seed).split(streamName(split));
    }

    /** {@code "train"}, {@code "test"} or {@code "reference"}. */
    public static String streamName(Split split) {
        return switch (split) {
            case TRAIN -> "train";
            case TEST -> "test";
            case REFERENCE -> "reference";
        };
    }

    /**
     * Draws {@code n} points into {@code xy} (row-major, {@code xy[2i]}, {@code xy[2i+1]}).
     *
     * @param rng the split's own stream
     */
    protected abstract void sample(Rng rng, int n, double[] xy);

    /** Reorders the rows of {@code xy} by a uniformly random permutation drawn from {@code rng}. */
    static void shuffleRows(Rng rng, double[] xy, int n) {
        int[] p = rng.permutation(n);
        double[] src = xy.clone();
        for (int i = 0; i < n; i++) {
            xy[2 * i] = src[2 * p[i]];
            xy[2 * i + 1] = src[2 * p[i] + 1];
        }
    }
}
