package org.diffusion4j.plugin.flowmatching;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.diffusion4j.api.config.ConfigException;
import org.diffusion4j.api.InvertibleSampler;
import org.diffusion4j.api.Kind;
import org.diffusion4j.api.Model;
import org.diffusion4j.api.Parameterization;
import org.diffusion4j.api.Sampler;
import org.diffusion4j.api.StepListener;
import org.diffusion4j.api.tensor.Backend;
import org.diffusion4j.api.tensor.Rng;
import org.diffusion4j.api.tensor.Tensor;
import org.diffusion4j.runtime.oracle.GaussianMixture;
import org.diffusion4j.runtime.oracle.GaussianMixtureOracle;
import org.junit.jupiter.api.Test;

/**
 * Inversion of the ODE samplers with the exact velocity of a Gaussian mixture: invert(sample(z))
 * returns z and sample(invert(x)) returns x, with an error that falls as the steps grow (the walk
 * backwards is the same solver on the same grid, so the round trip's error is the solver's).
 */
class InversionTest {

    private static final int N = 400;

    private final Backend backend = TestSupport.backend();
    private final GaussianMixture mixture = TestSupport.threeComponents();
    private final Model model = TestSupport.oracleModel(mixture);

    private InvertibleSampler sampler(String name, int steps) {
        Sampler s = TestSupport.create(Kind.SAMPLER, name, Map.of("steps", steps), TestSupport.context(backend, 1, 2));
        assertThat(s).as(name).isInstanceOf(InvertibleSampler.class);
        return (InvertibleSampler) s;
    }

    /** RMS per coordinate of z − invert(sample(z)) and of x − sample(invert(x)). */
    private double[] roundTrips(String name, int steps) {
        InvertibleSampler s = sampler(name, steps);
        assertThat(s.refuseInversion(model)).isNull();
        Tensor z = Tensor.randn(backend, new Rng(3), N, 2);
        Tensor x = mixture.sample(backend, new Rng(4), N);
        float[] zBack = s.invert(model, s.sample(model, z, null, StepListener.NONE), StepListener.NONE).toArray();
        float[] latents = s.invert(model, x, StepListener.NONE).toArray();
        float[] xBack = s.sample(model, Tensor.of(backend, latents, N, 2), null, StepListener.NONE).toArray();
        // the latents are not the data: the walk went somewhere and came back
        assertThat(TestSupport.rms(latents, x.toArray(), 1)).isGreaterThan(1);
        return new double[]{TestSupport.rms(zBack, z.toArray(), 1), TestSupport.rms(xBack, x.toArray(), 1)};
    }

    @Test
    void roundTripsReturnTheirStartWithAnErrorThatFallsWithTheSteps() {
        // Euler from 200 steps: below that a few points near the narrow component's edge still land in
        // the neighbouring mode and dominate the RMS; RK4 to 20: at 200 it is at float precision.
        String[] names = {EulerSampler.NAME, HeunSampler.NAME, RungeKutta4Sampler.NAME};
        int[][] steps = {{200, 2000}, {20, 200}, {5, 20}};
        double[] limit = {0.01, 1e-4, 2e-3};
        for (int m = 0; m < names.length; m++) {
            double[] coarse = roundTrips(names[m], steps[m][0]);
            double[] fine = roundTrips(names[m], steps[m][1]);
            System.out.printf("%s inversion, %d / %d steps: rms z - invert(sample(z)) %.2e / %.2e, "
                    + "x - sample(invert(x)) %.2e / %.2e%n", names[m], steps[m][0], steps[m][1], coarse[0], fine[0],
                    coarse[1], fine[1]);
            for (int k = 0; k < 2; k++) {
                assertThat(fine[k]).as("%s round trip %d", names[m], k).isLessThan(coarse[k] / 4).isLessThan(limit[m]);
            }
        }
    }

    @Test
    void inversionIsRefusedWhereTheVelocityIsUndeterminedAtATimeTheWalkEvaluates() {
        // An x0 model on the linear interpolant: the velocity needs ε = (x − α·x̂0)/σ, undetermined at
        // t = tMin = 0. Euler sampling never evaluates there (its last step starts at h), Euler walking
        // up starts there: it may sample but not invert.
        Parameterization x0 = () -> org.diffusion4j.api.View.X0;
        Model x0Model = GaussianMixtureOracle.model(mixture, new LinearInterpolantSchedule(), x0);
        InvertibleSampler euler = sampler(EulerSampler.NAME, 10);
        assertThat(euler.refuse(x0Model)).isNull();
        String why = euler.refuseInversion(x0Model);
        assertThat(why).startsWith(EulerSampler.NAME).contains("VELOCITY view at t = 0.0");
        assertThatThrownBy(() -> euler.invert(x0Model, mixture.sample(backend, new Rng(1), 4), StepListener.NONE))
                .isInstanceOf(ConfigException.class).hasMessage(why);
        // and the other way round for ε, undetermined at t = tMax = 1, where Euler sampling starts
        Model epsModel = GaussianMixtureOracle.model(mixture, new LinearInterpolantSchedule(),
                () -> org.diffusion4j.api.View.EPSILON);
        assertThat(euler.refuse(epsModel)).contains("t = 1.0");
        assertThat(euler.refuseInversion(epsModel)).isNull();
    }
}
