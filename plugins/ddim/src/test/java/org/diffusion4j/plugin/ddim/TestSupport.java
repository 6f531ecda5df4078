package org.diffusion4j.plugin.ddim;

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
import org.diffusion4j.runtime.backend.JavaBackend;
import org.diffusion4j.runtime.oracle.GaussianMixture;
import org.diffusion4j.runtime.oracle.GaussianMixtureOracle;

/** Shared fixtures: backend, components through their providers, oracle models, sample statistics. */
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

    /** Creates a component through the provider ServiceLoader finds under {@code name}. */
    @SuppressWarnings("unchecked")
    static <T> T create(Kind kind, String name, Map<String, ?> options, ComponentContext context) {
        for (ComponentProvider<?> p : ServiceLoader.load(ComponentProvider.class)) {
            if (p.kind() == kind && p.name().equals(name)) {
                return (T) p.create(p.config().resolve(name, options), context);
            }
        }
        throw new AssertionError("no provider " + kind.id() + " " + name);
    }

    /** Unequal weights and widths, one narrow component; data scale ~3. */
    static GaussianMixture threeComponents() {
        return new GaussianMixture(new double[][]{{-2, 0}, {1.5, 1.5}, {1, -2}},
                new double[]{0.3, 0.5, 0.25}, new double[]{0.2, 0.5, 0.3});
    }

    static Schedule schedule(String name) {
        return create(Kind.SCHEDULE, name, Map.of(), context(backend()));
    }

    static Parameterization parameterization(View view) {
        String name = switch (view) {
            case EPSILON -> "ddpm.epsilon";
            case X0 -> "ddpm.x0";
            case V -> "ddpm.v";
            default -> throw new IllegalArgumentException(view.name());
        };
        return create(Kind.PARAMETERIZATION, name, Map.of(), context(backend()));
    }

    static Model oracleModel(GaussianMixture mixture, Schedule schedule, View view) {
        Parameterization p = parameterization(view);
        return new Model(new GaussianMixtureOracle(mixture, schedule, p), schedule, p);
    }

    /**
     * Per-component statistics: each point goes to its most probable component; the error is
     * Σ_k |share_k − w_k| + Σ_k w_k·(‖mean_k − μ_k‖ + |std_k − s_k|), zero for a perfect sample up to
     * Monte-Carlo noise of order 1/√n.
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
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < d; j++) {
                double diff = points[i * d + j] - sum[label[i]][j] / Math.max(1, count[label[i]]);
                sq[label[i]] += diff * diff;
            }
        }
        double e = 0;
        for (int c = 0; c < k; c++) {
            double dist = 0;
            for (int j = 0; j < d; j++) {
                double m = sum[c][j] / Math.max(1, count[c]) - mu[c][j];
                dist += m * m;
            }
            double std = Math.sqrt(sq[c] / Math.max(1, count[c] * d));
            e += Math.abs(count[c] / n - w[c]) + w[c] * (Math.sqrt(dist) + Math.abs(std - s[c]));
        }
        return e;
    }

    static double maxAbs(float[] a, float[] b) {
        double m = 0;
        for (int i = 0; i < a.length; i++) {
            m = Math.max(m, Math.abs(a[i] - b[i]));
        }
        return m;
    }

    static double rms(float[] a, float[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += (a[i] - b[i]) * (double) (a[i] - b[i]);
        }
        return Math.sqrt(s / a.length);
    }
}
