package org.diffusion4j.plugin.ddpm;

import org.diffusion4j.api.Loss;
import org.diffusion4j.api.Model;
import org.diffusion4j.api.PerturbedBatch;
import org.diffusion4j.api.Parameterization;
import org.diffusion4j.api.Schedule;
import org.diffusion4j.api.tensor.Backend;
import org.diffusion4j.api.tensor.Rng;
import org.diffusion4j.api.tensor.Tensor;

/**
 * DDPM's simplified objective L_simple = E_{t, x0, ε} ‖ε − ε_θ(√ᾱ_t·x0 + √(1 − ᾱ_t)·ε, t)‖²
 * (Ho et al. 2020, Eq. 14; Algorithm 1), t uniform over the schedule's discrete training times
 * {@link Schedule#trainingTimes()} (uniform on (tMin, tMax] for a continuous-time schedule). The
 * regression target is the parameterization's ({@link Parameterization#target}), so the same loss
 * trains an x0 or v model with the unweighted MSE on its own output.
 *
 * <p>Reductions: {@code MEAN} (default) averages over batch and coordinates, as
 * {@code F.mse_loss} in the PyTorch peer; {@code SUM} sums over coordinates and averages over the batch.
 *
 * <p>Random draws, in this order: for each row i = 0..B−1 one {@code rng.nextInt(T)} (or one
 * {@code rng.nextDouble()} for a continuous schedule), then ε = {@link Tensor#randn(Backend, Rng, int, int)}.
 */
public final class SimpleLoss implements Loss {

    public static final String NAME = "ddpm.simple";

    /** How the squared error is reduced to a scalar. */
    public enum Reduction {
        MEAN,
        SUM
    }

    private final Reduction reduction;

    public SimpleLoss(Reduction reduction) {
        this.reduction = reduction;
    }

    public Reduction reduction() {
        return reduction;
    }

    @Override
    public Tensor compute(Model model, Tensor x0, Rng rng) {
        PerturbedBatch.requireBatch(NAME, x0);
        Schedule schedule = model.schedule();
        double[] grid = schedule.trainingTimes();
        double[] times = new double[x0.dim(0)];
        for (int i = 0; i < times.length; i++) {
            times[i] = grid.length > 0 ? grid[rng.nextInt(grid.length)]
                    : schedule.tMax() - (schedule.tMax() - schedule.tMin()) * rng.nextDouble();
        }
        PerturbedBatch batch = PerturbedBatch.draw(NAME, model, x0, times, rng);
        Tensor squared = batch.output().sub(batch.target()).square();
        return switch (reduction) {
            case MEAN -> squared.mean();
            case SUM -> squared.sum().mul(1.0 / x0.dim(0));
        };
    }

    @Override
    public String toString() {
        return NAME + " (reduction " + reduction.name().toLowerCase(java.util.Locale.ROOT) + ")";
    }
}
