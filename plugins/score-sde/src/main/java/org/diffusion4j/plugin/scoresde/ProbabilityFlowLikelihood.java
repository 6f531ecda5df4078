package org.diffusion4j.plugin.scoresde;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.function.ToDoubleFunction;
import org.diffusion4j.api.Model;
import org.diffusion4j.api.NoiseStreams;
import org.diffusion4j.api.Schedule;
import org.diffusion4j.api.View;
import org.diffusion4j.api.tensor.Backend;
import org.diffusion4j.api.tensor.Rng;
import org.diffusion4j.api.tensor.Tensor;
import org.diffusion4j.api.config.ConfigException;

/**
 * Exact log-likelihoods by the probability-flow ODE and the instantaneous change of variables (Song
 * et al. 2021, §4.3 and Appendix D.2, Eq. 39–40; Chen et al. 2018, Neural ODEs, Thm. 1). Along the ODE
 * dx/dt = ṽ(x, t) = f(t)·x − ½g²(t)·s(x, t) (Eq. 13; the model's {@link View#VELOCITY} view),
 * d log p_t(x(t))/dt = −∇·ṽ(x(t), t), so for a data point x at tMin
 * <pre>  log p_tMin(x) = log p_tMax(x(tMax)) + ∫_{tMin}^{tMax} ∇·ṽ(x(t), t) dt.</pre>
 * The augmented state (x, ∫∇·ṽ) is integrated from tMin to tMax with the adaptive Dormand–Prince
 * solver ({@link DormandPrince}, per-sample step sizes; error control over all D + 1 components, as
 * the paper's scipy call does), and log p_tMax is the prior's density.
 *
 * <p>Divergence ({@link Divergence}): {@code EXACT} takes the trace of the Jacobian by D reverse-mode
 * passes of the api's autodiff (Σ_j ∂ṽ_j/∂x_j; the rows of a batch are independent, so one pass per
 * coordinate serves every row) — for low dimension; {@code HUTCHINSON_GAUSSIAN} /
 * {@code HUTCHINSON_RADEMACHER} use the unbiased estimate zᵀ(∂ṽ/∂x)z with one vector–Jacobian
 * product (Hutchinson 1989; Grathwohl et al. 2019, FFJORD), z fixed per sample for the whole solve
 * and drawn from child stream k of the given {@link Rng} for sample k (or from sample k's
 * {@link NoiseStreams} stream). With P {@code probes} the estimate is the mean of P such products,
 * one fixed z_p per sample each (variance / P, cost P vector–Jacobian products per evaluation). The network must be
 * differentiable in x (every network built from api blocks is); a network that records no gradient
 * is refused rather than given a silent zero divergence.
 *
 * <p>The prior is by default N(0, σ²(tMax)·I), the one the launcher starts sampling from; it ignores
 * the α(tMax)·x0 part of the true marginal (for VP, α(1) = e^{−5.025} ≈ 0.0066), which is the usual
 * small bias of the reported likelihood. A caller that knows p_tMax can pass it. Results are in nats;
 * bits per dimension are −log p/(D·ln 2) (no dequantisation offset: the data are continuous).
 * Instances are immutable and stateless between calls.
 */
public final class ProbabilityFlowLikelihood {

    /** How ∇·ṽ is computed. */
    public enum Divergence {
        EXACT, HUTCHINSON_GAUSSIAN, HUTCHINSON_RADEMACHER;

        public String id() {
            return name().toLowerCase(Locale.ROOT).replace('_', '-');
        }
    }

    /**
     * Per data point: log p(x) in nats, bits per dimension, network evaluations of the solve, and the
     * point's image x(tMax) under the flow.
     */
    public record Result(double[] logDensity, double[] bitsPerDimension, int[] evaluations, double[][] latent) {

        public double meanLogDensity() {
            return Arrays.stream(logDensity).average().orElse(Double.NaN);
        }

        /** Mean negative log-likelihood in nats. */
        public double meanNll() {
            return -meanLogDensity();
        }

        public double meanBitsPerDimension() {
            return Arrays.stream(bitsPerDimension).average().orElse(Double.NaN);
        }

        public int maxEvaluations() {
            return Arrays.stream(evaluations).max().orElse(0);
        }
    }

    private final double rtol;
    private final double atol;
    private final int maxSteps;
    private final Divergence divergence;
    private final int probes;

    /** One Hutchinson probe per sample. */
    public ProbabilityFlowLikelihood(double rtol, double atol, int maxSteps, Divergence divergence) {
        this(rtol, atol, maxSteps, divergence, 1);
    }

    /**
     * @param rtol       relative tolerance of the solver (the paper: 10⁻⁵)
     * @param atol       absolute tolerance (the paper: 10⁻⁵)
     * @param maxSteps   attempted steps per point before giving up
     * @param divergence exact or Hutchinson
     * @param probes     Hutchinson probe vectors per sample (unused by the exact divergence)
     */
    public ProbabilityFlowLikelihood(double rtol, double atol, int maxSteps, Divergence divergence, int probes) {
        if (!(rtol > 0) || !(atol > 0) || maxSteps < 1 || probes < 1) {
            throw new ConfigException("probability-flow likelihood: need rtol > 0, atol > 0, max-steps ≥ 1, "
                    + "probes ≥ 1; got " + rtol + ", " + atol + ", " + maxSteps + ", " + probes);
        }
        this.probes = probes;
        this.rtol = rtol;
        this.atol = atol;
        this.maxSteps = maxSteps;
        this.divergence = divergence;
    }

    /** The paper's settings: rtol = atol = 10⁻⁵, exact divergence. */
    public static ProbabilityFlowLikelihood exact() {
        return new ProbabilityFlowLikelihood(1e-5, 1e-5, 100_000, Divergence.EXACT);
    }

    /** log N(x; 0, σ²(tMax)·I), the launcher's prior. */
    public static ToDoubleFunction<double[]> gaussianPrior(Schedule schedule) {
        double sigma = schedule.sigma(schedule.tMax());
        double var = sigma * sigma;
        return x -> {
            double sq = 0;
            for (double v : x) {
                sq += v * v;
            }
            return -0.5 * x.length * Math.log(2 * Math.PI * var) - 0.5 * sq / var;
        };
    }

    /** log p(x) of each row of x under the model with the default Gaussian prior. */
    public Result evaluate(Model model, Tensor x, Rng rng) {
        return evaluate(model, x, rng, gaussianPrior(model.schedule()));
    }

    /**
     * log p(x) of each row of {@code x} ([n, D], data at tMin).
     *
     * @param rng   streams of the Hutchinson vectors (unused by the exact divergence): probe p of
     *              sample k is draw p of child stream k
     * @param prior log-density of x(tMax)
     */
    public Result evaluate(Model model, Tensor x, Rng rng, ToDoubleFunction<double[]> prior) {
        float[][] z = null;
        if (divergence != Divergence.EXACT) {
            long[] keys = rng.childKeys(0, x.dim(0));
            z = new float[probes][];
            for (int p = 0; p < probes; p++) {
                z[p] = Tensor.randn(x.backend(), keys, (long) p * x.dim(1), x.dim(1)).toArray();
            }
        }
        return evaluate(model, x, z, prior);
    }

    /**
     * log p(x) of each row of {@code x} with the Gaussian prior; probe p of sample k is draw p of
     * sample k's stream in {@code noise}, so a point's value does not depend on its batch.
     */
    public Result evaluate(Model model, Tensor x, NoiseStreams noise) {
        if (noise.count() != x.dim(0) || noise.dimension() != x.dim(1)) {
            throw new IllegalArgumentException("probability-flow likelihood: noise streams give [" + noise.count() + ", "
                    + noise.dimension() + "] per draw, the points are " + Arrays.toString(x.shape()));
        }
        float[][] z = null;
        if (divergence != Divergence.EXACT) {
            z = new float[probes][];
            for (int p = 0; p < probes; p++) {
                z[p] = noise.next().toArray();
            }
        }
        return evaluate(model, x, z, gaussianPrior(model.schedule()));
    }

    /** @param probes per probe, the [n, D] probe vectors (row-major), null for the exact divergence */
    private Result evaluate(Model model, Tensor x, float[][] probes, ToDoubleFunction<double[]> prior) {
        if (x.rank() != 2 || x.dim(0) < 1) {
            throw new IllegalArgumentException("probability-flow likelihood expects [count, dimension] points, got "
                    + Arrays.toString(x.shape()));
        }
        Schedule s = model.schedule();
        String why = model.undetermined("probability-flow likelihood", View.VELOCITY, org.diffusion4j.api.TimeGrid.uniform(s.tMin(), s.tMax(), 64).toArray());
        if (why != null) {
            throw new ConfigException(why);
        }
        Backend backend = x.backend();
        int n = x.dim(0);
        int d = x.dim(1);
        double[][] y0 = new double[n][];
        double[][] rows = Views.rows(x);
        for (int r = 0; r < n; r++) {
            y0[r] = Arrays.copyOf(rows[r], d + 1);
        }
        // Only gradients with respect to x are needed: the weights record nothing meanwhile.
        List<Tensor> frozen = new ArrayList<>();
        for (Tensor p : model.network().parameters().values()) {
            if (p.requiresGrad()) {
                p.requiresGrad(false);
                frozen.add(p);
            }
        }
        DormandPrince.Solution sol;
        try {
            sol = new DormandPrince(ProbabilityFlowNllProvider.NAME, rtol, atol, maxSteps).integrate(
                    (active, t, y) -> field(model.select(active), backend, probes, active, t, y, d), y0, s.tMin(),
                    s.tMax(), null);
        } finally {
            frozen.forEach(p -> p.requiresGrad(true));
        }
        double[] logp = new double[n];
        double[] bpd = new double[n];
        double[][] latent = new double[n][];
        for (int r = 0; r < n; r++) {
            latent[r] = Arrays.copyOf(sol.y()[r], d);
            logp[r] = prior.applyAsDouble(latent[r]) + sol.y()[r][d];
            bpd[r] = -logp[r] / (d * Math.log(2));
        }
        return new Result(logp, bpd, sol.evaluations(), latent);
    }

    /** (ṽ, ∇·ṽ) for the listed rows. */
    private double[][] field(Model model, Backend backend, float[][] probes, int[] active, double[] t, double[][] y,
                             int d) {
        int m = active.length;
        double[][] xs = new double[m][];
        for (int i = 0; i < m; i++) {
            xs[i] = Arrays.copyOf(y[i], d);
        }
        Tensor x = Views.matrix(backend, xs).requiresGrad(true);
        Tensor out = Views.output(model, x, t);
        if (!out.requiresGrad()) {
            throw new IllegalStateException("probability-flow likelihood: the network " + model.network()
                    + " records no gradient with respect to x, so the divergence of the flow cannot be taken");
        }
        Tensor v = Views.convert(model, View.VELOCITY, out, x, t);
        double[] div = new double[m];
        if (divergence == Divergence.EXACT) {
            for (int j = 0; j < d; j++) {
                float[] g = Tensor.grad(v.columns(j, 1).sum(), List.of(x), false).get(0).toArray();
                for (int i = 0; i < m; i++) {
                    div[i] += g[i * d + j];
                }
            }
        } else {
            for (float[] all : probes) {
                float[] zv = new float[m * d];
                for (int i = 0; i < m; i++) {
                    System.arraycopy(all, active[i] * d, zv, i * d, d);
                    if (divergence == Divergence.HUTCHINSON_RADEMACHER) {
                        for (int j = 0; j < d; j++) {
                            zv[i * d + j] = Math.signum(zv[i * d + j]);
                        }
                    }
                }
                Tensor z = Tensor.of(backend, zv, m, d);
                float[] g = Tensor.grad(v.mul(z).sum(), List.of(x), false).get(0).toArray();
                for (int i = 0; i < m; i++) {
                    for (int j = 0; j < d; j++) {
                        div[i] += (double) g[i * d + j] * zv[i * d + j] / probes.length;
                    }
                }
            }
        }
        double[][] vs = Views.rows(v.detach());
        double[][] result = new double[m][];
        for (int i = 0; i < m; i++) {
            result[i] = Arrays.copyOf(vs[i], d + 1);
            result[i][d] = div[i];
        }
        return result;
    }

    @Override
    public String toString() {
        return "probability-flow likelihood (rtol " + rtol + ", atol " + atol + ", divergence " + divergence.id()
                + (divergence == Divergence.EXACT ? "" : ", probes " + probes) + ")";
    }
}
