package org.diffusion4j.plugin.toydata;

import org.diffusion4j.api.tensor.Rng;
import org.diffusion4j.api.config.ConfigException;

/**
 * Two isotropic Gaussians centred at (4, 4) and (4, −4) with standard deviation {@code std}: the
 * training data of the flow-matching example in "A Unified Perspective on Diffusion and Flow
 * Matching" (2024, §2.3), which calls scikit-learn's
 * {@code make_blobs(n, centers=[(4,4),(4,-4)], cluster_std=0.5)}. As there, the first centre gets
 * {@code ⌈n/2⌉} points and the second {@code ⌊n/2⌋}, drawn centre by centre, and the rows are then
 * shuffled, so any prefix of a split is a fair sample.
 */
public final class TwoGaussians extends SyntheticDataset {

    /** The centres are (CENTRE_X, CENTRE_Y) and (CENTRE_X, −CENTRE_Y). */
    public static final double CENTRE_X = 4.0;
    /** See {@link #CENTRE_X}. */
    public static final double CENTRE_Y = 4.0;

    private final double std;

    public TwoGaussians(int count, long seed, double std) {
        super(count, seed);
        if (!(std >= 0.0) || !Double.isFinite(std)) {
            throw new ConfigException(getClass().getSimpleName() + ": std = " + std
                    + " is not valid; it takes a finite number >= 0");
        }
        this.std = std;
    }

    public double std() {
        return std;
    }

    @Override
    protected void sample(Rng rng, int n, double[] xy) {
        int first = n - n / 2;
        for (int i = 0; i < n; i++) {
            double cy = i < first ? CENTRE_Y : -CENTRE_Y;
            xy[2 * i] = CENTRE_X + std * rng.nextGaussian();
            xy[2 * i + 1] = cy + std * rng.nextGaussian();
        }
        shuffleRows(rng, xy, n);
    }
}
