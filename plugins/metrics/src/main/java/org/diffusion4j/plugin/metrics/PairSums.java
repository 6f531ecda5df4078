package org.diffusion4j.plugin.metrics;

import java.util.stream.IntStream;

/**
 * Sums of a function of a pair measure over all pairs of two point sets: of the squared Euclidean
 * distance (the core of {@link Mmd2} and {@link EnergyDistance}) or of the dot product (the
 * polynomial kernel of {@link KernelInceptionDistance}).
 *
 * <p>Rows (points of the first set) are processed in parallel; each row's sum is formed in a fixed
 * order into its own slot and the row sums are then added in index order, so the result is
 * bit-identical whatever the number of threads. The squared distance of a pair is formed exactly
 * as the peer forms it, {@code (a₀−b₀)² + (a₁−b₁)² + …} in coordinate order.
 */
final class PairSums {

    /** Rows per parallel task: small enough to balance the triangular self sums on two cores. */
    private static final int ROWS_PER_TASK = 32;

    private PairSums() {
    }

    /**
     * What is summed along one row: receives the pair measures {@code d2[0..len)} of one point to a
     * run of points of the other set and returns the sum of {@code f(d2[k])}. {@code scratch} has at
     * least {@code len} elements and may be overwritten; {@code d2} may be overwritten too.
     */
    interface RowFunction {
        double rowSum(double[] d2, int len, double[] scratch);
    }

    /** What a pair of points is reduced to before the row function sees it. */
    enum Measure {
        /** |a − b|², formed (a₀−b₀)² + (a₁−b₁)² + … in coordinate order, as the peer does. */
        SQUARED_DISTANCE,
        /** aᵀb, formed a₀b₀ + a₁b₁ + … in coordinate order. */
        DOT
    }

    /** {@code Σ_{i<j} f(|a_i − a_j|²)}: half the off-diagonal sum of a set against itself. */
    static double upperTriangle(PointColumns a, RowFunction f) {
        return sum(a, a, true, Measure.SQUARED_DISTANCE, f);
    }

    /** {@code Σ_{i,j} f(|a_i − b_j|²)} over all pairs of two sets. */
    static double allPairs(PointColumns a, PointColumns b, RowFunction f) {
        return sum(a, b, false, Measure.SQUARED_DISTANCE, f);
    }

    /** {@code Σ_{i<j} f(m(a_i, a_j))} for pair measure m. */
    static double upperTriangle(PointColumns a, Measure measure, RowFunction f) {
        return sum(a, a, true, measure, f);
    }

    /** {@code Σ_{i,j} f(m(a_i, b_j))} for pair measure m. */
    static double allPairs(PointColumns a, PointColumns b, Measure measure, RowFunction f) {
        return sum(a, b, false, measure, f);
    }

    private static double sum(PointColumns a, PointColumns b, boolean upper, Measure measure, RowFunction f) {
        int n = a.count;
        int m = b.count;
        double[] rowSums = new double[n];
        int tasks = (n + ROWS_PER_TASK - 1) / ROWS_PER_TASK;
        IntStream.range(0, tasks).parallel().forEach(task -> {
            double[] d2 = new double[m];
            double[] scratch = new double[m];
            int end = Math.min(n, (task + 1) * ROWS_PER_TASK);
            for (int i = task * ROWS_PER_TASK; i < end; i++) {
                int from = upper ? i + 1 : 0;
                int len = m - from;
                if (len > 0) {
                    if (measure == Measure.DOT) {
                        dots(a, i, b, from, len, d2);
                    } else {
                        squaredDistances(a, i, b, from, len, d2);
                    }
                    rowSums[i] = f.rowSum(d2, len, scratch);
                }
            }
        });
        double total = 0.0;
        for (double s : rowSums) {
            total += s;
        }
        return total;
    }

    /** {@code d2[k] = |a_i − b_{from+k}|²} for {@code k < len}. */
    private static void squaredDistances(PointColumns a, int i, PointColumns b, int from, int len, double[] d2) {
        double[] bc = b.column[0];
        double ac = a.column[0][i];
        for (int k = 0; k < len; k++) {
            double t = ac - bc[from + k];
            d2[k] = t * t;
        }
        for (int c = 1; c < a.dimension; c++) {
            bc = b.column[c];
            ac = a.column[c][i];
            for (int k = 0; k < len; k++) {
                double t = ac - bc[from + k];
                d2[k] += t * t;
            }
        }
    }

    /** {@code dot[k] = a_i · b_{from+k}} for {@code k < len}, coordinate by coordinate (unit stride, vectorised). */
    private static void dots(PointColumns a, int i, PointColumns b, int from, int len, double[] dot) {
        double[] bc = b.column[0];
        double ac = a.column[0][i];
        for (int k = 0; k < len; k++) {
            dot[k] = ac * bc[from + k];
        }
        for (int c = 1; c < a.dimension; c++) {
            bc = b.column[c];
            ac = a.column[c][i];
            for (int k = 0; k < len; k++) {
                dot[k] += ac * bc[from + k];
            }
        }
    }

    /** Sum of {@code v[0..len)} with four interleaved accumulators (a fixed order, so deterministic). */
    static double sum(double[] v, int len) {
        double s0 = 0.0;
        double s1 = 0.0;
        double s2 = 0.0;
        double s3 = 0.0;
        int k = 0;
        for (; k + 4 <= len; k += 4) {
            s0 += v[k];
            s1 += v[k + 1];
            s2 += v[k + 2];
            s3 += v[k + 3];
        }
        double s = (s0 + s1) + (s2 + s3);
        for (; k < len; k++) {
            s += v[k];
        }
        return s;
    }
}
