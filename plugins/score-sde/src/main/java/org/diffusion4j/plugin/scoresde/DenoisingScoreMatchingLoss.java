package org.diffusion4j.plugin.scoresde;

import java.util.Arrays;
import java.util.Locale;
import org.diffusion4j.api.Affine;
import org.diffusion4j.api.Loss;
import org.diffusion4j.api.Model;
import org.diffusion4j.api.Schedule;
import org.diffusion4j.api.View;
import org.diffusion4j.api.tensor.Backend;
import org.diffusion4j.api.tensor.Rng;
import org.diffusion4j.api.tensor.Tensor;

/**
 * Weighted denoising score matching over continuous time (Song et al. 2021, Eq. 7; seed 001, Eq. 3;
 * Vincent 2011):
 * <pre>  L(θ) = E_t E_x0 E_ε [ λ(t)·‖s_θ(x_t, t) − ∇ log p_0t(x_t | x0)‖² ],   x_t = α(t)·x0 + σ(t)·ε,</pre>
 * with t ~ U(tMin, tMax) and ∇ log p_0t(x_t | x0) = −ε/σ(t) for the Gaussian kernel of the schedule.
 * s_θ is the model's {@link View#SCORE} view of its output, so the same loss trains a score, ε, x0,
 * v or velocity network on any schedule (where that view is finite).
 *
 * <p>Weightings λ(t) ({@link Weighting}): {@code SIGMA2} λ = σ², the paper's default, which makes the
 * loss ‖σ·s_θ + ε‖² (for an ε model, DDPM's L_simple); {@code LIKELIHOOD} λ = g²(t)
 * ({@link Schedule#diffusionSquared}), for which the loss bounds the negative log-likelihood
 * (Song, Durkan, Murray and Ermon 2021, "Maximum likelihood training of score-based diffusion
 * models", Thm. 1); {@code NONE} λ = 1. The loss is computed in the stable form
 * (λ/σ²)·‖σ·s_θ + ε‖², so σ → 0 does not amplify float32 rounding.
 *
 * <p>Reductions as for the flow-matching loss: {@code SUM} (mean over the batch of the sum over
 * coordinates, the paper's {@code reduce_mean = False}) or {@code MEAN}.
 *
 * <p>Random draws, in this order (part of the contract): t_i = tMin + (tMax − tMin)·{@code rng.nextDouble()}
 * for i = 0..B−1, then ε = {@link Tensor#randn(Backend, Rng, int, int)} with ({@code rng}, B, D).
 */
public final class DenoisingScoreMatchingLoss implements Loss {

    /** The weighting λ(t) of Eq. 7. */
    public enum Weighting {
        /** λ = σ²(t). */
        SIGMA2,
        /** λ = g²(t), the likelihood weighting. */
        LIKELIHOOD,
        /** λ = 1. */
        NONE
    }

    /** How the weighted squared error is reduced to a scalar. */
    public enum Reduction {
        SUM, MEAN
    }

    private final Weighting weighting;
    private final Reduction reduction;

    public DenoisingScoreMatchingLoss(Weighting weighting, Reduction reduction) {
        this.weighting = weighting;
        this.reduction = reduction;
    }

    public Weighting weighting() {
        return weighting;
    }

    public Reduction reduction() {
        return reduction;
    }

    /** λ(t) of this loss for a schedule. */
    public double lambda(Schedule schedule, double t) {
        return switch (weighting) {
            case SIGMA2 -> schedule.sigma(t) * schedule.sigma(t);
            case LIKELIHOOD -> schedule.diffusionSquared(t);
            case NONE -> 1;
        };
    }

    @Override
    public Tensor compute(Model model, Tensor x0, Rng rng) {
        String name = DenoisingScoreMatchingLossProvider.NAME;
        if (x0.rank() != 2 || x0.dim(0) < 1) {
            throw new IllegalArgumentException(name + " expects a [batch, dimension] batch, got " + Arrays.toString(x0.shape()));
        }
        Backend backend = x0.backend();
        int batch = x0.dim(0);
        int dimension = x0.dim(1);
        Schedule schedule = model.schedule();
        double tMin = schedule.tMin();
        double span = schedule.tMax() - tMin;
        double[] times = new double[batch];
        double[] alpha = new double[batch];
        double[] sigma = new double[batch];
        double[] px = new double[batch];
        double[] pout = new double[batch];
        double[] weight = new double[batch];
        for (int i = 0; i < batch; i++) {
            double t = tMin + span * rng.nextDouble();
            double al = schedule.alpha(t);
            double si = schedule.sigma(t);
            double lambda = lambda(schedule, t);
            Affine c;
            try {
                c = model.coefficients(View.SCORE, t);
            } catch (IllegalArgumentException e) {
                throw new IllegalStateException(name + ": " + e.getMessage() + " (schedule " + schedule + ")", e);
            }
            double w = lambda / (si * si);
            if (!Double.isFinite(al) || !(si > 0) || !Double.isFinite(si) || !Double.isFinite(w) || w < 0) {
                throw new IllegalStateException(name + ": at t = " + t + " the path or the weighting is not usable (α = "
                        + al + ", σ = " + si + ", λ = " + lambda + "); schedule " + schedule);
            }
            times[i] = t;
            alpha[i] = al;
            sigma[i] = si;
            px[i] = si * c.p();
            pout[i] = si * c.q();
            weight[i] = w;
        }
        Tensor eps = Tensor.randn(backend, rng, batch, dimension);
        Tensor xt = x0.mul(Views.column(backend, alpha)).add(eps.mul(Views.column(backend, sigma)));
        Tensor out = Views.output(model, xt, times);
        // σ·s_θ + ε with s_θ = cx·x_t + cout·out.
        Tensor scaled = out.mul(Views.column(backend, pout)).add(eps);
        boolean xTerm = false;
        for (double p : px) {
            xTerm |= p != 0;
        }
        if (xTerm) {
            scaled = scaled.add(xt.mul(Views.column(backend, px)));
        }
        Tensor weighted = scaled.square().mul(Views.column(backend, weight));
        return switch (reduction) {
            case SUM -> weighted.sum().mul(1.0 / batch);
            case MEAN -> weighted.mean();
        };
    }

    @Override
    public String toString() {
        return DenoisingScoreMatchingLossProvider.NAME + " (weighting " + weighting.name().toLowerCase(Locale.ROOT)
                + ", reduction " + reduction.name().toLowerCase(Locale.ROOT) + ")";
    }
}
