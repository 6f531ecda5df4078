package org.diffusion4j.api;

import java.util.Arrays;
import org.diffusion4j.api.tensor.Backend;
import org.diffusion4j.api.tensor.Rng;
import org.diffusion4j.api.tensor.Tensor;

/**
 * One batch of the regression objective every Gaussian-path loss shares (the unified view of seed
 * 000; Ho et al. 2020, Eq. 14; Lipman et al. 2023, Eq. 9): x_t = α(t)·x0 + σ(t)·ε with ε ~ N(0, I),
 * the model's regression target a(t)·x0 + b(t)·ε ({@link Parameterization#target}), and the network's
 * output at (x_t, t), first {@code dimension} columns. Losses differ only in how they draw t and
 * weight or reduce {@code output − target}.
 *
 * @param output [batch, dimension] network output at (x_t, t)
 * @param target [batch, dimension] what the output should be
 */
public record PerturbedBatch(Tensor output, Tensor target) {

    /**
     * @param component the loss, for messages
     * @param x0        [batch, dimension] clean data
     * @param times     one time per row
     * @param rng       the step's stream; ε is drawn from it after the caller drew the times
     */
    public static PerturbedBatch draw(String component, Model model, Tensor x0, double[] times, Rng rng) {
        int batch = x0.dim(0);
        int dimension = x0.dim(1);
        Backend backend = x0.backend();
        Schedule schedule = model.schedule();
        Parameterization parameterization = model.parameterization();
        float[] t = new float[batch];
        float[] alpha = new float[batch];
        float[] sigma = new float[batch];
        float[] a = new float[batch];
        float[] b = new float[batch];
        for (int i = 0; i < batch; i++) {
            Affine target = parameterization.target(schedule, times[i]);
            double al = schedule.alpha(times[i]);
            double si = schedule.sigma(times[i]);
            if (!Double.isFinite(target.p()) || !Double.isFinite(target.q()) || !Double.isFinite(al)
                    || !Double.isFinite(si)) {
                throw new IllegalStateException(component + ": the " + parameterization.predicts()
                        + " target or the path is not finite at t = " + times[i] + " (α = " + al + ", σ = " + si
                        + ", target = " + target.p() + "·x0 + " + target.q() + "·ε)");
            }
            t[i] = (float) times[i];
            alpha[i] = (float) al;
            sigma[i] = (float) si;
            a[i] = (float) target.p();
            b[i] = (float) target.q();
        }
        Tensor eps = Tensor.randn(backend, rng, batch, dimension);
        Tensor xt = x0.mul(column(backend, alpha)).add(eps.mul(column(backend, sigma)));
        Tensor target = x0.mul(column(backend, a)).add(eps.mul(column(backend, b)));
        Tensor out = model.network().forward(xt, column(backend, t));
        if (out.rank() != 2 || out.dim(0) != batch || out.dim(1) < dimension) {
            throw new IllegalStateException(component + ": network returned " + Arrays.toString(out.shape())
                    + " for a [" + batch + ", " + dimension + "] batch");
        }
        return new PerturbedBatch(out.dim(1) == dimension ? out : out.columns(0, dimension), target);
    }

    /** Checks that {@code x0} is a non-empty [batch, dimension] batch. */
    public static void requireBatch(String component, Tensor x0) {
        if (x0.rank() != 2 || x0.dim(0) < 1) {
            throw new IllegalArgumentException(component + " expects a [batch, dimension] batch, got "
                    + Arrays.toString(x0.shape()));
        }
    }

    private static Tensor column(Backend backend, float[] values) {
        return Tensor.of(backend, values, values.length, 1);
    }
}
