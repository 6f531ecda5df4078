package org.diffusion4j.plugin.dinof;

import org.diffusion4j.api.Affine;
import org.diffusion4j.api.Loss;
import org.diffusion4j.api.Model;
import org.diffusion4j.api.NonFiniteOutputException;
import org.diffusion4j.api.Schedule;
import org.diffusion4j.api.View;
import org.diffusion4j.api.config.ConfigException;
import org.diffusion4j.api.tensor.Backend;
import org.diffusion4j.api.tensor.Rng;
import org.diffusion4j.api.tensor.Tensor;

/**
 * DiNof's joint objective (seed 001, §3.3): weighted denoising score matching on the truncated
 * interval plus the flow's negative log-likelihood of the diffused data at T_m,
 * <pre>  L = E_{t ~ U[tMin, T_m)} E_ε [ ‖σ(t)·s_θ(x_t, t) + ε‖² ]  +  w · E [ −log p_φ(x(T_m)) ],
 *  x_t = α(t)·x0 + σ(t)·ε,   x(T_m) = α(T_m)·x0 + σ(T_m)·ε'.</pre>
 * The first term is score-sde's λ(t) = σ²(t) weighting (Song et al. 2021, Eq. 7; seed 001 Eq. 3)
 * restricted to t &lt; T_m, summed over coordinates and averaged over the batch; the second is
 * the flow's exact NLL (seed 001, Eq. 10) in nats per sample, weighted by {@code flow-weight}.
 *
 * <p>One scalar, one optimiser. The score and the flow share no parameters and neither term depends
 * on the other's, so the gradient of the sum is the two gradients side by side and Adam's
 * per-parameter steps are those of training each alone: joint and separate training (the paper's
 * comparison) differ here only through a global {@code grad-clip}.
 *
 * <p>Random draws, in this order: t_i = tMin + (T_m − tMin)·{@code rng.nextDouble()} for each row,
 * then ε ({@code Tensor.randn(rng, B, D)}), then ε' (the same).
 *
 * <p>Separate training ({@code objective: flow}): the flow's NLL alone, the score term skipped (no
 * score network evaluation, no draws for it: only ε' is drawn), so a flow is trained on x(T_m)
 * beside a score network that stays as loaded ({@code train --init-from} a score run). The score's
 * parameters then get zero gradients, and Adam leaves them unchanged (use {@code optimizer: adam},
 * not adamw, whose weight decay would shrink them).
 *
 * <p>The flow alone on data ({@code objective: data}, plain Glow as a baseline row; with the
 * sampler {@code dinof.flow-alone}), the diffusion and T_m unused: on 8-bit images the flow's NLL
 * of the dequantised data x0 + Δ·(u − ½), u ~ U[0, 1)^D (uniform dequantisation, Theis et al. 2016;
 * Glow §5), whose flow-bpd is then the literature's discrete bits/dim, (NLL/D − log Δ)/ln 2; on
 * continuous data (points) the NLL of x0 itself, no noise added and nothing drawn.
 *
 * <p>On 8-bit images the log also shows {@code flow-bpd}: the NLL in bits per dimension of the
 * Δ-cells of x(T_m), (NLL/D − log Δ)/ln 2 with Δ = 2R/255 the pixel step of data scaled to
 * [−R, R] — the convention of dequantised likelihoods (Theis et al. 2016; Glow §5), so it reads on
 * the pixel scale; at T_m → 0 it approaches the data's bits/dim.
 */
public final class JointLoss implements Loss {

    private final double flowWeight;
    private final boolean flowOnly;
    private final boolean onData;
    /** log Δ of the pixel cells, or NaN when the data are not 8-bit images (no bits/dim figure). */
    private final double logCell;
    private volatile double lastFlowNll = Double.NaN;
    private volatile double lastFlowBpd = Double.NaN;

    public JointLoss(double flowWeight) {
        this(flowWeight, false, Double.NaN);
    }

    /**
     * @param flowWeight w of the flow's NLL
     * @param flowOnly   train the flow alone (the score term skipped)
     * @param logCell    log Δ of the data's pixel cells for the bits/dim figure; NaN for none
     */
    public JointLoss(double flowWeight, boolean flowOnly, double logCell) {
        this(flowWeight, flowOnly, false, logCell);
    }

    /**
     * @param onData train the flow alone on the data: dequantised when logCell is a pixel cell's,
     *               the data themselves when it is NaN (continuous data)
     */
    public JointLoss(double flowWeight, boolean flowOnly, boolean onData, double logCell) {
        this.flowWeight = flowWeight;
        this.flowOnly = flowOnly || onData;
        this.onData = onData;
        this.logCell = logCell;
    }

    /** The flow's NLL of the last batch, nats per sample (NaN before the first). */
    public double lastFlowNll() {
        return lastFlowNll;
    }

    /** {@code flow-nll}: the flow's NLL of x(T_m) in the last batch, nats per sample, for the training log. */
    @Override
    public java.util.Map<String, Double> lastFigures() {
        double v = lastFlowNll;
        if (Double.isNaN(v)) {
            return java.util.Map.of();
        }
        double bpd = lastFlowBpd;
        return Double.isNaN(bpd) ? java.util.Map.of("flow-nll", v) : java.util.Map.of("flow-nll", v, "flow-bpd", bpd);
    }

    @Override
    public Tensor compute(Model model, Tensor x0, Rng rng) {
        String name = JointLossProvider.NAME;
        DinofNetwork net = DinofNetwork.of(model.network());
        if (net == null) {
            throw new ConfigException(name + " trains the score and the flow of a 'dinof' network; this model's network ("
                    + model.network().getClass().getSimpleName() + ") has no flow (use network: {name: dinof, t-m: ...})");
        }
        Schedule schedule = model.schedule();
        double tMin = schedule.tMin();
        double tM = net.tM();
        if (!(tM > tMin && tM <= schedule.tMax())) {
            throw new ConfigException(name + ": the network's t-m = " + tM + " lies outside the schedule's (" + tMin + ", "
                    + schedule.tMax() + "]");
        }
        Backend backend = x0.backend();
        int batch = x0.dim(0);
        int dimension = x0.dim(1);
        if (flowOnly) {
            return flowNll(net, schedule, tM, x0, rng, name);
        }
        float[] times = new float[batch];
        float[] alpha = new float[batch];
        float[] sigma = new float[batch];
        float[] px = new float[batch];
        float[] pout = new float[batch];
        boolean xTerm = false;
        for (int i = 0; i < batch; i++) {
            double t = tMin + (tM - tMin) * rng.nextDouble();
            double si = schedule.sigma(t);
            Affine c;
            try {
                c = model.coefficients(View.SCORE, t);
            } catch (IllegalArgumentException e) {
                throw new ConfigException(name + ": " + e.getMessage() + " (schedule " + schedule + ")");
            }
            if (!(si > 0) || !Double.isFinite(si) || !Double.isFinite(schedule.alpha(t))) {
                throw new ConfigException(name + ": at t = " + t + " the path is not usable (α = " + schedule.alpha(t)
                        + ", σ = " + si + "); schedule " + schedule);
            }
            times[i] = (float) t;
            alpha[i] = (float) schedule.alpha(t);
            sigma[i] = (float) si;
            px[i] = (float) (si * c.p());
            pout[i] = (float) (si * c.q());
            xTerm |= px[i] != 0;
        }
        Tensor eps = Tensor.randn(backend, rng, batch, dimension);
        Tensor xt = x0.mul(column(backend, alpha)).add(eps.mul(column(backend, sigma)));
        Tensor out = model.network().forward(xt, column(backend, times));
        if (out.dim(1) != dimension) {
            out = out.columns(0, dimension);
        }
        // σ·s_θ + ε with s_θ = p·x_t + q·out: the λ = σ² weighted score error in its stable form.
        Tensor scaled = out.mul(column(backend, pout)).add(eps);
        if (xTerm) {
            scaled = scaled.add(xt.mul(column(backend, px)));
        }
        Tensor dsm = scaled.square().sum().mul(1.0 / batch);

        return dsm.add(flowNll(net, schedule, tM, x0, rng, name).mul(flowWeight));
    }

    /** The flow's mean NLL of x(T_m) = α(T_m)·x0 + σ(T_m)·ε' (ε' the next draw of rng), nats per sample. */
    private Tensor flowNll(DinofNetwork net, Schedule schedule, double tM, Tensor x0, Rng rng, String name) {
        Tensor xm;
        if (onData && Double.isNaN(logCell)) {
            xm = x0;   // continuous data: dequantisation noise would blur them, not fill 8-bit cells
        } else if (onData) {
            Tensor u = Tensor.rand(x0.backend(), rng, x0.dim(0), x0.dim(1));
            xm = x0.add(u.sub(0.5).mul(Math.exp(logCell)));
        } else {
            Tensor eps2 = Tensor.randn(x0.backend(), rng, x0.dim(0), x0.dim(1));
            xm = x0.mul(schedule.alpha(tM)).add(eps2.mul(schedule.sigma(tM)));
        }
        Tensor nll = net.flow().logProb(xm).mean().neg();
        double value = nll.item();
        lastFlowNll = value;
        lastFlowBpd = Double.isNaN(logCell) ? Double.NaN : (value / x0.dim(1) - logCell) / Math.log(2);
        if (!Double.isFinite(value)) {
            String layer = net.flow().firstNonFiniteLayer(xm);
            throw new NonFiniteOutputException(name + ": the flow's log-density is " + value + (layer == null ? ""
                    : " (first non-finite output at flow layer " + layer + ")")
                    + " (try a lower training.lr or training.grad-clip)");
        }
        return nll;
    }

    private static Tensor column(Backend backend, float[] values) {
        return Tensor.of(backend, values, values.length, 1);
    }

    @Override
    public String toString() {
        return JointLossProvider.NAME + (onData ? (Double.isNaN(logCell) ? " (the flow alone on the data)"
                : " (the flow alone on dequantised data)") : flowOnly ? " (the flow alone)"
                : " (flow-weight " + flowWeight + ")");
    }
}
