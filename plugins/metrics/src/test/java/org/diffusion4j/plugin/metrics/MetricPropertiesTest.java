package org.diffusion4j.plugin.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import java.util.concurrent.ForkJoinPool;
import org.diffusion4j.api.Metric;
import org.diffusion4j.api.PointSet;
import org.diffusion4j.api.tensor.Rng;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.diffusion4j.api.UserError;

/** Properties that hold whatever the data: closed forms, brute force, symmetry, determinism, errors. */
class MetricPropertiesTest {

    private static final PointSet X = Fixtures.gaussian(500, 2, 0.0, 1.0, 1);
    private static final PointSet Y = Fixtures.gaussian(600, 2, 0.0, 1.0, 2);

    static List<Metric> metrics() {
        return List.of(new SlicedWasserstein2(256), new Mmd2(), new EnergyDistance(), new FrechetDistance(),
                new KernelInceptionDistance());
    }

    // ---- brute force -------------------------------------------------------------------------

    private static double kernel(PointSet a, int i, PointSet b, int j) {
        double d2 = 0;
        for (int c = 0; c < a.dimension(); c++) {
            double t = (double) a.get(i, c) - b.get(j, c);
            d2 += t * t;
        }
        double k = 0;
        for (double s : Mmd2.BANDWIDTHS) {
            k += Math.exp(-d2 / (2 * s * s));
        }
        return k;
    }

    private static double distance(PointSet a, int i, PointSet b, int j) {
        double d2 = 0;
        for (int c = 0; c < a.dimension(); c++) {
            double t = (double) a.get(i, c) - b.get(j, c);
            d2 += t * t;
        }
        return Math.sqrt(d2);
    }

    interface Pair {
        double f(PointSet a, int i, PointSet b, int j);
    }

    private static double uStatistic(PointSet x, PointSet y, Pair f) {
        int n = x.count();
        int m = y.count();
        double xx = 0;
        double yy = 0;
        double xy = 0;
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                xx += i == j ? 0 : f.f(x, i, x, j);
            }
            for (int j = 0; j < m; j++) {
                xy += f.f(x, i, y, j);
            }
        }
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < m; j++) {
                yy += i == j ? 0 : f.f(y, i, y, j);
            }
        }
        return xx / ((double) n * (n - 1)) + yy / ((double) m * (m - 1)) - 2 * xy / ((double) n * m);
    }

    @Test
    void mmd2IsTheUnbiasedEstimatorWithTheSummedKernel() {
        PointSet y = Fixtures.translate(Y, 0.3, -0.2);
        double expected = uStatistic(X, y, MetricPropertiesTest::kernel);
        assertThat(new Mmd2().compute(X, y)).isCloseTo(expected, within(1e-12 * Math.abs(expected) + 1e-15));
    }

    @Test
    void energyIsTwiceTheCrossMeanDistanceMinusTheWithinSetMeans() {
        PointSet y = Fixtures.translate(Y, 0.3, -0.2);
        // uStatistic gives E|X−X'| + E|Y−Y'| − 2E|X−Y|, the negative of the energy distance
        double expected = -uStatistic(X, y, MetricPropertiesTest::distance);
        assertThat(new EnergyDistance().compute(X, y)).isCloseTo(expected, within(1e-12 * Math.abs(expected)));
    }

    @Test
    void mmd2AndEnergyAgreeWithBruteForceInThreeDimensionsAndFarApart() {
        PointSet x = Fixtures.gaussian(200, 3, 0.0, 1.0, 5);
        PointSet y = Fixtures.gaussian(150, 3, 40.0, 20.0, 6);     // distances up to ~100: every kernel term underflows
        double mmd = uStatistic(x, y, MetricPropertiesTest::kernel);
        double energy = -uStatistic(x, y, MetricPropertiesTest::distance);
        assertThat(new Mmd2().compute(x, y)).isCloseTo(mmd, within(1e-12 * Math.abs(mmd)));
        assertThat(new EnergyDistance().compute(x, y)).isCloseTo(energy, within(1e-12 * Math.abs(energy)));
    }

    @Test
    void theVectorisedExponentialIsWithinOneUlpOfMathExp() {
        int n = 200_000;
        double[] x = new double[n];
        double[] e = new double[n];
        Rng rng = new Rng(3);
        for (int i = 0; i < n; i++) {
            x[i] = i < n / 2 ? -700.0 * rng.nextDouble() : -2.0 * rng.nextDouble();
        }
        x[0] = 0.0;
        x[1] = -700.0;
        x[2] = -0.5 * Math.log(2);
        double[] in = x.clone();
        Mmd2.exp(x, e, n);
        for (int i = 0; i < n; i++) {
            double expected = Math.exp(in[i]);
            assertThat(Math.abs(e[i] - expected)).as("exp(%s)", in[i]).isLessThanOrEqualTo(Math.ulp(expected));
        }
    }

    // ---- sliced W2 closed forms --------------------------------------------------------------

    @Test
    void slicedW2OfATranslatedCopyIsTheShiftOverRootTwo() {
        // every projection moves by u·μ, so W2 along u is |u·μ| and the mean of cos² over a half
        // circle of equally spaced angles is exactly 1/2
        double mu = Math.hypot(3.0, -4.0);
        double sw = new SlicedWasserstein2(256).compute(X, Fixtures.translate(X, 3.0, -4.0));
        assertThat(sw).isCloseTo(mu / Math.sqrt(2), within(1e-5));
        assertThat(new SlicedWasserstein2(3).compute(X, Fixtures.translate(X, 3.0, -4.0))).isCloseTo(mu / Math.sqrt(2), within(1e-5));
    }

    @Test
    void slicedW2OfASetWithItselfIsZeroAndDuplicatingTheReferenceChangesNothing() {
        SlicedWasserstein2 sw = new SlicedWasserstein2(256);
        assertThat(sw.compute(X, X)).isZero();
        // the merged-quantile path (n ≠ m) on Y∪Y equals the sorted-difference path on Y
        PointSet y = Y.head(500);
        assertThat(sw.compute(X, Fixtures.concat(y, y))).isCloseTo(sw.compute(X, y), within(1e-12));
        assertThat(sw.compute(Fixtures.concat(y, y), X)).isCloseTo(sw.compute(X, y), within(1e-12));
    }

    @Test
    void slicedW2InOneDimensionIsTheExactW2() {
        PointSet x = new PointSet(1, new float[] {2, 0, 1});
        PointSet y = new PointSet(1, new float[] {1, 3, 2});
        assertThat(new SlicedWasserstein2(256).compute(x, y)).isEqualTo(1.0);
        // n ≠ m: {0, 1} against {0, 0, 3}: quantiles 0–1/3: 0 vs 0; 1/3–1/2: 0 vs 0; 1/2–2/3: 1 vs 0; 2/3–1: 1 vs 3
        PointSet a = new PointSet(1, new float[] {0, 1});
        PointSet b = new PointSet(1, new float[] {3, 0, 0});
        double w2sq = (2.0 / 3 - 1.0 / 2) * 1 + (1 - 2.0 / 3) * 4;
        assertThat(new SlicedWasserstein2(7).compute(a, b)).isCloseTo(Math.sqrt(w2sq), within(1e-15));
    }

    @Test
    void slicedW2InThreeDimensionsUsesFixedRandomDirections() {
        PointSet x = Fixtures.gaussian(400, 3, 0.0, 1.0, 8);
        PointSet shifted = Fixtures.translate(x, 2.0, 0.0, 0.0);
        SlicedWasserstein2 sw = new SlicedWasserstein2(256);
        double v = sw.compute(x, shifted);
        // E[(u·μ)²] = |μ|²/3 for u uniform on the sphere; 256 directions estimate it to a few percent
        assertThat(v).isCloseTo(2.0 / Math.sqrt(3), within(0.1));
        assertThat(sw.compute(x, shifted)).isEqualTo(v);
        assertThat(new SlicedWasserstein2(256).compute(x, shifted)).isEqualTo(v);
    }

    // ---- generic properties ------------------------------------------------------------------

    @ParameterizedTest
    @MethodSource("metrics")
    void symmetricInItsArguments(Metric m) {
        double xy = m.compute(X, Y);
        double yx = m.compute(Y, X);
        assertThat(yx).isCloseTo(xy, within(1e-12 * Math.max(1e-3, Math.abs(xy))));
    }

    @ParameterizedTest
    @MethodSource("metrics")
    void aTranslatedSetIsFartherThanAnotherSampleOfTheSameDistribution(Metric m) {
        double floor = m.compute(X, Y);
        double previous = floor;
        for (double shift : new double[] {0.25, 0.5, 1.0, 2.0}) {
            double d = m.compute(Fixtures.translate(X, shift, 0.0), Y);
            assertThat(d).as("shift %s", shift).isGreaterThan(previous);
            previous = d;
        }
        assertThat(Math.abs(floor)).isLessThan(previous / 5);
    }

    @ParameterizedTest
    @MethodSource("metrics")
    void theValueDoesNotDependOnTheThreadCount(Metric m) throws Exception {
        PointSet x = Fixtures.gaussian(1500, 2, 0.0, 1.0, 11);
        PointSet y = Fixtures.gaussian(1300, 2, 0.5, 1.0, 12);
        double common = m.compute(x, y);
        for (int threads : new int[] {1, 3}) {
            Metric fresh = freshLike(m);                 // no cached reference term
            ForkJoinPool pool = new ForkJoinPool(threads);
            try {
                double v = pool.submit(() -> fresh.compute(x, y)).get();
                assertThat(v).as("%d threads", threads).isEqualTo(common);
            } finally {
                pool.shutdown();
            }
        }
    }

    private static Metric freshLike(Metric m) {
        return metrics().stream().filter(c -> c.getClass() == m.getClass()).findFirst().orElseThrow();
    }

    @ParameterizedTest
    @MethodSource("metrics")
    void theCachedReferenceTermGivesTheSameBitsAsAFreshInstance(Metric m) {
        PointSet z = Fixtures.gaussian(300, 2, 1.0, 2.0, 13);
        double first = m.compute(X, Y);
        double second = m.compute(z, Y);          // reference term cached
        double other = m.compute(X, z);           // another reference replaces it
        double again = m.compute(X, Y);
        Metric f = freshLike(m);
        assertThat(first).isEqualTo(again);
        assertThat(second).isEqualTo(f.compute(z, Y));
        assertThat(other).isEqualTo(f.compute(X, z));
    }

    @ParameterizedTest
    @MethodSource("metrics")
    void nonFiniteSamplesScoreNaN(Metric m) {
        float[] v = X.values();
        v[7] = Float.NaN;
        assertThat(m.compute(new PointSet(2, v), Y)).isNaN();
        v[7] = Float.POSITIVE_INFINITY;
        assertThat(m.compute(new PointSet(2, v), Y)).isNaN();
    }

    @ParameterizedTest
    @MethodSource("metrics")
    void setsOfDifferentDimensionAreRefusedWithBothDimensions(Metric m) {
        PointSet three = Fixtures.gaussian(10, 3, 0, 1, 1);
        assertThatThrownBy(() -> m.compute(X, three))
                .isInstanceOf(UserError.class)
                .hasMessageContaining("2-D").hasMessageContaining("3-D").hasMessageContaining("same dimension");
    }

    @Test
    void uStatisticsNeedTwoPointsPerSet() {
        PointSet one = new PointSet(2, new float[] {1, 2});
        assertThatThrownBy(() -> new Mmd2().compute(one, X))
                .isInstanceOf(UserError.class)
                .hasMessageContaining("mmd2").hasMessageContaining("at least 2 points");
        assertThatThrownBy(() -> new EnergyDistance().compute(X, one))
                .isInstanceOf(UserError.class)
                .hasMessageContaining("energy").hasMessageContaining("at least 2 points");
        assertThat(new SlicedWasserstein2(256).compute(one, one)).isZero();
    }
}
