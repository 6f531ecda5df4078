package org.diffusion4j.api;

import org.diffusion4j.api.tensor.Tensor;

/**
 * The negative log-likelihood −log p(x) of data points under a trained model, in nats per point.
 * Either an estimate of the exact value (the probability-flow ODE with the instantaneous change of
 * variables, Song et al. 2021, Eq. 39) or an upper bound on it (the variational bound of DDPM,
 * Ho et al. 2020, Eq. 5) — {@link #isBound()} says which, and reports print it.
 *
 * <p>Like samplers, likelihoods are stateless between calls; randomness (Hutchinson probes,
 * sampled times) comes from {@code noise}, one stream per point, so a point's value does not
 * depend on the batch it was evaluated in. Added in SPI 1.1.
 */
public interface Likelihood {

    /**
     * @param model the trained model
     * @param x     [n, dimension] data points
     * @param noise per-point streams for any randomness the estimate needs
     * @return [n] −log p(x_i) in nats (or an upper bound on it)
     */
    double[] negativeLogLikelihood(Model model, Tensor x, NoiseStreams noise);

    /** True when the values bound −log p(x) from above instead of estimating it. */
    boolean isBound();

    /** Why this likelihood cannot be computed for the given model, or null if it can. */
    default String refuse(Model model) {
        return null;
    }
}
