package org.diffusion4j.plugin.scoresde;

import org.diffusion4j.api.Schedule;
import org.diffusion4j.api.config.ConfigException;

/**
 * The variance-exploding (VE) SDE of Song et al. 2021, Eq. 9 and Appendix B (Eq. 30): the continuous
 * limit of NCSN's geometric noise levels (seed 004, "VE SDE" row of the SDE table),
 * <pre>  dx = √(d[σ²(t)]/dt) dW,   σ(t) = σ_min·(σ_max/σ_min)^t,   t ∈ [0, 1].</pre>
 * In the (α, σ) form of DESIGN.md ("Unified Perspective", Eq. 2): α(t) = 1, σ(t) as above, so
 * α̇ = 0, σ̇ = σ·ln(σ_max/σ_min). The paper's coefficients follow in closed form and are returned
 * directly: f(t) = 0 and g²(t) = d[σ²]/dt = 2σ²(t)·ln(σ_max/σ_min) — the same values as the generic
 * formulas f = α̇/α, g² = 2σ²(σ̇/σ − α̇/α) of {@link Schedule} (checked by the tests).
 *
 * <p>As in the paper's implementation the perturbation kernel is taken as N(x0, σ²(t)·I), not
 * N(x0, (σ²(t) − σ²(0))·I): the two differ by σ_min², negligible for σ_min ≪ data scale. The prior is
 * N(0, σ_max²·I).
 */
public final class VarianceExplodingSde implements Schedule {

    private final double sigmaMin;
    private final double sigmaMax;
    private final double logRatio;
    private final double tMin;

    public VarianceExplodingSde(double sigmaMin, double sigmaMax, double tMin) {
        if (!(sigmaMin > 0) || !(sigmaMax > sigmaMin) || !Double.isFinite(sigmaMax)) {
            throw new ConfigException(VarianceExplodingSdeProvider.NAME + ": need 0 < sigma-min < sigma-max, got "
                    + sigmaMin + " and " + sigmaMax);
        }
        if (!(tMin >= 0 && tMin < 1)) {
            throw new ConfigException(VarianceExplodingSdeProvider.NAME + ": t-min must be in [0, 1), got " + tMin);
        }
        this.sigmaMin = sigmaMin;
        this.sigmaMax = sigmaMax;
        this.logRatio = Math.log(sigmaMax / sigmaMin);
        this.tMin = tMin;
    }

    public double sigmaMin() {
        return sigmaMin;
    }

    public double sigmaMax() {
        return sigmaMax;
    }

    @Override
    public double alpha(double t) {
        return 1;
    }

    @Override
    public double sigma(double t) {
        return sigmaMin * Math.exp(t * logRatio);
    }

    @Override
    public double alphaDot(double t) {
        return 0;
    }

    @Override
    public double sigmaDot(double t) {
        return sigma(t) * logRatio;
    }

    @Override
    public double tMin() {
        return tMin;
    }

    /** f(t) = 0 (Eq. 9). */
    @Override
    public double drift(double t) {
        return 0;
    }

    /** g²(t) = d[σ²(t)]/dt = 2σ²(t)·ln(σ_max/σ_min) (Eq. 9, 30). */
    @Override
    public double diffusionSquared(double t) {
        double s = sigma(t);
        return 2 * s * s * logRatio;
    }

    @Override
    public String toString() {
        return VarianceExplodingSdeProvider.NAME + " (σ_min " + sigmaMin + ", σ_max " + sigmaMax + ", t-min " + tMin + ")";
    }
}
