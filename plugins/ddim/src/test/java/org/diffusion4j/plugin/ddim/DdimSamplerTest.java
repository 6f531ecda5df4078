package org.diffusion4j.plugin.ddim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

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
 * DDIM (Song et al. 2020, Eq. 12, 16) driven by the exact ε of a Gaussian mixture on the ddpm
 * plugin's schedules: η = 0 converges as S grows, η = 1 over all T is DDPM ancestral sampling with
 * β̃ and σ̂ over all T with β (same noise, same numbers), any parameterization samples, inversion
 * returns the start, and what cannot be sampled is refused with a reason.
 */
class DdimSamplerTest {

    private static final int N = 3000;

    private final Backend backend = TestSupport.backend();
    private final GaussianMixture mixture = TestSupport.threeComponents();
    private final Schedule linear = TestSupport.schedule("ddpm.linear");
    private final Schedule cosine = TestSupport.schedule("ddpm.cosine");

    private Sampler sampler(String name, Map<String, Object> options) {
        return TestSupport.create(Kind.SAMPLER, name, options, TestSupport.context(backend));
    }

    private DdimSampler ddim(Map<String, Object> options) {
        return (DdimSampler) sampler("ddim", options);
    }

    private Tensor start(int n) {
        return Tensor.randn(backend, new Rng(31), n, 2);
    }

    private Tensor sample(Sampler s, Model model, Tensor start) {
        return s.sample(model, start, new NoiseStreams(backend, new Rng(32), 0, start.dim(0), start.dim(1)),
                StepListener.NONE);
    }

    /** The ncsn plugin's levels σ_1 = 20 (data within ±5) to σ_L = 0.01. */
    private Schedule geometricLevels(int levels) {
        return TestSupport.create(Kind.SCHEDULE, "ncsn.geometric", Map.of("sigma-max", 20.0, "sigma-min", 0.01,
                "levels", levels), TestSupport.context(backend));
    }

    @Test
    void ncsnLevelsAreRefusedForTheRealReasonWhereTheSpacingPicksTheLevelAtTMin() {
        // NCSN's levels: the smallest, σ = 0.01, is the training time t = 0 = tMin; leading and linspace pick it
        Schedule levels = geometricLevels(10);
        Model model = TestSupport.oracleModel(mixture, levels, View.EPSILON);
        Model fine = TestSupport.oracleModel(mixture, geometricLevels(200), View.EPSILON);
        for (String name : new String[]{"ddim", "ddpm.ancestral"}) {
            for (String spacing : new String[]{"leading", "linspace"}) {
                assertThat(sampler(name, Map.of("steps", 10, "spacing", spacing)).refuse(model))
                        .startsWith(name + ": spacing " + spacing + " picks the training time t = 0.0, which is the"
                                + " schedule's end tMin = 0.0")
                        .contains("σ = 0.01").contains("spacing trailing with steps < 10")
                        .endsWith("for schedule " + levels).doesNotContain("monotone");
            }
            // trailing with S < L picks levels above tMin and samples, ending at the smallest level
            Sampler trailing = sampler(name, Map.of("steps", 100, "spacing", "trailing"));
            assertThat(trailing.refuse(fine)).isNull();
            double err = TestSupport.mixtureError(mixture, sample(trailing, fine, start(N).mul(20)).toArray());
            System.out.printf("%s, 100 of 200 geometric levels (trailing): mixture error %.4f%n", name, err);
            assertThat(err).isLessThan(0.15);
        }
    }

    @Test
    void deterministicErrorFallsAsStepsGrow() {
        for (Schedule schedule : new Schedule[]{linear, cosine}) {
            Model model = TestSupport.oracleModel(mixture, schedule, View.EPSILON);
            Tensor start = start(500);
            // reference: the same deterministic map with every training step
            float[] reference = sample(ddim(Map.of("steps", 1000)), model, start).toArray();
            int[] ss = {5, 20, 100};
            double[] err = new double[ss.length];
            for (int i = 0; i < ss.length; i++) {
                err[i] = TestSupport.rms(sample(ddim(Map.of("steps", ss[i], "spacing", "linspace")), model, start).toArray(),
                        reference);
            }
            System.out.printf("DDIM eta=0 %s: rms to S=1000 at S=5/20/100: %.4f %.4f %.4f%n", schedule, err[0], err[1], err[2]);
            assertThat(err[1]).isLessThan(0.7 * err[0]);
            assertThat(err[2]).isLessThan(0.7 * err[1]);
            assertThat(err[2]).isLessThan(0.1);
            double dist = TestSupport.mixtureError(mixture, sample(ddim(Map.of("steps", 100)), model, start(N)).toArray());
            assertThat(dist).as("S=100 distance to the mixture").isLessThan(0.15);
        }
    }

    @Test
    void etaOneOverAllStepsIsAncestralWithBetaTildeAndSigmaHatIsAncestralWithBeta() {
        for (Schedule schedule : new Schedule[]{linear, cosine}) {
            Model model = TestSupport.oracleModel(mixture, schedule, View.EPSILON);
            Tensor start = start(400);
            float[] ddim1 = sample(ddim(Map.of("steps", 1000, "eta", 1.0)), model, start).toArray();
            float[] tilde = sample(sampler("ddpm.ancestral", Map.of("variance", "beta-tilde")), model, start).toArray();
            float[] hat = sample(ddim(Map.of("steps", 1000, "variance", "sigma-hat")), model, start).toArray();
            float[] beta = sample(sampler("ddpm.ancestral", Map.of("variance", "beta")), model, start).toArray();
            float[] ddim0 = sample(ddim(Map.of("steps", 1000)), model, start).toArray();
            System.out.printf("%s: |ddim(1) - ancestral(beta~)| %.2e, |sigma-hat - ancestral(beta)| %.2e%n", schedule,
                    TestSupport.maxAbs(ddim1, tilde), TestSupport.maxAbs(hat, beta));
            assertThat(TestSupport.maxAbs(ddim1, tilde)).isLessThan(1e-4);
            assertThat(TestSupport.maxAbs(hat, beta)).isLessThan(1e-4);
            // and they are stochastic: η = 0 is a different chain
            assertThat(TestSupport.maxAbs(ddim1, ddim0)).isGreaterThan(0.1);
        }
    }

    /**
     * Ho et al. 2020, Algorithm 2 transcribed literally over the discrete arrays β_i, ᾱ_i (as the
     * PyTorch peer's sample_ancestral): x ← (x − β_i/√(1 − ᾱ_i)·ε̂)/√(1 − β_i) + σ_i·z, z = 0 at i = 1.
     */
    private Tensor algorithm2(Model model, Tensor start, boolean tilde) {
        org.diffusion4j.plugin.ddpm.DiscreteSchedule sc = (org.diffusion4j.plugin.ddpm.DiscreteSchedule) model.schedule();
        NoiseStreams noise = new NoiseStreams(backend, new Rng(32), 0, start.dim(0), start.dim(1));
        Tensor x = start;
        for (int i = sc.steps(); i >= 1; i--) {
            Tensor e = model.output(x, (double) i / sc.steps());
            Tensor z = noise.next();
            double b = sc.beta(i);
            Tensor mean = x.sub(e.mul(b / Math.sqrt(1 - sc.alphaBar(i)))).mul(1 / Math.sqrt(1 - b));
            double sigma = i == 1 ? 0 : Math.sqrt(tilde ? sc.betaTilde(i) : b);
            x = mean.add(z.mul(sigma));
        }
        return x;
    }

    @Test
    void bothSamplersMatchALiteralAlgorithm2() {
        for (Schedule schedule : new Schedule[]{linear, cosine}) {
            Model model = TestSupport.oracleModel(mixture, schedule, View.EPSILON);
            Tensor start = start(400);
            float[] refTilde = algorithm2(model, start, true).toArray();
            float[] refBeta = algorithm2(model, start, false).toArray();
            float[] ddim1 = sample(ddim(Map.of("steps", 1000, "eta", 1.0)), model, start).toArray();
            float[] hat = sample(ddim(Map.of("steps", 1000, "variance", "sigma-hat")), model, start).toArray();
            float[] tilde = sample(sampler("ddpm.ancestral", Map.of("variance", "beta-tilde")), model, start).toArray();
            float[] beta = sample(sampler("ddpm.ancestral", Map.of("variance", "beta")), model, start).toArray();
            System.out.printf("%s vs literal Algorithm 2: ddim(1) %.2e, ancestral(beta~) %.2e, sigma-hat %.2e, "
                    + "ancestral(beta) %.2e%n", schedule, TestSupport.maxAbs(ddim1, refTilde),
                    TestSupport.maxAbs(tilde, refTilde), TestSupport.maxAbs(hat, refBeta), TestSupport.maxAbs(beta, refBeta));
            assertThat(TestSupport.maxAbs(ddim1, refTilde)).isLessThan(2e-3);
            assertThat(TestSupport.maxAbs(tilde, refTilde)).isLessThan(2e-3);
            assertThat(TestSupport.maxAbs(hat, refBeta)).isLessThan(2e-3);
            assertThat(TestSupport.maxAbs(beta, refBeta)).isLessThan(2e-3);
        }
    }

    @Test
    void everyParameterizationSamplesTheSameChain() {
        Tensor start = start(300);
        for (Schedule schedule : new Schedule[]{linear, cosine}) {
            float[] eps = sample(ddim(Map.of("steps", 50, "eta", 0.5)), TestSupport.oracleModel(mixture, schedule, View.EPSILON),
                    start).toArray();
            for (View view : new View[]{View.X0, View.V}) {
                float[] other = sample(ddim(Map.of("steps", 50, "eta", 0.5)), TestSupport.oracleModel(mixture, schedule, view),
                        start).toArray();
                assertThat(TestSupport.maxAbs(eps, other)).as("%s vs ε on %s", view, schedule).isLessThan(2e-3);
            }
        }
    }

    @Test
    void inversionThenGenerationReturnsTheStart() {
        Model model = TestSupport.oracleModel(mixture, linear, View.EPSILON);
        Tensor x0 = mixture.sample(backend, new Rng(4), 300);
        int[] ss = {50, 1000};
        double[] rms = new double[ss.length];
        for (int i = 0; i < ss.length; i++) {
            DdimSampler s = ddim(Map.of("steps", ss[i], "spacing", "linspace"));
            Tensor latent = s.invert(model, x0, StepListener.NONE);
            float[] back = sample(s, model, latent).toArray();
            rms[i] = TestSupport.rms(back, x0.toArray());
            double spread = TestSupport.rms(latent.toArray(), x0.toArray());
            System.out.printf("inversion S=%d: rms(x0, generate(invert(x0))) = %.4f; the latents moved by %.3f%n",
                    ss[i], rms[i], spread);
            assertThat(spread).isGreaterThan(0.5);
        }
        assertThat(rms[1]).isLessThan(0.5 * rms[0]).isLessThan(0.02);
    }

    @Test
    void slerpedLatentsGiveSmoothInterpolationsWithTheSamplesAtTheirEnds() {
        // DDIM §5.3: η = 0 images of slerp(x_T^a, x_T^b, λ) reproduce the two samples at λ = 0, 1 and move
        // smoothly in between: halving the λ step halves the largest jump between neighbouring images.
        Model model = TestSupport.oracleModel(mixture, linear, View.EPSILON);
        DdimSampler s = ddim(Map.of("steps", 50));
        int pairs = 40;
        Tensor a = start(2 * pairs).columns(0, 2);
        float[] both = a.toArray();
        Tensor xa = Tensor.of(backend, java.util.Arrays.copyOfRange(both, 0, 2 * pairs), pairs, 2);
        Tensor xb = Tensor.of(backend, java.util.Arrays.copyOfRange(both, 2 * pairs, 4 * pairs), pairs, 2);
        float[] sampleA = sample(s, model, xa).toArray();
        float[] sampleB = sample(s, model, xb).toArray();
        assertThat(TestSupport.maxAbs(sample(s, model, DdimSampler.slerp(xa, xb, 0)).toArray(), sampleA)).isLessThan(1e-5);
        assertThat(TestSupport.maxAbs(sample(s, model, DdimSampler.slerp(xa, xb, 1)).toArray(), sampleB)).isLessThan(1e-4);
        // Per pair, the path length of its images (the sum of the jumps between neighbouring λ): for a
        // continuous path it converges as the λ step shrinks, so the mean jump halves with the step.
        // (A single jump can stay large where the path crosses between mixture modes: the η = 0 map is
        // steep there, so the largest jump is not the measure.)
        double[] length = new double[2];
        int[] divisions = {16, 32};
        for (int k = 0; k < 2; k++) {
            float[] previous = sampleA;
            for (int i = 1; i <= divisions[k]; i++) {
                float[] next = sample(s, model, DdimSampler.slerp(xa, xb, (double) i / divisions[k])).toArray();
                for (int p = 0; p < pairs; p++) {
                    length[k] += Math.hypot(next[2 * p] - previous[2 * p], next[2 * p + 1] - previous[2 * p + 1]);
                }
                previous = next;
            }
            length[k] /= pairs;
        }
        System.out.printf("slerp: mean path length of the images, 16 / 32 steps: %.4f / %.4f%n", length[0], length[1]);
        assertThat(length[1]).isBetween(length[0], 1.1 * length[0]);
        // slerp keeps the norm of equal-norm latents (a straight line would shrink it by cos(θ/2))
        Tensor u = Tensor.of(backend, new float[]{1, 0}, 1, 2);
        Tensor v = Tensor.of(backend, new float[]{0, 1}, 1, 2);
        float[] mid = DdimSampler.slerp(u, v, 0.5).toArray();
        assertThat(Math.hypot(mid[0], mid[1])).isCloseTo(1.0, org.assertj.core.api.Assertions.within(1e-6));
        assertThat((double) mid[0]).isCloseTo(Math.sqrt(0.5), org.assertj.core.api.Assertions.within(1e-6));
    }

    @Test
    void spacingsGiveImmutableGridsWithTheirTerminalValue() {
        Model model = TestSupport.oracleModel(mixture, linear, View.EPSILON);
        assertThat(ddim(Map.of("steps", 10)).grid(model).toArray())
                .containsExactly(0.901, 0.801, 0.701, 0.601, 0.501, 0.401, 0.301, 0.201, 0.101, 0.001, 0.0);
        assertThat(ddim(Map.of("steps", 10, "spacing", "trailing")).grid(model).toArray())
                .containsExactly(1.0, 0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2, 0.1, 0.0);
        double[] lin = ddim(Map.of("steps", 4, "spacing", "linspace")).grid(model).toArray();
        assertThat(lin).containsExactly(1.0, 0.667, 0.334, 0.001, 0.0);
        // T not divisible by S: leading 0, 333, 666 → times .001, .334, .667
        assertThat(ddim(Map.of("steps", 3)).grid(model).toArray()).containsExactly(0.667, 0.334, 0.001, 0.0);
        lin[0] = 42;
        assertThat(ddim(Map.of("steps", 4, "spacing", "linspace")).grid(model).t(0)).isEqualTo(1.0);
    }

    @Test
    void refusesWithAReason() {
        Model model = TestSupport.oracleModel(mixture, linear, View.EPSILON);
        assertThat(ddim(Map.of("steps", 2000)).refuse(model)).contains("steps = 2000").contains("[1, 1000]");
        Schedule interpolant = new Schedule() {
            public double alpha(double t) { return 1 - t; }
            public double sigma(double t) { return t; }
            public double alphaDot(double t) { return -1; }
            public double sigmaDot(double t) { return 1; }
            @Override public String toString() { return "interpolant"; }
        };
        Parameterization eps = TestSupport.parameterization(View.EPSILON);
        Model fm = new Model(new GaussianMixtureOracle(mixture, interpolant, eps), interpolant, eps);
        // trailing spacing visits t = 1, where α = 0; leading (max t = 0.981 here) does not
        assertThat(ddim(Map.of("spacing", "trailing")).refuse(fm)).contains("X0 view at t = 1.0").contains("interpolant");
        assertThat(ddim(Map.of()).refuse(fm)).isNull();
        assertThatThrownBy(() -> sample(ddim(Map.of("spacing", "trailing")), fm, start(4))).hasMessageContaining("X0 view");
        // a v model on the same (continuous, non-VP) path samples with DDIM
        Model fmV = TestSupport.oracleModel(mixture, interpolant, View.V);
        assertThat(ddim(Map.of("steps", 100)).refuse(fmV)).isNull();
        assertThat(TestSupport.mixtureError(mixture, sample(ddim(Map.of("steps", 100)), fmV, start(N)).toArray()))
                .isLessThan(0.15);
        // SNR that grows with t: no forward posterior
        Schedule backwards = new Schedule() {
            public double alpha(double t) { return Math.sqrt(0.1 + 0.8 * t); }
            public double sigma(double t) { return Math.sqrt(0.9 - 0.8 * t); }
            public double alphaDot(double t) { return 0.4 / alpha(t); }
            public double sigmaDot(double t) { return -0.4 / sigma(t); }
            @Override public String toString() { return "backwards"; }
        };
        Model back = TestSupport.oracleModel(mixture, backwards, View.EPSILON);
        assertThat(ddim(Map.of()).refuse(back)).contains("signal-to-noise ratio");
        assertThatThrownBy(() -> ddim(Map.of("variance", "sigma-hat", "eta", 0.5)))
                .isInstanceOf(ConfigException.class).hasMessageContaining("eta");
        assertThatThrownBy(() -> ddim(Map.of("eta", 1.5))).isInstanceOf(ConfigException.class).hasMessageContaining("eta");
    }

    @Test
    void clippingTamesTheCosineTrailingStep() {
        // ε with a small error: the cosine schedule's last step (ᾱ = 2.4e-9) multiplies it by 1/√ᾱ ≈ 2e4
        Parameterization p = TestSupport.parameterization(View.EPSILON);
        GaussianMixtureOracle exact = new GaussianMixtureOracle(mixture, cosine, p);
        org.diffusion4j.api.Network biased = new org.diffusion4j.api.Network() {
            @Override
            public Tensor forward(Tensor x, Tensor t) {
                return exact.forward(x, t).add(0.01);
            }

            @Override
            public Map<String, Tensor> parameters() {
                return Map.of();
            }
        };
        Model model = new Model(biased, cosine, p);
        Tensor start = start(N);
        double exactTrailing = TestSupport.mixtureError(mixture, sample(ddim(Map.of("steps", 10, "spacing", "trailing")),
                TestSupport.oracleModel(mixture, cosine, View.EPSILON), start).toArray());
        double raw = TestSupport.mixtureError(mixture, sample(ddim(Map.of("steps", 10, "spacing", "trailing")), model, start).toArray());
        double clipped = TestSupport.mixtureError(mixture, sample(ddim(Map.of("steps", 10, "spacing", "trailing",
                "clip", "static", "clip-range", 3.0)), model, start).toArray());
        System.out.printf("cosine trailing S=10 with ε error 0.01: mixture error %.3f raw, %.3f with x0 clipping "
                + "(exact ε: %.3f)%n", raw, clipped, exactTrailing);
        assertThat(raw).isGreaterThan(5.0);
        // clipping bounds the damage of the first step (x̂0 lands on the clip box, ~200 away otherwise)
        // but cannot undo it: the result is worse than with the exact ε, far better than without
        assertThat(clipped).isLessThan(0.1 * raw).isLessThan(1.0).isGreaterThan(exactTrailing);
    }

    @Test
    void everyStepsStorageIsRecycledInSamplingAndInversion() {
        Model model = TestSupport.oracleModel(mixture, linear, View.EPSILON);
        StepCountingBackend counting = new StepCountingBackend();
        Tensor start = Tensor.randn(counting, new Rng(6), 16, 2);
        StepListener reads = (step, total, t, x, x0) -> x0.toArray();
        counting.assertStepsRecycle(steps -> ddim(Map.of("steps", steps, "eta", 0.5)).sample(model, start,
                new NoiseStreams(counting, new Rng(7), 0, 16, 2), reads), 3, 12);
        counting.assertStepsRecycle(steps -> ddim(Map.of("steps", steps)).invert(model, start, reads), 3, 12);
    }
}
