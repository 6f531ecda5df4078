package org.diffusion4j.plugin.flowmatching;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import java.util.Map;
import org.diffusion4j.api.Kind;
import org.diffusion4j.api.Loss;
import org.diffusion4j.api.Model;
import org.diffusion4j.api.Network;
import org.diffusion4j.api.Parameterization;
import org.diffusion4j.api.Schedule;
import org.diffusion4j.api.View;
import org.diffusion4j.api.tensor.Backend;
import org.diffusion4j.api.tensor.Rng;
import org.diffusion4j.api.tensor.Tensor;
import org.diffusion4j.runtime.oracle.GaussianMixture;
import org.diffusion4j.runtime.oracle.GaussianMixtureOracle;
import org.junit.jupiter.api.Test;

/** The conditional flow-matching loss (Eq. 6) against its closed forms. */
class ConditionalFlowMatchingLossTest {

    private final Backend backend = TestSupport.backend();
    private final Schedule schedule = new LinearInterpolantSchedule();
    private final Parameterization velocity = new VelocityParameterization();

    private Loss loss(String reduction) {
        return TestSupport.create(Kind.LOSS, "flow-matching.cfm", Map.of("reduction", reduction),
                TestSupport.context(backend, 1, 2));
    }

    /** out = 0.3·x + t·(1, −2): a simple network with a known output. */
    private final Network known = new Network() {
        @Override
        public Tensor forward(Tensor x, Tensor t) {
            return x.mul(0.3).add(t.matmul(Tensor.of(x.backend(), new float[]{1, -2}, 1, 2)));
        }

        @Override
        public Map<String, Tensor> parameters() {
            return Map.of();
        }
    };

    @Test
    void equalsTheBlogsFormulaRecomputedFromTheSameDraws() {
        int b = 7;
        Tensor x0 = TestSupport.twoBlobs().sample(backend, new Rng(1), b);
        float[] x = x0.toArray();
        for (View view : List.of(View.VELOCITY, View.EPSILON, View.X0, View.V)) {
            Parameterization p = view == View.VELOCITY ? velocity : TestSupport.predicting(view);
            Model model = new Model(known, schedule, p);
            for (String reduction : List.of("sum", "mean")) {
                float got = loss(reduction).compute(model, x0, new Rng(99)).item();
                // The documented draws: B uniforms for t, then ε = randn(rng, B, D).
                Rng rng = new Rng(99);
                double[] t = new double[b];
                for (int i = 0; i < b; i++) {
                    t[i] = rng.nextDouble();
                }
                float[] eps = Tensor.randn(backend, rng, b, 2).toArray();
                double total = 0;
                for (int i = 0; i < b; i++) {
                    for (int j = 0; j < 2; j++) {
                        double xt = (1 - t[i]) * x[2 * i + j] + t[i] * eps[2 * i + j];
                        double target = switch (view) {
                            case VELOCITY -> eps[2 * i + j] - x[2 * i + j];           // the blog's −x0 + x1
                            case EPSILON -> eps[2 * i + j];
                            case X0 -> x[2 * i + j];
                            case V -> (1 - t[i]) * eps[2 * i + j] - t[i] * x[2 * i + j];
                            case SCORE -> throw new AssertionError();
                        };
                        double out = 0.3 * xt + (float) t[i] * (j == 0 ? 1 : -2);
                        total += (out - target) * (out - target);
                    }
                }
                double expected = reduction.equals("sum") ? total / b : total / (2 * b);
                assertThat((double) got).as("%s, %s", view, reduction).isCloseTo(expected, within(1e-5 * (1 + expected)));
            }
        }
    }

    @Test
    void oracleLossIsTheIrreducibleMinimumAndPerturbationsRaiseIt() {
        GaussianMixture mixture = TestSupport.twoBlobs();
        GaussianMixtureOracle oracle = new GaussianMixtureOracle(mixture, schedule, velocity);
        Loss cfm = loss("sum");
        int batches = 20;
        int b = 2000;
        double shift = 0.2;
        Network shifted = new Network() {
            @Override
            public Tensor forward(Tensor x, Tensor t) {
                return oracle.forward(x, t).add(shift);
            }

            @Override
            public Map<String, Tensor> parameters() {
                return Map.of();
            }
        };
        double oracleLoss = 0;
        double shiftedLoss = 0;
        Rng data = new Rng(5);
        for (int i = 0; i < batches; i++) {
            Tensor x0 = mixture.sample(backend, data, b);
            oracleLoss += cfm.compute(new Model(oracle, schedule, velocity), x0, new Rng(1000 + i)).item() / batches;
            shiftedLoss += cfm.compute(new Model(shifted, schedule, velocity), x0, new Rng(1000 + i)).item() / batches;
        }
        // Closed form: E_t E_{x_t} (a − b·α/σ)²·tr Cov[x0 | x_t] with (a, b) = (−1, 1): a − bα/σ = −1/t.
        Rng rng = new Rng(6);
        int m = 200_000;
        double closed = 0;
        for (int i = 0; i < m; i++) {
            double t = rng.nextDouble();
            double[] x0 = mixture.sample(rng, 1)[0];
            double[] xt = new double[2];
            for (int j = 0; j < 2; j++) {
                xt[j] = (1 - t) * x0[j] + t * rng.nextGaussian();
            }
            closed += oracle.posteriorVarianceX0(xt, t) / (t * t) / m;
        }
        System.out.printf("CFM, two blobs: oracle loss %.4f, closed-form minimum %.4f, oracle + %.1f: %.4f%n",
                oracleLoss, closed, shift, shiftedLoss);
        assertThat(oracleLoss).isCloseTo(closed, within(0.03 * closed));
        // A constant shift c adds |c|² = 2·0.04 in expectation (the cross term vanishes at the optimum).
        assertThat(shiftedLoss - oracleLoss).isCloseTo(2 * shift * shift, within(0.3 * 2 * shift * shift));
    }

    @Test
    void gradientsReachEveryMlpParameterAndMatchFiniteDifferences() {
        Network mlp = TestSupport.create(Kind.NETWORK, "mlp", Map.of("activation", "tanh", "width", 16),
                TestSupport.context(backend, 7, 2));
        Model model = new Model(mlp, schedule, velocity);
        Tensor x0 = TestSupport.twoBlobs().sample(backend, new Rng(8), 64);
        Loss cfm = loss("sum");
        Tensor l = cfm.compute(model, x0, new Rng(9));
        l.backward();
        for (var e : mlp.parameters().entrySet()) {
            assertThat(e.getValue().grad()).as(e.getKey()).isNotNull();
            float[] g = e.getValue().grad().toArray();
            double norm = 0;
            for (float v : g) {
                assertThat(v).isFinite();
                norm += v * v;
            }
            assertThat(norm).as("gradient of %s", e.getKey()).isGreaterThan(0);
        }
        for (String name : List.of("net.0.weight", "net.2.bias", "net.4.weight")) {
            Tensor p = mlp.parameters().get(name);
            float[] values = p.toArray();
            int index = 1;
            float analytic = p.grad().toArray()[index];
            double h = 1e-2;
            float original = values[index];
            values[index] = (float) (original + h);
            p.load(values);
            double up = cfm.compute(model, x0, new Rng(9)).item();
            values[index] = (float) (original - h);
            p.load(values);
            double down = cfm.compute(model, x0, new Rng(9)).item();
            values[index] = original;
            p.load(values);
            double fd = (up - down) / (2 * h);
            System.out.printf("CFM gradient of %s[%d]: autodiff %.5f, finite difference %.5f%n", name, index, analytic, fd);
            assertThat((double) analytic).as(name).isCloseTo(fd, within(2e-3 + 0.02 * Math.abs(fd)));
        }
    }

    @Test
    void providerDefaultsToTheBlogsSumReduction() {
        ConditionalFlowMatchingLoss l = TestSupport.create(Kind.LOSS, "flow-matching.cfm", Map.of(),
                TestSupport.context(backend, 1, 2));
        assertThat(l.reduction()).isEqualTo(ConditionalFlowMatchingLoss.Reduction.SUM);
        assertThat(l.extraOutputs()).isZero();
    }
}
