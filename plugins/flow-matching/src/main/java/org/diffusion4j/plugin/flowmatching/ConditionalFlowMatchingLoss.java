package org.diffusion4j.plugin.flowmatching;

import org.diffusion4j.api.Loss;
import org.diffusion4j.api.Model;
import org.diffusion4j.api.PerturbedBatch;
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
        PerturbedBatch.requireBatch("flow-matching.cfm", x0);
        Schedule schedule = model.schedule();
        double tMin = schedule.tMin();
        double span = schedule.tMax() - tMin;
        double[] times = new double[x0.dim(0)];
        for (int i = 0; i < times.length; i++) {
            times[i] = tMin + span * rng.nextDouble();
        }
        PerturbedBatch batch = PerturbedBatch.draw("flow-matching.cfm", model, x0, times, rng);
        Tensor squared = batch.output().sub(batch.target()).square();
        return switch (reduction) {
            case SUM -> squared.sum().mul(1.0 / x0.dim(0));
            case MEAN -> squared.mean();
        };
    }

    @Override
    public String toString() {
        return "flow-matching.cfm (reduction " + reduction.name().toLowerCase(java.util.Locale.ROOT) + ")";
    }
}
