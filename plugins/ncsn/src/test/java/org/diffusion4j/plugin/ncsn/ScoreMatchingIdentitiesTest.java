package org.diffusion4j.plugin.ncsn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.diffusion4j.api.Kind;
import org.diffusion4j.api.Loss;
import org.diffusion4j.api.Model;
import org.diffusion4j.api.Network;
import org.diffusion4j.api.Schedule;
import org.diffusion4j.api.tensor.Backend;
import org.diffusion4j.api.tensor.Rng;
import org.diffusion4j.api.tensor.Tensor;
import org.junit.jupiter.api.Test;

/**
 * The score-matching identities on Gaussian data N(μ, s²I), where every score is closed form: the
 * σ-smoothed density is q_σ = N(μ, v·I), v = s² + σ², with score −(x − μ)/v. At each level, with
 * λ = σ² and the explicit loss E(θ) = ½σ²·E‖s_θ(x̃) − ∇log q_σ(x̃)‖²:
 * <ul>
 * <li>ISM and SSM equal E(θ) − ½σ²·d/v (Hyvärinen 2005, Thm. 1: the dropped term is ½E‖∇log q_σ‖²
 *     = ½d/v; SSM: Song et al. 2019, Thm. 1, E[vvᵀ] = I);</li>
 * <li>DSM equals E(θ) + ½σ²·(d/σ² − d/v) = E(θ) + ½d·s²/v (Vincent 2011, Eq. 11: the difference
 *     of E‖∇log q(x̃|x)‖² = d/σ² and E‖∇log q_σ(x̃)‖² = d/v).</li>
 * </ul>
 * For a linear score model s(x) = xW + b both sides are computed with the loss's own draws, for
 * four (W, b); the gap is one constant — the closed form above — up to sampling error. The
 * gradients of every loss with respect to the weights pass central finite-difference checks, and
 * ISM trains a small network end to end.
 */
class ScoreMatchingIdentitiesTest {

    private static final double[] MU = {1.0, -0.5};
    private static final double SD = 0.7;

    private final Backend backend = TestSupport.backend();
    private final Schedule schedule = new GeometricNoiseSchedule(1.0, 0.2, 4);

    private static final Map<String, Map<String, Object>> LOSSES = new LinkedHashMap<>();

    static {
        LOSSES.put("ncsn.dsm", Map.of());
        LOSSES.put("ncsn.ssm", Map.of("projection", "rademacher"));
        LOSSES.put("ncsn.ssm gaussian", Map.of("projection", "gaussian"));
        LOSSES.put("ncsn.ism", Map.of("divergence", "exact"));
        LOSSES.put("ncsn.ism hutchinson", Map.of("divergence", "hutchinson", "projection", "rademacher"));
        LOSSES.put("ncsn.ism hutchinson gaussian", Map.of("divergence", "hutchinson", "projection", "gaussian"));
    }

    private Loss loss(String label) {
        return TestSupport.create(Kind.LOSS, label.split(" ")[0], LOSSES.get(label), TestSupport.context(backend));
    }

    private Tensor gaussianData(int n, long seed) {
        Rng rng = new Rng(seed);
        float[] data = new float[2 * n];
        for (int i = 0; i < n; i++) {
            data[2 * i] = (float) (MU[0] + SD * rng.nextGaussian());
            data[2 * i + 1] = (float) (MU[1] + SD * rng.nextGaussian());
        }
        return Tensor.of(backend, data, n, 2);
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

    /** s(x, t) = tanh([x, t]·W1 + b1)·W2 + b2: nonlinear in x, so its divergence varies with x. */
    private static Network tanhMlp(Tensor w1, Tensor b1, Tensor w2, Tensor b2) {
        return new Network() {
            @Override
            public Tensor forward(Tensor x, Tensor t) {
                return Tensor.concatColumns(x, t).matmul(w1).add(b1).tanh().matmul(w2).add(b2);
            }

            @Override
            public Map<String, Tensor> parameters() {
                Map<String, Tensor> p = new LinkedHashMap<>();
                p.put("w1", w1);
                p.put("b1", b1);
                p.put("w2", w2);
                p.put("b2", b2);
                return p;
            }
        };
    }

    private List<Tensor> mlpWeights(long seed, int hidden) {
        Rng rng = new Rng(seed);
        List<Tensor> p = new ArrayList<>();
        int[][] shapes = {{3, hidden}, {1, hidden}, {hidden, 2}, {1, 2}};
        double[] scale = {0.8, 0.3, 0.5, 0.1};
        for (int k = 0; k < 4; k++) {
            Tensor u = Tensor.randn(backend, rng, shapes[k][0], shapes[k][1]).mul(scale[k]);
            p.add(Tensor.of(backend, u.toArray(), shapes[k]).requiresGrad(true));
        }
        return p;
    }

    @Test
    void ismSsmAndDsmEqualTheExplicitLossUpToTheClosedFormConstant() {
        int n = 100_000;
        Tensor x0 = gaussianData(n, 3);
        float[][][] models = {
                {{-1.2f, 0.1f, 0.0f, -0.9f}, {0.9f, -0.4f}},
                {{-0.5f, 0.0f, 0.2f, -1.5f}, {0.2f, 0.3f}},
                {{0.3f, 0.0f, 0.0f, 0.3f}, {0.0f, 0.0f}},
                {{-1.0f, 0.4f, -0.4f, -0.6f}, {-0.6f, 0.8f}}};
        for (String label : LOSSES.keySet()) {
            Loss loss = loss(label);
            double[] gap = new double[models.length];
            double constant = 0;
            for (int m = 0; m < models.length; m++) {
                Tensor w = Tensor.of(backend, models[m][0], 2, 2);
                Tensor b = Tensor.of(backend, models[m][1], 1, 2);
                Model model = new Model(linear(w, b), schedule, new NoiseConditionalScore());
                double value = loss.compute(model, x0, new Rng(4)).item();
                double[] e = explicit(x0, models[m], new Rng(4));
                gap[m] = value - e[0];
                constant = label.startsWith("ncsn.dsm") ? e[1] : e[2];
            }
            System.out.printf("%-30s loss − explicit = %.4f %.4f %.4f %.4f; closed-form constant %.4f%n", label,
                    gap[0], gap[1], gap[2], gap[3], constant);
            // Sampling error of a 100 000-point mean: ≤ ~0.005 (Gaussian-projection SSM, the noisiest).
            for (double g : gap) {
                assertThat(g).as(label).isCloseTo(constant, within(0.02));
            }
        }
    }

    /**
     * With the loss's draws (levels, then z): {explicit E(θ), DSM constant ½d·s²/v, ISM/SSM constant
     * −½σ²d/v}, batch means.
     */
    private double[] explicit(Tensor x0, float[][] model, Rng rng) {
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
        double dsm = 0;
        double ism = 0;
        for (int r = 0; r < n; r++) {
            double s2 = sigma[r] * sigma[r];
            double v = SD * SD + s2;
            double x1 = x[2 * r] + sigma[r] * z[2 * r];
            double x2 = x[2 * r + 1] + sigma[r] * z[2 * r + 1];
            double e1 = x1 * w[0] + x2 * w[2] + b[0] + (x1 - MU[0]) / v;
            double e2 = x1 * w[1] + x2 * w[3] + b[1] + (x2 - MU[1]) / v;
            total += 0.5 * s2 * (e1 * e1 + e2 * e2);
            dsm += 0.5 * 2 * SD * SD / v;
            ism -= 0.5 * s2 * 2 / v;
        }
        return new double[]{total / n, dsm / n, ism / n};
    }

    /**
     * Central differences of each loss in its weights, for the linear model and a tanh MLP. The loss
     * is evaluated in float32 with the same draws at θ ± h; the quotient is formed in double with the
     * perturbation actually realised in float, (float)(θ+h) − (float)(θ−h). For the linear model every
     * loss is a quadratic in the weights, so the central difference has no truncation error and only
     * float rounding (~1e-6 relative over the batch mean, / 2h = 2e-2 → ~1e-4) remains; for the MLP
     * the truncation error h²/6·|∂³L| stays below ~1e-4 for O(1) weights. Accepted:
     * |autodiff − numeric| ≤ 2e-3 + 1e-2·|numeric| — ten times those errors, while a missing term of
     * the second-order gradient (the trace's dependence on the weights) changes it by O(0.1–1).
     */
    @Test
    void gradientsOfEveryLossPassFiniteDifferenceChecks() {
        Tensor x0 = gaussianData(256, 11);
        for (String label : LOSSES.keySet()) {
            Loss loss = loss(label);
            List<Tensor> lin = List.of(Tensor.of(backend, new float[]{-0.8f, 0.3f, 0.1f, -1.1f}, 2, 2).requiresGrad(true),
                    Tensor.of(backend, new float[]{0.4f, -0.2f}, 1, 2).requiresGrad(true));
            check(label + " linear", loss, new Model(linear(lin.get(0), lin.get(1)), schedule, new NoiseConditionalScore()),
                    lin, x0);
            List<Tensor> p = mlpWeights(5, 8);
            check(label + " tanh-mlp", loss, new Model(tanhMlp(p.get(0), p.get(1), p.get(2), p.get(3)), schedule,
                    new NoiseConditionalScore()), p, x0);
        }
    }

    private void check(String label, Loss loss, Model model, List<Tensor> params, Tensor x0) {
        Tensor value = loss.compute(model, x0, new Rng(8));
        List<Tensor> grads = Tensor.grad(value, params, false);
        double h = 1e-2;
        double worst = 0;
        for (int k = 0; k < params.size(); k++) {
            Tensor p = params.get(k);
            float[] analytic = grads.get(k).toArray();
            float[] base = p.toArray();
            for (int i = 0; i < base.length; i += Math.max(1, base.length / 5)) {
                float[] up = base.clone();
                float[] down = base.clone();
                up[i] = (float) (base[i] + h);
                down[i] = (float) (base[i] - h);
                p.load(up);
                double lu = loss.compute(model, x0, new Rng(8)).item();
                p.load(down);
                double ld = loss.compute(model, x0, new Rng(8)).item();
                p.load(base);
                double numeric = (lu - ld) / ((double) up[i] - (double) down[i]);
                worst = Math.max(worst, Math.abs(analytic[i] - numeric) / (2e-3 + 1e-2 * Math.abs(numeric)));
                assertThat((double) analytic[i]).as("%s: ∂L/∂%s[%d]", label, k, i)
                        .isCloseTo(numeric, within(2e-3 + 1e-2 * Math.abs(numeric)));
            }
        }
        System.out.printf("%-40s worst |autodiff − FD| / tolerance = %.3f%n", label, worst);
    }

    /**
     * ISM (exact divergence and Hutchinson) trains a tanh MLP end to end by Adam: the explicit loss
     * E(θ) on fresh data — the distance to the true smoothed scores — falls below a tenth of its
     * initial value (DSM with the same budget is printed beside them).
     */
    @Test
    void ismTrainsANetworkEndToEnd() {
        Map<String, Double> reached = new LinkedHashMap<>();
        double start = Double.NaN;
        for (String label : List.of("ncsn.ism", "ncsn.ism hutchinson", "ncsn.dsm")) {
            List<Tensor> p = mlpWeights(21, 32);
            Model model = new Model(tanhMlp(p.get(0), p.get(1), p.get(2), p.get(3)), schedule, new NoiseConditionalScore());
            start = explicitOnFreshData(model);
            train(loss(label), model, p, 600);
            reached.put(label, explicitOnFreshData(model));
        }
        System.out.printf("explicit loss: initial %.4f, after 600 Adam steps %s%n", start, reached);
        for (var e : reached.entrySet()) {
            assertThat(e.getValue()).as(e.getKey()).isLessThan(0.1 * start);
        }
    }

    private void train(Loss loss, Model model, List<Tensor> params, int steps) {
        double lr = 1e-2;
        double b1 = 0.9;
        double b2 = 0.999;
        List<double[]> m = new ArrayList<>();
        List<double[]> v = new ArrayList<>();
        for (Tensor p : params) {
            m.add(new double[p.size()]);
            v.add(new double[p.size()]);
        }
        Rng rng = new Rng(31);
        for (int step = 1; step <= steps; step++) {
            Tensor x0 = gaussianData(256, 1000 + step);
            List<Tensor> g = Tensor.grad(loss.compute(model, x0, rng.split(step)), params, false);
            for (int k = 0; k < params.size(); k++) {
                float[] w = params.get(k).toArray();
                float[] gk = g.get(k).toArray();
                for (int i = 0; i < w.length; i++) {
                    m.get(k)[i] = b1 * m.get(k)[i] + (1 - b1) * gk[i];
                    v.get(k)[i] = b2 * v.get(k)[i] + (1 - b2) * gk[i] * gk[i];
                    double mh = m.get(k)[i] / (1 - Math.pow(b1, step));
                    double vh = v.get(k)[i] / (1 - Math.pow(b2, step));
                    w[i] -= (float) (lr * mh / (Math.sqrt(vh) + 1e-8));
                }
                params.get(k).load(w);
            }
        }
    }

    /** E(θ) = ½σ²‖s_θ(x̃, σ) + (x̃ − μ)/v‖², mean over 4 000 fresh points at each level. */
    private double explicitOnFreshData(Model model) {
        double total = 0;
        double[] levels = schedule.trainingTimes();
        for (double t : levels) {
            double sigma = schedule.sigma(t);
            double var = SD * SD + sigma * sigma;
            Tensor x = gaussianData(4000, 77).add(Tensor.randn(backend, new Rng(78), 4000, 2).mul(sigma));
            float[] s = model.output(x, t).toArray();
            float[] xv = x.toArray();
            double sum = 0;
            for (int i = 0; i < s.length; i++) {
                double e = s[i] + (xv[i] - MU[i % 2]) / var;
                sum += e * e;
            }
            total += 0.5 * sigma * sigma * sum / 4000;
        }
        return total / levels.length;
    }
}
