package org.diffusion4j.plugin.ncsn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.HashMap;
import java.util.Map;
import java.util.ServiceLoader;
import org.diffusion4j.api.ComponentProvider;
import org.diffusion4j.api.Kind;
import org.diffusion4j.api.Loss;
import org.diffusion4j.api.Model;
import org.diffusion4j.api.Network;
import org.diffusion4j.api.NoiseStreams;
import org.diffusion4j.api.Sampler;
import org.diffusion4j.api.Schedule;
import org.diffusion4j.api.StepListener;
import org.diffusion4j.api.tensor.Backend;
import org.diffusion4j.api.tensor.Rng;
import org.diffusion4j.api.tensor.Tensor;
import org.diffusion4j.runtime.oracle.GaussianMixture;
import org.diffusion4j.runtime.testing.StepCountingBackend;
import org.junit.jupiter.api.Test;

/**
 * NCSN against closed forms: the geometric levels, annealed Langevin with the exact mixture score,
 * and on Gaussian data (every score known) DSM and SSM equal the explicit score-matching loss of the
 * σ-smoothed data up to a constant that does not depend on the model (Vincent 2011; Song et al. 2019).
 */
class NcsnTest {

    private final Backend backend = TestSupport.backend();

    @Test
    void providersAreFoundDescribedAndCreateTheirComponents() {
        Map<String, Kind> expected = Map.of("ncsn.geometric", Kind.SCHEDULE, "ncsn.score", Kind.PARAMETERIZATION,
                "ncsn.dsm", Kind.LOSS, "ncsn.ssm", Kind.LOSS, "ncsn.ism", Kind.LOSS, "ncsn.annealed-langevin", Kind.SAMPLER);
        Map<String, ComponentProvider<?>> found = new HashMap<>();
        for (ComponentProvider<?> p : ServiceLoader.load(ComponentProvider.class)) {
            if (p.name().startsWith("ncsn.")) {
                found.put(p.name(), p);
            }
        }
        assertThat(found.keySet()).containsExactlyInAnyOrderElementsOf(expected.keySet());
        for (var e : found.entrySet()) {
            ComponentProvider<?> p = e.getValue();
            assertThat(p.kind()).isEqualTo(expected.get(e.getKey()));
            assertThat(p.description()).isNotBlank();
            Object c = p.create(p.config().resolve(p.name(), Map.of()), TestSupport.context(backend));
            assertThat(c).isInstanceOf(p.kind().type());
        }
        assertThatThrownBy(() -> TestSupport.create(Kind.LOSS, "ncsn.ssm", Map.of("projection", "sphere"),
                TestSupport.context(backend))).hasMessageContaining("gaussian, rademacher");
        assertThatThrownBy(() -> TestSupport.create(Kind.LOSS, "ncsn.ism", Map.of("divergence", "skilling"),
                TestSupport.context(backend))).hasMessageContaining("exact, hutchinson");
    }

    @Test
    void levelsAreGeometricFromSigmaOneToSigmaL() {
        GeometricNoiseSchedule s = new GeometricNoiseSchedule(1, 0.01, 10);
        double[] levels = s.levels();
        assertThat(levels[0]).isCloseTo(1, within(1e-12));
        assertThat(levels[9]).isCloseTo(0.01, within(1e-14));
        for (int i = 1; i < 10; i++) {
            assertThat(levels[i - 1] / levels[i]).isCloseTo(Math.pow(100, 1.0 / 9), within(1e-9));
        }
        assertThat(s.trainingTimes()).hasSize(10);
        assertThat(s.sigma(s.trainingTimes()[0])).isCloseTo(0.01, within(1e-14));
        assertThat(s.diffusionSquared(0.5)).isCloseTo(2 * s.sigma(0.5) * s.sigmaDot(0.5), within(1e-12));
    }

    @Test
    void annealedLangevinWithTheExactScoreReachesTheMixture() {
        GaussianMixture mixture = TestSupport.twoBlobs();
        Schedule s = new GeometricNoiseSchedule(10, 0.05, 10);
        Model model = TestSupport.scoreOracle(mixture, s);
        int n = 4000;
        double[] err = new double[2];
        int[] t = {3, 100};
        for (int i = 0; i < 2; i++) {
            Sampler sampler = TestSupport.create(Kind.SAMPLER, "ncsn.annealed-langevin",
                    Map.of("steps-per-level", t[i], "epsilon", 2e-3), TestSupport.context(backend));
            NoiseStreams noise = new NoiseStreams(backend, new Rng(1), 0, n, 2);
            float[] y = sampler.sample(model, noise.next().mul(10), noise, StepListener.NONE).toArray();
            TestSupport.assertFinite(y);
            err[i] = TestSupport.mixtureError(mixture, y);
        }
        System.out.printf("annealed Langevin, exact score, two blobs: T=3 error %.4f, T=100 error %.4f%n", err[0], err[1]);
        assertThat(err[1]).isLessThan(err[0]).isLessThan(0.06);
    }

    @Test
    void refusesASchedulesWithoutLevels() {
        Schedule continuous = new Schedule() {
            public double alpha(double t) {
                return 1;
            }

            public double sigma(double t) {
                return 1 + t;
            }

            public double alphaDot(double t) {
                return 0;
            }

            public double sigmaDot(double t) {
                return 1;
            }
        };
        Sampler s = TestSupport.create(Kind.SAMPLER, "ncsn.annealed-langevin", Map.of(), TestSupport.context(backend));
        assertThat(s.refuse(TestSupport.scoreOracle(TestSupport.twoBlobs(), continuous))).contains("discrete noise levels");
    }

    @Test
    void refusesADiffusionChainThatScalesTheData() {
        // a DDPM-like chain: 1000 steps, α(t) = √ᾱ < 1; its steps are not a ladder of noise levels
        Schedule chain = new Schedule() {
            public double alpha(double t) {
                return Math.sqrt(1 - sigma(t) * sigma(t));
            }

            public double sigma(double t) {
                return 0.01 + 0.98 * t;
            }

            public double alphaDot(double t) {
                return -sigma(t) * 0.98 / alpha(t);
            }

            public double sigmaDot(double t) {
                return 0.98;
            }

            public double[] trainingTimes() {
                double[] t = new double[1000];
                for (int i = 0; i < t.length; i++) {
                    t[i] = (i + 1) / 1000.0;
                }
                return t;
            }

            public String toString() {
                return "ddpm-like (T = 1000)";
            }
        };
        Sampler s = TestSupport.create(Kind.SAMPLER, "ncsn.annealed-langevin", Map.of(), TestSupport.context(backend));
        assertThat(s.refuse(TestSupport.scoreOracle(TestSupport.twoBlobs(), chain)))
                .contains("needs a noise-conditional score model", "ddpm-like (T = 1000)", "1000 noise levels",
                        "use ddpm.ancestral or ddim");
        assertThat(s.refuse(TestSupport.scoreOracle(TestSupport.twoBlobs(), new GeometricNoiseSchedule(1, 0.01, 10))))
                .isNull();
    }

    @Test
    void everyAnnealedLangevinStepsStorageIsRecycled() {
        Model model = TestSupport.scoreOracle(TestSupport.twoBlobs(), new GeometricNoiseSchedule(10, 0.05, 4));
        StepCountingBackend counting = new StepCountingBackend();
        Tensor start = Tensor.randn(counting, new Rng(6), 16, 2);
        counting.assertStepsRecycle(steps -> TestSupport.<Sampler>create(Kind.SAMPLER, "ncsn.annealed-langevin",
                Map.of("steps-per-level", steps, "denoise", true), TestSupport.context(counting)).sample(model, start,
                new NoiseStreams(counting, new Rng(7), 0, 16, 2), (step, total, t, x, x0) -> x.toArray()), 2, 5);
    }
}
