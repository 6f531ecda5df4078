package org.diffusion4j.plugin.ncsn;

import java.util.Map;
import java.util.ServiceLoader;
import org.diffusion4j.api.ComponentContext;
import org.diffusion4j.api.ComponentProvider;
import org.diffusion4j.api.Kind;
import org.diffusion4j.api.Model;
import org.diffusion4j.api.Parameterization;
import org.diffusion4j.api.Schedule;
import org.diffusion4j.api.View;
import org.diffusion4j.api.tensor.Backend;
import org.diffusion4j.api.tensor.Rng;
import org.diffusion4j.api.tensor.Tensor;
import org.diffusion4j.runtime.backend.JavaBackend;
import org.diffusion4j.runtime.oracle.GaussianMixture;
import org.diffusion4j.runtime.oracle.GaussianMixtureOracle;

/** Shared fixtures: backend, components through providers, the SDEs, oracle models and distances. */
final class TestSupport {

    private TestSupport() {
    }

    record Context(Backend backend, Rng rng, int dataDimension, int extraOutputs) implements ComponentContext {
    }

    static Backend backend() {
        return new JavaBackend(2);
    }

    static ComponentContext context(Backend backend) {
        return new Context(backend, new Rng(1), 2, 0);
    }

    @SuppressWarnings("unchecked")
    static <T> T create(Kind kind, String name, Map<String, ?> options, ComponentContext context) {
        for (ComponentProvider<?> p : ServiceLoader.load(ComponentProvider.class)) {
            if (p.kind() == kind && p.name().equals(name)) {
                return (T) p.create(p.config().resolve(name, options), context);
            }
        }
        throw new AssertionError("no provider " + kind.id() + " " + name);
    }

    static Parameterization predicting(View view) {
        return new Parameterization() {
            @Override
            public View predicts() {
                return view;
            }
        };
    }

    static GaussianMixture twoBlobs() {
        return GaussianMixture.twoBlobs();
    }

    static Model scoreOracle(GaussianMixture mixture, Schedule schedule) {
        Parameterization p = new NoiseConditionalScore();
        return new Model(new GaussianMixtureOracle(mixture, schedule, p), schedule, p);
    }

    /**
     * Σ_k |share_k − w_k| + Σ_k w_k·(‖mean_k − μ_k‖ + |std_k − s_k|) after assigning each point to its most
     * probable component: zero for a perfect sample up to Monte-Carlo noise of order 1/√n.
     */
    static double mixtureError(GaussianMixture mixture, float[] points) {
        int k = mixture.components();
        int d = mixture.dimension();
        int n = points.length / d;
        double[][] mu = mixture.means();
        double[] s = mixture.stds();
        double[] w = mixture.weights();
        int[] label = new int[n];
        double[] count = new double[k];
        double[][] sum = new double[k][d];
        for (int i = 0; i < n; i++) {
            double best = Double.NEGATIVE_INFINITY;
            for (int c = 0; c < k; c++) {
                double sq = 0;
                for (int j = 0; j < d; j++) {
                    double diff = points[i * d + j] - mu[c][j];
                    sq += diff * diff;
                }
                double logp = Math.log(w[c]) - d * Math.log(s[c]) - sq / (2 * s[c] * s[c]);
                if (logp > best) {
                    best = logp;
                    label[i] = c;
                }
            }
            count[label[i]]++;
            for (int j = 0; j < d; j++) {
                sum[label[i]][j] += points[i * d + j];
            }
        }
        double[] sq = new double[k];
        double[][] mean = new double[k][d];
        for (int c = 0; c < k; c++) {
            for (int j = 0; j < d; j++) {
                mean[c][j] = sum[c][j] / Math.max(1, count[c]);
            }
        }
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < d; j++) {
                double diff = points[i * d + j] - mean[label[i]][j];
                sq[label[i]] += diff * diff;
            }
        }
        double e = 0;
        for (int c = 0; c < k; c++) {
            double std = Math.sqrt(sq[c] / Math.max(1, count[c] * d));
            double m2 = 0;
            for (int j = 0; j < d; j++) {
                m2 += (mean[c][j] - mu[c][j]) * (mean[c][j] - mu[c][j]);
            }
            e += Math.abs(count[c] / n - w[c]) + w[c] * (Math.sqrt(m2) + Math.abs(std - s[c]));
        }
        return e;
    }

    /** Root-mean-square distance between paired 2-D points. */
    static double rms(float[] a, float[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            double diff = a[i] - b[i];
            s += diff * diff;
        }
        return Math.sqrt(s / (a.length / 2));
    }

    static void assertFinite(float[] values) {
        for (float v : values) {
            if (!Float.isFinite(v)) {
                throw new AssertionError("non-finite value " + v);
            }
        }
    }
}
