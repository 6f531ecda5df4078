package org.diffusion4j.runtime.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.diffusion4j.api.Conditioning;
import org.diffusion4j.api.Model;
import org.diffusion4j.api.Schedule;
import org.diffusion4j.api.View;
import org.diffusion4j.api.tensor.Backend;
import org.diffusion4j.api.tensor.Rng;
import org.diffusion4j.api.tensor.Tensor;
import org.diffusion4j.runtime.backend.JavaBackend;
import org.diffusion4j.runtime.oracle.GaussianMixture;
import org.diffusion4j.runtime.oracle.LabelledMixtureOracle;
import org.diffusion4j.runtime.testing.PluginTestSupport;
import org.junit.jupiter.api.Test;

/**
 * Classifier-free guidance against the labelled Gaussian-mixture oracle, whose conditional and
 * unconditional scores are exact: the guided model's score is (1 − s)·∇log p_t(x) + s·∇log p_t(x|y)
 * whatever the network predicts; s = 1 (and t outside the guidance interval) gives the conditional
 * model's bits; the rescale matches the guided x̂0's spread to the conditional one's.
 */
class GuidanceTest {

    private static final Backend BACKEND = new JavaBackend(2);
    /** Four 3-D components, two classes: class 0 on the left, class 1 on the right. */
    private static final GaussianMixture MIXTURE = new GaussianMixture(
            new double[][] {{-2, 0.5, 0}, {-1.5, -1, 1}, {2, 1, -0.5}, {1.5, -1.5, 0.5}},
            new double[] {0.3, 0.5, 0.4, 0.25}, new double[] {0.2, 0.3, 0.3, 0.2});
    private static final int[] COMPONENT_CLASS = {0, 0, 1, 1};
    private static final Schedule SCHEDULE = PluginTestSupport.linearInterpolant();
    private static final List<View> PARAMETERIZATIONS = List.of(View.EPSILON, View.X0, View.VELOCITY, View.V);
    private static final int N = 16;
    private static final int D = 3;

    private static LabelledMixtureOracle oracle(View predicts) {
        return new LabelledMixtureOracle(MIXTURE, COMPONENT_CLASS, 2, SCHEDULE, PluginTestSupport.predicting(predicts));
    }

    private static Model model(View predicts) {
        LabelledMixtureOracle o = oracle(predicts);
        return new Model(o, SCHEDULE, PluginTestSupport.predicting(predicts));
    }

    private static float[] points(long seed) {
        Rng r = new Rng(seed);
        float[] x = new float[N * D];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) (1.5 * r.nextGaussian());
        }
        return x;
    }

    private static int[] labels() {
        int[] y = new int[N];
        for (int i = 0; i < N; i++) {
            y[i] = i % 2;
        }
        return y;
    }

    @Test
    void guidedScoreIsTheExactCombinationOfConditionalAndUnconditionalScores() {
        float[] xs = points(1);
        int[] y = labels();
        for (View predicts : PARAMETERIZATIONS) {
            LabelledMixtureOracle o = oracle(predicts);
            for (double s : new double[] {0, 2, 3.5}) {
                Model guided = Guidance.scale(s).apply(model(predicts), Conditioning.labels(y));
                for (double t : new double[] {0.1, 0.5, 0.9}) {
                    float[] got = guided.predict(View.SCORE, Tensor.of(BACKEND, xs, N, D), t).toArray();
                    double worst = 0;
                    double scale = 0;
                    for (int i = 0; i < N; i++) {
                        double[] x = {xs[i * D], xs[i * D + 1], xs[i * D + 2]};
                        double[] c = o.view(View.SCORE, y[i], x, t);
                        double[] u = o.view(View.SCORE, 2, x, t);
                        for (int j = 0; j < D; j++) {
                            double want = (1 - s) * u[j] + s * c[j];
                            worst = Math.max(worst, Math.abs(got[i * D + j] - want));
                            scale = Math.max(scale, Math.abs(want));
                        }
                    }
                    assertThat(worst).as("%s model, s = %s, t = %s: max |guided score − exact| (largest %s)", predicts,
                            s, t, scale).isLessThan(1e-4 * Math.max(1, scale) * (1 + Math.abs(s)));
                }
            }
        }
    }

    @Test
    void scaleOneAndTimesOutsideTheIntervalAreTheConditionalModelAndScaleZeroTheUnconditionalBitForBit() {
        float[] xs = points(2);
        int[] y = labels();
        for (View predicts : PARAMETERIZATIONS) {
            Model m = model(predicts);
            Tensor x = Tensor.of(BACKEND, xs, N, D);
            float[] conditional = m.network().forward(x, Tensor.full(BACKEND, 0.3f, N, 1), Conditioning.labels(y))
                    .toArray();
            float[] one = Guidance.scale(1).apply(m, Conditioning.labels(y)).output(x, 0.3).toArray();
            float[] outside = new Guidance(4, 0.5, 0.9, 0.7).apply(m, Conditioning.labels(y)).output(x, 0.3).toArray();
            float[] inside = new Guidance(4, 0.5, 0.9, 0).apply(m, Conditioning.labels(y)).output(x, 0.7).toArray();
            float[] conditionalInside = m.network().forward(x, Tensor.full(BACKEND, 0.7f, N, 1), Conditioning.labels(y))
                    .toArray();
            assertThat(one).as("%s: s = 1", predicts).containsExactly(conditional);
            int[] none = new int[N];
            java.util.Arrays.fill(none, 2);
            float[] unconditional = m.network().forward(x, Tensor.full(BACKEND, 0.3f, N, 1), Conditioning.labels(none))
                    .toArray();
            assertThat(Guidance.scale(0).apply(m, Conditioning.labels(y)).output(x, 0.3).toArray())
                    .as("%s: s = 0 is the unconditional model", predicts).containsExactly(unconditional);
            assertThat(outside).as("%s: t = 0.3 outside [0.5, 0.9]", predicts).containsExactly(conditional);
            assertThat(inside).as("%s: t = 0.7 inside [0.5, 0.9] is guided", predicts).isNotEqualTo(conditionalInside);
        }
    }

    @Test
    void rescaleMixesTheGuidedSpreadTowardsTheConditionalOne() {
        float[] xs = points(3);
        int[] y = labels();
        double t = 0.4;
        for (View predicts : PARAMETERIZATIONS) {
            Model m = model(predicts);
            Tensor x = Tensor.of(BACKEND, xs, N, D);
            float[] c = Guidance.scale(1).apply(m, Conditioning.labels(y)).predict(View.X0, x, t).toArray();
            float[] g = Guidance.scale(5).apply(m, Conditioning.labels(y)).predict(View.X0, x, t).toArray();
            for (double phi : new double[] {1, 0.5}) {
                float[] r = new Guidance(5, Double.NEGATIVE_INFINITY, Double.POSITIVE_INFINITY, phi)
                        .apply(m, Conditioning.labels(y)).predict(View.X0, x, t).toArray();
                for (int i = 0; i < N; i++) {
                    double want = phi * std(c, i) + (1 - phi) * std(g, i);
                    assertThat(std(r, i)).as("%s, φ = %s, sample %d: std of x̂0", predicts, phi, i)
                            .isCloseTo(want, org.assertj.core.data.Offset.offset(1e-4 * (1 + want)));
                }
                double apart = 0;
                for (int i = 0; i < N; i++) {
                    apart += Math.abs(std(g, i) - std(c, i)) / N;
                }
                assertThat(apart).as("%s: guidance at s = 5 changes the spread of x̂0 (else the test shows nothing)",
                        predicts).isGreaterThan(0.05);
            }
        }
    }

    @Test
    void noLabelsMeansTheModelUnchangedAndUnconditionalNetworksRefuseLabels() {
        Model m = model(View.EPSILON);
        assertThat(Guidance.scale(3).apply(m, Conditioning.none())).isSameAs(m);
        Model plain = new Model(new org.diffusion4j.runtime.oracle.GaussianMixtureOracle(MIXTURE, SCHEDULE,
                PluginTestSupport.predicting(View.EPSILON)), SCHEDULE, PluginTestSupport.predicting(View.EPSILON));
        Model asked = Guidance.scale(1).apply(plain, Conditioning.labels(labels()));
        assertThatThrownBy(() -> asked.output(Tensor.of(BACKEND, points(4), N, D), 0.5))
                .hasMessageContaining("unconditional");
    }

    @Test
    void badSettingsAreRefusedWithTheValue() {
        assertThatThrownBy(() -> new Guidance(Double.NaN, 0, 1, 0)).hasMessageContaining("NaN");
        assertThatThrownBy(() -> new Guidance(2, 0.8, 0.2, 0)).hasMessageContaining("[0.8, 0.2]");
        assertThatThrownBy(() -> new Guidance(2, 0, 1, 1.5)).hasMessageContaining("1.5").hasMessageContaining("[0, 1]");
    }

    /** Population standard deviation of sample i's values. */
    private static double std(float[] v, int i) {
        double sum = 0;
        double sq = 0;
        for (int j = 0; j < D; j++) {
            sum += v[i * D + j];
            sq += (double) v[i * D + j] * v[i * D + j];
        }
        double mean = sum / D;
        return Math.sqrt(sq / D - mean * mean);
    }
}
