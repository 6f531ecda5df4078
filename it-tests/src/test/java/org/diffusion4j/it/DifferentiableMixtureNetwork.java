package org.diffusion4j.it;

import java.util.Map;
import org.diffusion4j.api.Affine;
import org.diffusion4j.api.Network;
import org.diffusion4j.api.Parameterization;
import org.diffusion4j.api.Schedule;
import org.diffusion4j.api.tensor.Backend;
import org.diffusion4j.api.tensor.Tensor;
import org.diffusion4j.runtime.oracle.GaussianMixture;
import org.diffusion4j.runtime.oracle.GaussianMixtureOracle;

/**
 * The exact network of {@link GaussianMixtureOracle} written in tensor ops, so that it records a
 * gradient with respect to x: what the probability-flow likelihood needs for the divergence of the
 * flow (Song et al. 2021, Eq. 39). Same model ("Unified Perspective", Eq. 2): with
 * v_k = α²·s_k² + σ² and r_k ∝ w_k·N(x; α·μ_k, v_k·I), the target a·E[x0 | x] + b·E[ε | x] is
 * Σ_k r_k·(A_k·(x − α·μ_k) + a·μ_k) with A_k = (a·α·s_k² + b·σ)/v_k.
 * Time is per row and taken on the host (nothing differentiates with respect to it).
 */
final class DifferentiableMixtureNetwork implements Network {

    private final GaussianMixture mixture;
    private final Schedule schedule;
    private final Parameterization parameterization;
    private final GaussianMixtureOracle host;

    DifferentiableMixtureNetwork(GaussianMixture mixture, Schedule schedule, Parameterization parameterization) {
        this.mixture = mixture;
        this.schedule = schedule;
        this.parameterization = parameterization;
        this.host = new GaussianMixtureOracle(mixture, schedule, parameterization);
    }

    @Override
    public Tensor forward(Tensor x, Tensor t) {
        if (!x.requiresGrad()) {
            return host.forward(x, t); // no gradient can be asked for: the (faster) host oracle
        }
        Backend be = x.backend();
        int n = x.dim(0);
        int k = mixture.components();
        int d = mixture.dimension();
        double[][] mu = mixture.means();
        double[] s = mixture.stds();
        double[] w = mixture.weights();
        float[] ts = t.toArray();
        double[] alpha = new double[n];
        double[] a = new double[n];
        double[][] slope = new double[k][n];
        double[][] logNorm = new double[k][n];
        double[][] negHalfPrecision = new double[k][n];
        for (int r = 0; r < n; r++) {
            alpha[r] = schedule.alpha(ts[r]);
            double sigma = schedule.sigma(ts[r]);
            Affine target = parameterization.target(schedule, ts[r]);
            a[r] = target.p();
            for (int c = 0; c < k; c++) {
                double v = alpha[r] * alpha[r] * s[c] * s[c] + sigma * sigma;
                slope[c][r] = (target.p() * alpha[r] * s[c] * s[c] + target.q() * sigma) / v;
                logNorm[c][r] = Math.log(w[c]) - 0.5 * d * Math.log(v);
                negHalfPrecision[c][r] = -0.5 / v;
            }
        }
        Tensor[] diff = new Tensor[k];
        Tensor[] logit = new Tensor[k];
        double[] max = new double[n];
        java.util.Arrays.fill(max, Double.NEGATIVE_INFINITY);
        for (int c = 0; c < k; c++) {
            diff[c] = x.sub(column(be, alpha).mul(row(be, mu[c])));
            logit[c] = diff[c].square().sum(1).mul(column(be, negHalfPrecision[c])).add(column(be, logNorm[c]));
            float[] l = logit[c].toArray();
            for (int r = 0; r < n; r++) {
                max[r] = Math.max(max[r], l[r]);
            }
        }
        // softmax over components, shifted by the (constant) row maximum for stability
        Tensor shift = column(be, max).neg();
        Tensor numerator = null;
        Tensor total = null;
        for (int c = 0; c < k; c++) {
            Tensor e = logit[c].add(shift).exp();
            Tensor term = diff[c].mul(column(be, slope[c])).add(column(be, a).mul(row(be, mu[c]))).mul(e);
            numerator = numerator == null ? term : numerator.add(term);
            total = total == null ? e : total.add(e);
        }
        return numerator.div(total);
    }

    @Override
    public Map<String, Tensor> parameters() {
        return Map.of();
    }

    private static Tensor column(Backend be, double[] v) {
        float[] f = new float[v.length];
        for (int i = 0; i < v.length; i++) {
            f[i] = (float) v[i];
        }
        return Tensor.of(be, f, v.length, 1);
    }

    private static Tensor row(Backend be, double[] v) {
        return column(be, v).reshape(1, v.length);
    }
}
