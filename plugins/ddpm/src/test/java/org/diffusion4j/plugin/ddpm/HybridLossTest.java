package org.diffusion4j.plugin.ddpm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.Map;
import org.diffusion4j.api.Kind;
import org.diffusion4j.api.Loss;
import org.diffusion4j.api.Model;
import org.diffusion4j.api.Network;
import org.diffusion4j.api.NoiseStreams;
import org.diffusion4j.api.Sampler;
import org.diffusion4j.api.StepListener;
import org.diffusion4j.api.View;
import org.diffusion4j.api.tensor.Backend;
import org.diffusion4j.api.tensor.Rng;
import org.diffusion4j.api.tensor.Tensor;
import org.diffusion4j.runtime.oracle.GaussianMixture;
import org.diffusion4j.runtime.oracle.GaussianMixtureOracle;
import org.junit.jupiter.api.Test;

/**
 * L_vlb and L_hybrid with the learned variance (Nichol and Dhariwal 2021, §3.1) against a literal
 * host computation of Ho et al.'s Eq. 5–7 and 11 and the Gaussian KL; the stop-gradient of L_hybrid;
 * and the ancestral sampler's learned variance at its two ends (v = 1: β, v = 0: β̃).
 */
class HybridLossTest {

    private final Backend backend = TestSupport.backend();

    /** ε output 0 and v = c everywhere, or trainable [1, 2D] outputs. */
    private static Network constant(Tensor row) {
        return new Network() {
            @Override
            public Tensor forward(Tensor x, Tensor t) {
                return Tensor.zeros(x.backend(), x.dim(0), row.dim(1)).add(row);
            }

            @Override
            public Map<String, Tensor> parameters() {
                return Map.of("row", row);
            }
        };
    }

    private Loss loss(String objective, double lambda) {
        // lambda is refused with objective vlb whenever it is given, so the default is left out there
        Map<String, Object> options = objective.equals("vlb") && lambda == 0.001 ? Map.of("objective", objective)
                : Map.of("objective", objective, "lambda", lambda);
        return TestSupport.create(Kind.LOSS, "ddpm.hybrid", options, TestSupport.context(backend));
    }

    @Test
    void vlbIsTheKlOfEquations5To7AndTheGaussianDecoder() {
        int t = 4;
        LinearBetaSchedule sc = new LinearBetaSchedule(t, 0.05, 0.4);
        double c = 0.3;
        Model model = new Model(constant(Tensor.of(backend, new float[]{0, 0, (float) c, (float) c}, 1, 4)), sc,
                new DdpmParameterization(View.EPSILON));
        int batch = 2000;
        Tensor x0 = Tensor.randn(backend, new Rng(8), batch, 2).mul(0.7);
        double got = loss("vlb", 0.001).compute(model, x0, new Rng(9)).item();
        // replay the draws and compute in double precision from the discrete formulas
        Rng rng = new Rng(9);
        int[] steps = new int[batch];
        for (int r = 0; r < batch; r++) {
            steps[r] = 1 + rng.nextInt(t);
        }
        float[] eps = Tensor.randn(backend, rng, batch, 2).toArray();
        float[] x = x0.toArray();
        double sum = 0;
        for (int r = 0; r < batch; r++) {
            int i = steps[r];
            double b = sc.beta(i);
            double ab = sc.alphaBar(i);
            double abPrev = sc.alphaBar(i - 1);
            double bTilde = (1 - abPrev) / (1 - ab) * b;
            double logVar = c * Math.log(b) + (1 - c) * Math.log(i == 1 ? sc.betaTilde(2) : bTilde);
            double var = Math.exp(logVar);
            for (int j = 0; j < 2; j++) {
                double xs = x[2 * r + j];
                double xt = Math.sqrt(ab) * xs + Math.sqrt(1 - ab) * eps[2 * r + j];
                double muTheta = (xt - b / Math.sqrt(1 - ab) * 0.0) / Math.sqrt(1 - b);       // Eq. 11, ε̂ = 0
                if (i == 1) {
                    sum += 0.5 * (Math.log(2 * Math.PI) + logVar + (xs - muTheta) * (xs - muTheta) / var);
                } else {
                    double muTilde = Math.sqrt(abPrev) * b / (1 - ab) * xs
                            + Math.sqrt(1 - b) * (1 - abPrev) / (1 - ab) * xt;                  // Eq. 7
                    sum += 0.5 * (logVar - Math.log(bTilde) + (bTilde + (muTilde - muTheta) * (muTilde - muTheta)) / var - 1);
                }
            }
        }
        double expected = sum / (2.0 * batch) * t / Math.log(2);
        assertThat(got).isCloseTo(expected, within(2e-4 * Math.abs(expected)));
    }

    @Test
    void hybridTrainsTheMeanOnlyThroughLSimple() {
        LinearBetaSchedule sc = new LinearBetaSchedule(100, 1e-3, 0.2);
        Tensor x0 = Tensor.randn(backend, new Rng(3), 256, 2);
        Tensor row = Tensor.of(backend, new float[]{0.1f, -0.2f, 0.4f, 0.6f}, 1, 4).requiresGrad(true);
        Model model = new Model(constant(row), sc, new DdpmParameterization(View.EPSILON));
        loss("hybrid", 1.0).compute(model, x0, new Rng(4)).backward();
        float[] hybrid = row.grad().toArray();
        row.zeroGrad();
        Loss simple = TestSupport.create(Kind.LOSS, "ddpm.simple", Map.of(), TestSupport.context(backend));
        simple.compute(model, x0, new Rng(4)).backward();
        float[] simpleGrad = row.grad().toArray();
        assertThat(hybrid[0]).isCloseTo(simpleGrad[0], within(1e-6f));
        assertThat(hybrid[1]).isCloseTo(simpleGrad[1], within(1e-6f));
        assertThat(Math.abs(hybrid[2]) + Math.abs(hybrid[3])).isGreaterThan(1e-4f);
        // L_vlb alone moves the mean too
        row.zeroGrad();
        loss("vlb", 0.001).compute(model, x0, new Rng(4)).backward();
        float[] vlb = row.grad().toArray();
        assertThat(Math.abs(vlb[0] - hybrid[0]) + Math.abs(vlb[1] - hybrid[1])).isGreaterThan(1e-4f);
        assertThat(loss("hybrid", 0.001).extraOutputs()).isEqualTo(2);
    }

    @Test
    void refusesWhatItCannotTrain() {
        Model noVariance = new Model(constant(Tensor.zeros(backend, 1, 2)), new LinearBetaSchedule(10, 1e-3, 0.2),
                new DdpmParameterization(View.EPSILON));
        assertThatThrownBy(() -> loss("hybrid", 0.001).compute(noVariance, Tensor.zeros(backend, 4, 2), new Rng(1)))
                .hasMessageContaining("4 columns");
        assertThatThrownBy(() -> loss("vlb", 0.5)).hasMessageContaining("lambda");
        // given, even at its default, lambda does nothing with objective vlb
        assertThatThrownBy(() -> TestSupport.create(Kind.LOSS, "ddpm.hybrid", Map.of("objective", "vlb", "lambda", 0.001),
                TestSupport.context(backend))).hasMessageContaining("option 'lambda' has no effect with objective: vlb");
    }

    @Test
    void learnedVarianceSpansBetaAndBetaTilde() {
        GaussianMixture mixture = TestSupport.threeComponents();
        CosineSchedule sc = new CosineSchedule(1000, 0.008, 0.999);
        DdpmParameterization p = new DdpmParameterization(View.EPSILON);
        GaussianMixtureOracle oracle = new GaussianMixtureOracle(mixture, sc, p);
        Tensor start = Tensor.randn(backend, new Rng(5), 300, 2);
        for (float v : new float[]{1f, 0f}) {
            Network withV = new Network() {
                @Override
                public Tensor forward(Tensor x, Tensor t) {
                    return Tensor.concatColumns(oracle.forward(x, t), Tensor.full(x.backend(), v, x.dim(0), 2));
                }

                @Override
                public Map<String, Tensor> parameters() {
                    return Map.of();
                }
            };
            Model learned = new Model(withV, sc, p);
            Model plain = new Model(oracle, sc, p);
            Sampler s = TestSupport.create(Kind.SAMPLER, "ddpm.ancestral", Map.of("steps", 100, "variance", "learned"),
                    TestSupport.context(backend));
            Sampler ref = TestSupport.create(Kind.SAMPLER, "ddpm.ancestral",
                    Map.of("steps", 100, "variance", v == 1f ? "beta" : "beta-tilde"), TestSupport.context(backend));
            float[] a = s.sample(learned, start, new NoiseStreams(backend, new Rng(6), 0, 300, 2), StepListener.NONE).toArray();
            float[] b = ref.sample(plain, start, new NoiseStreams(backend, new Rng(6), 0, 300, 2), StepListener.NONE).toArray();
            assertThat(TestSupport.maxAbs(a, b)).as("v = %s", v).isLessThan(1e-4);
        }
        Sampler s = TestSupport.create(Kind.SAMPLER, "ddpm.ancestral", Map.of("variance", "learned"), TestSupport.context(backend));
        assertThatThrownBy(() -> s.sample(new Model(oracle, sc, p), start,
                new NoiseStreams(backend, new Rng(6), 0, 300, 2), StepListener.NONE)).hasMessageContaining("learned variance");
    }
}
