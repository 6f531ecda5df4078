package org.diffusion4j.plugin.toydata;

import org.diffusion4j.api.tensor.Rng;

/**
 * FFJORD's "checkerboard" (Grathwohl et al., ICLR 2019, {@code toy_data.py}):
 * {@code x₁ ~ U[−2, 2)}, {@code x₂ = U[0, 1) − 2B + (⌊x₁⌋ mod 2)} with {@code B} uniform on {0, 1},
 * everything times 2: uniform on the 8 black squares (side 2) of a 4×4 board on [−4, 4]², those
 * whose cell indices {@code ⌊x/2⌋ + ⌊y/2⌋} are even.
 */
public final class Checkerboard extends SyntheticDataset {

    public Checkerboard(int count, long seed) {
        super(count, seed);
    }

    /** Every point lies in [−4, 4]². */
    @Override
    public java.util.OptionalDouble range() {
        return java.util.OptionalDouble.of(4.0);
    }

    @Override
    protected void sample(Rng rng, int n, double[] xy) {
        for (int i = 0; i < n; i++) {
            double x1 = rng.nextDouble() * 4.0 - 2.0;
            double x2 = rng.nextDouble() - 2.0 * rng.nextInt(2) + Math.floorMod((int) Math.floor(x1), 2);
            xy[2 * i] = x1 * 2.0;
            xy[2 * i + 1] = x2 * 2.0;
        }
    }
}
