package org.diffusion4j.plugin.ddpm;

import org.diffusion4j.api.Affine;
import org.diffusion4j.api.Model;
import org.diffusion4j.api.View;
import org.diffusion4j.api.tensor.Backend;
import org.diffusion4j.api.tensor.Tensor;
import org.diffusion4j.api.DataException;

/**
 * The terms of DDPM's variational bound (Ho et al. 2020, Eq. 5)
 * <pre>  L_vlb = L_T + Σ_{t>1} L_{t−1} + L_0,   L_{t−1} = KL(q(x_{t−1} | x_t, x0) ‖ p_θ(x_{t−1} | x_t)),
 *   L_0 = −log p_θ(x0 | x_1),   L_T = KL(q(x_T | x0) ‖ N(0, I)),</pre>
 * per row and coordinate, in nats, for rows that each have their own step i ∈ 1..T. Shared by
 * {@link HybridLoss} (one random step per row) and {@link VlbLikelihood} (every step for every point).
 * <ul>
 * <li>The posterior q(x_{t−1} | x_t, x0) (Eq. 6–7): mean μ̃ = √ᾱ_{t−1}·x0 + σ_{t−1}·r·ε, variance
 *     β̃_t, with r = √(SNR(t)/SNR(t−1)); p_θ's mean μ_θ is the same mean at the model's x̂0, ε̂ (Eq. 11
 *     for an ε model); its variance is learned, Σ_θ = exp(v·log β_t + (1 − v)·log β̃_t) (Nichol and
 *     Dhariwal 2021, Eq. 15), or fixed to β_t or β̃_t (Ho et al. §3.2). As in the authors' code
 *     ({@code posterior_log_variance_clipped}), log β̃_1 (= −∞) is replaced by log β̃_2.</li>
 * <li>KL of two diagonal Gaussians: ½(log σ_p² − log σ_q² + (σ_q² + (μ_q − μ_p)²)/σ_p² − 1).</li>
 * <li>L_0, {@link Decoder#CONTINUOUS}: −log N(x0; μ_θ, Σ_θ) (data that are not 8-bit images);
 *     {@link Decoder#DISCRETIZED}: Ho et al.'s discretised decoder (§3.3, Eq. 13) for data scaled to
 *     [−1, 1] in 256 levels: −log ∫_{δ−(x0)}^{δ+(x0)} N(x; μ_θ, Σ_θ) dx with δ± = x0 ± 1/255, open at
 *     ±1, the normal CDF by the tanh approximation of the authors' code (so gradients flow).</li>
 * </ul>
 */
final class VariationalBound {

    /** The decoder of L_0. */
    enum Decoder {
        CONTINUOUS,
        DISCRETIZED
    }

    /** Σ_θ where the network does not learn it. */
    enum FixedVariance {
        BETA,
        BETA_TILDE
    }

    private VariationalBound() {
    }

    /**
     * Per-row columns ([rows, 1]) of one batch: its times and path, and the coefficients of μ̃, μ_θ
     * and the variances for each row's step.
     */
    record Rows(int[] steps, Tensor times, Tensor alpha, Tensor sigma, Tensor muX, Tensor muOut, Tensor qX0,
                Tensor qEps, Tensor logBeta, Tensor logBetaTilde, Tensor first) {
    }

    /** The columns for steps i (1..T per row) of a discrete schedule, the model's x0 and ε views. */
    static Rows rows(Backend backend, Model model, DiscreteSchedule sc, int[] steps) {
        int n = steps.length;
        float[] times = new float[n];
        float[] alpha = new float[n];
        float[] sigma = new float[n];
        float[] mx = new float[n];
        float[] mo = new float[n];
        float[] qx0 = new float[n];
        float[] qeps = new float[n];
        float[] logBeta = new float[n];
        float[] logBetaTilde = new float[n];
        float[] first = new float[n];
        int total = sc.steps();
        for (int r = 0; r < n; r++) {
            int i = steps[r];
            double t = (double) i / total;
            double s = (double) (i - 1) / total;
            double at = sc.alpha(t);
            double st = sc.sigma(t);
            double as = sc.alpha(s);
            double ss = sc.sigma(s);
            double ratio = ss == 0 ? 0 : at * ss / (as * st);
            Affine vx = model.coefficients(View.X0, t);
            Affine ve = model.coefficients(View.EPSILON, t);
            times[r] = (float) t;
            alpha[r] = (float) at;
            sigma[r] = (float) st;
            mx[r] = (float) (as * vx.p() + ss * ratio * ve.p());
            mo[r] = (float) (as * vx.q() + ss * ratio * ve.q());
            qx0[r] = (float) as;
            qeps[r] = (float) (ss * ratio);
            logBeta[r] = (float) Math.log(sc.beta(i));
            logBetaTilde[r] = (float) Math.log(sc.betaTilde(i == 1 ? Math.min(2, total) : i));
            first[r] = i == 1 ? 1 : 0;
        }
        return new Rows(steps.clone(), col(backend, times), col(backend, alpha), col(backend, sigma), col(backend, mx),
                col(backend, mo), col(backend, qx0), col(backend, qeps), col(backend, logBeta),
                col(backend, logBetaTilde), col(backend, first));
    }

    /** x_t = √ᾱ_t·x0 + √(1 − ᾱ_t)·ε for every row's step. */
    static Tensor diffuse(Rows rows, Tensor x0, Tensor eps) {
        return x0.mul(rows.alpha()).add(eps.mul(rows.sigma()));
    }

    /** log Σ_θ = v·log β + (1 − v)·log β̃ from the network's interpolation weights v. */
    static Tensor learnedLogVariance(Rows rows, Tensor v) {
        return v.mul(rows.logBeta()).add(v.neg().add(1).mul(rows.logBetaTilde()));
    }

    /** log β or log β̃ as a [rows, 1] column. */
    static Tensor fixedLogVariance(Rows rows, FixedVariance variance) {
        return variance == FixedVariance.BETA ? rows.logBeta() : rows.logBetaTilde();
    }

    /**
     * L_{t−1} for rows with i > 1 and L_0 for rows with i = 1, per coordinate, in nats.
     *
     * @param meanOut the network output (first D columns) that μ_θ is made of
     * @param logVar  log Σ_θ, [rows, D] or [rows, 1]
     */
    static Tensor terms(Rows rows, Tensor x0, Tensor eps, Tensor xt, Tensor meanOut, Tensor logVar, Decoder decoder) {
        Tensor muTheta = xt.mul(rows.muX()).add(meanOut.mul(rows.muOut()));
        Tensor muTilde = x0.mul(rows.qX0()).add(eps.mul(rows.qEps()));
        Tensor lbt = rows.logBetaTilde();
        Tensor invVar = logVar.neg().exp();
        Tensor kl = logVar.sub(lbt).add(lbt.exp().add(muTilde.sub(muTheta).square()).mul(invVar)).sub(1).mul(0.5);
        Tensor nll = decoder == Decoder.CONTINUOUS
                ? logVar.add(Math.log(2 * Math.PI)).add(x0.sub(muTheta).square().mul(invVar)).mul(0.5)
                : discretizedNll(x0, muTheta, logVar);
        Tensor first = rows.first();
        return kl.mul(first.neg().add(1)).add(nll.mul(first));
    }

    /** L_T = KL(N(√ᾱ_T·x0, 1 − ᾱ_T) ‖ N(0, 1)) per coordinate, in nats (host arithmetic, no parameters). */
    static double priorKl(DiscreteSchedule sc, double x0) {
        double abar = sc.alphaBar(sc.steps());
        double var = 1 - abar;
        return 0.5 * (abar * x0 * x0 + var - 1 - Math.log(var));
    }

    /** −log of the probability of x0's bin (Ho et al. Eq. 13), x0 in [−1, 1]. */
    private static Tensor discretizedNll(Tensor x0, Tensor mu, Tensor logVar) {
        float[] x = x0.toArray();
        float[] lo = new float[x.length];
        float[] hi = new float[x.length];
        for (int k = 0; k < x.length; k++) {
            if (!(x[k] >= -1.0001f && x[k] <= 1.0001f)) {
                throw new DataException("the discretised decoder needs data in [-1, 1] (Ho et al. 2020, §3.3), got "
                        + x[k] + "; use the continuous decoder");
            }
            lo[k] = x[k] < -0.999f ? 1 : 0;
            hi[k] = x[k] > 0.999f ? 1 : 0;
        }
        Backend b = x0.backend();
        Tensor edgeLo = Tensor.of(b, lo, x0.shape());
        Tensor edgeHi = Tensor.of(b, hi, x0.shape());
        Tensor invStd = logVar.mul(-0.5).exp();
        Tensor centred = x0.sub(mu);
        Tensor cdfPlus = cdf(centred.add(1.0 / 255).mul(invStd));
        Tensor cdfMinus = cdf(centred.sub(1.0 / 255).mul(invStd));
        double tiny = 1e-12;
        Tensor logCdfPlus = cdfPlus.add(tiny).log();
        Tensor logOneMinusCdfMinus = cdfMinus.neg().add(1 + tiny).log();
        Tensor logDelta = cdfPlus.sub(cdfMinus).add(tiny).log();
        Tensor middle = edgeLo.add(edgeHi).neg().add(1);
        return logCdfPlus.mul(edgeLo).add(logOneMinusCdfMinus.mul(edgeHi)).add(logDelta.mul(middle)).neg();
    }

    /** Φ(x) ≈ ½(1 + tanh(√(2/π)·(x + 0.044715·x³))), the approximation of Ho et al.'s code. */
    private static Tensor cdf(Tensor x) {
        return x.add(x.mul(x.square()).mul(0.044715)).mul(Math.sqrt(2 / Math.PI)).tanh().add(1).mul(0.5);
    }

    private static Tensor col(Backend backend, float[] values) {
        return Tensor.of(backend, values, values.length, 1);
    }
}
