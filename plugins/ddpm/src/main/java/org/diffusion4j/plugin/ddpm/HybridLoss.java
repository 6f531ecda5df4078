package org.diffusion4j.plugin.ddpm;

import org.diffusion4j.api.PosteriorChain;
import java.util.Arrays;
import org.diffusion4j.api.Affine;
import org.diffusion4j.api.Loss;
import org.diffusion4j.api.Model;
import org.diffusion4j.api.Parameterization;
import org.diffusion4j.api.View;
import org.diffusion4j.api.tensor.Backend;
import org.diffusion4j.api.tensor.Rng;
import org.diffusion4j.api.tensor.Tensor;
import org.diffusion4j.api.DataException;
import org.diffusion4j.api.config.ConfigException;

/**
 * Improved DDPM's objectives with a learned reverse variance (Nichol and Dhariwal 2021, §3.1):
 * the network outputs, beyond its parameterization's D values, D more values v and
 * Σ_θ(x_t, t) = exp(v·log β_t + (1 − v)·log β̃_t) (Eq. 15). Per row a step i ∈ 1..T is drawn and the
 * bound's term L_{i−1} taken from {@link VariationalBound} (the KL of Eq. 5–7 for i > 1; for i = 1 the
 * decoder L_0: continuous Gaussian by default, Ho et al.'s discretised decoder for data in [−1, 1] with
 * {@code decoder = discretized}).
 *
 * <p>Terms are in bits per dimension (mean over coordinates, divided by ln 2); the estimate of
 * L_vlb = Σ_t L_t from a row with step t drawn with probability p_t is L_t/p_t. {@code HYBRID} =
 * L_simple + λ·L_vlb with μ_θ computed from the <b>stopped</b> network output, so the VLB term trains
 * only Σ_θ (§3.1, λ = 0.001); {@code VLB} = L_vlb with gradients through both.
 *
 * <p>Steps: uniform (p_t = 1/T), or, with {@code importance}, Nichol and Dhariwal's importance
 * sampling of L_vlb (§3.3): p_t ∝ √E[L_t²] over the last 10 values of each L_t, uniform until every
 * step has 10; as in the authors' code ({@code LossSecondMomentResampler}) p is mixed with 0.001 of the
 * uniform distribution so that no step has probability 0. That history is state of this loss instance,
 * filled from the loss values in training order, so a run is deterministic for its seed; it is
 * <b>not</b> saved in checkpoints (the Loss SPI has no state to save), so a resumed run starts again
 * from uniform steps and is not bit-identical to an uninterrupted one.
 *
 * <p>Needs a {@link DiscreteSchedule}. Random draws per batch: B × {@code rng.nextInt(T)} (uniform) or
 * B × {@code rng.nextDouble()} (importance), then ε = {@link Tensor#randn(Backend, Rng, int, int)}.
 */
public final class HybridLoss implements Loss {

    public static final String NAME = "ddpm.hybrid";

    /** Values of each L_t kept for importance sampling (Nichol and Dhariwal 2021, §3.3). */
    static final int HISTORY = 10;
    /** Share of the uniform distribution mixed into p_t (the authors' code). */
    static final double UNIFORM_SHARE = 0.001;

    /** Which objective. */
    public enum Objective {
        HYBRID,
        VLB
    }

    private final Objective objective;
    private final double lambda;
    private final int dimension;
    private final VariationalBound.Decoder decoder;
    private final boolean importance;
    /** Per step i (index i − 1): the last {@link #HISTORY} values of L_i, a ring; filled counts. */
    private double[][] history;
    private int[] filled;

    /**
     * @param dimension data dimension D: the network outputs 2·D values per point
     */
    public HybridLoss(Objective objective, double lambda, int dimension) {
        this(objective, lambda, dimension, VariationalBound.Decoder.CONTINUOUS, false);
    }

    HybridLoss(Objective objective, double lambda, int dimension, VariationalBound.Decoder decoder, boolean importance) {
        if (!(lambda >= 0) || !Double.isFinite(lambda)) {
            throw new ConfigException(NAME + ": lambda must be a finite number ≥ 0, got " + lambda);
        }
        this.objective = objective;
        this.lambda = lambda;
        this.dimension = dimension;
        this.decoder = decoder;
        this.importance = importance;
    }

    /** One learned interpolation weight per data coordinate. */
    @Override
    public int extraOutputs() {
        return dimension;
    }

    public Objective objective() {
        return objective;
    }

    public double lambda() {
        return lambda;
    }

    @Override
    public Tensor compute(Model model, Tensor x0, Rng rng) {
        if (!(model.schedule() instanceof DiscreteSchedule sc)) {
            throw new ConfigException(NAME + " needs a discrete DDPM schedule (ddpm.linear, ddpm.cosine), got "
                    + model.schedule());
        }
        if (x0.rank() != 2 || x0.dim(0) < 1) {
            throw new IllegalArgumentException(NAME + " expects a [batch, dimension] batch, got " + Arrays.toString(x0.shape()));
        }
        Backend backend = x0.backend();
        int batch = x0.dim(0);
        int d = x0.dim(1);
        if (d != dimension) {
            throw new DataException(NAME + " was created for " + dimension + "-D data, got a batch of " + d + "-D points");
        }
        int n = sc.steps();
        if (n < 2) {
            throw new ConfigException(NAME + " needs T ≥ 2, got " + n);
        }
        Parameterization p = model.parameterization();
        int[] steps = new int[batch];
        float[] weight = new float[batch];  // 1/p_t: the estimate of Σ_t L_t from one row
        double[] probabilities = importance ? probabilities(n) : null;
        for (int r = 0; r < batch; r++) {
            steps[r] = probabilities == null ? 1 + rng.nextInt(n) : 1 + draw(probabilities, rng.nextDouble());
            weight[r] = (float) (probabilities == null ? n : 1 / probabilities[steps[r] - 1]);
        }
        VariationalBound.Rows rows = VariationalBound.rows(backend, model, sc, steps);
        float[] ta = new float[batch];
        float[] tb = new float[batch];
        for (int r = 0; r < batch; r++) {
            Affine target = p.target(sc, (double) steps[r] / n);
            ta[r] = (float) target.p();
            tb[r] = (float) target.q();
        }
        Tensor eps = Tensor.randn(backend, rng, batch, d);
        Tensor xt = VariationalBound.diffuse(rows, x0, eps);
        Tensor full = model.network().forward(xt, rows.times());
        if (full.rank() != 2 || full.dim(0) != batch || full.dim(1) < 2 * d) {
            throw new IllegalStateException(NAME + ": the network returned " + Arrays.toString(full.shape()) + " for a ["
                    + batch + ", " + d + "] batch; it must output " + 2 * d + " columns (the learned variance)");
        }
        Tensor out = full.columns(0, d);
        Tensor v = full.columns(d, d);
        Tensor simple = out.sub(x0.mul(col(backend, ta)).add(eps.mul(col(backend, tb)))).square().mean();
        Tensor meanOut = objective == Objective.HYBRID ? out.detach() : out;
        Tensor term = VariationalBound.terms(rows, x0, eps, xt, meanOut, VariationalBound.learnedLogVariance(rows, v),
                decoder);
        if (importance) {
            remember(steps, term.detach().toArray(), d);
        }
        Tensor vlb = term.mul(col(backend, weight)).mean().mul(1 / Math.log(2));
        return objective == Objective.HYBRID ? simple.add(vlb.mul(lambda)) : vlb;
    }

    /** p_t: uniform until every step has {@link #HISTORY} values, then ∝ √E[L_t²] mixed with the uniform. */
    private double[] probabilities(int n) {
        if (history == null || history.length != n) {
            history = new double[n][HISTORY];
            filled = new int[n];
        }
        double[] p = new double[n];
        double total = 0;
        for (int i = 0; i < n; i++) {
            if (filled[i] < HISTORY) {
                java.util.Arrays.fill(p, 1.0 / n);
                return p;
            }
            double squares = 0;
            for (double value : history[i]) {
                squares += value * value;
            }
            p[i] = Math.sqrt(squares / HISTORY);
            total += p[i];
        }
        for (int i = 0; i < n; i++) {
            p[i] = (1 - UNIFORM_SHARE) * (total > 0 ? p[i] / total : 1.0 / n) + UNIFORM_SHARE / n;
        }
        return p;
    }

    /** The index drawn by inverting the cumulative distribution at u ∈ [0, 1). */
    private static int draw(double[] p, double u) {
        double c = 0;
        for (int i = 0; i < p.length; i++) {
            c += p[i];
            if (u < c) {
                return i;
            }
        }
        return p.length - 1;
    }

    /** Appends each row's L_t (mean over coordinates) to its step's history, oldest value replaced. */
    private void remember(int[] steps, float[] terms, int d) {
        for (int r = 0; r < steps.length; r++) {
            double value = 0;
            for (int j = 0; j < d; j++) {
                value += terms[r * d + j];
            }
            int i = steps[r] - 1;
            history[i][filled[i] % HISTORY] = value / d;
            filled[i] = filled[i] + 1 == 2 * HISTORY ? HISTORY : filled[i] + 1;  // ring position, no overflow
        }
    }

    private static Tensor col(Backend backend, float[] values) {
        return Tensor.of(backend, values, values.length, 1);
    }

    @Override
    public String toString() {
        return NAME + " (" + objective.name().toLowerCase(java.util.Locale.ROOT)
                + (objective == Objective.HYBRID ? ", lambda " + lambda : "")
                + ", decoder " + decoder.name().toLowerCase(java.util.Locale.ROOT)
                + (importance ? ", importance-sampled t" : "") + ")";
    }
}
