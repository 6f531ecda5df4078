package org.diffusion4j.plugin.flowmatching;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.Map;
import org.diffusion4j.api.Kind;
import org.diffusion4j.api.Model;
import org.diffusion4j.api.Network;
import org.diffusion4j.api.Parameterization;
import org.diffusion4j.api.Schedule;
import org.diffusion4j.api.View;
import org.diffusion4j.api.tensor.Backend;
import org.diffusion4j.api.tensor.Tensor;
import org.diffusion4j.runtime.oracle.GaussianMixture;
import org.diffusion4j.runtime.oracle.GaussianMixtureOracle;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The linear interpolant and the velocity ↔ score ↔ x0 ↔ ε ↔ v conversions against closed forms. */
class ViewConversionTest {

    private final Backend backend = TestSupport.backend();
    private final Schedule schedule = TestSupport.create(Kind.SCHEDULE, "flow-matching.linear", Map.of(),
            TestSupport.context(backend, 1, 2));
    private final Parameterization velocity = TestSupport.create(Kind.PARAMETERIZATION, "flow-matching.velocity",
            Map.of(), TestSupport.context(backend, 1, 2));

    /** A network that returns a fixed output whatever its input. */
    private record Fixed(Tensor output) implements Network {
        @Override
        public Tensor forward(Tensor x, Tensor t) {
            return output;
        }

        @Override
        public Map<String, Tensor> parameters() {
            return Map.of();
        }
    }

    @ParameterizedTest
    @ValueSource(doubles = {0.0, 0.1, 0.37, 0.5, 0.9, 0.999, 1.0})
    void scheduleIsTheLinearInterpolantWithItsSdeCoefficients(double t) {
        assertThat(schedule.alpha(t)).isEqualTo(1 - t);
        assertThat(schedule.sigma(t)).isEqualTo(t);
        assertThat(schedule.alphaDot(t)).isEqualTo(-1);
        assertThat(schedule.sigmaDot(t)).isEqualTo(1);
        if (t < 1) {
            // Eq. 20–22: f = α̇/α, λ = σ̇ − (α̇/α)σ, g² = 2σλ.
            double lambda = 1 + t / (1 - t);
            assertThat(schedule.drift(t)).isCloseTo(-1 / (1 - t), within(1e-12));
            assertThat(schedule.diffusionSquared(t)).isCloseTo(2 * t * lambda, within(1e-9 * (1 + lambda)));
        } else {
            assertThat(schedule.diffusionSquared(t)).isInfinite();
        }
        assertThat(schedule.tMin()).isZero();
        assertThat(schedule.tMax()).isOne();
    }

    @ParameterizedTest
    @ValueSource(doubles = {0.0, 0.05, 0.3, 0.5, 0.8, 0.99, 1.0})
    void velocityConvertsToEveryViewAsTheClosedForms(double t) {
        float[] x = {1.5f, -0.25f, 3f, 0.75f};
        float[] v = {-2f, 0.5f, 1.25f, -1f};
        Tensor xs = Tensor.of(backend, x, 2, 2);
        Model model = new Model(new Fixed(Tensor.of(backend, v, 2, 2)), schedule, velocity);
        float[] x0 = model.predict(View.X0, xs, t).toArray();
        float[] eps = model.predict(View.EPSILON, xs, t).toArray();
        float[] vv = model.predict(View.V, xs, t).toArray();
        float[] vel = model.predict(View.VELOCITY, xs, t).toArray();
        for (int i = 0; i < x.length; i++) {
            double ex0 = x[i] - t * v[i];               // x = (1−t)x0 + tε, v = ε − x0
            double eeps = x[i] + (1 - t) * v[i];
            assertThat(x0[i]).as("x0 at t=%s", t).isCloseTo((float) ex0, within(1e-5f));
            assertThat(eps[i]).as("eps at t=%s", t).isCloseTo((float) eeps, within(1e-5f));
            assertThat(vv[i]).as("v at t=%s", t).isCloseTo((float) ((1 - t) * eeps - t * ex0), within(1e-5f));
            assertThat(vel[i]).isEqualTo(v[i]);
        }
        if (t > 0) {
            float[] score = model.predict(View.SCORE, xs, t).toArray();
            for (int i = 0; i < x.length; i++) {
                double expected = -(x[i] + (1 - t) * v[i]) / t;
                assertThat(score[i]).as("score at t=%s", t).isFinite()
                        .isCloseTo((float) expected, within((float) (1e-5 * (1 + Math.abs(expected)))));
                if (t < 1) {
                    // Eq. 23: s = (α v − α̇ x)/(α̇ σ² − α σ σ̇), which divides by zero at t = 1.
                    double eq23 = ((1 - t) * v[i] + x[i]) / (-t * t - (1 - t) * t);
                    assertThat(score[i]).isCloseTo((float) eq23, within((float) (1e-5 * (1 + Math.abs(eq23)))));
                }
            }
        }
    }

    @Test
    void atTimeOneEveryViewIsFinite() {
        Tensor xs = Tensor.of(backend, new float[]{0.3f, -1.7f}, 1, 2);
        Model model = new Model(new Fixed(Tensor.of(backend, new float[]{2f, 5f}, 1, 2)), schedule, velocity);
        assertThat(model.predict(View.SCORE, xs, 1.0).toArray()).containsExactly(-0.3f, 1.7f);
        assertThat(model.predict(View.EPSILON, xs, 1.0).toArray()).containsExactly(0.3f, -1.7f);
        assertThat(model.predict(View.X0, xs, 1.0).toArray()).containsExactly(0.3f - 2f, -1.7f - 5f);
    }

    @ParameterizedTest
    @ValueSource(doubles = {0.02, 0.25, 0.5, 0.75, 0.98})
    void viewsRoundTripThroughEveryParameterization(double t) {
        GaussianMixture mixture = TestSupport.threeComponents();
        float[] x = {0.4f, -1.2f, 2.5f, 1.9f, -2.0f, 0.1f};
        Tensor xs = Tensor.of(backend, x, 3, 2);
        Tensor ts = Tensor.full(backend, (float) t, 3, 1);
        for (View from : View.values()) {
            Parameterization p = TestSupport.predicting(from);
            GaussianMixtureOracle oracle = new GaussianMixtureOracle(mixture, schedule, p);
            Model model = new Model(oracle, schedule, p);
            for (View to : View.values()) {
                float[] got = model.convert(to, oracle.forward(xs, ts), xs, t).toArray();
                for (int r = 0; r < 3; r++) {
                    double[] exact = oracle.view(to, new double[]{x[2 * r], x[2 * r + 1]}, t);
                    for (int j = 0; j < 2; j++) {
                        assertThat((double) got[2 * r + j]).as("%s from %s at t=%s", to, from, t)
                                .isCloseTo(exact[j], within(2e-4 * (1 + Math.abs(exact[j]) + 1 / t)));
                    }
                }
            }
        }
    }

    @ParameterizedTest
    @ValueSource(doubles = {0.05, 0.3, 0.7, 1.0})
    void oracleScoreIsTheGradientOfTheMarginalLogDensity(double t) {
        GaussianMixture mixture = TestSupport.threeComponents();
        GaussianMixtureOracle oracle = new GaussianMixtureOracle(mixture, schedule, velocity);
        GaussianMixture marginal = mixture.marginal(schedule, t);
        double[] x = {0.7, -0.9};
        double[] score = oracle.view(View.SCORE, x, t);
        double h = 1e-5;
        for (int j = 0; j < 2; j++) {
            double[] up = x.clone();
            double[] down = x.clone();
            up[j] += h;
            down[j] -= h;
            double fd = (marginal.logDensity(up) - marginal.logDensity(down)) / (2 * h);
            assertThat(score[j]).as("score_%d at t=%s", j, t).isCloseTo(fd, within(1e-5 * (1 + Math.abs(fd))));
        }
    }

    @Test
    void oracleVelocityAtTimeOneIsTheStartingPointMinusTheDataMean() {
        GaussianMixtureOracle oracle = new GaussianMixtureOracle(TestSupport.twoBlobs(), schedule, velocity);
        double[] v = oracle.output(new double[]{1.5, -2}, 1.0);
        // At t = 1, x_t = ε: E[ε | x] = x, E[x0 | x] = the data mean (4, 0).
        assertThat(v[0]).isCloseTo(1.5 - 4, within(1e-12));
        assertThat(v[1]).isCloseTo(-2, within(1e-12));
    }
}
