package org.diffusion4j.plugin.ddpm;

import org.diffusion4j.api.Schedule;
import org.diffusion4j.api.config.ConfigException;

/**
 * A discrete-time variance-preserving schedule β_1..β_T (Ho et al. 2020, Eq. 2 and 4:
 * q(x_t | x0) = N(√ᾱ_t·x0, (1 − ᾱ_t)·I), ᾱ_t = Π_{s≤t}(1 − β_s)), exposed as the discrete grid
 * t_i = i/T, i = 1..T ({@link #trainingTimes()}) <b>and</b> as a continuous Gaussian path
 * α(t) = √ᾱ(t), σ(t) = √(1 − ᾱ(t)) on [0, 1] ("Unified Perspective", Eq. 2), with ᾱ(0) = 1 (the
 * DDIM code's ᾱ_{−1} = 1: t = 0 is the data).
 *
 * <p>On the grid ᾱ(i/T) is the product above exactly, so a sampler that visits grid times reproduces
 * the discrete chain. Between grid points each subclass gives ᾱ(t) by its paper's formula where one
 * exists ({@link #smoothLogAlphaBar}); elsewhere ᾱ(t) = exp(−∫_0^t b(u) du) with b piecewise constant,
 * b = −T·log(1 − β_i) on ((i−1)/T, i/T] — the continuous-time rate whose integral over one interval
 * gives the factor (1 − β_i) exactly. α̇ and σ̇ follow from d log ᾱ/dt:
 * α̇ = ½·α·(log ᾱ)′, σ̇ = −½·ᾱ·(log ᾱ)′/σ.
 */
public abstract sealed class DiscreteSchedule implements Schedule permits LinearBetaSchedule, CosineSchedule {

    private final double[] betas;
    /** log ᾱ_i for i = 0..T, log ᾱ_0 = 0. */
    private final double[] logAlphaBar;
    /** Whether interval i (1..T) follows the smooth closed form. */
    private final boolean[] smooth;
    /** α and σ at the grid times i/T (training draws only these: no exp per sample per step). */
    private final double[] gridAlpha;
    private final double[] gridSigma;

    /**
     * @param betas  β_1..β_T, each in (0, 1)
     * @param smooth per interval i = 1..T (index i − 1), whether {@link #smoothLogAlphaBar} describes it
     */
    DiscreteSchedule(String name, double[] betas, boolean[] smooth) {
        if (betas.length < 1) {
            throw new ConfigException(name + ": needs at least one step");
        }
        this.betas = betas.clone();
        this.logAlphaBar = new double[betas.length + 1];
        this.smooth = new boolean[betas.length + 1];
        for (int i = 1; i <= betas.length; i++) {
            double b = betas[i - 1];
            if (!(b > 0 && b < 1)) {
                throw new ConfigException(name + ": β_" + i + " = " + b + " is outside (0, 1)");
            }
            logAlphaBar[i] = logAlphaBar[i - 1] + Math.log1p(-b);
            this.smooth[i] = smooth != null && smooth[i - 1];
        }
        this.gridAlpha = new double[betas.length + 1];
        this.gridSigma = new double[betas.length + 1];
        for (int i = 0; i <= betas.length; i++) {
            gridAlpha[i] = Math.exp(0.5 * logAlphaBar[i]);
            gridSigma[i] = Math.sqrt(-Math.expm1(logAlphaBar[i]));
        }
    }

    /** The grid index i when t is i/T (as {@link #logAlphaBar} decides it), else −1. */
    private int gridIndex(double t) {
        checkTime(t);
        double u = t * betas.length;
        long r = Math.round(u);
        return Math.abs(u - r) < 1e-9 ? (int) r : -1;
    }

    /** Number of discrete steps T. */
    public int steps() {
        return betas.length;
    }

    /** β_i for i = 1..T. */
    public double beta(int i) {
        return betas[i - 1];
    }

    /** ᾱ_i = Π_{s≤i}(1 − β_s) for i = 0..T (ᾱ_0 = 1). */
    public double alphaBar(int i) {
        return Math.exp(logAlphaBar[i]);
    }

    /** The posterior variance β̃_i = (1 − ᾱ_{i−1})/(1 − ᾱ_i)·β_i (Ho et al. 2020, Eq. 7). */
    public double betaTilde(int i) {
        return -Math.expm1(logAlphaBar[i - 1]) / -Math.expm1(logAlphaBar[i]) * betas[i - 1];
    }

    /** log ᾱ(t) and its derivative, from the paper's closed form; only called on smooth intervals. */
    abstract double smoothLogAlphaBar(double t);

    abstract double smoothLogAlphaBarDot(double t);

    /** The interval ((i−1)/T, i/T] holding t, 1..T (t = 0 gives 1); grid points snap to their own i. */
    private int interval(double t) {
        int n = betas.length;
        double u = t * n;
        long r = Math.round(u);
        if (Math.abs(u - r) < 1e-9) {
            u = r;
        }
        int i = (int) Math.ceil(u);
        return Math.max(1, Math.min(n, i));
    }

    /** log ᾱ(t) on [0, 1]. */
    public double logAlphaBar(double t) {
        checkTime(t);
        int n = betas.length;
        int i = interval(t);
        double u = t * n;
        if (Math.abs(u - Math.round(u)) < 1e-9) {
            return logAlphaBar[(int) Math.round(u)];
        }
        if (smooth[i]) {
            return smoothLogAlphaBar(t);
        }
        return logAlphaBar[i - 1] + (u - (i - 1)) * (logAlphaBar[i] - logAlphaBar[i - 1]);
    }

    /** d log ᾱ/dt (the right-hand derivative's interval at a grid point: the one ending there). */
    public double logAlphaBarDot(double t) {
        checkTime(t);
        int i = interval(t);
        if (smooth[i]) {
            return smoothLogAlphaBarDot(t);
        }
        return betas.length * (logAlphaBar[i] - logAlphaBar[i - 1]);
    }

    private void checkTime(double t) {
        if (!(t >= 0 && t <= 1)) {
            throw new IllegalArgumentException(this + ": t = " + t + " is outside [0, 1]");
        }
    }

    @Override
    public double alpha(double t) {
        int i = gridIndex(t);
        return i >= 0 ? gridAlpha[i] : Math.exp(0.5 * logAlphaBar(t));
    }

    @Override
    public double sigma(double t) {
        int i = gridIndex(t);
        return i >= 0 ? gridSigma[i] : Math.sqrt(-Math.expm1(logAlphaBar(t)));
    }

    @Override
    public double alphaDot(double t) {
        return 0.5 * alpha(t) * logAlphaBarDot(t);
    }

    @Override
    public double sigmaDot(double t) {
        double lab = logAlphaBar(t);
        double s = Math.sqrt(-Math.expm1(lab));
        return -0.5 * Math.exp(lab) * logAlphaBarDot(t) / s;
    }

    /** f(t) = α̇/α = ½·(log ᾱ)′ (Eq. 20). */
    @Override
    public double drift(double t) {
        return 0.5 * logAlphaBarDot(t);
    }

    /** g²(t) = −(log ᾱ)′ for a VP path (Eq. 21–22 with α² + σ² = 1): the continuous β(t). */
    @Override
    public double diffusionSquared(double t) {
        return -logAlphaBarDot(t);
    }

    /** t_i = i/T, i = 1..T. */
    @Override
    public double[] trainingTimes() {
        int n = betas.length;
        double[] t = new double[n];
        for (int i = 1; i <= n; i++) {
            t[i - 1] = (double) i / n;
        }
        return t;
    }
}
