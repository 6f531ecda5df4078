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

    /**
     * This path on [tMin, {@code end}]: every coefficient delegated, only {@link #tMax()} moved to
     * {@code end}. What a sampler is given when a {@link Prior} starts at an intermediate time, so it
     * walks from {@code end} down to tMin with the steps it is asked for (DiNof's truncated reverse
     * SDE, seed 001 Eq. 9 solved on [0, T_m]). The schedule itself when {@code end} is its tMax.
     * A discrete-time schedule's {@link #trainingTimes()} are delegated unchanged: a sampler that
     * walks that grid cannot start in between, and the runtime refuses to truncate such a schedule.
     *
     * @throws IllegalArgumentException unless tMin &lt; end &le; tMax
     * @since SPI 1.4
     */
    static Schedule truncatedAt(Schedule schedule, double end) {
        if (end == schedule.tMax()) {
            return schedule;
        }
        if (!(end > schedule.tMin() && end < schedule.tMax())) {
            throw new IllegalArgumentException("cannot truncate schedule " + schedule + " at t = " + end
                    + ": the end must lie in (" + schedule.tMin() + ", " + schedule.tMax() + "]");
        }
        return new Schedule() {
            @Override
            public double alpha(double t) {
                return schedule.alpha(t);
            }

            @Override
            public double sigma(double t) {
                return schedule.sigma(t);
            }

            @Override
            public double alphaDot(double t) {
                return schedule.alphaDot(t);
            }

            @Override
            public double sigmaDot(double t) {
                return schedule.sigmaDot(t);
            }

            @Override
            public double tMin() {
                return schedule.tMin();
            }

            @Override
            public double tMax() {
                return end;
            }

            @Override
            public double drift(double t) {
                return schedule.drift(t);
            }

            @Override
            public double diffusionSquared(double t) {
                return schedule.diffusionSquared(t);
            }

            @Override
            public double[] trainingTimes() {
                return schedule.trainingTimes();
            }

            @Override
            public String toString() {
                return schedule + " truncated at t = " + end;
            }
        };
    }
}
