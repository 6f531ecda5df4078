package org.diffusion4j.plugin.flowmatching;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.diffusion4j.api.View;
import org.diffusion4j.api.tensor.Rng;
import org.diffusion4j.api.tensor.Tensor;
import org.diffusion4j.runtime.oracle.ComponentStats;
import org.diffusion4j.runtime.oracle.GaussianMixture;
import org.diffusion4j.runtime.oracle.GaussianMixtureOracle;
import org.junit.jupiter.api.Test;

/** The runtime's Gaussian-mixture oracle, checked against direct formulas (its first user is this plugin). */
class GaussianMixtureOracleTest {

    private final LinearInterpolantSchedule schedule = new LinearInterpolantSchedule();
    private final VelocityParameterization velocity = new VelocityParameterization();

    @Test
    void logDensityIsTheMixtureFormula() {
        GaussianMixture m = TestSupport.threeComponents();
        double[] x = {1.1, -0.4};
        double p = 0;
        for (int k = 0; k < 3; k++) {
            double s2 = m.stds()[k] * m.stds()[k];
            double dx = x[0] - m.means()[k][0];
            double dy = x[1] - m.means()[k][1];
            p += m.weights()[k] * Math.exp(-(dx * dx + dy * dy) / (2 * s2)) / (2 * Math.PI * s2);
        }
        GaussianMixtureOracle oracle = new GaussianMixtureOracle(m, schedule, velocity);
        assertThat(oracle.logDensity(x)).isCloseTo(Math.log(p), within(1e-12));
        // far away the log density stays finite (log-space throughout)
        assertThat(oracle.logDensity(new double[]{400, -300})).isFinite().isLessThan(-1e5);
    }

    @Test
    void exactSamplesHaveTheMixturesWeightsMeansAndWidths() {
        GaussianMixture m = TestSupport.threeComponents();
        double[][] draws = m.sample(new Rng(3), 50_000);
        float[] flat = new float[draws.length * 2];
        for (int i = 0; i < draws.length; i++) {
            flat[2 * i] = (float) draws[i][0];
            flat[2 * i + 1] = (float) draws[i][1];
        }
        ComponentStats stats = ComponentStats.of(m, flat);
        assertThat(stats.error(m)).isLessThan(0.02);
        assertThat(m.sample(new Rng(3), 10)).isDeepEqualTo(m.sample(new Rng(3), 10));
    }

    @Test
    void responsibilitiesAreStableFarFromTheData() {
        GaussianMixtureOracle oracle = new GaussianMixtureOracle(TestSupport.threeComponents(), schedule, velocity);
        double[] r = oracle.responsibilities(new double[]{-500, 20}, 0.01);
        assertThat(r[0] + r[1] + r[2]).isCloseTo(1, within(1e-12));
        // far from every mean the widest component (std 0.6) explains the point best
        assertThat(r[1]).isCloseTo(1, within(1e-9));
        double[] x0 = oracle.view(View.X0, new double[]{-500, 20}, 0.01);
        assertThat(x0[0]).isFinite();
        assertThat(x0[1]).isFinite();
    }

    @Test
    void forwardIsTheParameterizationsTargetRowByRow() {
        var backend = TestSupport.backend();
        GaussianMixture m = TestSupport.twoBlobs();
        GaussianMixtureOracle oracle = new GaussianMixtureOracle(m, schedule, velocity);
        float[] x = {1f, 2f, 4f, -3.5f, -0.5f, 0.25f};
        float[] t = {0.2f, 0.6f, 1f};
        float[] out = oracle.forward(Tensor.of(backend, x, 3, 2), Tensor.of(backend, t, 3, 1)).toArray();
        for (int r = 0; r < 3; r++) {
            double[] point = {x[2 * r], x[2 * r + 1]};
            double tr = t[r];
            double[] eps = oracle.view(View.EPSILON, point, tr);
            double[] x0 = oracle.view(View.X0, point, tr);
            // v = α̇·E[x0] + σ̇·E[ε] = E[ε] − E[x0] (Eq. 9), and x = α·E[x0] + σ·E[ε] holds exactly.
            for (int j = 0; j < 2; j++) {
                assertThat((double) out[2 * r + j]).isCloseTo(eps[j] - x0[j], within(1e-5));
                assertThat((1 - tr) * x0[j] + tr * eps[j]).isCloseTo(point[j], within(1e-9));
            }
        }
        assertThat(oracle.parameters()).isEmpty();
        assertThatThrownBy(() -> oracle.forward(Tensor.of(backend, x, 2, 3),
                Tensor.of(backend, new float[]{0.2f, 0.6f}, 2, 1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("[batch, 2]");
    }

    @Test
    void rejectsInvalidMixtures() {
        assertThatThrownBy(() -> new GaussianMixture(new double[][]{{0, 0}}, new double[]{0}, new double[]{1}))
                .hasMessageContaining("std");
        assertThatThrownBy(() -> new GaussianMixture(new double[][]{{0, 0}, {1}}, new double[]{1, 1}, new double[]{1, 1}))
                .hasMessageContaining("dimension");
        assertThat(new GaussianMixture(new double[][]{{0}, {1}}, new double[]{1, 1}, new double[]{1, 3}).weights())
                .containsExactly(0.25, 0.75);
    }
}
