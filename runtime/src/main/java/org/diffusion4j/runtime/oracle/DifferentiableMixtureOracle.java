package org.diffusion4j.runtime.oracle;

import java.util.Arrays;
import java.util.Map;
import org.diffusion4j.api.Affine;
import org.diffusion4j.api.Model;
import org.diffusion4j.api.Network;
import org.diffusion4j.api.Parameterization;
import org.diffusion4j.api.Schedule;
import org.diffusion4j.api.tensor.Backend;
import org.diffusion4j.api.tensor.Tensor;

/**
 * The exact network of {@link GaussianMixtureOracle} written in tensor ops, so that it records a
 * gradient with respect to x: what the probability-flow likelihood needs for the divergence of the
 * flow (Song et al. 2021, "Score-Based Generative Modeling through SDEs", Eq. 39).
 *
 * <p>Same model ("Unified Perspective on Diffusion and Flow Matching", Eq. 2): with
 * v_k = α²·s_k² + σ² and responsibilities r_k = softmax_k(log w_k − D/2·log v_k − ‖x − α·μ_k‖²/(2·v_k)),
 * the target a·E[x0 | x] + b·E[ε | x] with (a, b) = {@link Parameterization#target} is
 * Σ_k r_k·(A_k·(x − α·μ_k) + a·μ_k), A_k = (a·α·s_k² + b·σ)/v_k (Gaussian conditioning per component).
 * Time is per row and taken on the host: nothing differentiates with respect to it. When x records no
 * gradient the host oracle answers (same values, double precision, faster).
 */
public final class DifferentiableMixtureOracle implements Network {

    private final GaussianMixture mixture;
    private final Schedule schedule;
    private final Parameterization parameterization;
    private final GaussianMixtureOracle host;

    public DifferentiableMixtureOracle(GaussianMixture mixture, Schedule schedule, Parameterization parameterization) {
        this.host = new GaussianMixtureOracle(mixture, schedule, parameterization);
        this.mixture = mixture;
        this.schedule = schedule;
        this.parameterization = parameterization;
    }

    /** The exact model: this network with its schedule and parameterization. */
    public static Model model(GaussianMixture mixture, Schedule schedule, Parameterization parameterization) {
        return new Model(new DifferentiableMixtureOracle(mixture, schedule, parameterization), schedule,
                parameterization);
    }

    @Override
    public Tensor forward(Tensor x, Tensor t) {
        if (!x.requiresGrad()) {
            return host.forward(x, t);
        }
        int n = x.dim(0);
        int d = mixture.dimension();
        if (x.rank() != 2 || x.dim(1) != d || t.rank() != 2 || t.dim(0) != n || t.dim(1) != 1) {
            throw new IllegalArgumentException("oracle of a " + d + "-D mixture expects x [batch, " + d
                    + "] and t [batch, 1], got " + Arrays.toString(x.shape()) + " and " + Arrays.toString(t.shape()));
        }
        Backend be = x.backend();
        int k = mixture.components();
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
        Arrays.fill(max, Double.NEGATIVE_INFINITY);
        for (int c = 0; c < k; c++) {
            diff[c] = x.sub(column(be, alpha).mul(row(be, mu[c])));
            logit[c] = diff[c].square().sum(1).mul(column(be, negHalfPrecision[c])).add(column(be, logNorm[c]));
            float[] l = logit[c].toArray();
            for (int r = 0; r < n; r++) {
                max[r] = Math.max(max[r], l[r]);
            }
        }
        // softmax over components, shifted by the row maximum (a constant: no gradient flows through it)
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

    /** No trainable parameters. */
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

    @Override
    public String toString() {
        return "DifferentiableMixtureOracle[" + mixture + ", " + schedule + ", " + parameterization.predicts() + "]";
    }
}
