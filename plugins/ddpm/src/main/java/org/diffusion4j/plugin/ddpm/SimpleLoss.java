package org.diffusion4j.plugin.ddpm;

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
        if (x0.rank() != 2 || x0.dim(0) < 1) {
            throw new IllegalArgumentException(NAME + " expects a [batch, dimension] batch, got "
                    + Arrays.toString(x0.shape()));
        }
        Backend backend = x0.backend();
        int batch = x0.dim(0);
        int dimension = x0.dim(1);
        Schedule schedule = model.schedule();
        Parameterization parameterization = model.parameterization();
        double[] grid = schedule.trainingTimes();
        float[] times = new float[batch];
        float[] alpha = new float[batch];
        float[] sigma = new float[batch];
        float[] a = new float[batch];
        float[] b = new float[batch];
        for (int i = 0; i < batch; i++) {
            double t = grid.length > 0 ? grid[rng.nextInt(grid.length)]
                    : schedule.tMax() - (schedule.tMax() - schedule.tMin()) * rng.nextDouble();
            Affine target = parameterization.target(schedule, t);
            double al = schedule.alpha(t);
            double si = schedule.sigma(t);
            if (!Double.isFinite(target.p()) || !Double.isFinite(target.q()) || !Double.isFinite(al)
                    || !Double.isFinite(si)) {
                throw new IllegalStateException(NAME + ": the " + parameterization.predicts()
                        + " target or the path is not finite at t = " + t + " (α = " + al + ", σ = " + si + ")");
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
            throw new IllegalStateException(NAME + ": network returned " + Arrays.toString(out.shape())
                    + " for a [" + batch + ", " + dimension + "] batch");
        }
        if (out.dim(1) != dimension) {
            out = out.columns(0, dimension);
        }
        Tensor squared = out.sub(target).square();
        return switch (reduction) {
            case MEAN -> squared.mean();
            case SUM -> squared.sum().mul(1.0 / batch);
        };
    }

    private static Tensor column(Backend backend, float[] values) {
        return Tensor.of(backend, values, values.length, 1);
    }

    @Override
    public String toString() {
        return NAME + " (reduction " + reduction.name().toLowerCase(java.util.Locale.ROOT) + ")";
    }
}
