package org.diffusion4j.plugin.scoresde;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import org.diffusion4j.api.ComponentContext;
import org.diffusion4j.api.ComponentProvider;
import org.diffusion4j.api.Kind;
import org.diffusion4j.api.Model;
import org.diffusion4j.api.Network;
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

    /** VE (σ_max 20 for data within ±5), VP and sub-VP with the paper's β. */
    static List<Schedule> sdes() {
        return List.of(new VarianceExplodingSde(0.01, 20, 0), new VariancePreservingSde(0.1, 20, 1e-3),
                new SubVariancePreservingSde(0.1, 20, 1e-3));
    }

    /** The flow-matching linear interpolant α = 1 − t, σ = t (defined here: a plugin test needs no other plugin). */
    static Schedule linearInterpolant() {
        return new Schedule() {
            @Override
            public double alpha(double t) {
                return 1 - t;
            }

            @Override
            public double sigma(double t) {
                return t;
            }

            @Override
            public double alphaDot(double t) {
                return -1;
            }

            @Override
            public double sigmaDot(double t) {
                return 1;
            }

            @Override
            public String toString() {
                return "linear interpolant";
            }
        };
    }

    static Parameterization predicting(View view) {
        return new Parameterization() {
            @Override
            public View predicts() {
                return view;
            }

            @Override
            public String toString() {
                return view.name();
            }
        };
    }

    static GaussianMixture twoBlobs() {
        return GaussianMixture.twoBlobs();
    }

    static GaussianMixture threeComponents() {
        return new GaussianMixture(new double[][]{{-3, 0}, {2, 2.5}, {1.5, -3}},
                new double[]{0.3, 0.6, 0.2}, new double[]{0.2, 0.5, 0.3});
    }

    /** The exact model (runtime's oracle, not differentiable in x). */
    static Model oracle(GaussianMixture mixture, Schedule schedule, Parameterization p) {
        return new Model(new GaussianMixtureOracle(mixture, schedule, p), schedule, p);
    }

    static Model scoreOracle(GaussianMixture mixture, Schedule schedule) {
        return oracle(mixture, schedule, new ScoreParameterization());
    }

    /** The exact model written in tensor ops, so the likelihood can differentiate it in x. */
    static Model differentiableOracle(GaussianMixture mixture, Schedule schedule, Parameterization p) {
        return new Model(new MixtureNetwork(mixture, schedule, p), schedule, p);
    }

    /**
     * E[x0 | x_t] and E[ε | x_t] of a Gaussian mixture in tensor ops (the same formulas as the runtime's
     * {@link GaussianMixtureOracle}); returns the parameterization's target a·x̂0 + b·ε̂ per row.
     */
    static final class MixtureNetwork implements Network {
        private final GaussianMixture mixture;
        private final Schedule schedule;
        private final Parameterization parameterization;

        MixtureNetwork(GaussianMixture mixture, Schedule schedule, Parameterization parameterization) {
            this.mixture = mixture;
            this.schedule = schedule;
            this.parameterization = parameterization;
        }

        @Override
        public Tensor forward(Tensor x, Tensor t) {
            Backend be = x.backend();
            int n = x.dim(0);
            int d = x.dim(1);
            int k = mixture.components();
            float[] ts = t.toArray();
            double[] alpha = new double[n];
            double[] sigma = new double[n];
            double[] a = new double[n];
            double[] b = new double[n];
            for (int r = 0; r < n; r++) {
                alpha[r] = schedule.alpha(ts[r]);
                sigma[r] = schedule.sigma(ts[r]);
                var target = parameterization.target(schedule, ts[r]);
                a[r] = target.p();
                b[r] = target.q();
            }
            Tensor alphaCol = Views.column(be, alpha);
            List<Tensor> diffs = new ArrayList<>();
            List<Tensor> logits = new ArrayList<>();
            double[][] vars = new double[k][n];
            double[][] logitValues = new double[k][];
            for (int c = 0; c < k; c++) {
                double[] mu = mixture.means()[c];
                float[] muf = new float[d];
                for (int j = 0; j < d; j++) {
                    muf[j] = (float) mu[j];
                }
                double s = mixture.stds()[c];
                double[] logConst = new double[n];
                for (int r = 0; r < n; r++) {
                    vars[c][r] = alpha[r] * alpha[r] * s * s + sigma[r] * sigma[r];
                    logConst[r] = Math.log(mixture.weights()[c]) - 0.5 * d * Math.log(vars[c][r]);
                }
                Tensor diff = x.sub(alphaCol.mul(Tensor.of(be, muf, 1, d)));
                double[] inv = new double[n];
                for (int r = 0; r < n; r++) {
                    inv[r] = -0.5 / vars[c][r];
                }
                Tensor logit = diff.square().sum(1).mul(Views.column(be, inv)).add(Views.column(be, logConst));
                diffs.add(diff);
                logits.add(logit);
                float[] lv = logit.toArray();
                logitValues[c] = new double[n];
                for (int r = 0; r < n; r++) {
                    logitValues[c][r] = lv[r];
                }
            }
            double[] max = new double[n];
            java.util.Arrays.fill(max, Double.NEGATIVE_INFINITY);
            for (int c = 0; c < k; c++) {
                for (int r = 0; r < n; r++) {
                    max[r] = Math.max(max[r], logitValues[c][r]);
                }
            }
            Tensor negMax = Views.column(be, java.util.Arrays.stream(max).map(m -> -m).toArray());
            List<Tensor> w = new ArrayList<>();
            Tensor total = null;
            for (int c = 0; c < k; c++) {
                Tensor e = logits.get(c).add(negMax).exp();
                w.add(e);
                total = total == null ? e : total.add(e);
            }
            Tensor x0 = null;
            Tensor eps = null;
            for (int c = 0; c < k; c++) {
                Tensor r = w.get(c).div(total);
                double[] shrink = new double[n];
                double[] noise = new double[n];
                for (int q = 0; q < n; q++) {
                    shrink[q] = alpha[q] * mixture.stds()[c] * mixture.stds()[c] / vars[c][q];
                    noise[q] = sigma[q] / vars[c][q];
                }
                float[] muf = new float[d];
                for (int j = 0; j < d; j++) {
                    muf[j] = (float) mixture.means()[c][j];
                }
                Tensor m = diffs.get(c).mul(Views.column(be, shrink)).add(Tensor.of(be, muf, 1, d));
                Tensor ec = diffs.get(c).mul(Views.column(be, noise));
                x0 = x0 == null ? m.mul(r) : x0.add(m.mul(r));
                eps = eps == null ? ec.mul(r) : eps.add(ec.mul(r));
            }
            return x0.mul(Views.column(be, a)).add(eps.mul(Views.column(be, b)));
        }

        @Override
        public Map<String, Tensor> parameters() {
            return Map.of();
        }
    }

    /** See {@link GaussianMixture#sampleError}. */
    static double mixtureError(GaussianMixture mixture, float[] points) {
        return mixture.sampleError(points);
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
