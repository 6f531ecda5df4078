package org.diffusion4j.plugin.metrics;

import java.util.Arrays;
import java.util.stream.IntStream;
import org.diffusion4j.api.Metric;
import org.diffusion4j.api.PointSet;
import org.diffusion4j.api.tensor.Rng;
import org.diffusion4j.api.config.ConfigException;

/**
 * Sliced Wasserstein-2 distance (Rabin, Peyré, Delon and Bernot, "Wasserstein Barycenter and its
 * Application to Texture Mixing", SSVM 2011; Bonneel, Rabin, Peyré and Pfister, "Sliced and Radon
 * Wasserstein Barycenters of Measures", JMIV 2015) over a fixed set of directions, exactly as the
 * peer harness defines it ({@code peers/metrics.py}, {@code sliced_w2}):
 *
 * <pre>
 *   SW2 = sqrt( (1/L) Σ_k W2²(u_k·X, u_k·Y) )
 * </pre>
 *
 * with {@code W2} the exact 1-D Wasserstein-2 distance between the two empirical measures of the
 * projections. In units of the data.
 *
 * <p><b>Directions.</b> In 2-D, L equally spaced directions {@code θ_k = kπ/L}, {@code k = 0..L−1},
 * {@code u_k = (cos θ_k, sin θ_k)}: a direction and its opposite give the same distance, so half a
 * circle suffices, and no random numbers are needed (the peer's definition, L = 256). In 1-D the
 * only direction is the axis and SW2 is the exact W2 (L does not matter). In 3-D and up there is no
 * equally spaced grid; the L directions are then Gaussian vectors normalised to unit length, drawn
 * from the fixed stream {@code new Rng(0).split("sliced-w2.directions")}, so the value is still
 * reproducible, but it is a Monte-Carlo estimate of the sliced distance and has no peer counterpart.
 *
 * <p><b>1-D W2.</b> With sorted projections {@code p} (n values) and {@code q} (m values): for
 * {@code n = m}, {@code W2² = (1/n) Σ_i (p_i − q_i)²}. Otherwise exactly, by merging the quantile
 * breakpoints {@code Q = {i/n} ∪ {j/m}}: between consecutive breakpoints both quantile functions are
 * constant, so {@code W2² = Σ_l w_l (p[⌊mid_l·n⌋] − q[⌊mid_l·m⌋])²} with {@code w_l} the interval
 * length and {@code mid_l} its midpoint, the peer's formula.
 *
 * <p>Directions are processed in parallel and their W2² combined in index order: the value does not
 * depend on the thread count. Samples with a non-finite coordinate score {@code NaN}.
 */
public final class SlicedWasserstein2 implements Metric {

    /** The peer's number of directions. */
    public static final int DEFAULT_DIRECTIONS = 256;

    private final int directions;

    /**
     * @param directions L, the number of directions (at least 1)
     */
    public SlicedWasserstein2(int directions) {
        if (directions < 1) {
            throw new ConfigException(SlicedWasserstein2Provider.NAME + ": directions = " + directions
                    + " is not valid; it takes an integer >= 1");
        }
        this.directions = directions;
    }

    /** L, the number of directions. */
    public int directions() {
        return directions;
    }

    @Override
    public double compute(PointSet samples, PointSet reference) {
        PointColumns.check(SlicedWasserstein2Provider.NAME, samples, reference, 1);
        PointColumns x = PointColumns.of(samples);
        PointColumns y = PointColumns.of(reference);
        if (!x.finite || !y.finite) {
            return Double.NaN;
        }
        double[][] u = directions(x.dimension, directions);
        QuantileGrid grid = x.count == y.count ? null : QuantileGrid.of(x.count, y.count);
        double[] w2sq = new double[u.length];
        IntStream.range(0, u.length).parallel().forEach(k -> {
            double[] p = project(x, u[k]);
            double[] q = project(y, u[k]);
            Arrays.sort(p);
            Arrays.sort(q);
            w2sq[k] = grid == null ? equalSizeW2Squared(p, q) : grid.w2Squared(p, q);
        });
        double sum = 0.0;
        for (double v : w2sq) {
            sum += v;
        }
        return Math.sqrt(sum / u.length);
    }

    /** The unit directions used for points of dimension {@code d} (see the class comment). */
    static double[][] directions(int d, int count) {
        if (d == 1) {
            return new double[][] {{1.0}};
        }
        double[][] u = new double[count][d];
        if (d == 2) {
            double step = Math.PI / count;
            for (int k = 0; k < count; k++) {
                double theta = k * step;
                u[k][0] = Math.cos(theta);
                u[k][1] = Math.sin(theta);
            }
            return u;
        }
        Rng rng = new Rng(0).split("sliced-w2.directions");
        for (int k = 0; k < count; k++) {
            double norm;
            do {
                norm = 0.0;
                for (int c = 0; c < d; c++) {
                    u[k][c] = rng.nextGaussian();
                    norm += u[k][c] * u[k][c];
                }
            } while (norm == 0.0);
            norm = Math.sqrt(norm);
            for (int c = 0; c < d; c++) {
                u[k][c] /= norm;
            }
        }
        return u;
    }

    private static double[] project(PointColumns a, double[] u) {
        double[] p = new double[a.count];
        double[] col = a.column[0];
        double uc = u[0];
        for (int i = 0; i < p.length; i++) {
            p[i] = col[i] * uc;
        }
        for (int c = 1; c < a.dimension; c++) {
            col = a.column[c];
            uc = u[c];
            for (int i = 0; i < p.length; i++) {
                p[i] += col[i] * uc;
            }
        }
        return p;
    }

    /** {@code (1/n) Σ (p_i − q_i)²} for sorted samples of equal size. */
    static double equalSizeW2Squared(double[] p, double[] q) {
        double s = 0.0;
        for (int i = 0; i < p.length; i++) {
            double t = p[i] - q[i];
            s += t * t;
        }
        return s / p.length;
    }

    /**
     * The merged quantile breakpoints of two empirical measures of sizes n ≠ m: interval weights and
     * the index into each sorted sample on every interval. Built once per call, shared by all
     * directions.
     */
    record QuantileGrid(double[] weight, int[] indexP, int[] indexQ) {

        static QuantileGrid of(int n, int m) {
            double[] w = new double[n + m];
            int[] ip = new int[n + m];
            int[] iq = new int[n + m];
            int len = 0;
            int i = 1;
            int j = 1;
            double previous = 0.0;
            while (i <= n || j <= m) {
                // compare i/n with j/m exactly: i·m vs j·n
                long a = i <= n ? (long) i * m : Long.MAX_VALUE;
                long b = j <= m ? (long) j * n : Long.MAX_VALUE;
                double q;
                if (a < b) {
                    q = (double) i / n;
                    i++;
                } else if (b < a) {
                    q = (double) j / m;
                    j++;
                } else {
                    q = (double) i / n;
                    i++;
                    j++;
                }
                double width = q - previous;
                double mid = q - width / 2;
                w[len] = width;
                ip[len] = (int) Math.min((long) (mid * n), n - 1);
                iq[len] = (int) Math.min((long) (mid * m), m - 1);
                len++;
                previous = q;
            }
            return new QuantileGrid(Arrays.copyOf(w, len), Arrays.copyOf(ip, len), Arrays.copyOf(iq, len));
        }

        double w2Squared(double[] p, double[] q) {
            double s = 0.0;
            for (int l = 0; l < weight.length; l++) {
                double t = p[indexP[l]] - q[indexQ[l]];
                s += weight[l] * (t * t);
            }
            return s;
        }
    }
}
