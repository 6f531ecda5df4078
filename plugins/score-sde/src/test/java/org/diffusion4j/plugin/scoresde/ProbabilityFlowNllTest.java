package org.diffusion4j.plugin.scoresde;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.Arrays;
import java.util.Map;
import org.diffusion4j.api.Kind;
import org.diffusion4j.api.Likelihood;
import org.diffusion4j.api.Model;
import org.diffusion4j.api.NoiseStreams;
import org.diffusion4j.api.Schedule;
import org.diffusion4j.api.View;
import org.diffusion4j.api.tensor.Backend;
import org.diffusion4j.api.tensor.Rng;
import org.diffusion4j.api.tensor.Tensor;
import org.diffusion4j.runtime.oracle.GaussianMixture;
import org.junit.jupiter.api.Test;

/**
 * The launcher's likelihood component {@code score-sde.likelihood} against the Gaussian mixture's
 * analytic log-density, for a score, an ε and a velocity model. Tolerance 0.01 nats: the solver
 * budget justified in {@link ProbabilityFlowLikelihoodTest}. Where the component's prior
 * N(0, σ²(tMax)·I) is not the exact marginal at tMax (VP keeps α(1)·x0 ≈ 0.0066·x0), the difference
 * at the point's latent image is added to the reference, as there.
 */
class ProbabilityFlowNllTest {

    private final Backend backend = TestSupport.backend();

    private Likelihood create(Map<String, ?> options) {
        return TestSupport.create(Kind.LIKELIHOOD, "score-sde.likelihood", options, TestSupport.context(backend));
    }

    private static double[][] points(GaussianMixture mixture) {
        double[][] x = mixture.sample(new Rng(21), 8);
        double[][] out = Arrays.copyOf(x, 10);
        out[8] = new double[]{0, 0};
        out[9] = new double[]{4, -4};
        return out;
    }

    @Test
    void nllMatchesTheMixtureForScoreEpsilonAndVelocityModels() {
        GaussianMixture mixture = TestSupport.threeComponents();
        double[][] x = points(mixture);
        Tensor xt = Views.matrix(backend, x);
        Likelihood nll = create(Map.of());
        assertThat(nll.isBound()).isFalse();
        Schedule vp = new VariancePreservingSde(0.1, 20, 1e-3);
        Schedule fm = TestSupport.linearInterpolant();
        Object[][] cases = {
                {vp, new ScoreParameterization()},
                {vp, TestSupport.predicting(View.EPSILON)},
                {fm, TestSupport.predicting(View.VELOCITY)}};
        for (Object[] c : cases) {
            Schedule s = (Schedule) c[0];
            Model model = TestSupport.differentiableOracle(mixture, s, (org.diffusion4j.api.Parameterization) c[1]);
            assertThat(nll.refuse(model)).isNull();
            double[] got = nll.negativeLogLikelihood(model, xt, new NoiseStreams(backend, new Rng(3), 0, x.length, 2));
            // The prior mismatch at each latent point (zero for the interpolant, whose σ(1) = 1, α(1) = 0).
            ProbabilityFlowLikelihood.Result r = ProbabilityFlowLikelihood.exact().evaluate(model, xt, new Rng(3));
            var prior = ProbabilityFlowLikelihood.gaussianPrior(s);
            GaussianMixture atMax = mixture.marginal(s, s.tMax());
            GaussianMixture atMin = mixture.marginal(s, s.tMin());
            double worst = 0;
            for (int i = 0; i < x.length; i++) {
                double mismatch = prior.applyAsDouble(r.latent()[i]) - atMax.logDensity(r.latent()[i]);
                double want = -(atMin.logDensity(x[i]) + mismatch);
                worst = Math.max(worst, Math.abs(got[i] - want));
                assertThat(got[i]).as("%s, %s, point %d", s, c[1], i).isCloseTo(want, within(0.01));
                if (s == fm) {
                    assertThat(mismatch).isCloseTo(0, within(1e-9));
                }
            }
            System.out.printf("score-sde.likelihood %-45s %-10s max |nll − analytic| %.2e nats%n", s, c[1], worst);
        }
    }

    @Test
    void hutchinsonProbesAreUnbiasedPerPointAndMoreProbesReduceTheSpread() {
        GaussianMixture mixture = TestSupport.threeComponents();
        Schedule s = new VariancePreservingSde(0.1, 20, 1e-3);
        Model model = TestSupport.differentiableOracle(mixture, s, new ScoreParameterization());
        int n = 48;
        double[][] x = new double[n][];
        Arrays.fill(x, new double[]{1.0, 2.0});
        Tensor xt = Views.matrix(backend, x);
        double exact = create(Map.of()).negativeLogLikelihood(model, xt.gatherRows(new int[]{0}),
                new NoiseStreams(backend, new Rng(1), 0, 1, 2))[0];
        double[] sd = new double[2];
        int[] probes = {1, 4};
        for (int k = 0; k < 2; k++) {
            // 48 copies of one point, each with its own stream and so its own probes.
            double[] v = create(Map.of("divergence", "hutchinson", "probes", probes[k]))
                    .negativeLogLikelihood(model, xt, new NoiseStreams(backend, new Rng(2), 0, n, 2));
            double mean = Arrays.stream(v).average().orElseThrow();
            sd[k] = Math.sqrt(Arrays.stream(v).map(u -> (u - mean) * (u - mean)).sum() / (n - 1));
            System.out.printf("Hutchinson, %d probe(s): mean %.4f ± %.4f (sd %.3f), exact %.4f%n", probes[k], mean,
                    sd[k] / Math.sqrt(n), sd[k], exact);
            assertThat(mean).isCloseTo(exact, within(4 * sd[k] / Math.sqrt(n) + 0.01));
        }
        // Four probes: variance / 4, so the spread about halves (sampling error of an sd from 48 draws ~10 %).
        assertThat(sd[1]).isGreaterThan(1e-3).isLessThan(0.75 * sd[0]);
    }

    @Test
    void aPointsValueDoesNotDependOnItsBatch() {
        GaussianMixture mixture = TestSupport.twoBlobs();
        Schedule s = new VariancePreservingSde(0.1, 20, 1e-3);
        Model model = TestSupport.differentiableOracle(mixture, s, new ScoreParameterization());
        double[][] x = mixture.sample(new Rng(5), 6);
        Tensor xt = Views.matrix(backend, x);
        Likelihood nll = create(Map.of("divergence", "hutchinson"));
        double[] whole = nll.negativeLogLikelihood(model, xt, new NoiseStreams(backend, new Rng(9), 0, 6, 2));
        double[] tail = nll.negativeLogLikelihood(model, xt.gatherRows(new int[]{4, 5}),
                new NoiseStreams(backend, new Rng(9), 4, 2, 2));
        assertThat(tail[0]).isCloseTo(whole[4], within(1e-6));
        assertThat(tail[1]).isCloseTo(whole[5], within(1e-6));
    }

    @Test
    void tooFewSolverStepsAreAConfigErrorNamingTheOption() {
        Model model = TestSupport.differentiableOracle(TestSupport.twoBlobs(), new VariancePreservingSde(0.1, 20, 1e-3),
                new ScoreParameterization());
        assertThatThrownBy(() -> create(Map.of("max-steps", 2)).negativeLogLikelihood(model, Tensor.zeros(backend, 2, 2),
                new NoiseStreams(backend, new Rng(1), 0, 2, 2)))
                .isInstanceOf(org.diffusion4j.api.config.ConfigException.class).hasMessageContaining("max-steps");
    }

    @Test
    void aNetworkThatReturnsNanFailsNamingTheLikelihoodAndTheTime() {
        Schedule vp = new VariancePreservingSde(0.1, 20, 1e-3);
        Model diverged = TestSupport.nanWhere(TestSupport.differentiableOracle(TestSupport.twoBlobs(), vp,
                new ScoreParameterization()), t -> t > 0.5);
        assertThatThrownBy(() -> create(Map.of()).negativeLogLikelihood(diverged, Tensor.zeros(backend, 2, 2),
                new NoiseStreams(backend, new Rng(1), 0, 2, 2)))
                .isInstanceOf(org.diffusion4j.api.NonFiniteOutputException.class)
                // integrating up from tMin, the first time the network answers NaN is above 0.5
                .hasMessageMatching("score-sde\\.likelihood: the model's output is not finite \\(NaN\\) at t = "
                        + "0\\.[5-9]\\d* for sample [01], .*")
                .hasMessageNotContaining("outside");
    }

    @Test
    void aModelWithoutAFiniteVelocityIsRefusedWithTheReason() {
        // A score network on the flow-matching interpolant: at t = 1 (α = 0) the velocity needs α̇/α.
        Model model = TestSupport.differentiableOracle(TestSupport.twoBlobs(), TestSupport.linearInterpolant(),
                new ScoreParameterization());
        assertThat(create(Map.of()).refuse(model)).contains("score-sde.likelihood").contains("VELOCITY");
    }
}
