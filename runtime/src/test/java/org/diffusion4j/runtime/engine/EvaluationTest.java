package org.diffusion4j.runtime.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.Map;
import org.diffusion4j.api.Likelihood;
import org.diffusion4j.api.Model;
import org.diffusion4j.api.NoiseStreams;
import org.diffusion4j.api.Parameterization;
import org.diffusion4j.api.PointSet;
import org.diffusion4j.api.Schedule;
import org.diffusion4j.api.View;
import org.diffusion4j.api.tensor.Rng;
import org.diffusion4j.api.tensor.Tensor;
import org.diffusion4j.runtime.UserException;
import org.diffusion4j.runtime.backend.JavaBackend;
import org.diffusion4j.runtime.testing.PluginTestSupport;
import org.junit.jupiter.api.Test;

class EvaluationTest {

    private final JavaBackend backend = new JavaBackend(2);

    /** −log N(x; 0, I) plus, when noisy, a zero-mean per-point random term (a stand-in for Hutchinson probes). */
    private static Likelihood standardNormal(boolean noisy) {
        return new Likelihood() {
            public double[] negativeLogLikelihood(Model model, Tensor x, NoiseStreams noise) {
                float[] v = x.toArray();
                float[] z = noisy ? noise.next().toArray() : null;
                int d = x.dim(1);
                double[] out = new double[x.dim(0)];
                for (int i = 0; i < out.length; i++) {
                    double sq = 0;
                    for (int j = 0; j < d; j++) {
                        sq += v[i * d + j] * v[i * d + j];
                    }
                    out[i] = 0.5 * sq + 0.5 * d * Math.log(2 * Math.PI) + (noisy ? 0.1 * z[i * d] : 0);
                }
                return out;
            }

            public boolean isBound() {
                return false;
            }
        };
    }

    private Model model() {
        Schedule linear = PluginTestSupport.linearInterpolant();
        return new Model(new org.diffusion4j.api.Network() {
            public Tensor forward(Tensor x, Tensor t) {
                return x;
            }

            public Map<String, Tensor> parameters() {
                return Map.of();
            }
        }, linear, (Parameterization) () -> View.VELOCITY);
    }

    private static PointSet points(int n) {
        Rng r = new Rng(3);
        float[] v = new float[n * 2];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) r.nextGaussian();
        }
        return new PointSet(2, v);
    }

    @Test
    void meanNatsAndBitsPerDimensionFollowFromThePerPointValues() {
        PointSet data = points(500);
        Evaluation.LikelihoodScore s = Evaluation.likelihood(backend, model(), standardNormal(false), data, 0, 64);
        double expected = 0;
        float[] v = data.values();
        for (int i = 0; i < 500; i++) {
            expected += 0.5 * (v[2 * i] * v[2 * i] + v[2 * i + 1] * v[2 * i + 1]) + Math.log(2 * Math.PI);
        }
        expected /= 500;
        assertThat(s.nats()).isCloseTo(expected, within(1e-6));
        assertThat(s.bitsPerDim()).isCloseTo(s.nats() / (2 * Math.log(2)), within(1e-12));
        // For standard-normal data the mean NLL is d/2·(1 + ln 2π) = 2.838 nats; its standard error is ~1/√500 of a nat.
        assertThat(s.nats()).isCloseTo(1 + Math.log(2 * Math.PI), within(4 * s.standardError()));
        assertThat(s.points()).isEqualTo(500);
        assertThat(s.bound()).isFalse();
    }

    @Test
    void progressCountsThePointsDoneAfterEachBatch() {
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        java.util.concurrent.atomic.AtomicLong clock = new java.util.concurrent.atomic.AtomicLong();
        org.diffusion4j.runtime.io.Progress progress = new org.diffusion4j.runtime.io.Progress("likelihood nll", 25,
                new java.io.PrintStream(bytes, true, java.nio.charset.StandardCharsets.UTF_8), false,
                () -> clock.addAndGet(1_000_000_000L));
        Evaluation.likelihood(backend, model(), standardNormal(false), points(25), 0, 10, progress);
        assertThat(bytes.toString(java.nio.charset.StandardCharsets.UTF_8).lines().toList()).containsExactly(
                "likelihood nll: 10/25 (40%)", // nothing before the first batch: an error there is the only line
                "likelihood nll: 20/25 (80%), 10.0 it/s, ETA 0:01",
                "likelihood nll: 25/25 (100%), 7.50 it/s",
                "likelihood nll: done 25/25 in 0:04 (5.00 it/s)"); // the fake clock ticks at every reading
    }

    @Test
    void randomnessIsPerPointSoTheBatchSizeDoesNotChangeTheResult() {
        PointSet data = points(300);
        double a = Evaluation.likelihood(backend, model(), standardNormal(true), data, 7, 300).nats();
        double b = Evaluation.likelihood(backend, model(), standardNormal(true), data, 7, 11).nats();
        double other = Evaluation.likelihood(backend, model(), standardNormal(true), data, 8, 300).nats();
        assertThat(b).isEqualTo(a);
        assertThat(other).isNotEqualTo(a);
    }

    @Test
    void aNonFiniteValueIsAUserErrorNotAMeaninglessMean() {
        Likelihood broken = new Likelihood() {
            public double[] negativeLogLikelihood(Model model, Tensor x, NoiseStreams noise) {
                double[] out = new double[x.dim(0)];
                out[out.length - 1] = Double.NaN;
                return out;
            }

            public boolean isBound() {
                return true;
            }
        };
        assertThatThrownBy(() -> Evaluation.likelihood(backend, model(), broken, points(10), 0, 4))
                .isInstanceOf(UserException.class).hasMessageContaining("not finite");
    }

    @Test
    void aSamplerThatDivergesIsReportedNamingTheSampleNotWritten() {
        org.diffusion4j.api.Sampler blowsUpAtSample7 = (model, xStart, noise, listener) -> {
            float[] v = xStart.toArray();
            v[7 * 2 + 1] = Float.NaN;
            return Tensor.of(backend, v, xStart.dim(0), 2);
        };
        assertThatThrownBy(() -> Sampling.sample(backend, model(), blowsUpAtSample7, 2, 0, 20, 20, total -> null))
                .isInstanceOf(org.diffusion4j.api.NonFiniteOutputException.class)
                .hasMessageContaining("sample 7 is not finite (NaN)");
        // a batch that starts later names the sample by its index in the whole set
        assertThatThrownBy(() -> Sampling.sample(backend, model(), blowsUpAtSample7, 2, 0, 20, 10, total -> null))
                .hasMessageContaining("sample 7 is not finite");
    }
}
