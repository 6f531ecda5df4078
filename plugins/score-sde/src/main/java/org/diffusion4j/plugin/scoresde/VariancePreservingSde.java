package org.diffusion4j.plugin.scoresde;

import org.diffusion4j.api.Schedule;
import org.diffusion4j.api.config.ConfigException;

/**
 * The variance-preserving (VP) SDE of Song et al. 2021, Eq. 11 and Appendix B (Eq. 32–33): the
 * continuous limit of DDPM (seed 004, "VP SDE" row of the SDE table),
 * <pre>  dx = −½β(t)·x dt + √β(t) dW,   β(t) = β_min + t·(β_max − β_min),   t ∈ [0, 1],</pre>
 * with β_min = 0.1 and β_max = 20 by default. Its perturbation kernel (Eq. 29) is
 * N(α(t)·x0, (1 − α²(t))·I) with α(t) = exp(−½B(t)), B(t) = ∫₀ᵗ β = β_min·t + ½(β_max − β_min)·t², so
 * in the (α, σ) form σ(t) = √(1 − e^{−B(t)}), α̇ = −½β·α and σ̇ = ½β·e^{−B}/σ. The paper's
 * coefficients are returned in closed form, f(t) = −½β(t) and g²(t) = β(t); they equal the generic
 * f = α̇/α, g² = 2σ²(σ̇/σ − α̇/α) of {@link Schedule} (checked by the tests).
 *
 * <p>σ̇ is infinite at t = 0 (σ = 0 there, and the score is undefined), so samplers stop at
 * {@code tMin} > 0: 10⁻³ by default, the paper's sampling ε (it trains and evaluates likelihoods with
 * 10⁻⁵). The prior is N(0, σ²(1)·I) ≈ N(0, I).
 */
public final class VariancePreservingSde implements Schedule {

    private final double betaMin;
    private final double betaMax;
    private final double tMin;

    public VariancePreservingSde(double betaMin, double betaMax, double tMin) {
        this(VariancePreservingSdeProvider.NAME, betaMin, betaMax, tMin);
    }

    VariancePreservingSde(String name, double betaMin, double betaMax, double tMin) {
        if (!(betaMin > 0) || !(betaMax >= betaMin) || !Double.isFinite(betaMax)) {
            throw new ConfigException(name + ": need 0 < beta-min ≤ beta-max, got " + betaMin + " and " + betaMax);
        }
        if (!(tMin > 0 && tMin < 1)) {
            throw new ConfigException(name + ": t-min must be in (0, 1) (σ = 0 at t = 0), got " + tMin);
        }
        this.betaMin = betaMin;
        this.betaMax = betaMax;
        this.tMin = tMin;
    }

    /** β(t) = β_min + t·(β_max − β_min). */
    public double beta(double t) {
        return betaMin + t * (betaMax - betaMin);
    }

    /** B(t) = ∫₀ᵗ β(s) ds = β_min·t + ½(β_max − β_min)·t². */
    public double integratedBeta(double t) {
        return betaMin * t + 0.5 * (betaMax - betaMin) * t * t;
    }

    public double betaMin() {
        return betaMin;
    }

    public double betaMax() {
        return betaMax;
    }

    @Override
    public double alpha(double t) {
        return Math.exp(-0.5 * integratedBeta(t));
    }

    /** σ = √(1 − e^{−B}), with expm1 for accuracy at small t. */
    @Override
    public double sigma(double t) {
        return Math.sqrt(-Math.expm1(-integratedBeta(t)));
    }

    @Override
    public double alphaDot(double t) {
        return -0.5 * beta(t) * alpha(t);
    }

    @Override
    public double sigmaDot(double t) {
        return 0.5 * beta(t) * Math.exp(-integratedBeta(t)) / sigma(t);
    }

    @Override
    public double tMin() {
        return tMin;
    }

    /** f(t) = −½β(t) (Eq. 11). */
    @Override
    public double drift(double t) {
        return -0.5 * beta(t);
    }

    /** g²(t) = β(t) (Eq. 11). */
    @Override
    public double diffusionSquared(double t) {
        return beta(t);
    }

    @Override
    public String toString() {
        return VariancePreservingSdeProvider.NAME + " (β_min " + betaMin + ", β_max " + betaMax + ", t-min " + tMin + ")";
    }
}
