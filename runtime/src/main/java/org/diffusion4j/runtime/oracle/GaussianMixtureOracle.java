package org.diffusion4j.runtime.oracle;

import java.util.Arrays;
import java.util.Map;
import java.util.Objects;
import org.diffusion4j.api.Affine;
import org.diffusion4j.api.Model;
import org.diffusion4j.api.Network;
import org.diffusion4j.api.Parameterization;
import org.diffusion4j.api.Schedule;
import org.diffusion4j.api.View;
import org.diffusion4j.api.tensor.Rng;
import org.diffusion4j.api.tensor.Tensor;

/**
 * The exact denoiser of a Gaussian-mixture data distribution, as a {@link Network} without
 * parameters: samplers and losses can be tested with it independently of training noise.
 *
 * <p>With x0 ~ Σ_k w_k·N(μ_k, s_k²·I) and x_t = α·x0 + σ·ε ("Unified Perspective on Diffusion and
 * Flow Matching", Eq. 2), x_t | k ~ N(α·μ_k, v_k·I) with v_k = α²·s_k² + σ². Given x_t:
 * <ul>
 * <li>responsibilities r_k ∝ w_k·N(x_t; α·μ_k, v_k·I), normalised in log space (log-sum-exp);</li>
 * <li>E[x0 | x_t] = Σ_k r_k·(μ_k + α·s_k²/v_k·(x_t − α·μ_k)) (Gaussian conditioning per component);</li>
 * <li>E[ε | x_t] = Σ_k r_k·σ/v_k·(x_t − α·μ_k), so the score is −E[ε | x_t]/σ (Eq. 20);</li>
 * <li>the posterior covariance of x0 adds Σ_k r_k·s_k²·σ²/v_k per coordinate to the spread of
 *     the component means.</li>
 * </ul>
 * {@link #forward} returns, per row, the parameterization's exact training target
 * a·E[x0 | x_t] + b·E[ε | x_t] with (a, b) = {@link Parameterization#target}(schedule, t_row): the
 * output of a perfectly trained network (for the velocity model, Eq. 9/21). Everything is computed
 * on the host in double precision and returned as float32.
 */
public final class GaussianMixtureOracle implements Network {

    private final GaussianMixture mixture;
    private final Schedule schedule;
    private final Parameterization parameterization;

    public GaussianMixtureOracle(GaussianMixture mixture, Schedule schedule, Parameterization parameterization) {
        this.mixture = Objects.requireNonNull(mixture, "mixture");
        this.schedule = Objects.requireNonNull(schedule, "schedule");
        this.parameterization = Objects.requireNonNull(parameterization, "parameterization");
    }

    /** The exact model: this network with its schedule and parameterization. */
    public static Model model(GaussianMixture mixture, Schedule schedule, Parameterization parameterization) {
        return new Model(new GaussianMixtureOracle(mixture, schedule, parameterization), schedule, parameterization);
    }

    public GaussianMixture mixture() {
        return mixture;
    }

    public Schedule schedule() {
        return schedule;
    }

    public Parameterization parameterization() {
        return parameterization;
    }

    @Override
    public Tensor forward(Tensor x, Tensor t) {
        int d = mixture.dimension();
        if (x.rank() != 2 || x.dim(1) != d) {
            throw new IllegalArgumentException("oracle of a " + d + "-D mixture expects x of shape [batch, " + d
                    + "], got " + Arrays.toString(x.shape()));
        }
        int rows = x.dim(0);
        if (t.rank() != 2 || t.dim(0) != rows || t.dim(1) != 1) {
            throw new IllegalArgumentException("oracle expects t of shape [" + rows + ", 1], got "
                    + Arrays.toString(t.shape()));
        }
        float[] xs = x.toArray();
        float[] ts = t.toArray();
        float[] out = new float[rows * d];
        Posterior post = new Posterior(mixture.components(), d);
        double[] point = new double[d];
        for (int r = 0; r < rows; r++) {
            for (int j = 0; j < d; j++) {
                point[j] = xs[r * d + j];
            }
            double tr = ts[r];
            post.compute(point, tr);
            Affine target = parameterization.target(schedule, tr);
            for (int j = 0; j < d; j++) {
                out[r * d + j] = (float) (target.p() * post.x0[j] + target.q() * post.eps[j]);
            }
        }
        return Tensor.of(x.backend(), out, rows, d);
    }

    /** No trainable parameters. */
    @Override
    public Map<String, Tensor> parameters() {
        return Map.of();
    }

    /** The exact network output (the parameterization's target view) at one point, in double precision. */
    public double[] output(double[] x, double t) {
        Affine target = parameterization.target(schedule, t);
        return combine(x, t, target);
    }

    /** The exact {@code view} (E[view | x_t = x]) at one point, in double precision. */
    public double[] view(View view, double[] x, double t) {
        return combine(x, t, Parameterization.coefficients(view, schedule, t));
    }

    /**
     * The trace of the posterior covariance of x0 given x_t = x: E[‖x0 − E[x0 | x_t]‖² | x_t = x].
     * The conditional flow-matching loss of the exact model at (x, t) is (a − b·α/σ)² times this
     * (the irreducible part of Eq. 6's objective).
     */
    public double posteriorVarianceX0(double[] x, double t) {
        mixture.checkPoint(x);
        Posterior post = new Posterior(mixture.components(), x.length);
        post.compute(x, t);
        return post.varianceX0;
    }

    /** The responsibilities r_k = P(component k | x_t = x). */
    public double[] responsibilities(double[] x, double t) {
        mixture.checkPoint(x);
        Posterior post = new Posterior(mixture.components(), x.length);
        post.compute(x, t);
        return post.r.clone();
    }

    /** log density of the data mixture at x. */
    public double logDensity(double[] x) {
        return mixture.logDensity(x);
    }

    /** {@code n} exact draws from the data mixture (see {@link GaussianMixture#sample(Rng, int)}). */
    public double[][] sample(Rng rng, int n) {
        return mixture.sample(rng, n);
    }

    private double[] combine(double[] x, double t, Affine c) {
        mixture.checkPoint(x);
        Posterior post = new Posterior(mixture.components(), x.length);
        post.compute(x, t);
        double[] out = new double[x.length];
        for (int j = 0; j < x.length; j++) {
            out[j] = c.p() * post.x0[j] + c.q() * post.eps[j];
        }
        return out;
    }

    /** Scratch space for the posterior at one point. */
    private final class Posterior {
        final double[] r;
        final double[] x0;
        final double[] eps;
        double varianceX0;

        Posterior(int k, int d) {
            r = new double[k];
            x0 = new double[d];
            eps = new double[d];
        }

        void compute(double[] x, double t) {
            double a = schedule.alpha(t);
            double s = schedule.sigma(t);
            int k = mixture.components();
            int d = x.length;
            double max = Double.NEGATIVE_INFINITY;
            for (int c = 0; c < k; c++) {
                double sk = mixture.std(c);
                double v = a * a * sk * sk + s * s;
                double sq = 0;
                for (int j = 0; j < d; j++) {
                    double diff = x[j] - a * mixture.mean(c, j);
                    sq += diff * diff;
                }
                r[c] = Math.log(mixture.weight(c)) - 0.5 * (d * Math.log(v) + sq / v);
                max = Math.max(max, r[c]);
            }
            double total = 0;
            for (int c = 0; c < k; c++) {
                r[c] = Math.exp(r[c] - max);
                total += r[c];
            }
            Arrays.fill(x0, 0);
            Arrays.fill(eps, 0);
            double second = 0;
            for (int c = 0; c < k; c++) {
                r[c] /= total;
                double sk = mixture.std(c);
                double v = a * a * sk * sk + s * s;
                double shrink = a * sk * sk / v;
                double noise = s / v;
                double norm2 = 0;
                for (int j = 0; j < d; j++) {
                    double mu = mixture.mean(c, j);
                    double diff = x[j] - a * mu;
                    double m = mu + shrink * diff;
                    x0[j] += r[c] * m;
                    eps[j] += r[c] * noise * diff;
                    norm2 += m * m;
                }
                second += r[c] * (d * sk * sk * s * s / v + norm2);
            }
            double meanNorm2 = 0;
            for (int j = 0; j < d; j++) {
                meanNorm2 += x0[j] * x0[j];
            }
            varianceX0 = Math.max(0, second - meanNorm2);
        }
    }

    @Override
    public String toString() {
        return "GaussianMixtureOracle[" + mixture + ", " + schedule + ", " + parameterization.predicts() + "]";
    }
}
