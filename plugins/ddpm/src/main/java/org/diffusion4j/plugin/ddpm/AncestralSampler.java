package org.diffusion4j.plugin.ddpm;

import org.diffusion4j.api.PosteriorChain;
import org.diffusion4j.api.X0Clipping;
import org.diffusion4j.api.Spacing;
import org.diffusion4j.api.StridedPosteriorSampler;

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
public final class AncestralSampler extends StridedPosteriorSampler {

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

    private final Variance variance;

    public AncestralSampler(int steps, Variance variance, Spacing spacing, X0Clipping clipping) {
        super(NAME, steps, spacing, clipping);
        this.variance = variance;
    }

    public Variance variance() {
        return variance;
    }

    // Whether the network outputs the variance columns for LEARNED is checked when sampling: the
    // model does not say how many outputs its network has without running it.
    @Override
    protected PosteriorChain.Variance chainVariance() {
        return switch (variance) {
            case BETA -> PosteriorChain.Variance.BETA;
            case BETA_TILDE -> PosteriorChain.Variance.BETA_TILDE;
            case LEARNED -> PosteriorChain.Variance.LEARNED;
        };
    }

    @Override
    public String toString() {
        return NAME + " (steps " + steps() + ", variance " + variance.id() + ", spacing " + spacing().id()
                + ", clip " + clipping() + ")";
    }
}
