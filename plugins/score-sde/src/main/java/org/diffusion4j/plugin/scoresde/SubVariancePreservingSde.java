package org.diffusion4j.plugin.scoresde;

import org.diffusion4j.api.Schedule;

/**
 * The sub-VP SDE of Song et al. 2021, Eq. 12 and Appendix B (Eq. 34):
 * <pre>  dx = −½β(t)·x dt + √(β(t)·(1 − e^{−2B(t)})) dW,   B(t) = ∫₀ᵗ β,</pre>
 * β linear from β_min = 0.1 to β_max = 20 as for {@link VariancePreservingSde}. Its perturbation
 * kernel (Eq. 29) has the VP mean and a smaller variance:
 * <pre>  p_0t(x | x0) = N(e^{−½B}·x0, (1 − e^{−B})²·I),</pre>
 * so in the (α, σ) form α(t) = e^{−½B(t)} and σ(t) = 1 − e^{−B(t)} = 1 − α² — <b>not</b> the VP
 * relation σ² = 1 − α²: the variance is below the VP one at every t > 0, hence "sub". The
 * derivatives are α̇ = −½β·α and σ̇ = β·e^{−B}. The generic coefficients of {@link Schedule} then
 * give exactly the paper's: f = α̇/α = −½β, and
 * g² = 2σ²(σ̇/σ − α̇/α) = 2σσ̇ + βσ² = β(1 − α²)(1 + α²) = β(1 − e^{−2B}); both are returned in that
 * closed form and the tests check them against the generic formulas and finite differences.
 *
 * <p>σ = 0 at t = 0, so samplers stop at {@code tMin} (10⁻³ by default). The prior is
 * N(0, σ²(1)·I) ≈ N(0, I).
 */
public final class SubVariancePreservingSde implements Schedule {

    private final VariancePreservingSde vp;

    public SubVariancePreservingSde(double betaMin, double betaMax, double tMin) {
        this.vp = new VariancePreservingSde(SubVariancePreservingSdeProvider.NAME, betaMin, betaMax, tMin);
    }

    public double beta(double t) {
        return vp.beta(t);
    }

    public double integratedBeta(double t) {
        return vp.integratedBeta(t);
    }

    @Override
    public double alpha(double t) {
        return vp.alpha(t);
    }

    /** σ = 1 − e^{−B}, with expm1 for accuracy at small t. */
    @Override
    public double sigma(double t) {
        return -Math.expm1(-integratedBeta(t));
    }

    @Override
    public double alphaDot(double t) {
        return vp.alphaDot(t);
    }

    @Override
    public double sigmaDot(double t) {
        return beta(t) * Math.exp(-integratedBeta(t));
    }

    @Override
    public double tMin() {
        return vp.tMin();
    }

    /** f(t) = −½β(t) (Eq. 12). */
    @Override
    public double drift(double t) {
        return -0.5 * beta(t);
    }

    /** g²(t) = β(t)·(1 − e^{−2B(t)}) (Eq. 12). */
    @Override
    public double diffusionSquared(double t) {
        return beta(t) * -Math.expm1(-2 * integratedBeta(t));
    }

    @Override
    public String toString() {
        return SubVariancePreservingSdeProvider.NAME + " (β_min " + vp.betaMin() + ", β_max " + vp.betaMax()
                + ", t-min " + vp.tMin() + ")";
    }
}
