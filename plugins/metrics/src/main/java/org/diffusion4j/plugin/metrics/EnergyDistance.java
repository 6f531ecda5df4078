package org.diffusion4j.plugin.metrics;

import org.diffusion4j.api.Metric;
import org.diffusion4j.api.PointSet;

/**
 * Energy distance (Székely and Rizzo, "Energy statistics: A class of statistics based on
 * distances", J. Stat. Planning and Inference 143, 2013, Eq. 2.1) with U-statistics within the
 * sets, exactly as the peer harness defines it ({@code peers/metrics.py}, {@code energy}):
 *
 * <pre>
 *   E = 2/(nm) Σ_{i,j} |x_i − y_j| − 1/(n(n−1)) Σ_{i≠j} |x_i − x_j| − 1/(m(m−1)) Σ_{i≠j} |y_i − y_j|
 * </pre>
 *
 * <p>In double precision; can be slightly negative when both sets come from one distribution.
 * Samples with a non-finite coordinate score {@code NaN}.
 */
public final class EnergyDistance implements Metric {

    private final SelfSumCache referenceSelfSum = new SelfSumCache();

    @Override
    public double compute(PointSet samples, PointSet reference) {
        PointColumns.check(EnergyDistanceProvider.NAME, samples, reference, 2);
        PointColumns x = PointColumns.of(samples);
        PointColumns y = PointColumns.of(reference);
        if (!x.finite || !y.finite) {
            return Double.NaN;
        }
        double n = x.count;
        double m = y.count;
        double dxx = 2.0 * PairSums.upperTriangle(x, EnergyDistance::distanceRow);
        double dyy = 2.0 * referenceSelfSum.get(reference, y, c -> PairSums.upperTriangle(c, EnergyDistance::distanceRow));
        double dxy = PairSums.allPairs(x, y, EnergyDistance::distanceRow);
        return 2.0 * dxy / (n * m) - dxx / (n * (n - 1.0)) - dyy / (m * (m - 1.0));
    }

    /** {@code Σ_k √d2[k]}. */
    static double distanceRow(double[] d2, int len, double[] scratch) {
        for (int k = 0; k < len; k++) {
            scratch[k] = Math.sqrt(d2[k]);
        }
        return PairSums.sum(scratch, len);
    }
}
