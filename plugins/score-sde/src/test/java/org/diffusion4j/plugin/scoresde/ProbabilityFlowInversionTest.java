package org.diffusion4j.plugin.scoresde;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.diffusion4j.api.InvertibleSampler;
import org.diffusion4j.api.Kind;
import org.diffusion4j.api.Model;
import org.diffusion4j.api.Schedule;
import org.diffusion4j.api.StepListener;
import org.diffusion4j.api.tensor.Backend;
import org.diffusion4j.api.tensor.Rng;
import org.diffusion4j.api.tensor.Tensor;
import org.diffusion4j.runtime.oracle.GaussianMixture;
import org.junit.jupiter.api.Test;

/**
 * The probability-flow ODE sampler as an {@link InvertibleSampler}, with the exact score of a
 * Gaussian mixture on the VP SDE: invert(sample(z)) returns z and sample(invert(x)) returns x, with
 * an error that falls as the fixed-step solvers take more steps and as RK45's tolerance tightens.
 */
class ProbabilityFlowInversionTest {

    private static final int N = 300;

    private final Backend backend = TestSupport.backend();
    private final GaussianMixture mixture = TestSupport.threeComponents();
    private final Schedule vp = new VariancePreservingSde(0.1, 20, 1e-3);
    private final Model model = TestSupport.scoreOracle(mixture, vp);

    private InvertibleSampler ode(Map<String, Object> options) {
        return TestSupport.create(Kind.SAMPLER, "score-sde.ode", options, TestSupport.context(backend));
    }

    /** RMS per coordinate of z − invert(sample(z)) and of x − sample(invert(x)). */
    private double[] roundTrips(InvertibleSampler s) {
        assertThat(s.refuseInversion(model)).isNull();
        Tensor z = Tensor.randn(backend, new Rng(5), N, 2).mul(vp.sigma(vp.tMax()));
        Tensor x = mixture.sample(backend, new Rng(6), N);
        float[] zBack = s.invert(model, s.sample(model, z, null, StepListener.NONE), StepListener.NONE).toArray();
        float[] latents = s.invert(model, x, StepListener.NONE).toArray();
        float[] xBack = s.sample(model, Tensor.of(backend, latents, N, 2), null, StepListener.NONE).toArray();
        assertThat(TestSupport.rms(latents, x.toArray())).isGreaterThan(0.5);
        return new double[]{TestSupport.rms(zBack, z.toArray()), TestSupport.rms(xBack, x.toArray())};
    }

    private void assertFalls(String what, double[] coarse, double[] fine, double limit) {
        System.out.printf("%s: rms z - invert(sample(z)) %.2e / %.2e, x - sample(invert(x)) %.2e / %.2e%n", what,
                coarse[0], fine[0], coarse[1], fine[1]);
        for (int k = 0; k < 2; k++) {
            assertThat(fine[k]).as("%s round trip %d", what, k).isLessThan(coarse[k] / 4).isLessThan(limit);
        }
    }

    @Test
    void fixedStepRoundTripsReturnTheirStartWithAnErrorThatFallsWithTheSteps() {
        assertFalls("euler 200 / 2000 steps", roundTrips(ode(Map.of("solver", "euler", "steps", 200))),
                roundTrips(ode(Map.of("solver", "euler", "steps", 2000))), 0.02);
        assertFalls("heun 20 / 200 steps", roundTrips(ode(Map.of("solver", "heun", "steps", 20))),
                roundTrips(ode(Map.of("solver", "heun", "steps", 200))), 1e-3);
    }

    @Test
    void rk45RoundTripsReturnTheirStartWithAnErrorThatFallsWithTheTolerance() {
        assertFalls("rk45 tol 1e-2 / 1e-5", roundTrips(ode(Map.of("rtol", 1e-2, "atol", 1e-2))),
                roundTrips(ode(Map.of("rtol", 1e-5, "atol", 1e-5))), 1e-3);
    }
}
