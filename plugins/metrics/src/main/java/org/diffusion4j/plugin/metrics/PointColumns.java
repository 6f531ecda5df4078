package org.diffusion4j.plugin.metrics;

import org.diffusion4j.api.PointSet;
import org.diffusion4j.api.DataException;

/**
 * A point set converted once to double precision and stored column by column
 * ({@code column[c][i]} = coordinate {@code c} of point {@code i}), the layout the pair loops read
 * with unit stride. The float32 values convert exactly, as the peer's {@code float32 → float64} cast.
 */
final class PointColumns {

    final int count;
    final int dimension;
    final double[][] column;
    final boolean finite;

    private PointColumns(int count, int dimension, double[][] column, boolean finite) {
        this.count = count;
        this.dimension = dimension;
        this.column = column;
        this.finite = finite;
    }

    static PointColumns of(PointSet points) {
        int n = points.count();
        int d = points.dimension();
        float[] v = points.values();
        double[][] col = new double[d][n];
        boolean finite = true;
        for (int i = 0; i < n; i++) {
            for (int c = 0; c < d; c++) {
                float x = v[i * d + c];
                finite &= Float.isFinite(x);
                col[c][i] = x;
            }
        }
        return new PointColumns(n, d, col, finite);
    }

    /**
     * Checks what every metric needs of its two arguments: the same dimension, and at least
     * {@code minCount} points in each.
     *
     * @throws IllegalArgumentException naming the metric and the offending sizes
     */
    static void check(String metric, PointSet samples, PointSet reference, int minCount) {
        if (samples.dimension() != reference.dimension()) {
            throw new DataException(metric + ": samples are " + samples.dimension() + "-D but the reference is "
                    + reference.dimension() + "-D; both sets must have the same dimension");
        }
        if (samples.count() < minCount || reference.count() < minCount) {
            throw new DataException(metric + ": needs at least " + minCount + " point"
                    + (minCount == 1 ? "" : "s") + " in each set, got " + samples.count() + " samples and "
                    + reference.count() + " reference points");
        }
    }
}
