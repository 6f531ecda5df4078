package org.diffusion4j.runtime.oracle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.offset;

import java.util.List;
import java.util.function.DoubleUnaryOperator;
import org.diffusion4j.api.Parameterization;
import org.diffusion4j.api.Schedule;
import org.diffusion4j.api.View;
import org.diffusion4j.api.tensor.Backend;
import org.diffusion4j.api.tensor.Rng;
import org.diffusion4j.api.tensor.Tensor;
import org.diffusion4j.runtime.backend.JavaBackend;
import org.diffusion4j.runtime.testing.PluginTestSupport;
import org.junit.jupiter.api.Test;

/**
 * The tensor-op oracle against the host oracle (double precision): the same output for every view
 * and schedule, and a Jacobian in x equal to central differences of the host oracle.
 */
class DifferentiableMixtureOracleTest {

    private static final Backend BACKEND = new JavaBackend(2);
    private static final GaussianMixture MIXTURE = new GaussianMixture(
            new double[][]{{-2, 0.5}, {1.5, 1.5}, {1, -2}}, new double[]{0.3, 0.6, 0.25}, new double[]{0.2, 0.5, 0.3});
    private static final int N = 24;

    /** Linear interpolant, a VP-like trigonometric path and a VE-like path with α = 1. */
    private static List<Schedule> schedules() {
        return List.of(PluginTestSupport.linearInterpolant(),
                schedule(t -> Math.cos(Math.PI / 2 * t), t -> -Math.PI / 2 * Math.sin(Math.PI / 2 * t),
                        t -> Math.sin(Math.PI / 2 * t), t -> Math.PI / 2 * Math.cos(Math.PI / 2 * t)),
                schedule(t -> 1, t -> 0, t -> 3 * t, t -> 3));
    }

    @Test
    void agreesWithTheHostOracleForEveryViewAndSchedule() {
        Rng rng = new Rng(7);
        for (Schedule s : schedules()) {
            for (View view : View.values()) {
                Parameterization p = () -> view;
                GaussianMixtureOracle host = new GaussianMixtureOracle(MIXTURE, s, p);
                float[] xs = new float[N * 2];
                float[] ts = new float[N];
                for (int r = 0; r < N; r++) {
                    ts[r] = (float) (0.2 + 0.7 * rng.nextDouble());
                    xs[2 * r] = (float) (3 * rng.nextGaussian());
                    xs[2 * r + 1] = (float) (3 * rng.nextGaussian());
                }
                Tensor x = Tensor.of(BACKEND, xs, N, 2).requiresGrad(true);
                Tensor out = new DifferentiableMixtureOracle(MIXTURE, s, p).forward(x, Tensor.of(BACKEND, ts, N, 1));
                assertThat(out.requiresGrad()).as("records a gradient in x").isTrue();
                float[] got = out.toArray();
                for (int r = 0; r < N; r++) {
                    double[] want = host.view(view, new double[]{xs[2 * r], xs[2 * r + 1]}, ts[r]);
                    for (int j = 0; j < 2; j++) {
                        assertThat((double) got[2 * r + j]).as("%s %s row %d", s, view, r)
                                .isCloseTo(want[j], offset(1e-4 * (1 + Math.abs(want[j]))));
                    }
                }
            }
        }
    }

    @Test
    void jacobianInXMatchesCentralDifferencesOfTheHostOracle() {
        Rng rng = new Rng(11);
        double h = 1e-5;
        for (Schedule s : schedules()) {
            for (View view : List.of(View.EPSILON, View.SCORE, View.VELOCITY)) {
                Parameterization p = () -> view;
                GaussianMixtureOracle host = new GaussianMixtureOracle(MIXTURE, s, p);
                DifferentiableMixtureOracle net = new DifferentiableMixtureOracle(MIXTURE, s, p);
                float[] xs = new float[N * 2];
                float[] ts = new float[N];
                for (int r = 0; r < N; r++) {
                    ts[r] = (float) (0.2 + 0.7 * rng.nextDouble());
                    xs[2 * r] = (float) (2 * rng.nextGaussian());
                    xs[2 * r + 1] = (float) (2 * rng.nextGaussian());
                }
                for (int j = 0; j < 2; j++) {
                    Tensor x = Tensor.of(BACKEND, xs, N, 2).requiresGrad(true);
                    Tensor out = net.forward(x, Tensor.of(BACKEND, ts, N, 1));
                    // row r of the gradient of Σ_r out[r][j] is ∂out_j/∂x at row r (rows are independent)
                    float[] g = Tensor.grad(out.columns(j, 1).sum(), List.of(x), false).get(0).toArray();
                    for (int r = 0; r < N; r++) {
                        for (int i = 0; i < 2; i++) {
                            double[] plus = {xs[2 * r], xs[2 * r + 1]};
                            double[] minus = plus.clone();
                            plus[i] += h;
                            minus[i] -= h;
                            double numeric = (host.output(plus, ts[r])[j] - host.output(minus, ts[r])[j]) / (2 * h);
                            assertThat((double) g[2 * r + i]).as("%s %s d out_%d / d x_%d row %d", s, view, j, i, r)
                                    .isCloseTo(numeric, offset(1e-3 * (1 + Math.abs(numeric))));
                        }
                    }
                }
            }
        }
    }

    @Test
    void withoutAGradientTheHostOracleAnswers() {
        Schedule s = schedules().get(0);
        Parameterization p = () -> View.X0;
        Tensor x = Tensor.of(BACKEND, new float[]{0.5f, -1f, 2f, 2f}, 2, 2);
        Tensor t = Tensor.of(BACKEND, new float[]{0.3f, 0.7f}, 2, 1);
        assertThat(new DifferentiableMixtureOracle(MIXTURE, s, p).forward(x, t).toArray())
                .containsExactly(new GaussianMixtureOracle(MIXTURE, s, p).forward(x, t).toArray());
    }

    private static Schedule schedule(DoubleUnaryOperator alpha,
                                     DoubleUnaryOperator alphaDot,
                                     DoubleUnaryOperator sigma,
                                     DoubleUnaryOperator sigmaDot) {
        return new Schedule() {
            @Override
            public double alpha(double t) {
                return alpha.applyAsDouble(t);
            }

            @Override
            public double sigma(double t) {
                return sigma.applyAsDouble(t);
            }

            @Override
            public double alphaDot(double t) {
                return alphaDot.applyAsDouble(t);
            }

            @Override
            public double sigmaDot(double t) {
                return sigmaDot.applyAsDouble(t);
            }

            @Override
            public String toString() {
                return "α(0.5) = " + alpha(0.5) + ", σ(0.5) = " + sigma(0.5);
            }
        };
    }
}
