package org.diffusion4j.plugin.flowmatching;

import org.diffusion4j.api.Schedule;

/**
 * The linear interpolant of flow matching and rectified flow, α(t) = 1 − t, σ(t) = t
 * ("Unified Perspective on Diffusion and Flow Matching", Eq. 2 with α(0) = 1, α(T) = 0, σ(0) = 0,
 * σ(T) = 1, T = 1; the {@code compute_alpha_t} / {@code compute_sigma_t} of §2.3; Liu et al. 2023,
 * Lipman et al. 2023). Its conditional velocity is ε − x0.
 *
 * <p>The SDE coefficients of Eq. 20–22 follow in closed form: f(t) = α̇/α = −1/(1 − t) and
 * g²(t) = 2σλ = 2t/(1 − t) with λ = σ̇ − (α̇/α)σ = 1/(1 − t). Both are infinite at t = 1, where
 * α = 0; samplers that need them handle that (see {@link ReverseSdeSampler}).
 */
public final class LinearInterpolantSchedule implements Schedule {

    @Override
    public double alpha(double t) {
        return 1 - t;
    }

    @Override
    public double sigma(double t) {
        return t;
    }

    @Override
    public double alphaDot(double t) {
        return -1;
    }

    @Override
    public double sigmaDot(double t) {
        return 1;
    }

    /** f(t) = α̇/α = −1/(1 − t) (Eq. 20); −∞ at t = 1. */
    @Override
    public double drift(double t) {
        return -1 / (1 - t);
    }

    /** g²(t) = 2t/(1 − t) (Eq. 21–22, simplified); +∞ at t = 1. */
    @Override
    public double diffusionSquared(double t) {
        return 2 * t / (1 - t);
    }

    @Override
    public String toString() {
        return "flow-matching.linear (α = 1 − t, σ = t)";
    }
}
