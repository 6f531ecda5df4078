package org.diffusion4j.plugin.ncsn;

import org.diffusion4j.api.Schedule;
import org.diffusion4j.api.config.ConfigException;

/**
 * NCSN's noise levels (Song and Ermon 2019, §4.2; seed 004, "NCSN"): a geometric sequence
 * σ_1 > σ_2 > … > σ_L with σ_1/σ_2 = … = σ_{L−1}/σ_L, and x̃ = x + σ·z, i.e. the (α, σ) path with
 * α = 1 ("Unified Perspective", Eq. 2). The levels sit at the training times t_i = i/(L − 1),
 * i = 0..L−1, of the continuous σ(t) = σ_L·(σ_1/σ_L)^t that interpolates them (the VE SDE of Song et
 * al. 2021 is its limit L → ∞), so σ(t_i) = σ_{L−i} and {@link #trainingTimes} lists them with the
 * smallest noise first. α̇ = 0 and σ̇ = σ·ln(σ_1/σ_L).
 */
public final class GeometricNoiseSchedule implements Schedule {

    private final double sigmaMin;
    private final double sigmaMax;
    private final int levels;
    private final double logRatio;

    public GeometricNoiseSchedule(double sigmaMax, double sigmaMin, int levels) {
        if (!(sigmaMin > 0) || !(sigmaMax > sigmaMin) || !Double.isFinite(sigmaMax)) {
            throw new ConfigException(GeometricNoiseScheduleProvider.NAME + ": need 0 < sigma-min < sigma-max, got "
                    + sigmaMin + " and " + sigmaMax);
        }
        if (levels < 2) {
            throw new ConfigException(GeometricNoiseScheduleProvider.NAME + ": levels must be at least 2, got " + levels);
        }
        this.sigmaMin = sigmaMin;
        this.sigmaMax = sigmaMax;
        this.levels = levels;
        this.logRatio = Math.log(sigmaMax / sigmaMin);
    }

    /** σ_1 > … > σ_L, largest first (the paper's numbering). */
    public double[] levels() {
        double[] s = new double[levels];
        for (int i = 0; i < levels; i++) {
            s[i] = sigma((double) (levels - 1 - i) / (levels - 1));
        }
        return s;
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

    /** t_i = i/(L − 1), ascending: σ_L first. */
    @Override
    public double[] trainingTimes() {
        double[] t = new double[levels];
        for (int i = 0; i < levels; i++) {
            t[i] = (double) i / (levels - 1);
        }
        return t;
    }

    @Override
    public String toString() {
        return GeometricNoiseScheduleProvider.NAME + " (σ_1 " + sigmaMax + ", σ_L " + sigmaMin + ", L " + levels + ")";
    }
}
