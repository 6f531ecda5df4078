package org.diffusion4j.plugin.ddim;

import org.diffusion4j.api.PosteriorChain;
import org.diffusion4j.api.X0Clipping;
import org.diffusion4j.api.Spacing;
import java.util.Arrays;
import org.diffusion4j.api.Affine;
import org.diffusion4j.api.Interpolation;
import org.diffusion4j.api.InvertibleSampler;
import org.diffusion4j.api.Model;
import org.diffusion4j.api.StridedPosteriorSampler;
import org.diffusion4j.api.SamplerSteps;
import org.diffusion4j.api.Schedule;
import org.diffusion4j.api.StepListener;
import org.diffusion4j.api.TimeGrid;
import org.diffusion4j.api.View;
import org.diffusion4j.api.tensor.Tensor;
import org.diffusion4j.api.config.ConfigException;

/**
 * The generalised DDIM sampler (Song, Meng and Ermon 2020, Eq. 12):
 * <pre>  x_{τ_{i−1}} = √ᾱ_{τ_{i−1}}·x̂0 + √(1 − ᾱ_{τ_{i−1}} − σ²)·ε̂ + σ·z,
 *   σ = η·√((1 − ᾱ_{τ_{i−1}})/(1 − ᾱ_{τ_i}))·√(1 − ᾱ_{τ_i}/ᾱ_{τ_{i−1}})   (Eq. 16)</pre>
 * over a sub-sequence τ of the training steps (§4.2) chosen by a named {@link Spacing}, the grid an
 * immutable {@link TimeGrid} that ends at tMin (ᾱ = 1, the code's ᾱ_{−1} = 1). η = 0 is the
 * deterministic DDIM, η = 1 the DDPM posterior (ancestral sampling with β̃). {@code SIGMA_HAT} is the
 * paper's σ̂ row (§5.1): the DDPM ancestral step on the strided chain with the larger variance
 * σ̂² = 1 − ᾱ_{τ_i}/ᾱ_{τ_{i−1}}, no noise on the last step.
 *
 * <p>Written with the schedule's α(t), σ(t) (√ᾱ = α, √(1 − ᾱ) = σ on a VP path; for any other Gaussian
 * path the same formulas in α, σ, see {@link PosteriorChain}) and the model's x0 and ε views, so an ε-,
 * x0- or v-trained model on any schedule with falling SNR samples; {@link #refuse} says why when it cannot.
 * x̂0 may be clipped or dynamically thresholded ({@link X0Clipping}). One noise draw per step from the
 * sample's own stream, also for η = 0.
 *
 * <p>{@link #invert}: deterministic DDIM inversion (§5.4, Eq. 13 read as an ODE and integrated
 * forwards) x0 → x_T on the same grid, ascending, for η = 0 only ({@link #refuseInversion}); spherical
 * interpolation between two latents (§5.3, App. D.5), whose η = 0 images change smoothly (the
 * "consistency" property), is {@link Interpolation#slerp}.
 */
public final class DdimSampler extends StridedPosteriorSampler implements InvertibleSampler {

    public static final String NAME = "ddim";

    /** The noise of each step. */
    public enum Variance {
        /** σ = η·σ̃ (Eq. 16). */
        ETA,
        /** σ̂ (§5.1): the strided DDPM step with σ² = 1 − ᾱ_t/ᾱ_s. */
        SIGMA_HAT;

        public String id() {
            return this == ETA ? "eta" : "sigma-hat";
        }
    }

    private final double eta;
    private final Variance variance;

    public DdimSampler(int steps, double eta, Variance variance, Spacing spacing, X0Clipping clipping) {
        super(NAME, steps, spacing, clipping);
        if (!(eta >= 0 && eta <= 1)) {
            throw new ConfigException(NAME + ": eta must be in [0, 1], got " + eta);
        }
        if (variance == Variance.SIGMA_HAT && eta != 0) {
            throw new ConfigException(NAME + ": eta = " + eta + " has no effect with variance sigma-hat; "
                    + "drop eta or use variance eta");
        }
        this.eta = eta;
        this.variance = variance;
    }

    @Override
    public double eta() {
        return eta;
    }

    @Override
    protected PosteriorChain.Variance chainVariance() {
        return variance == Variance.ETA ? PosteriorChain.Variance.ETA : PosteriorChain.Variance.BETA;
    }

    public Variance variance() {
        return variance;
    }

    /**
     * Deterministic DDIM inversion (Song et al. 2020, §5.4): the η = 0 update run forwards on the
     * reversed grid tMin → τ_1 → … → τ_S, x_next = α_next·x̂0 + σ_next·ε̂ with x̂0, ε̂ the model's views at
     * the current state and time. The first step starts at tMin, where σ = 0 and the ε view is not
     * defined: it evaluates the model at τ_1 instead (with x0 as the state), as the common
     * implementations do; for an ε model this step returns x0 unchanged. x̂0 clipping is not applied.
     * Refused ({@link #refuseInversion}) for η &gt; 0 and the σ̂ variance, whose steps add noise.
     *
     * @param x0       [batch, dimension] data
     * @param listener called after every step with the state reached (x̂0 = the estimate used)
     * @return [batch, dimension] latents at τ_S
     */
    @Override
    public Tensor invert(Model model, Tensor x0, StepListener listener) {
        String why = refuseInversion(model);
        if (why != null) {
            throw new ConfigException(why);
        }
        if (x0.rank() != 2) {
            throw new IllegalArgumentException(NAME + " inversion expects a [batch, dimension] input, got "
                    + Arrays.toString(x0.shape()));
        }
        double[] down = grid(model).toArray();
        int steps = steps();
        Schedule schedule = model.schedule();
        return SamplerSteps.run(x0, steps, (i, x) -> {
            double u = down[steps - i];
            double next = down[steps - i - 1];
            double at = i == 0 ? next : u;
            Tensor out = model.output(x, at).detach();
            Affine cx = model.coefficients(View.X0, at);
            Affine ce = model.coefficients(View.EPSILON, at);
            Tensor xHat = x.mul(cx.p()).add(out.mul(cx.q()));
            Tensor eHat = x.mul(ce.p()).add(out.mul(ce.q()));
            Tensor xNext = xHat.mul(schedule.alpha(next)).add(eHat.mul(schedule.sigma(next))).detach();
            listener.onStep(i, steps, next, xNext, xHat);
            return xNext;
        });
    }

    /**
     * Spherical linear interpolation between latents, row by row (DDIM paper §5.3 and App. D.5): the
     * shared {@link Interpolation#slerp}, which the launcher's {@code interpolate} uses for every
     * invertible sampler; kept here for the callers that found it on DDIM.
     */
    public static Tensor slerp(Tensor a, Tensor b, double lambda) {
        return Interpolation.slerp(a, b, lambda);
    }

    /**
     * Why this configuration cannot invert: with η &gt; 0 or the σ̂ variance every step adds fresh noise,
     * so no latent maps to given data deterministically; else {@link #refuse}.
     */
    @Override
    public String refuseInversion(Model model) {
        if (variance == Variance.SIGMA_HAT) {
            return NAME + " with variance sigma-hat adds noise at every step and cannot be inverted; "
                    + "use variance eta with eta 0 (deterministic DDIM)";
        }
        if (eta != 0) {
            return NAME + " with eta " + eta + " adds noise at every step and cannot be inverted; "
                    + "only eta 0 (deterministic DDIM) is invertible";
        }
        return refuse(model);
    }

    @Override
    public String toString() {
        return NAME + " (steps " + steps() + (variance == Variance.ETA ? ", eta " + eta : ", variance sigma-hat")
                + ", spacing " + spacing().id() + ", clip " + clipping() + ")";
    }
}
