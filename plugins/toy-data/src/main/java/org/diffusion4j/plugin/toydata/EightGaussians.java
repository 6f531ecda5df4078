package org.diffusion4j.plugin.toydata;

import org.diffusion4j.api.tensor.Rng;

/**
 * FFJORD's "8gaussians" (Grathwohl, Chen, Bettencourt, Sutskever and Duvenaud, "FFJORD: Free-form
 * Continuous Dynamics for Scalable Reversible Generative Models", ICLR 2019; {@code toy_data.py}):
 * {@code z ~ N(0, I)}, a mode {@code k} uniform on {0..7}, and
 * {@code x = (4·(cos kπ/4, sin kπ/4) + 0.5·z) / 1.414}. The modes lie on a circle of radius
 * 4/1.414 ≈ 2.829 (≈ 2√2) with standard deviation 0.5/1.414 ≈ 0.354; their weights are multinomial,
 * not exactly 1/8.
 */
public final class EightGaussians extends SyntheticDataset {

    public static final double RADIUS = 4.0;
    public static final double STD = 0.5;
    public static final double SCALE = 1.414;

    public EightGaussians(int count, long seed) {
        super(count, seed);
    }

    @Override
    protected void sample(Rng rng, int n, double[] xy) {
        for (int i = 0; i < 2 * n; i++) {
            xy[i] = STD * rng.nextGaussian();
        }
        for (int i = 0; i < n; i++) {
            double angle = rng.nextInt(8) * (Math.PI / 4.0);
            xy[2 * i] = (RADIUS * Math.cos(angle) + xy[2 * i]) / SCALE;
            xy[2 * i + 1] = (RADIUS * Math.sin(angle) + xy[2 * i + 1]) / SCALE;
        }
    }
}
