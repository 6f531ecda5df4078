package org.diffusion4j.plugin.scoresde;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.diffusion4j.api.Model;
import org.diffusion4j.api.Schedule;
import org.diffusion4j.api.View;
import org.diffusion4j.api.tensor.Backend;
import org.diffusion4j.api.tensor.Rng;
import org.diffusion4j.api.tensor.Tensor;
import org.diffusion4j.runtime.oracle.GaussianMixture;
import org.diffusion4j.runtime.oracle.GaussianMixtureOracle;
import org.junit.jupiter.api.Test;

/**
 * log p(x) by the probability-flow ODE (Song et al. 2021, Appendix D.2) with the exact score of a
 * Gaussian mixture, written in tensor ops so the divergence is taken by autodiff, against the
 * mixture's analytic log-density.
 *
 * <p>What is compared: the ODE gives log p_tMin(x), the density of the data smoothed to tMin, so the
 * reference is the analytic log-density of the mixture's marginal at tMin (components
 * N(α·μ_k, (α²s_k² + σ²)·I)) — not of the data itself (for VP at tMin = 10⁻³, σ ≈ 0.0032 and the
 * difference is ~σ²/s² ≈ 10⁻⁴ nats). With the exact prior p_tMax (the marginal at tMax) the remaining
 * error is the solver's: rtol = atol = 10⁻⁵ bound the local error of each component per step and
 * the ~40–100 steps accumulate at most ~10⁻³, plus the float32 evaluation of the score (relative
 * 10⁻⁷ per evaluation, amplified by at most 1/σ(tMin) ≈ 300 in the divergence term: ~10⁻⁴·Δt). A
 * tolerance of 0.01 nats is an order above that budget and two orders below what a wrong sign or a
 * missing factor ½ in the divergence would give (the integral ∫∇·ṽ is 2–20 nats here). With the
 * launcher's N(0, σ²(tMax)·I) prior the difference is the prior mismatch at the latent point, which
 * the test computes and adds to the tolerance.
 */
class ProbabilityFlowLikelihoodTest {

    private final Backend backend = TestSupport.backend();

    private static double[][] points(GaussianMixture mixture, long seed, int n) {
        double[][] x = mixture.sample(new Rng(seed), n);
        // Add points off the data too: between the modes and in a tail.
        double[][] out = new double[n + 2][];
        System.arraycopy(x, 0, out, 0, n);
        out[n] = new double[]{0, 0};
        out[n + 1] = new double[]{5, 5};
        return out;
    }

    @Test
    void logDensityMatchesTheMixtureUnderEachSde() {
        GaussianMixture mixture = TestSupport.threeComponents();
        double[][] x = points(mixture, 11, 10);
        Tensor xt = Views.matrix(backend, x);
        StringBuilder b = new StringBuilder("probability-flow log p vs analytic (nats), 12 points\n");
        for (Schedule s : TestSupport.sdes()) {
            Model model = TestSupport.differentiableOracle(mixture, s, new ScoreParameterization());
            GaussianMixture atMin = mixture.marginal(s, s.tMin());
            GaussianMixture atMax = mixture.marginal(s, s.tMax());
            ProbabilityFlowLikelihood.Result exactPrior = ProbabilityFlowLikelihood.exact()
                    .evaluate(model, xt, new Rng(1), atMax::logDensity);
            ProbabilityFlowLikelihood.Result gaussPrior = ProbabilityFlowLikelihood.exact().evaluate(model, xt, new Rng(1));
            double worst = 0;
            double worstGauss = 0;
            var prior = ProbabilityFlowLikelihood.gaussianPrior(s);
            for (int i = 0; i < x.length; i++) {
                double want = atMin.logDensity(x[i]);
                worst = Math.max(worst, Math.abs(exactPrior.logDensity()[i] - want));
                assertThat(exactPrior.logDensity()[i]).as("%s point %s", s, i).isCloseTo(want, within(0.01));
                double mismatch = prior.applyAsDouble(gaussPrior.latent()[i]) - atMax.logDensity(gaussPrior.latent()[i]);
                worstGauss = Math.max(worstGauss, Math.abs(gaussPrior.logDensity()[i] - want));
                assertThat(gaussPrior.logDensity()[i]).as("%s point %s, Gaussian prior", s, i)
                        .isCloseTo(want + mismatch, within(0.01));
                assertThat(exactPrior.bitsPerDimension()[i]).isCloseTo(-exactPrior.logDensity()[i] / (2 * Math.log(2)),
                        within(1e-12));
            }
            b.append(String.format("  %-55s max |err| %.2e (exact prior), %.2e (N(0, σ²(1)) prior); NFE max %d%n",
                    s, worst, worstGauss, exactPrior.maxEvaluations()));
        }
        System.out.print(b);
    }

    @Test
    void aVelocityModelGivesTheSameLikelihood() {
        // The flow-matching parameterization on VP: the ODE's velocity comes from the api's conversion.
        GaussianMixture mixture = TestSupport.twoBlobs();
        Schedule s = new VariancePreservingSde(0.1, 20, 1e-3);
        double[][] x = points(mixture, 12, 4);
        Tensor xt = Views.matrix(backend, x);
        ProbabilityFlowLikelihood.Result r = ProbabilityFlowLikelihood.exact().evaluate(
                TestSupport.differentiableOracle(mixture, s, TestSupport.predicting(View.VELOCITY)), xt, new Rng(1),
                mixture.marginal(s, s.tMax())::logDensity);
        for (int i = 0; i < x.length; i++) {
            assertThat(r.logDensity()[i]).isCloseTo(mixture.marginal(s, s.tMin()).logDensity(x[i]), within(0.01));
        }
    }

    // Hutchinson's estimate: ProbabilityFlowNllTest, through the likelihood component.

    @Test
    void aNetworkWithoutGradientsIsRefusedNotGivenAZeroDivergence() {
        GaussianMixture mixture = TestSupport.twoBlobs();
        Schedule s = new VariancePreservingSde(0.1, 20, 1e-3);
        Model opaque = new Model(new GaussianMixtureOracle(mixture, s, new ScoreParameterization()), s,
                new ScoreParameterization());
        assertThatThrownBy(() -> ProbabilityFlowLikelihood.exact().evaluate(opaque,
                Tensor.zeros(backend, 2, 2), new Rng(1))).hasMessageContaining("no gradient");
    }
}
