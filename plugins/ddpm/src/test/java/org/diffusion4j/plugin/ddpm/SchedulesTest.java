package org.diffusion4j.plugin.ddpm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.Map;
import org.diffusion4j.api.Kind;
import org.diffusion4j.api.Schedule;
import org.diffusion4j.api.config.ConfigException;
import org.diffusion4j.api.tensor.Rng;
import org.junit.jupiter.api.Test;

/** Closed forms of the linear and cosine schedules: Ho et al. 2020, Eq. 4 and 7; Nichol and Dhariwal 2021, Eq. 17. */
class SchedulesTest {

    private static Schedule create(String name, Map<String, ?> options) {
        return TestSupport.create(Kind.SCHEDULE, name, options, TestSupport.context(TestSupport.backend()));
    }

    private static final LinearBetaSchedule LINEAR = (LinearBetaSchedule) create("ddpm.linear", Map.of());
    private static final CosineSchedule COSINE = (CosineSchedule) create("ddpm.cosine", Map.of());

    @Test
    void linearBetasAndAlphaBarAreTheDiscreteProducts() {
        assertThat(LINEAR.steps()).isEqualTo(1000);
        assertThat(LINEAR.beta(1)).isEqualTo(1e-4);
        assertThat(LINEAR.beta(1000)).isCloseTo(0.02, within(1e-15));
        assertThat(LINEAR.beta(500)).isCloseTo(1e-4 + (0.02 - 1e-4) * 499 / 999, within(1e-15));
        double product = 1;
        for (int i = 1; i <= 1000; i++) {
            product *= 1 - LINEAR.beta(i);
            double t = i / 1000.0;
            assertThat(LINEAR.alpha(t) * LINEAR.alpha(t)).isCloseTo(product, within(1e-12 + 1e-10 * product));
        }
        // the PyTorch peer's summary: abar of the last step 4.0e-5
        assertThat(LINEAR.alphaBar(1000)).isCloseTo(4.04e-5, within(0.01e-5));
        assertThat(LINEAR.alpha(0)).isEqualTo(1.0);
        assertThat(LINEAR.sigma(0)).isEqualTo(0.0);
        assertThat(LINEAR.trainingTimes()).hasSize(1000).startsWith(0.001).endsWith(1.0);
    }

    @Test
    void cosineAlphaBarIsEquation17WithTheLastBetaClipped() {
        double s = 0.008;
        double f0 = Math.pow(Math.cos(s / (1 + s) * Math.PI / 2), 2);
        for (double t : new double[]{0.0005, 0.1, 0.25, 0.5, 0.7503, 0.9, 0.99, 0.999}) {
            double expected = Math.pow(Math.cos((t + s) / (1 + s) * Math.PI / 2), 2) / f0;
            assertThat(COSINE.alpha(t) * COSINE.alpha(t)).as("abar(%s)", t).isCloseTo(expected, within(1e-12));
        }
        // β clipped only on the last step; the peer's ᾱ_998, ᾱ_999 (0-based) = 2.4e-6, 2.4e-9
        assertThat(COSINE.beta(1000)).isEqualTo(0.999);
        assertThat(COSINE.beta(999)).isLessThan(0.999);
        assertThat(COSINE.alphaBar(999)).isCloseTo(2.4e-6, within(0.05e-6));
        assertThat(COSINE.alphaBar(1000)).isCloseTo(2.4e-9, within(0.05e-9));
        assertThat(COSINE.alphaBar(1000)).isCloseTo(0.001 * COSINE.alphaBar(999), within(1e-20));
        // inside the clipped interval ᾱ is log-linear between its ends, not Eq. 17's value near 0
        double mid = COSINE.alpha(0.9995) * COSINE.alpha(0.9995);
        assertThat(mid).isCloseTo(Math.sqrt(COSINE.alphaBar(999) * COSINE.alphaBar(1000)), within(1e-12));
    }

    @Test
    void pathIsVariancePreservingAndDerivativesMatchFiniteDifferences() {
        for (DiscreteSchedule sc : new DiscreteSchedule[]{LINEAR, COSINE}) {
            for (double t : new double[]{0.0004, 0.0123, 0.3337, 0.5001, 0.8765, 0.9985, 0.9995}) {
                double a = sc.alpha(t);
                double s = sc.sigma(t);
                assertThat(a * a + s * s).isCloseTo(1.0, within(1e-12));
                double h = 1e-7;
                assertThat(sc.alphaDot(t)).as("%s α̇(%s)", sc, t)
                        .isCloseTo((sc.alpha(t + h) - sc.alpha(t - h)) / (2 * h), within(1e-5 * (1 + Math.abs(sc.alphaDot(t)))));
                assertThat(sc.sigmaDot(t)).as("%s σ̇(%s)", sc, t)
                        .isCloseTo((sc.sigma(t + h) - sc.sigma(t - h)) / (2 * h), within(1e-5 * (1 + Math.abs(sc.sigmaDot(t)))));
                assertThat(sc.diffusionSquared(t)).isCloseTo(
                        2 * s * (sc.sigmaDot(t) - sc.alphaDot(t) / a * s), within(1e-9 * (1 + sc.diffusionSquared(t))));
            }
        }
    }

    @Test
    void betaTildeIsThePosteriorVarianceOfEquation7() {
        for (DiscreteSchedule sc : new DiscreteSchedule[]{LINEAR, COSINE}) {
            for (int i : new int[]{2, 10, 500, 999, 1000}) {
                double expected = (1 - sc.alphaBar(i - 1)) / (1 - sc.alphaBar(i)) * sc.beta(i);
                assertThat(sc.betaTilde(i)).isCloseTo(expected, within(1e-12 * (1 + expected)));
                // the same number from α(t), σ(t) as the samplers compute it: σ_s²·(1 − r²)
                double t = i / 1000.0;
                double s = (i - 1) / 1000.0;
                double r = sc.alpha(t) * sc.sigma(s) / (sc.alpha(s) * sc.sigma(t));
                assertThat(sc.sigma(s) * sc.sigma(s) * (1 - r * r)).isCloseTo(expected, within(1e-9 * (1 + expected)));
            }
            assertThat(sc.betaTilde(1)).isEqualTo(0.0);
        }
    }

    /** Eq. 4 against the Markov chain of Eq. 2: T = 50 forward steps, moments of x_T from x0 = 1.5. */
    @Test
    void forwardChainHasTheMarginalMomentsOfEquation4() {
        LinearBetaSchedule sc = new LinearBetaSchedule(50, 1e-3, 0.2);
        Rng rng = new Rng(7);
        int n = 40_000;
        double x0 = 1.5;
        double[] sum = new double[51];
        double[] sq = new double[51];
        for (int k = 0; k < n; k++) {
            double x = x0;
            for (int i = 1; i <= 50; i++) {
                x = Math.sqrt(1 - sc.beta(i)) * x + Math.sqrt(sc.beta(i)) * rng.nextGaussian();
                sum[i] += x;
                sq[i] += x * x;
            }
        }
        for (int i : new int[]{1, 10, 25, 50}) {
            double mean = sum[i] / n;
            double var = sq[i] / n - mean * mean;
            double t = i / 50.0;
            assertThat(mean).as("mean at step %d", i).isCloseTo(sc.alpha(t) * x0, within(0.02));
            assertThat(var).as("variance at step %d", i).isCloseTo(sc.sigma(t) * sc.sigma(t), within(0.02 + 0.03 * var));
        }
    }

    @Test
    void badOptionsAreNamed() {
        assertThatThrownBy(() -> create("ddpm.linear", Map.of("beta-start", 0.02, "beta-end", 1e-4)))
                .isInstanceOf(ConfigException.class).hasMessageContaining("beta-end");
        assertThatThrownBy(() -> create("ddpm.cosine", Map.of("max-beta", 2.0)))
                .isInstanceOf(ConfigException.class).hasMessageContaining("max-beta");
        assertThatThrownBy(() -> LINEAR.alpha(1.5)).hasMessageContaining("outside [0, 1]");
    }
}
