package org.diffusion4j.plugin.ddpm;

import org.diffusion4j.api.config.ConfigException;

/**
 * Improved DDPM's cosine schedule (Nichol and Dhariwal 2021, Eq. 17):
 * ᾱ(t) = f(t)/f(0), f(t) = cos²((t + s)/(1 + s)·π/2), s = 0.008, and β_i = min(1 − ᾱ_i/ᾱ_{i−1}, β_max)
 * with β_max = 0.999 "to prevent singularities at the end of the diffusion process near t = T".
 *
 * <p>The continuous ᾱ(t) is Eq. 17 itself on every interval ((i−1)/T, i/T] whose β was not clipped,
 * so it equals the discrete product at every grid point; on a clipped interval (for T = 1000 only
 * the last one: ᾱ_T = 0.001·ᾱ_{T−1} ≈ 2.4e-9 instead of f(1)/f(0) ≈ 0) it is the log-linear
 * interpolation of {@link DiscreteSchedule}. (log f)′(t) = −π/(1 + s)·tan((t + s)/(1 + s)·π/2).
 */
public final class CosineSchedule extends DiscreteSchedule {

    private final double offset;
    private final double maxBeta;

    public CosineSchedule(int steps, double offset, double maxBeta) {
        super(CosineScheduleProvider.NAME, betas(steps, offset, maxBeta), unclipped(steps, offset, maxBeta));
        this.offset = offset;
        this.maxBeta = maxBeta;
    }

    private static double f(double t, double s) {
        double c = Math.cos((t + s) / (1 + s) * Math.PI / 2);
        return c * c;
    }

    private static double[] betas(int steps, double s, double maxBeta) {
        if (steps < 1) {
            throw new ConfigException(CosineScheduleProvider.NAME + ": steps must be at least 1, got " + steps);
        }
        double f0 = f(0, s);
        double[] b = new double[steps];
        for (int i = 1; i <= steps; i++) {
            double prev = f((double) (i - 1) / steps, s) / f0;
            double cur = f((double) i / steps, s) / f0;
            b[i - 1] = Math.min(1 - cur / prev, maxBeta);
        }
        return b;
    }

    private static boolean[] unclipped(int steps, double s, double maxBeta) {
        double[] b = betas(steps, s, maxBeta);
        boolean[] ok = new boolean[steps];
        boolean clippedBefore = false;
        for (int i = 0; i < steps; i++) {
            clippedBefore |= b[i] >= maxBeta;
            // once a β is clipped the product no longer equals f/f(0): later intervals interpolate
            ok[i] = !clippedBefore;
        }
        return ok;
    }

    /** Eq. 17's ᾱ(t) = f(t)/f(0), without clipping. */
    public double alphaBarClosedForm(double t) {
        return f(t, offset) / f(0, offset);
    }

    @Override
    double smoothLogAlphaBar(double t) {
        return Math.log(alphaBarClosedForm(t));
    }

    @Override
    double smoothLogAlphaBarDot(double t) {
        return -Math.PI / (1 + offset) * Math.tan((t + offset) / (1 + offset) * Math.PI / 2);
    }

    @Override
    public String toString() {
        return CosineScheduleProvider.NAME + " (T = " + steps() + ", s = " + offset + ", β_max = " + maxBeta + ")";
    }
}
