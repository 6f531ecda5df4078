package org.diffusion4j.plugin.toydata;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** Sample moments and the tolerances a correct generator meets with overwhelming probability. */
final class Stats {

    private Stats() {
    }

    static double mean(double[] v) {
        double s = 0;
        for (double x : v) {
            s += x;
        }
        return s / v.length;
    }

    static double std(double[] v) {
        double m = mean(v);
        double s = 0;
        for (double x : v) {
            s += (x - m) * (x - m);
        }
        return Math.sqrt(s / v.length);
    }

    /** Five standard errors of a mean of {@code n} values of standard deviation {@code sigma}. */
    static double meanTolerance(double sigma, int n) {
        return 5.0 * sigma / Math.sqrt(n);
    }

    /** Five standard errors of a Gaussian sample's standard deviation: σ/√(2n). */
    static double stdTolerance(double sigma, int n) {
        return 5.0 * sigma / Math.sqrt(2.0 * n);
    }

    /** Five standard errors of a proportion p estimated from n trials. */
    static double proportionTolerance(double p, int n) {
        return 5.0 * Math.sqrt(p * (1 - p) / n);
    }

    /** Asserts that {@code z} looks like i.i.d. N(0, 1): mean, std and the mass within ±1 and ±2. */
    static void assertStandardNormal(String what, double[] z) {
        int n = z.length;
        assertThat(mean(z)).as(what + " mean").isCloseTo(0.0, within(meanTolerance(1.0, n)));
        assertThat(std(z)).as(what + " std").isCloseTo(1.0, within(stdTolerance(1.0, n)));
        int in1 = 0;
        int in2 = 0;
        for (double x : z) {
            in1 += Math.abs(x) < 1 ? 1 : 0;
            in2 += Math.abs(x) < 2 ? 1 : 0;
        }
        double p1 = 0.6826894921370859;
        double p2 = 0.9544997361036416;
        assertThat((double) in1 / n).as(what + " mass within 1 sd").isCloseTo(p1, within(proportionTolerance(p1, n)));
        assertThat((double) in2 / n).as(what + " mass within 2 sd").isCloseTo(p2, within(proportionTolerance(p2, n)));
    }
}
