package org.diffusion4j.runtime.oracle;

import java.util.Arrays;
import org.diffusion4j.api.Schedule;
import org.diffusion4j.api.tensor.Backend;
import org.diffusion4j.api.tensor.Rng;
import org.diffusion4j.api.tensor.Tensor;

/**
 * A mixture of isotropic Gaussians, p(x) = Σ_k w_k·N(x; μ_k, s_k²·I), in double precision. Immutable:
 * the arrays are copied in and out, and the weights are normalised to sum to 1.
 *
 * @param means   [K][D] component means
 * @param stds    [K] per-component standard deviation s_k &gt; 0
 * @param weights [K] positive mixture weights (normalised here)
 */
public record GaussianMixture(double[][] means, double[] stds, double[] weights) {

    private static final double LOG_2PI = Math.log(2 * Math.PI);

    public GaussianMixture {
        int k = means.length;
        if (k == 0) {
            throw new IllegalArgumentException("a mixture needs at least one component");
        }
        if (stds.length != k || weights.length != k) {
            throw new IllegalArgumentException("mixture of " + k + " means needs " + k + " stds and weights, got "
                    + stds.length + " and " + weights.length);
        }
        int d = means[0].length;
        double total = 0;
        double[][] m = new double[k][];
        for (int i = 0; i < k; i++) {
            if (means[i].length != d || d == 0) {
                throw new IllegalArgumentException("component " + i + " has dimension " + means[i].length
                        + ", component 0 has " + d);
            }
            if (!(stds[i] > 0) || !Double.isFinite(stds[i])) {
                throw new IllegalArgumentException("component " + i + " has std " + stds[i] + "; it must be > 0");
            }
            if (!(weights[i] > 0) || !Double.isFinite(weights[i])) {
                throw new IllegalArgumentException("component " + i + " has weight " + weights[i]
                        + "; it must be > 0");
            }
            m[i] = means[i].clone();
            total += weights[i];
        }
        double[] w = new double[k];
        for (int i = 0; i < k; i++) {
            w[i] = weights[i] / total;
        }
        means = m;
        stds = stds.clone();
        weights = w;
    }

    /** Equal weights. */
    public static GaussianMixture of(double[][] means, double... stds) {
        double[] w = new double[means.length];
        Arrays.fill(w, 1.0 / means.length);
        return new GaussianMixture(means, stds, w);
    }

    /** The blog's data: two Gaussians at (4, 4) and (4, −4) with std 0.5, equal weights (§2.3). */
    public static GaussianMixture twoBlobs() {
        return of(new double[][]{{4, 4}, {4, -4}}, 0.5, 0.5);
    }

    public int components() {
        return stds.length;
    }

    public int dimension() {
        return means[0].length;
    }

    @Override
    public double[][] means() {
        double[][] m = new double[means.length][];
        for (int i = 0; i < m.length; i++) {
            m[i] = means[i].clone();
        }
        return m;
    }

    @Override
    public double[] stds() {
        return stds.clone();
    }

    @Override
    public double[] weights() {
        return weights.clone();
    }

    double mean(int k, int j) {
        return means[k][j];
    }

    double std(int k) {
        return stds[k];
    }

    double weight(int k) {
        return weights[k];
    }

    /**
     * How far a point cloud is from this mixture, by per-component statistics ({@link ComponentStats}):
     * each point goes to its most probable component; the error is
     * Σ_k |share_k − w_k| + Σ_k w_k·(‖mean_k − μ_k‖ + |std_k − s_k|), zero for a perfect sample up to
     * Monte-Carlo noise of order 1/√n.
     */
    public double sampleError(float[] points) {
        return ComponentStats.of(this, points).error(this);
    }

    /** log p(x), computed stably (log-sum-exp). */
    public double logDensity(double[] x) {
        checkPoint(x);
        int k = components();
        double[] logs = new double[k];
        for (int i = 0; i < k; i++) {
            logs[i] = Math.log(weights[i]) + logNormal(x, means[i], 1.0, stds[i] * stds[i]);
        }
        return logSumExp(logs);
    }

    /**
     * The marginal of x_t = α(t)·x0 + σ(t)·ε when x0 follows this mixture: components
     * N(α·μ_k, (α²·s_k² + σ²)·I) with the same weights ("Unified Perspective", Eq. 2).
     */
    public GaussianMixture marginal(Schedule schedule, double t) {
        double a = schedule.alpha(t);
        double s = schedule.sigma(t);
        double[][] m = new double[components()][dimension()];
        double[] sd = new double[components()];
        for (int i = 0; i < components(); i++) {
            for (int j = 0; j < dimension(); j++) {
                m[i][j] = a * means[i][j];
            }
            sd[i] = Math.sqrt(a * a * stds[i] * stds[i] + s * s);
        }
        return new GaussianMixture(m, sd, weights);
    }

    /**
     * {@code n} exact draws: for each point, one uniform picks the component (inverse CDF of the
     * weights), then D standard normals (Box–Muller, {@link Rng#nextGaussian}) scale and shift it.
     */
    public double[][] sample(Rng rng, int n) {
        if (n < 0) {
            throw new IllegalArgumentException("sample count must be ≥ 0, got " + n);
        }
        double[][] out = new double[n][dimension()];
        for (int r = 0; r < n; r++) {
            int k = pick(rng.nextDouble());
            for (int j = 0; j < dimension(); j++) {
                out[r][j] = means[k][j] + stds[k] * rng.nextGaussian();
            }
        }
        return out;
    }

    /** {@link #sample(Rng, int)} as a float32 [n, D] tensor. */
    public Tensor sample(Backend backend, Rng rng, int n) {
        double[][] points = sample(rng, n);
        int d = dimension();
        float[] v = new float[n * d];
        for (int r = 0; r < n; r++) {
            for (int j = 0; j < d; j++) {
                v[r * d + j] = (float) points[r][j];
            }
        }
        return Tensor.of(backend, v, n, d);
    }

    private int pick(double u) {
        double c = 0;
        for (int i = 0; i < weights.length - 1; i++) {
            c += weights[i];
            if (u < c) {
                return i;
            }
        }
        return weights.length - 1;
    }

    void checkPoint(double[] x) {
        if (x.length != dimension()) {
            throw new IllegalArgumentException("point of dimension " + x.length + " for a " + dimension()
                    + "-D mixture");
        }
    }

    /** log N(x; scale·μ, var·I). */
    static double logNormal(double[] x, double[] mu, double scale, double var) {
        double sq = 0;
        for (int j = 0; j < x.length; j++) {
            double d = x[j] - scale * mu[j];
            sq += d * d;
        }
        return -0.5 * (x.length * (LOG_2PI + Math.log(var)) + sq / var);
    }

    static double logSumExp(double[] v) {
        double max = Double.NEGATIVE_INFINITY;
        for (double x : v) {
            max = Math.max(max, x);
        }
        if (max == Double.NEGATIVE_INFINITY) {
            return max;
        }
        double s = 0;
        for (double x : v) {
            s += Math.exp(x - max);
        }
        return max + Math.log(s);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof GaussianMixture g && Arrays.deepEquals(means, g.means) && Arrays.equals(stds, g.stds)
                && Arrays.equals(weights, g.weights);
    }

    @Override
    public int hashCode() {
        return 31 * (31 * Arrays.deepHashCode(means) + Arrays.hashCode(stds)) + Arrays.hashCode(weights);
    }

    @Override
    public String toString() {
        return "GaussianMixture[means=" + Arrays.deepToString(means) + ", stds=" + Arrays.toString(stds)
                + ", weights=" + Arrays.toString(weights) + "]";
    }
}
