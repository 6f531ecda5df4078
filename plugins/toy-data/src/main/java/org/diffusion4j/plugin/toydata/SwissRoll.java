package org.diffusion4j.plugin.toydata;

import org.diffusion4j.api.tensor.Rng;
import org.diffusion4j.api.config.ConfigException;

/**
 * A 2-D Swiss roll: scikit-learn's {@code make_swiss_roll(n, noise)} keeps coordinates (x, z),
 * {@code t = 1.5π(1 + 2u)} with {@code u ~ U[0, 1)}, {@code (t cos t, t sin t)} plus Gaussian noise
 * of standard deviation {@code noise} on each coordinate, then divided by 5 as in FFJORD's
 * "swissroll" (Grathwohl et al., ICLR 2019, {@code toy_data.py}). The roll's height coordinate y is
 * dropped, so it is not drawn.
 */
public final class SwissRoll extends SyntheticDataset {

    private final double noise;

    public SwissRoll(int count, long seed, double noise) {
        super(count, seed);
        if (!(noise >= 0.0) || !Double.isFinite(noise)) {
            throw new ConfigException(getClass().getSimpleName() + ": noise = " + noise
                    + " is not valid; it takes a finite number >= 0");
        }
        this.noise = noise;
    }

    public double noise() {
        return noise;
    }

    @Override
    protected void sample(Rng rng, int n, double[] xy) {
        for (int i = 0; i < n; i++) {
            double t = 1.5 * Math.PI * (1.0 + 2.0 * rng.nextDouble());
            xy[2 * i] = (t * Math.cos(t) + noise * rng.nextGaussian()) / 5.0;
            xy[2 * i + 1] = (t * Math.sin(t) + noise * rng.nextGaussian()) / 5.0;
        }
    }
}
