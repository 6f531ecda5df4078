package org.diffusion4j.plugin.ddpm;

import org.diffusion4j.api.PosteriorChain;
import org.diffusion4j.api.X0Clipping;
import org.diffusion4j.api.Spacing;
import org.diffusion4j.api.Model;
import org.diffusion4j.api.NoiseStreams;
import org.diffusion4j.api.Sampler;
import org.diffusion4j.api.StepListener;
import org.diffusion4j.api.TimeGrid;
import org.diffusion4j.api.tensor.Tensor;

/**
 * DDPM ancestral sampling (Ho et al. 2020, Algorithm 2): x_{t−1} = μ_θ(x_t, t) + σ_t·z, with
 * μ_θ = (x_t − β_t/√(1 − ᾱ_t)·ε_θ)/√α_t (Eq. 11) — equivalently the posterior mean of Eq. 7 at
 * x̂0 — and σ_t² = β_t or β̃_t = (1 − ᾱ_{t−1})/(1 − ᾱ_t)·β_t (§3.2: "both had similar results"); z = 0
 * on the last step. Strided over S < T steps as in Nichol and Dhariwal 2021, §4: on the sub-sequence
 * the step from t to s uses β = 1 − ᾱ_t/ᾱ_s and β̃ accordingly. The sub-sequence comes from a named
 * {@link Spacing}; x̂0 may be clipped or dynamically thresholded ({@link X0Clipping}). The arithmetic
 * is {@link PosteriorChain}'s, written with α(t), σ(t) of the schedule and the model's x0 and ε views,
 * so any parameterization on any schedule with falling SNR samples. {@code LEARNED} reads Nichol and
 * Dhariwal's interpolation weights v from the network's extra outputs (a model trained with
 * {@link HybridLoss}).
 */
public final class AncestralSampler implements Sampler {

    public static final String NAME = "ddpm.ancestral";

    /** σ_t² of Algorithm 2. */
    public enum Variance {
        /** σ² = β_t (the forward step's variance, an upper bound). */
        BETA,
        /** σ² = β̃_t (the true posterior's variance, a lower bound). */
        BETA_TILDE,
        /** Σ_θ = exp(v·log β_t + (1 − v)·log β̃_t) from the network's extra outputs (Nichol and Dhariwal 2021, Eq. 15). */
        LEARNED;

        public String id() {
            return switch (this) {
                case BETA -> "beta";
                case BETA_TILDE -> "beta-tilde";
                case LEARNED -> "learned";
            };
        }
    }

    private final int steps;
    private final Variance variance;
    private final Spacing spacing;
    private final X0Clipping clipping;

    public AncestralSampler(int steps, Variance variance, Spacing spacing, X0Clipping clipping) {
        if (steps < 1) {
            throw new IllegalArgumentException(NAME + ": steps must be at least 1, got " + steps);
        }
        this.steps = steps;
        this.variance = variance;
        this.spacing = spacing;
        this.clipping = clipping;
    }

    public int steps() {
        return steps;
    }

    public Variance variance() {
        return variance;
    }

    public Spacing spacing() {
        return spacing;
    }

    public X0Clipping clipping() {
        return clipping;
    }

    /** The grid this sampler visits for a model's schedule: S chosen training times and tMin. */
    public TimeGrid grid(Model model) {
        try {
            return spacing.grid(model.schedule(), steps);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(NAME + ": " + e.getMessage() + " for schedule " + model.schedule(), e);
        }
    }

    @Override
    public Tensor sample(Model model, Tensor xStart, NoiseStreams noise, StepListener listener) {
        String why = refuse(model);
        if (why != null) {
            throw new IllegalArgumentException(why);
        }
        return PosteriorChain.run(NAME, model, grid(model),
                switch (variance) {
                    case BETA -> PosteriorChain.Variance.BETA;
                    case BETA_TILDE -> PosteriorChain.Variance.BETA_TILDE;
                    case LEARNED -> PosteriorChain.Variance.LEARNED;
                },
                0, clipping, xStart, noise, listener);
    }

    @Override
    public String refuse(Model model) {
        TimeGrid grid;
        try {
            grid = grid(model);
        } catch (IllegalArgumentException e) {
            return e.getMessage();
        }
        // (whether the network outputs the variance columns for LEARNED is checked when sampling: the
        // model does not say how many outputs its network has without running it)
        return PosteriorChain.refuse(NAME, model, grid);
    }

    @Override
    public String toString() {
        return NAME + " (steps " + steps + ", variance " + variance.id() + ", spacing " + spacing.id()
                + ", clip " + clipping + ")";
    }

}
