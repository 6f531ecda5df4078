package org.diffusion4j.plugin.ddim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.diffusion4j.api.config.ConfigException;
import org.diffusion4j.api.InvertibleSampler;
import org.diffusion4j.api.Kind;
import org.diffusion4j.api.Model;
import org.diffusion4j.api.NoiseStreams;
import org.diffusion4j.api.Schedule;
import org.diffusion4j.api.StepListener;
import org.diffusion4j.api.View;
import org.diffusion4j.api.tensor.Backend;
import org.diffusion4j.api.tensor.Rng;
import org.diffusion4j.api.tensor.Tensor;
import org.diffusion4j.runtime.oracle.GaussianMixture;
import org.junit.jupiter.api.Test;

/**
 * DDIM as an {@link InvertibleSampler}, with the exact ε of a Gaussian mixture: for η = 0,
 * invert(sample(z)) returns z and sample(invert(x)) returns x with an error that falls as S grows;
 * η &gt; 0 and the σ̂ variance add noise at every step and are refused with the reason.
 */
class DdimInversionTest {

    private static final int N = 300;

    private final Backend backend = TestSupport.backend();
    private final GaussianMixture mixture = TestSupport.threeComponents();
    private final Schedule linear = TestSupport.schedule("ddpm.linear");
    private final Model model = TestSupport.oracleModel(mixture, linear, View.EPSILON);

    private InvertibleSampler ddim(Map<String, Object> options) {
        return TestSupport.create(Kind.SAMPLER, "ddim", options, TestSupport.context(backend));
    }

    private Tensor sample(InvertibleSampler s, Tensor start) {
        return s.sample(model, start, new NoiseStreams(backend, new Rng(32), 0, start.dim(0), start.dim(1)),
                StepListener.NONE);
    }

    /** RMS per coordinate of z − invert(sample(z)) and of x − sample(invert(x)). */
    private double[] roundTrips(int steps) {
        InvertibleSampler s = ddim(Map.of("steps", steps, "spacing", "linspace"));
        assertThat(s.refuseInversion(model)).isNull();
        Tensor z = Tensor.randn(backend, new Rng(31), N, 2);
        Tensor x = mixture.sample(backend, new Rng(4), N);
        float[] zBack = s.invert(model, sample(s, z), StepListener.NONE).toArray();
        float[] xBack = sample(s, s.invert(model, x, StepListener.NONE)).toArray();
        return new double[]{TestSupport.rms(zBack, z.toArray()), TestSupport.rms(xBack, x.toArray())};
    }

    @Test
    void etaZeroRoundTripsReturnTheirStartWithAnErrorThatFallsWithTheSteps() {
        double[] coarse = roundTrips(20);
        double[] fine = roundTrips(200);
        System.out.printf("ddim inversion, 20 / 200 steps: rms z - invert(sample(z)) %.2e / %.2e, "
                + "x - sample(invert(x)) %.2e / %.2e%n", coarse[0], fine[0], coarse[1], fine[1]);
        for (int k = 0; k < 2; k++) {
            assertThat(fine[k]).as("round trip %d", k).isLessThan(coarse[k] / 4).isLessThan(0.1);
        }
    }

    @Test
    void stochasticConfigurationsAreRefusedWithTheReason() {
        Tensor x = mixture.sample(backend, new Rng(4), 8);
        InvertibleSampler noisy = ddim(Map.of("steps", 20, "eta", 0.5));
        assertThat(noisy.refuse(model)).isNull();
        String why = noisy.refuseInversion(model);
        assertThat(why).isEqualTo("ddim with eta 0.5 adds noise at every step and cannot be inverted; "
                + "only eta 0 (deterministic DDIM) is invertible");
        assertThatThrownBy(() -> noisy.invert(model, x, StepListener.NONE))
                .isInstanceOf(ConfigException.class).hasMessage(why);
        assertThat(ddim(Map.of("steps", 20, "variance", "sigma-hat")).refuseInversion(model))
                .startsWith("ddim with variance sigma-hat adds noise at every step and cannot be inverted");
    }
}
