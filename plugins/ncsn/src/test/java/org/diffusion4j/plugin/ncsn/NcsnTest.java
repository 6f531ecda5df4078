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
                "ncsn.dsm", Kind.LOSS, "ncsn.ssm", Kind.LOSS, "ncsn.annealed-langevin", Kind.SAMPLER);
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

    /** s(x) = x·W + b, ignoring σ. */
    private static Network linear(Tensor w, Tensor b) {
        return new Network() {
            @Override
            public Tensor forward(Tensor x, Tensor t) {
                return x.matmul(w).add(b);
            }

            @Override
            public Map<String, Tensor> parameters() {
                return Map.of("w", w, "b", b);
            }
        };
    }

    /**
     * Data N(μ, s²I): the σ-smoothed density is N(μ, (s² + σ²)I) with score −(x − μ)/(s² + σ²). The
     * explicit objective ½·σ²·‖s_θ(x̃) − ∇log q_σ(x̃)‖² (batch mean) is computed with the same draws;
     * loss − explicit must be one constant for every model.
     */
    @Test
    void dsmAndSsmEqualTheExplicitLossUpToAConstantOnGaussianData() {
        double[] mu = {1.0, -0.5};
        double sd = 0.7;
        Schedule schedule = new GeometricNoiseSchedule(1.0, 0.2, 4);
        int n = 40_000;
        Rng dataRng = new Rng(3);
        float[] data = new float[2 * n];
        for (int i = 0; i < n; i++) {
            data[2 * i] = (float) (mu[0] + sd * dataRng.nextGaussian());
            data[2 * i + 1] = (float) (mu[1] + sd * dataRng.nextGaussian());
        }
        Tensor x0 = Tensor.of(backend, data, n, 2);
        float[][][] models = {
                {{-1.2f, 0.1f, 0.0f, -0.9f}, {0.9f, -0.4f}},
                {{-0.5f, 0.0f, 0.2f, -1.5f}, {0.2f, 0.3f}},
                {{0.3f, 0.0f, 0.0f, 0.3f}, {0.0f, 0.0f}}};
        for (String name : new String[]{"ncsn.dsm", "ncsn.ssm"}) {
            Loss loss = TestSupport.create(Kind.LOSS, name, Map.of(), TestSupport.context(backend));
            double[] gap = new double[models.length];
            for (int m = 0; m < models.length; m++) {
                Tensor w = Tensor.of(backend, models[m][0], 2, 2).requiresGrad(true);
                Tensor b = Tensor.of(backend, models[m][1], 1, 2).requiresGrad(true);
                Model model = new Model(linear(w, b), schedule, new NoiseConditionalScore());
                Tensor value = loss.compute(model, x0, new Rng(4));
                gap[m] = value.item() - explicit(schedule, x0, models[m], mu, sd, new Rng(4));
                // The loss is differentiable in the weights (SSM through a gradient of a gradient).
                value.backward();
                assertThat(w.grad().toArray()).isNotEqualTo(new float[4]);
            }
            System.out.printf("%s: loss − explicit = %.4f, %.4f, %.4f%n", name, gap[0], gap[1], gap[2]);
            for (int m = 1; m < models.length; m++) {
                assertThat(gap[m]).as(name).isCloseTo(gap[0], within(0.02));
            }
        }
    }

    /** ½·σ²·‖xW + b + (x − μ)/(s² + σ²)‖², batch mean, with the loss's draws (levels, then z). */
    private double explicit(Schedule schedule, Tensor x0, float[][] model, double[] mu, double sd, Rng rng) {
        int n = x0.dim(0);
        double[] levels = schedule.trainingTimes();
        double[] sigma = new double[n];
        for (int r = 0; r < n; r++) {
            sigma[r] = schedule.sigma(levels[rng.nextInt(levels.length)]);
        }
        float[] z = Tensor.randn(backend, rng, n, 2).toArray();
        float[] x = x0.toArray();
        float[] w = model[0];
        float[] b = model[1];
        double total = 0;
        for (int r = 0; r < n; r++) {
            double v = sd * sd + sigma[r] * sigma[r];
            double x1 = x[2 * r] + sigma[r] * z[2 * r];
            double x2 = x[2 * r + 1] + sigma[r] * z[2 * r + 1];
            double s1 = x1 * w[0] + x2 * w[2] + b[0];
            double s2 = x1 * w[1] + x2 * w[3] + b[1];
            double e1 = s1 + (x1 - mu[0]) / v;
            double e2 = s2 + (x2 - mu[1]) / v;
            total += 0.5 * sigma[r] * sigma[r] * (e1 * e1 + e2 * e2);
        }
        return total / n;
    }
}
