package org.diffusion4j.plugin.toydata;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.diffusion4j.plugin.toydata.Stats.mean;
import static org.diffusion4j.plugin.toydata.Stats.meanTolerance;
import static org.diffusion4j.plugin.toydata.Stats.proportionTolerance;
import static org.diffusion4j.plugin.toydata.Stats.std;
import static org.diffusion4j.plugin.toydata.Stats.stdTolerance;

import java.util.Arrays;
import org.diffusion4j.api.PointSet;
import org.diffusion4j.api.Split;
import org.junit.jupiter.api.Test;

/**
 * Statistical properties of the five distributions, each with a tolerance derived from the sample
 * size (five standard errors): a wrong centre, scale, noise level, weight or shape fails them.
 */
class SyntheticDatasetsTest {

    private static final int N = 40_000;

    private static double[] column(PointSet p, int c) {
        double[] v = new double[p.count()];
        for (int i = 0; i < v.length; i++) {
            v[i] = p.get(i, c);
        }
        return v;
    }

    @Test
    void twoGaussiansHasTwoBlobsOfHalfTheMassWithTheRightMeanAndStd() {
        PointSet p = new TwoGaussians(N + 1, 7, 0.5).load(Split.TRAIN);
        assertThat(p.count()).isEqualTo(N + 1);
        assertThat(p.dimension()).isEqualTo(2);
        for (int sign : new int[] {1, -1}) {
            double[] xs = new double[p.count()];
            double[] ys = new double[p.count()];
            int k = 0;
            for (int i = 0; i < p.count(); i++) {
                if (Math.signum(p.get(i, 1)) == sign) {
                    xs[k] = p.get(i, 0);
                    ys[k++] = p.get(i, 1);
                }
            }
            // the first centre gets the odd point, as make_blobs does; 8 sd apart, none crosses
            assertThat(k).isEqualTo(sign == 1 ? N / 2 + 1 : N / 2);
            xs = Arrays.copyOf(xs, k);
            ys = Arrays.copyOf(ys, k);
            assertThat(mean(xs)).isCloseTo(4.0, within(meanTolerance(0.5, k)));
            assertThat(mean(ys)).isCloseTo(4.0 * sign, within(meanTolerance(0.5, k)));
            assertThat(std(xs)).isCloseTo(0.5, within(stdTolerance(0.5, k)));
            assertThat(std(ys)).isCloseTo(0.5, within(stdTolerance(0.5, k)));
        }
    }

    @Test
    void twoGaussiansIsShuffledSoThatAPrefixIsAFairSample() {
        PointSet p = new TwoGaussians(N, 7, 0.5).load(Split.TRAIN);
        int n = 2000;
        int upper = 0;
        for (int i = 0; i < n; i++) {
            upper += p.get(i, 1) > 0 ? 1 : 0;
        }
        assertThat((double) upper / n).isCloseTo(0.5, within(proportionTolerance(0.5, n)));
    }

    @Test
    void twoGaussiansNoiseIsStandardNormalTimesStd() {
        PointSet clean = new TwoGaussians(N, 3, 0.0).load(Split.TEST);
        PointSet noisy = new TwoGaussians(N, 3, 1.5).load(Split.TEST);
        double[] z = new double[2 * N];
        for (int i = 0; i < N; i++) {
            assertThat(clean.get(i, 0)).isEqualTo(4.0f);
            assertThat(Math.abs(clean.get(i, 1))).isEqualTo(4.0f);
            z[2 * i] = (noisy.get(i, 0) - clean.get(i, 0)) / 1.5;
            z[2 * i + 1] = (noisy.get(i, 1) - clean.get(i, 1)) / 1.5;
        }
        Stats.assertStandardNormal("two-gaussians noise", z);
    }

    @Test
    void eightGaussiansHasEightModesOfRadiusTwoRootTwoAndStd0354() {
        PointSet p = new EightGaussians(N, 11).load(Split.TRAIN);
        double radius = 4.0 / 1.414;
        double sd = 0.5 / 1.414;
        int[] counts = new int[8];
        double[][] radial = new double[8][N];
        double[][] tangential = new double[8][N];
        for (int i = 0; i < N; i++) {
            double x = p.get(i, 0);
            double y = p.get(i, 1);
            int k = Math.floorMod((int) Math.round(Math.atan2(y, x) / (Math.PI / 4)), 8);
            double c = Math.cos(k * Math.PI / 4);
            double s = Math.sin(k * Math.PI / 4);
            radial[k][counts[k]] = x * c + y * s;
            tangential[k][counts[k]++] = -x * s + y * c;
        }
        for (int k = 0; k < 8; k++) {
            int nk = counts[k];
            assertThat((double) nk / N).as("weight of mode %d", k).isCloseTo(0.125, within(proportionTolerance(0.125, N)));
            double[] r = Arrays.copyOf(radial[k], nk);
            double[] t = Arrays.copyOf(tangential[k], nk);
            assertThat(mean(r)).as("radius of mode %d", k).isCloseTo(radius, within(meanTolerance(sd, nk)));
            assertThat(std(r)).as("radial std of mode %d", k).isCloseTo(sd, within(stdTolerance(sd, nk)));
            assertThat(mean(t)).as("tangential offset of mode %d", k).isCloseTo(0.0, within(meanTolerance(sd, nk)));
            // assigning points to the nearest mode cuts the tangential spread at about ±3.06 sd and
            // adds the neighbours' tails instead; the two nearly cancel (allowance 1.5 %)
            assertThat(std(t)).as("tangential std of mode %d", k).isCloseTo(sd, within(stdTolerance(sd, nk) + 0.005));
        }
    }

    @Test
    void twoMoonsWithoutNoiseLieOnTwoHalfCirclesOfRadiusTwoAtEquallySpacedAngles() {
        int n = 2001;
        PointSet p = new TwoMoons(n, 5, 0.0).load(Split.TRAIN);
        double[] outer = new double[n];
        double[] inner = new double[n];
        int no = 0;
        int ni = 0;
        for (int i = 0; i < n; i++) {
            double x = p.get(i, 0);
            double y = p.get(i, 1);
            double ro = Math.hypot(x + 1.0, y + 0.2);
            double ri = Math.hypot(x - 1.0, y - 0.8);
            if (Math.abs(ro - 2.0) < 1e-5 && y + 0.2 >= -1e-5) {
                outer[no++] = Math.atan2(Math.max(0.0, y + 0.2), x + 1.0);   // θ of (cos θ, sin θ)
            } else {
                assertThat(ri).as("point %d is on neither moon", i).isCloseTo(2.0, within(1e-5));
                assertThat(y - 0.8).isLessThanOrEqualTo(1e-5);
                inner[ni++] = Math.atan2(Math.max(0.0, -(y - 0.8)), -(x - 1.0));   // θ of (1 − cos θ, 0.5 − sin θ)
            }
        }
        assertThat(no).isEqualTo(n / 2);
        assertThat(ni).isEqualTo(n - n / 2);
        double[] o = Arrays.copyOf(outer, no);
        double[] in = Arrays.copyOf(inner, ni);
        Arrays.sort(o);
        Arrays.sort(in);
        for (int i = 0; i < no; i++) {
            assertThat(o[i]).isCloseTo(i * Math.PI / (no - 1), within(2e-5));
        }
        for (int i = 0; i < ni; i++) {
            assertThat(in[i]).isCloseTo(i * Math.PI / (ni - 1), within(2e-5));
        }
        // shuffled: the first 200 points are not all from one moon
        int firstOuter = 0;
        for (int i = 0; i < 200; i++) {
            firstOuter += p.get(i, 1) + 0.2 >= 0 && Math.abs(Math.hypot(p.get(i, 0) + 1, p.get(i, 1) + 0.2) - 2) < 1e-5 ? 1 : 0;
        }
        assertThat(firstOuter).isBetween(60, 140);
    }

    @Test
    void twoMoonsNoiseIsGaussianWithStdTwiceNoiseAfterTheMap() {
        PointSet clean = new TwoMoons(N, 9, 0.0).load(Split.REFERENCE);
        PointSet noisy = new TwoMoons(N, 9, 0.1).load(Split.REFERENCE);
        double[] z = new double[2 * N];
        for (int i = 0; i < N; i++) {
            z[2 * i] = (noisy.get(i, 0) - clean.get(i, 0)) / 0.2;
            z[2 * i + 1] = (noisy.get(i, 1) - clean.get(i, 1)) / 0.2;
        }
        Stats.assertStandardNormal("two-moons noise", z);
        // mean of the clean moons: ((0 + 1)/2, (2/π + 0.5 − 2/π)/2)·2 + (−1, −0.2) = (0, 0.3)
        assertThat(mean(column(noisy, 0))).isCloseTo(0.0, within(meanTolerance(2.0, N)));
        assertThat(mean(column(noisy, 1))).isCloseTo(0.3, within(meanTolerance(1.0, N)));
    }

    @Test
    void swissRollWithoutNoiseIsTheSpiralTCosTTSinTOverFiveWithUniformT() {
        PointSet p = new SwissRoll(N, 13, 0.0).load(Split.TRAIN);
        double[] t = new double[N];
        for (int i = 0; i < N; i++) {
            double x = 5.0 * p.get(i, 0);
            double y = 5.0 * p.get(i, 1);
            t[i] = Math.hypot(x, y);
            assertThat(t[i]).isBetween(1.5 * Math.PI - 1e-4, 4.5 * Math.PI + 1e-4);
            assertThat(x).isCloseTo(t[i] * Math.cos(t[i]), within(2e-4));
            assertThat(y).isCloseTo(t[i] * Math.sin(t[i]), within(2e-4));
        }
        double width = 3.0 * Math.PI;
        assertThat(mean(t)).isCloseTo(3.0 * Math.PI, within(meanTolerance(width / Math.sqrt(12), N)));
        Arrays.sort(t);
        for (int q = 1; q < 4; q++) {
            double expected = 1.5 * Math.PI + width * q / 4.0;
            int below = Arrays.binarySearch(t, expected);
            below = below < 0 ? -below - 1 : below;
            assertThat((double) below / N).as("quartile %d", q).isCloseTo(q / 4.0, within(proportionTolerance(q / 4.0, N)));
        }
    }

    @Test
    void swissRollNoiseIsGaussianWithStdNoiseOverFiveAndTheMeanIsAnalytic() {
        PointSet clean = new SwissRoll(N, 17, 0.0).load(Split.TEST);
        PointSet noisy = new SwissRoll(N, 17, 1.0).load(Split.TEST);
        double[] z = new double[2 * N];
        for (int i = 0; i < N; i++) {
            z[2 * i] = (noisy.get(i, 0) - clean.get(i, 0)) * 5.0;
            z[2 * i + 1] = (noisy.get(i, 1) - clean.get(i, 1)) * 5.0;
        }
        Stats.assertStandardNormal("swiss-roll noise", z);
        // E[t cos t] = 6π/3π = 2 and E[t sin t] = 2/(3π) for t ~ U[1.5π, 4.5π]; then / 5
        assertThat(mean(column(noisy, 0))).isCloseTo(0.4, within(meanTolerance(std(column(noisy, 0)), N)));
        assertThat(mean(column(noisy, 1))).isCloseTo(2.0 / (15.0 * Math.PI), within(meanTolerance(std(column(noisy, 1)), N)));
    }

    @Test
    void checkerboardIsUniformOnTheEightBlackCells() {
        PointSet p = new Checkerboard(N, 19).load(Split.TRAIN);
        int[][] counts = new int[4][4];
        double[][] sumX = new double[4][4];
        double[][] sumY = new double[4][4];
        double[][] sumXX = new double[4][4];
        for (int i = 0; i < N; i++) {
            double x = p.get(i, 0);
            double y = p.get(i, 1);
            assertThat(x).isBetween(-4.0, 4.0);
            assertThat(y).isBetween(-4.0, 4.0);
            int cx = (int) Math.floor(x / 2);
            int cy = (int) Math.floor(y / 2);
            assertThat(Math.floorMod(cx + cy, 2)).as("cell (%d, %d) of (%f, %f) is white", cx, cy, x, y).isZero();
            counts[cx + 2][cy + 2]++;
            sumX[cx + 2][cy + 2] += x - (2 * cx + 1);
            sumY[cx + 2][cy + 2] += y - (2 * cy + 1);
            sumXX[cx + 2][cy + 2] += (x - (2 * cx + 1)) * (x - (2 * cx + 1));
        }
        double sd = 2.0 / Math.sqrt(12.0);
        for (int i = 0; i < 4; i++) {
            for (int j = 0; j < 4; j++) {
                if ((i + j) % 2 != 0) {
                    assertThat(counts[i][j]).isZero();
                    continue;
                }
                int c = counts[i][j];
                assertThat((double) c / N).isCloseTo(0.125, within(proportionTolerance(0.125, N)));
                assertThat(sumX[i][j] / c).as("x offset from the cell centre").isCloseTo(0.0, within(meanTolerance(sd, c)));
                assertThat(sumY[i][j] / c).as("y offset from the cell centre").isCloseTo(0.0, within(meanTolerance(sd, c)));
                // uniform on a side-2 square: variance 1/3 per coordinate (sd of the estimate ≈ 0.3/√c)
                assertThat(sumXX[i][j] / c).isCloseTo(1.0 / 3.0, within(5 * 0.3 / Math.sqrt(c)));
            }
        }
    }
}
