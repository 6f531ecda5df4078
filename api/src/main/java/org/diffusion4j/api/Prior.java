package org.diffusion4j.api;

import org.diffusion4j.api.tensor.Tensor;

/**
 * What sampling starts from, and when. The runtime draws one standard-normal vector z per sample
 * (the same draw for every prior, so priors compare sample by sample), asks the prior for the state
 * at its {@link #startTime start time} and hands the sampler a model whose schedule ends there
 * ({@link Schedule#truncatedAt}): samplers start at {@code schedule.tMax()} as always and need not
 * know which prior they follow.
 *
 * <p>The default, {@link #gaussian()}, is the reverse process's usual start x(tMax) = σ(tMax)·z. A
 * learned prior (DiNof's normalizing flow, Zand, Etemad and Greenspan: seed 001, §3.2) starts at an
 * intermediate time T_m instead, from a sample of its own model of p(x(T_m)); an SDEdit-like prior
 * would start at t₀ from a noised input.
 *
 * @since SPI 1.4
 */
public interface Prior {

    /** When sampling starts on {@code schedule}: a time in (tMin, tMax]. */
    double startTime(Schedule schedule);

    /**
     * The state at {@link #startTime} for each row of {@code z}.
     *
     * @param model the full (not truncated) model being sampled
     * @param z     [batch, dimension] standard-normal draws, one row per sample
     * @return [batch, dimension] x at the start time
     */
    Tensor start(Model model, Tensor z);

    /**
     * Why this prior cannot start sampling of {@code model}, or null if it can (a learned prior
     * names what the model lacks).
     */
    default String refuse(Model model) {
        return null;
    }

    /** The Gaussian prior x(tMax) = σ(tMax)·z, what every sampler started from before priors existed. */
    static Prior gaussian() {
        return Gaussian.INSTANCE;
    }

    /** {@link #gaussian()}: a class so that its single instance has a readable name. */
    final class Gaussian implements Prior {

        static final Gaussian INSTANCE = new Gaussian();

        private Gaussian() {
        }

        @Override
        public double startTime(Schedule schedule) {
            return schedule.tMax();
        }

        @Override
        public Tensor start(Model model, Tensor z) {
            // The same single product the runtime made before priors existed: samples keep their bits.
            return z.mul(model.schedule().sigma(model.schedule().tMax()));
        }

        @Override
        public String toString() {
            return "gaussian";
        }
    }
}
