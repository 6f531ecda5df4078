package org.diffusion4j.plugin.scoresde;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

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
import org.junit.jupiter.api.Test;

/**
 * Weighted DSM (Song et al. 2021, Eq. 7): the exact score is its minimiser (Vincent 2011) — shifting
 * the score by δ raises the loss by E_t[λ(t)]·‖δ‖² — and the loss is the same number whatever the
 * parameterization that represents the exact model.
 */
class DenoisingScoreMatchingLossTest {

    private final Backend backend = TestSupport.backend();

    private Loss dsm(String weighting) {
        return TestSupport.create(Kind.LOSS, "score-sde.dsm", Map.of("weighting", weighting), TestSupport.context(backend));
    }

    /** The oracle score plus a constant δ in score units. */
    private static Network shifted(Network exact, double[] delta) {
        return new Network() {
            @Override
            public Tensor forward(Tensor x, Tensor t) {
                float[] d = {(float) delta[0], (float) delta[1]};
                return exact.forward(x, t).add(Tensor.of(x.backend(), d, 1, 2));
            }

            @Override
            public Map<String, Tensor> parameters() {
                return Map.of();
            }
        };
    }

    /** E_t[λ(t)] for t ~ U(tMin, tMax), by the midpoint rule. */
    private static double meanLambda(DenoisingScoreMatchingLoss loss, Schedule s) {
        int n = 100_000;
        double sum = 0;
        for (int i = 0; i < n; i++) {
            sum += loss.lambda(s, s.tMin() + (s.tMax() - s.tMin()) * (i + 0.5) / n);
        }
        return sum / n;
    }

    @Test
    void theExactScoreIsTheMinimiserAndAShiftCostsMeanLambdaTimesItsSquare() {
        GaussianMixture mixture = TestSupport.twoBlobs();
        Tensor x0 = mixture.sample(backend, new Rng(3), 20_000);
        double[] delta = {0.3, -0.2};
        double d2 = delta[0] * delta[0] + delta[1] * delta[1];
        for (Schedule s : TestSupport.sdes()) {
            for (String weighting : new String[]{"sigma2", "likelihood"}) {
                DenoisingScoreMatchingLoss loss = (DenoisingScoreMatchingLoss) dsm(weighting);
                Model exact = TestSupport.scoreOracle(mixture, s);
                Model off = new Model(shifted(exact.network(), delta), s, exact.parameterization());
                double l0 = loss.compute(exact, x0, new Rng(4)).item();
                double l1 = loss.compute(off, x0, new Rng(4)).item();
                double want = meanLambda(loss, s) * d2;
                System.out.printf("%-55s %-10s L(exact) %.4f  L(shift) - L(exact) %.4f  E[λ]|δ|² %.4f%n", s, weighting,
                        l0, l1 - l0, want);
                assertThat(l1).isGreaterThan(l0);
                // Same draws for both: the cross term 2λδ·(s − target) averages to 0 over 20,000 rows
                // only up to Monte-Carlo error, so 10 % of the expected increase.
                assertThat(l1 - l0).isCloseTo(want, within(0.1 * want));
            }
        }
    }

    @Test
    void everyParameterizationOfTheExactModelGivesTheSameLoss() {
        GaussianMixture mixture = TestSupport.threeComponents();
        Tensor x0 = mixture.sample(backend, new Rng(5), 2000);
        for (Schedule s : TestSupport.sdes()) {
            double reference = dsm("sigma2").compute(TestSupport.scoreOracle(mixture, s), x0, new Rng(6)).item();
            for (View v : new View[]{View.EPSILON, View.X0, View.V, View.VELOCITY}) {
                Parameterization p = TestSupport.predicting(v);
                double l = dsm("sigma2").compute(TestSupport.oracle(mixture, s, p), x0, new Rng(6)).item();
                // float32 outputs converted through per-row coefficients: agreement to ~1e-4 relative,
                // except where x0 = (x − σε)/α loses digits at large σ (VE).
                assertThat(l).as("%s %s", s, v).isCloseTo(reference, within(2e-2 * reference));
            }
        }
    }

    @Test
    void gradientsReachTheNetwork() {
        Tensor w = Tensor.of(backend, new float[]{0.5f, 0.1f, -0.2f, 0.3f}, 2, 2).requiresGrad(true);
        Network linear = new Network() {
            @Override
            public Tensor forward(Tensor x, Tensor t) {
                return x.matmul(w);
            }

            @Override
            public Map<String, Tensor> parameters() {
                return Map.of("w", w);
            }
        };
        Schedule s = new VariancePreservingSde(0.1, 20, 1e-3);
        Tensor x0 = TestSupport.twoBlobs().sample(backend, new Rng(7), 64);
        Tensor l = dsm("sigma2").compute(new Model(linear, s, new ScoreParameterization()), x0, new Rng(8));
        l.backward();
        assertThat(w.grad()).isNotNull();
        assertThat(w.grad().toArray()).isNotEqualTo(new float[4]);
    }

    @Test
    void aPathWithoutNoiseIsAnErrorNamingTheLossAndTheTime() {
        Schedule noiseless = new Schedule() {
            public double alpha(double t) {
                return 1;
            }

            public double sigma(double t) {
                return 0;
            }

            public double alphaDot(double t) {
                return 0;
            }

            public double sigmaDot(double t) {
                return 0;
            }
        };
        Model m = TestSupport.oracle(TestSupport.twoBlobs(), noiseless, TestSupport.predicting(View.EPSILON));
        Tensor x0 = TestSupport.twoBlobs().sample(backend, new Rng(9), 4);
        assertThatThrownBy(() -> dsm("sigma2").compute(m, x0, new Rng(10)))
                .hasMessageContaining("score-sde.dsm").hasMessageContaining("t = ");
        // The flow-matching interpolant is trained fine, with either weighting (g² is finite for t < 1).
        Model velocity = TestSupport.oracle(TestSupport.twoBlobs(), TestSupport.linearInterpolant(),
                TestSupport.predicting(View.VELOCITY));
        assertThat(dsm("sigma2").compute(velocity, x0, new Rng(10)).item()).isFinite();
        assertThat(dsm("likelihood").compute(velocity, x0, new Rng(10)).item()).isFinite();
    }
}
