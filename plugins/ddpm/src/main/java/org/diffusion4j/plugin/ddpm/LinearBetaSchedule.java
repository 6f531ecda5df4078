package org.diffusion4j.plugin.ddpm;

import org.diffusion4j.api.config.ConfigException;

/**
 * DDPM's linear schedule: β_i = β_1 + (β_T − β_1)·(i − 1)/(T − 1), by default 1e-4 → 0.02 over
 * T = 1000 steps (Ho et al. 2020, §4; {@code np.linspace(1e-4, 0.02, T)}). Between grid points ᾱ(t) =
 * exp(−∫b) with b the piecewise-constant rate of {@link DiscreteSchedule}, so ᾱ(i/T) = Π(1 − β_s)
 * exactly.
 */
public final class LinearBetaSchedule extends DiscreteSchedule {

    private final double betaStart;
    private final double betaEnd;

    public LinearBetaSchedule(int steps, double betaStart, double betaEnd) {
        super(LinearBetaScheduleProvider.NAME, betas(steps, betaStart, betaEnd), null);
        this.betaStart = betaStart;
        this.betaEnd = betaEnd;
    }

    private static double[] betas(int steps, double start, double end) {
        if (steps < 1) {
            throw new ConfigException(LinearBetaScheduleProvider.NAME + ": steps must be at least 1, got " + steps);
        }
        double[] b = new double[steps];
        for (int i = 0; i < steps; i++) {
            b[i] = steps == 1 ? start : start + (end - start) * i / (steps - 1);
        }
        return b;
    }

    @Override
    double smoothLogAlphaBar(double t) {
        throw new AssertionError("linear schedule has no smooth intervals");
    }

    @Override
    double smoothLogAlphaBarDot(double t) {
        throw new AssertionError("linear schedule has no smooth intervals");
    }

    @Override
    public String toString() {
        return LinearBetaScheduleProvider.NAME + " (T = " + steps() + ", β " + betaStart + " → " + betaEnd + ")";
    }
}
