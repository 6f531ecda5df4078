package org.diffusion4j.plugin.flowmatching;

import java.util.Arrays;
import org.diffusion4j.api.Affine;
import org.diffusion4j.api.Loss;
import org.diffusion4j.api.Model;
import org.diffusion4j.api.Parameterization;
import org.diffusion4j.api.Schedule;
import org.diffusion4j.api.tensor.Backend;
import org.diffusion4j.api.tensor.Rng;
import org.diffusion4j.api.tensor.Tensor;

/**
 * Conditional flow matching ("Unified Perspective on Diffusion and Flow Matching", Eq. 6; Lipman
 * et al. 2023): for each row, t ~ U(tMin, tMax) (U(0, 1) for the flow-matching schedule),
 * ε ~ N(0, I), x_t = α(t)·x0 + σ(t)·ε (Eq. 2) and the loss is ‖net(x_t, t) − target‖² with
 * target = a(t)·x0 + b(t)·ε, (a, b) = {@link Parameterization#target}. For the velocity
 * parameterization the target is the conditional velocity ∂_t I = α̇·x0 + σ̇·ε of Eq. 6; because
 * the target is read from the parameterization, the same loss trains an ε, x0, v or score model
 * on any schedule (the ε case is DDPM's L_simple up to its time distribution).
 *
 * <p>Reductions: {@code SUM} is the blog's code (§2.3), the mean over the batch of the sum over
 * coordinates; {@code MEAN} averages over coordinates too.
 *
 * <p>Random draws, in this order (part of the contract, so a run is reproducible from its seed):
 * t_i = tMin + (tMax − tMin)·{@code rng.nextDouble()} for i = 0..B−1, then
 * ε = {@link Tensor#randn(Backend, Rng, int, int)} with ({@code rng}, B, D). The per-row
 * coefficients α, σ, a, b are computed on the host in double precision and uploaded as [B, 1]
 * columns that broadcast over the coordinates.
 */
public final class ConditionalFlowMatchingLoss implements Loss {

    /** How the squared error is reduced to a scalar. */
    public enum Reduction {
        /** Mean over the batch of the sum over coordinates (the blog's code). */
        SUM,
        /** Mean over batch and coordinates. */
        MEAN
    }

    private final Reduction reduction;

    public ConditionalFlowMatchingLoss(Reduction reduction) {
        this.reduction = reduction;
    }

    public Reduction reduction() {
        return reduction;
    }

    @Override
    public Tensor compute(Model model, Tensor x0, Rng rng) {
        if (x0.rank() != 2 || x0.dim(0) < 1) {
            throw new IllegalArgumentException("flow-matching.cfm expects a [batch, dimension] batch, got "
                    + Arrays.toString(x0.shape()));
        }
        Backend backend = x0.backend();
        int batch = x0.dim(0);
        int dimension = x0.dim(1);
        Schedule schedule = model.schedule();
        Parameterization parameterization = model.parameterization();
        double tMin = schedule.tMin();
        double span = schedule.tMax() - tMin;
        float[] times = new float[batch];
        float[] alpha = new float[batch];
        float[] sigma = new float[batch];
        float[] a = new float[batch];
        float[] b = new float[batch];
        for (int i = 0; i < batch; i++) {
            double t = tMin + span * rng.nextDouble();
            Affine target = parameterization.target(schedule, t);
            double al = schedule.alpha(t);
            double si = schedule.sigma(t);
            if (!Double.isFinite(target.p()) || !Double.isFinite(target.q()) || !Double.isFinite(al)
                    || !Double.isFinite(si)) {
                throw new IllegalStateException("flow-matching.cfm: the " + parameterization.predicts()
                        + " target or the path is not finite at t = " + t + " (α = " + al + ", σ = " + si
                        + ", target = " + target.p() + "·x0 + " + target.q() + "·ε)");
            }
            times[i] = (float) t;
            alpha[i] = (float) al;
            sigma[i] = (float) si;
            a[i] = (float) target.p();
            b[i] = (float) target.q();
        }
        Tensor eps = Tensor.randn(backend, rng, batch, dimension);
        Tensor xt = x0.mul(column(backend, alpha)).add(eps.mul(column(backend, sigma)));
        Tensor target = x0.mul(column(backend, a)).add(eps.mul(column(backend, b)));
        Tensor out = model.network().forward(xt, column(backend, times));
        if (out.rank() != 2 || out.dim(0) != batch || out.dim(1) < dimension) {
            throw new IllegalStateException("flow-matching.cfm: network returned " + Arrays.toString(out.shape())
                    + " for a [" + batch + ", " + dimension + "] batch");
        }
        if (out.dim(1) != dimension) {
            out = out.columns(0, dimension);
        }
        Tensor squared = out.sub(target).square();
        return switch (reduction) {
            case SUM -> squared.sum().mul(1.0 / batch);
            case MEAN -> squared.mean();
        };
    }

    private static Tensor column(Backend backend, float[] values) {
        return Tensor.of(backend, values, values.length, 1);
    }

    @Override
    public String toString() {
        return "flow-matching.cfm (reduction " + reduction.name().toLowerCase(java.util.Locale.ROOT) + ")";
    }
}
