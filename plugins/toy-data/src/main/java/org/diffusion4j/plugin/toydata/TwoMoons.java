package org.diffusion4j.plugin.toydata;

import org.diffusion4j.api.tensor.Rng;
import org.diffusion4j.api.config.ConfigException;

/**
 * Two interleaving half circles, scikit-learn's {@code make_moons(n, noise)}: {@code ⌊n/2⌋} points
 * at angles {@code linspace(0, π)} on the upper unit half circle {@code (cos θ, sin θ)} and
 * {@code ⌈n/2⌉} on the lower one {@code (1 − cos θ, 0.5 − sin θ)}, rows shuffled, then Gaussian
 * noise of standard deviation {@code noise} added to each coordinate; finally FFJORD's map
 * {@code x·2 + (−1, −0.2)} (Grathwohl et al., ICLR 2019, {@code toy_data.py} "moons"). After the map
 * the moons are half circles of radius 2 about (−1, −0.2) and (1, 0.8), with noise 2·{@code noise}.
 */
public final class TwoMoons extends SyntheticDataset {

    private final double noise;

    public TwoMoons(int count, long seed, double noise) {
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
        int outer = n / 2;
        int inner = n - outer;
        for (int i = 0; i < outer; i++) {
            double theta = linspace(i, outer);
            xy[2 * i] = Math.cos(theta);
            xy[2 * i + 1] = Math.sin(theta);
        }
        for (int i = 0; i < inner; i++) {
            double theta = linspace(i, inner);
            xy[2 * (outer + i)] = 1.0 - Math.cos(theta);
            xy[2 * (outer + i) + 1] = 1.0 - Math.sin(theta) - 0.5;
        }
        shuffleRows(rng, xy, n);
        for (int i = 0; i < n; i++) {
            xy[2 * i] = (xy[2 * i] + noise * rng.nextGaussian()) * 2.0 - 1.0;
            xy[2 * i + 1] = (xy[2 * i + 1] + noise * rng.nextGaussian()) * 2.0 - 0.2;
        }
    }

    /** Element {@code i} of NumPy's {@code linspace(0, π, count)} (the last one exactly π). */
    private static double linspace(int i, int count) {
        if (count == 1) {
            return 0.0;
        }
        return i == count - 1 ? Math.PI : i * (Math.PI / (count - 1));
    }
}
