package org.diffusion4j.plugin.ddpm;

import org.diffusion4j.api.X0Clipping;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashMap;
import java.util.Map;
import org.diffusion4j.api.Kind;
import org.diffusion4j.api.Model;
import org.diffusion4j.api.NoiseStreams;
import org.diffusion4j.api.Parameterization;
import org.diffusion4j.api.Sampler;
import org.diffusion4j.api.Schedule;
import org.diffusion4j.api.StepListener;
import org.diffusion4j.api.View;
import org.diffusion4j.api.config.ConfigException;
import org.diffusion4j.api.tensor.Backend;
import org.diffusion4j.api.tensor.Rng;
import org.diffusion4j.api.tensor.Tensor;
import org.diffusion4j.runtime.oracle.GaussianMixture;
import org.diffusion4j.runtime.oracle.GaussianMixtureOracle;
import org.diffusion4j.runtime.testing.StepCountingBackend;
import org.junit.jupiter.api.Test;

/**
 * Algorithm 2 driven by the exact ε of a Gaussian mixture: with T = 1000 it reproduces the mixture
 * (both variances, linear and cosine), strided sampling stays close, clipping and thresholding bound
 * x̂0, and models it cannot sample are refused with a reason.
 */
class AncestralSamplerTest {

    private static final int N = 4000;

    private final Backend backend = TestSupport.backend();
    private final GaussianMixture mixture = TestSupport.threeComponents();

    private Sampler sampler(Map<String, Object> options) {
        return TestSupport.create(Kind.SAMPLER, "ddpm.ancestral", options, TestSupport.context(backend));
    }

    private Tensor sample(Sampler s, Model model, long seed) {
        Tensor start = Tensor.randn(backend, new Rng(seed), N, 2);
        return s.sample(model, start, new NoiseStreams(backend, new Rng(seed + 1), 0, N, 2), StepListener.NONE);
    }

    @Test
    void fullChainReproducesTheMixture() {
        double exact = TestSupport.mixtureError(mixture, mixture.sample(backend, new Rng(9), N).toArray());
        for (Schedule schedule : new Schedule[]{new LinearBetaSchedule(1000, 1e-4, 0.02), new CosineSchedule(1000, 0.008, 0.999)}) {
            Model model = TestSupport.oracleModel(mixture, schedule, View.EPSILON);
            for (String variance : new String[]{"beta", "beta-tilde"}) {
                double err = TestSupport.mixtureError(mixture, sample(sampler(Map.of("variance", variance)), model, 11).toArray());
                System.out.printf("ancestral %s %s T=1000: error %.4f (exact draws %.4f)%n", schedule, variance, err, exact);
                assertThat(err).as("%s %s", schedule, variance).isLessThan(Math.max(0.12, 2.5 * exact));
            }
        }
    }

    @Test
    void stridedChainStaysCloseAndIsWorseWithFewSteps() {
        Model model = TestSupport.oracleModel(mixture, new LinearBetaSchedule(1000, 1e-4, 0.02), View.EPSILON);
        double e100 = TestSupport.mixtureError(mixture, sample(sampler(Map.of("steps", 100)), model, 11).toArray());
        double e3 = TestSupport.mixtureError(mixture, sample(sampler(Map.of("steps", 3)), model, 11).toArray());
        System.out.printf("ancestral strided: S=100 error %.4f, S=3 error %.4f%n", e100, e3);
        assertThat(e100).isLessThan(0.15);
        assertThat(e3).isGreaterThan(e100);
    }

    @Test
    void listenerSeesEveryGridTimeAndTheTerminalValue() {
        Model model = TestSupport.oracleModel(mixture, new LinearBetaSchedule(1000, 1e-4, 0.02), View.EPSILON);
        Sampler s = sampler(Map.of("steps", 10, "spacing", "trailing"));
        double[] seen = new double[10];
        Tensor start = Tensor.randn(backend, new Rng(1), 8, 2);
        s.sample(model, start, new NoiseStreams(backend, new Rng(2), 0, 8, 2),
                (step, steps, t, x, x0) -> {
                    assertThat(steps).isEqualTo(10);
                    assertThat(x0).isNotNull();
                    seen[step] = t;
                });
        assertThat(seen).containsExactly(0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2, 0.1, 0.0);
    }

    @Test
    void staticClippingAndDynamicThresholdingBoundTheEstimate() {
        Model model = TestSupport.oracleModel(mixture, new LinearBetaSchedule(1000, 1e-4, 0.02), View.EPSILON);
        float[] clipped = sample(sampler(Map.of("steps", 50, "clip", "static", "clip-range", 1.0)), model, 3).toArray();
        float[] dynamic = sample(sampler(Map.of("steps", 50, "clip", "dynamic", "clip-range", 1.0, "percentile", 0.9)),
                model, 3).toArray();
        float[] free = sample(sampler(Map.of("steps", 50)), model, 3).toArray();
        // the last step returns x̂0 itself: inside the range
        assertThat(TestSupport.maxAbs(clipped, new float[clipped.length])).isLessThanOrEqualTo(1.0 + 1e-6);
        assertThat(TestSupport.maxAbs(dynamic, new float[dynamic.length])).isLessThanOrEqualTo(1.0 + 1e-6);
        assertThat(TestSupport.maxAbs(free, new float[free.length])).isGreaterThan(2.0);
        // a range wider than the data changes nothing
        float[] wide = sample(sampler(Map.of("steps", 50, "clip", "static", "clip-range", 1e6)), model, 3).toArray();
        assertThat(TestSupport.maxAbs(wide, free)).isLessThan(1e-3);
    }

    @Test
    void dynamicThresholdingMatchesImagen() {
        X0Clipping c = new X0Clipping(X0Clipping.Mode.DYNAMIC, 1, 0.5);
        // row 1: |x| = {3, 1}, median 2 → clip to [−2, 2], divide by 2; row 2: median 0.5 < 1 → unchanged
        Tensor x = Tensor.of(backend, new float[]{3, -1, 0.25f, -0.75f}, 2, 2);
        assertThat(c.apply(x).toArray()).containsExactly(1f, -0.5f, 0.25f, -0.75f);
    }

    @Test
    void refusesWhatItCannotSample() {
        Model model = TestSupport.oracleModel(mixture, new LinearBetaSchedule(100, 1e-3, 0.2), View.EPSILON);
        assertThat(sampler(Map.of("steps", 1000)).refuse(model)).contains("steps = 1000").contains("[1, 100]");
        assertThatThrownBy(() -> sample(sampler(Map.of("steps", 1000)), model, 1)).hasMessageContaining("steps = 1000");
        // an ε model on a path with α(1) = 0 does not determine x0 there
        Schedule interpolant = new Schedule() {
            public double alpha(double t) { return 1 - t; }
            public double sigma(double t) { return t; }
            public double alphaDot(double t) { return -1; }
            public double sigmaDot(double t) { return 1; }
            @Override public String toString() { return "interpolant"; }
        };
        Parameterization eps = new DdpmParameterization(View.EPSILON);
        Model fm = new Model(new GaussianMixtureOracle(mixture, interpolant, eps), interpolant, eps);
        assertThat(sampler(Map.of()).refuse(fm)).contains("X0 view at t = 1.0").contains("interpolant");
        // the same path with an x0 model samples
        Model fmX0 = TestSupport.oracleModel(mixture, interpolant, View.X0);
        assertThat(sampler(Map.of()).refuse(fmX0)).isNull();
        double err = TestSupport.mixtureError(mixture, sample(sampler(Map.of()), fmX0, 5).toArray());
        assertThat(err).isLessThan(0.15);
        Map<String, Object> bad = new HashMap<>();
        bad.put("variance", "sigma-hat");
        assertThatThrownBy(() -> sampler(bad)).isInstanceOf(ConfigException.class).hasMessageContaining("variance");
    }

    @Test
    void everyStepsStorageIsRecycled() {
        Model model = TestSupport.oracleModel(mixture, new LinearBetaSchedule(1000, 1e-4, 0.02), View.EPSILON);
        StepCountingBackend counting = new StepCountingBackend();
        Tensor start = Tensor.randn(counting, new Rng(6), 16, 2);
        counting.assertStepsRecycle(steps -> sampler(Map.of("steps", steps, "clip", "static", "clip-range", 1.0)).sample(model, start,
                new NoiseStreams(counting, new Rng(7), 0, 16, 2), (step, total, t, x, x0) -> x0.toArray()), 3, 12);
    }
}
