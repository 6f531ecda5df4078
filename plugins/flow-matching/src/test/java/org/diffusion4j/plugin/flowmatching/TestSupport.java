package org.diffusion4j.plugin.flowmatching;

import java.util.ServiceLoader;
import org.diffusion4j.api.ComponentProvider;
import org.diffusion4j.api.Model;
import org.diffusion4j.runtime.oracle.GaussianMixture;
import org.diffusion4j.runtime.oracle.GaussianMixtureOracle;
import org.diffusion4j.runtime.testing.PluginTestSupport;

/** Shared fixtures: backend, component creation through providers, mixtures and distances. */
final class TestSupport extends PluginTestSupport {

    private TestSupport() {
    }

    static ComponentProvider<?> provider(String name) {
        for (ComponentProvider<?> p : ServiceLoader.load(ComponentProvider.class)) {
            if (p.name().equals(name)) {
                return p;
            }
        }
        throw new AssertionError("no provider " + name);
    }

    /** The blog's data: (4, 4), (4, −4), std 0.5, equal weights. */
    static GaussianMixture twoBlobs() {
        return GaussianMixture.twoBlobs();
    }

    /** A harder mixture: unequal weights and widths, one narrow component. */
    static GaussianMixture threeComponents() {
        return new GaussianMixture(new double[][]{{-3, 0}, {2, 2.5}, {1.5, -3}},
                new double[]{0.3, 0.6, 0.2}, new double[]{0.2, 0.5, 0.3});
    }

    static Model oracleModel(GaussianMixture mixture) {
        return GaussianMixtureOracle.model(mixture, new LinearInterpolantSchedule(), new VelocityParameterization());
    }

    /** Mean Euclidean distance between paired points. */
    static double meanDistance(float[] a, float[] b, int d) {
        double s = 0;
        int n = a.length / d;
        for (int i = 0; i < n; i++) {
            double sq = 0;
            for (int j = 0; j < d; j++) {
                double diff = a[i * d + j] - b[i * d + j];
                sq += diff * diff;
            }
            s += Math.sqrt(sq);
        }
        return s / n;
    }

    /**
     * Energy distance 2E|X−Y| − E|X−X′| − E|Y−Y′| (Székely and Rizzo), U-statistics within sets.
     * Zero in expectation when both sets come from one distribution.
     */
    static double energyDistance(float[] x, float[] y, int d) {
        return 2 * meanPairDistance(x, y, d, false) - meanPairDistance(x, x, d, true) - meanPairDistance(y, y, d, true);
    }

    private static double meanPairDistance(float[] x, float[] y, int d, boolean skipDiagonal) {
        int n = x.length / d;
        int m = y.length / d;
        double s = 0;
        long count = 0;
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < m; j++) {
                if (skipDiagonal && i == j) {
                    continue;
                }
                double sq = 0;
                for (int k = 0; k < d; k++) {
                    double diff = x[i * d + k] - y[j * d + k];
                    sq += diff * diff;
                }
                s += Math.sqrt(sq);
                count++;
            }
        }
        return s / count;
    }

    /**
     * Per-component statistics of a sample: each point goes to the component with the highest
     * posterior probability under the mixture; per component the share of points, the mean and the
     * standard deviation pooled over coordinates.
     */
    record ComponentStats(double[] share, double[][] mean, double[] std) {

        static ComponentStats of(GaussianMixture mixture, float[] points) {
            int k = mixture.components();
            int d = mixture.dimension();
            int n = points.length / d;
            double[][] mu = mixture.means();
            double[] s = mixture.stds();
            double[] w = mixture.weights();
            int[] label = new int[n];
            double[] count = new double[k];
            double[][] sum = new double[k][d];
            for (int i = 0; i < n; i++) {
                double best = Double.NEGATIVE_INFINITY;
                for (int c = 0; c < k; c++) {
                    double sq = 0;
                    for (int j = 0; j < d; j++) {
                        double diff = points[i * d + j] - mu[c][j];
                        sq += diff * diff;
                    }
                    double logp = Math.log(w[c]) - d * Math.log(s[c]) - sq / (2 * s[c] * s[c]);
                    if (logp > best) {
                        best = logp;
                        label[i] = c;
                    }
                }
                count[label[i]]++;
                for (int j = 0; j < d; j++) {
                    sum[label[i]][j] += points[i * d + j];
                }
            }
            double[][] mean = new double[k][d];
            double[] sq = new double[k];
            for (int c = 0; c < k; c++) {
                for (int j = 0; j < d; j++) {
                    mean[c][j] = sum[c][j] / Math.max(1, count[c]);
                }
            }
            for (int i = 0; i < n; i++) {
                for (int j = 0; j < d; j++) {
                    double diff = points[i * d + j] - mean[label[i]][j];
                    sq[label[i]] += diff * diff;
                }
            }
            double[] share = new double[k];
            double[] std = new double[k];
            for (int c = 0; c < k; c++) {
                share[c] = count[c] / n;
                std[c] = Math.sqrt(sq[c] / Math.max(1, count[c] * d));
            }
            return new ComponentStats(share, mean, std);
        }

        /**
         * Σ_k |share_k − w_k| + Σ_k w_k·(‖mean_k − μ_k‖ + |std_k − s_k|): zero for a perfect sample, up to
         * Monte-Carlo noise of order 1/√n.
         */
        double error(GaussianMixture mixture) {
            double[][] mu = mixture.means();
            double[] s = mixture.stds();
            double[] w = mixture.weights();
            double e = 0;
            for (int c = 0; c < w.length; c++) {
                double sq = 0;
                for (int j = 0; j < mu[c].length; j++) {
                    sq += (mean[c][j] - mu[c][j]) * (mean[c][j] - mu[c][j]);
                }
                e += Math.abs(share[c] - w[c]) + w[c] * (Math.sqrt(sq) + Math.abs(std[c] - s[c]));
            }
            return e;
        }

        double maxStdError(GaussianMixture mixture) {
            double[] s = mixture.stds();
            double m = 0;
            for (int c = 0; c < s.length; c++) {
                m = Math.max(m, Math.abs(std[c] - s[c]));
            }
            return m;
        }

        @Override
        public String toString() {
            StringBuilder b = new StringBuilder();
            for (int c = 0; c < std.length; c++) {
                b.append(String.format("[share %.3f mean %s std %.3f]", share[c], java.util.Arrays.toString(
                        java.util.Arrays.stream(mean[c]).map(v -> Math.round(v * 1000) / 1000.0).toArray()), std[c]));
            }
            return b.toString();
        }
    }
}
