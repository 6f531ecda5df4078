package org.diffusion4j.api;

/**
 * A Gaussian path between data and noise, {@code x_t = α(t)·x0 + σ(t)·ε} for t in [tMin, tMax]
 * ("Unified Perspective on Diffusion and Flow Matching", Eq. 2). VP/DDPM, VE/NCSN, sub-VP, cosine and
 * the flow-matching interpolant are choices of α and σ; the SDE and probability-flow ODE follow from
 * them (Eq. 20–27), so samplers need nothing else.
 */
public interface Schedule {

    double alpha(double t);

    double sigma(double t);

    /** dα/dt. */
    double alphaDot(double t);

    /** dσ/dt. */
    double sigmaDot(double t);

    /** Earliest time a sampler integrates to (0 unless the schedule is singular there). */
    default double tMin() {
        return 0.0;
    }

    /** Latest time: the prior is N(α(tMax)·x0, σ(tMax)²) ≈ N(0, σ(tMax)²). */
    default double tMax() {
        return 1.0;
    }

    /** Drift coefficient f(t) of the forward SDE dx = f(t)·x dt + g(t) dW: α̇/α (Eq. 20). */
    default double drift(double t) {
        return alphaDot(t) / alpha(t);
    }

    /**
     * Squared diffusion g²(t) = 2σ²(σ̇/σ − α̇/α) = 2σλ with λ = σ̇ − (α̇/α)σ (Eq. 21–22). Infinite
     * where α = 0 (the flow-matching interpolant at t = 1).
     */
    default double diffusionSquared(double t) {
        return 2 * sigma(t) * (sigmaDot(t) - alphaDot(t) / alpha(t) * sigma(t));
    }

    /**
     * The training times of a discrete-time model (DDPM's t_i = i/T), ascending, or an empty array
     * for a continuous-time schedule.
     */
    default double[] trainingTimes() {
        return new double[0];
    }
}
