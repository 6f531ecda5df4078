package org.diffusion4j.runtime.oracle;

import java.util.Arrays;

/**
 * Per-component statistics of a point cloud against a {@link GaussianMixture}: each point goes to
 * the component with the highest posterior probability w_k·N(x; μ_k, s_k²·I); per component the
 * share of points, their mean and their standard deviation pooled over coordinates. For an exact
 * sample these match (w_k, μ_k, s_k) up to Monte-Carlo noise of order 1/√n.
 *
 * @param share [K] fraction of the points assigned to each component
 * @param mean  [K][D] mean of those points (0 where none)
 * @param std   [K] their standard deviation, pooled over the D coordinates
 */
public record ComponentStats(double[] share, double[][] mean, double[] std) {

    /** The statistics of {@code points} (row-major, the mixture's dimension per point). */
    public static ComponentStats of(GaussianMixture mixture, float[] points) {
        int k = mixture.components();
        int d = mixture.dimension();
        int n = points.length / d;
        int[] label = new int[n];
        double[] count = new double[k];
        double[][] sum = new double[k][d];
        for (int i = 0; i < n; i++) {
            double best = Double.NEGATIVE_INFINITY;
            for (int c = 0; c < k; c++) {
                double sq = 0;
                for (int j = 0; j < d; j++) {
                    double diff = points[i * d + j] - mixture.mean(c, j);
                    sq += diff * diff;
                }
                double s = mixture.std(c);
                double logp = Math.log(mixture.weight(c)) - d * Math.log(s) - sq / (2 * s * s);
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
        for (int c = 0; c < k; c++) {
            for (int j = 0; j < d; j++) {
                mean[c][j] = sum[c][j] / Math.max(1, count[c]);
            }
        }
        double[] sq = new double[k];
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
    public double error(GaussianMixture mixture) {
        double e = 0;
        for (int c = 0; c < share.length; c++) {
            double sq = 0;
            for (int j = 0; j < mean[c].length; j++) {
                double m = mean[c][j] - mixture.mean(c, j);
                sq += m * m;
            }
            double w = mixture.weight(c);
            e += Math.abs(share[c] - w) + w * (Math.sqrt(sq) + Math.abs(std[c] - mixture.std(c)));
        }
        return e;
    }

    /** max_k |std_k − s_k|. */
    public double maxStdError(GaussianMixture mixture) {
        double m = 0;
        for (int c = 0; c < std.length; c++) {
            m = Math.max(m, Math.abs(std[c] - mixture.std(c)));
        }
        return m;
    }

    @Override
    public String toString() {
        StringBuilder b = new StringBuilder();
        for (int c = 0; c < std.length; c++) {
            b.append(String.format("[share %.3f mean %s std %.3f]", share[c], Arrays.toString(
                    Arrays.stream(mean[c]).map(v -> Math.round(v * 1000) / 1000.0).toArray()), std[c]));
        }
        return b.toString();
    }
}
