package org.diffusion4j.api;

import org.diffusion4j.api.tensor.Tensor;

/**
 * A deterministic sampler that can also run the other way: from data at the schedule's tMin to the
 * latent at tMax that it would turn back into that data. The sampler's map from a prior sample to
 * data is then (up to discretisation error) a bijection, which is what editing and interpolation
 * in latent space need: invert two data points, interpolate their latents
 * ({@link Interpolation}), sample the path.
 *
 * <p>{@link #invert} integrates the same ODE, or takes the same deterministic update, as
 * {@link #sample}, on the same time grid walked backwards, so {@code sample(invert(x))} returns x
 * with an error that falls as the number of steps grows. The ODEs are:
 * <ul>
 * <li>DDIM with η = 0 (Song, Meng and Ermon 2021, "Denoising Diffusion Implicit Models", §4.3:
 *     Eq. 13 read as an ODE in σ/α, and its inversion x0 → x_T, §5.4);</li>
 * <li>the probability-flow ODE dx = [f(t)·x − ½g²(t)·∇log p_t(x)] dt of a score SDE (Song et al.
 *     2021, "Score-Based Generative Modeling through Stochastic Differential Equations", Eq. 13),
 *     whose solution is unique, so it is invertible by construction (§4.3, "exact likelihood" and
 *     "uniquely identifiable encoding");</li>
 * <li>the flow-matching ODE dx = v(x, t) dt (Lipman et al. 2023, "Flow Matching for Generative
 *     Modeling", Eq. 1), the same object in the velocity view.</li>
 * </ul>
 * A sampler that adds noise (ancestral, DDIM with η &gt; 0, Langevin, reverse SDE, PC) has no such
 * inverse and does not implement this interface, or, where only some of its configurations are
 * deterministic, says why in {@link #refuseInversion}.
 *
 * <p>Like {@link Sampler#sample}, {@code invert} is stateless between calls.
 *
 * @since SPI 1.4
 */
public interface InvertibleSampler extends Sampler {

    /**
     * The latents of {@code x0}: the state at tMax that this sampler turns into x0 (to within its
     * discretisation error), on the sampler's own grid run backwards.
     *
     * @param model    the trained model (conditioned, where it is, like the one given to {@link #sample})
     * @param x0       [batch, dimension] data at the schedule's tMin
     * @param listener called after every step with the state reached and the model's x̂0 estimate
     *                 used (or null); for an adaptive solver as its {@link #sample} documents
     * @return [batch, dimension] latents at tMax, in storage that outlives the steps
     * @throws IllegalArgumentException where {@link #refuseInversion} gives a reason
     */
    Tensor invert(Model model, Tensor x0, StepListener listener);

    /**
     * Why this sampler, configured as it is, cannot invert with the given model, or null if it can:
     * a stochastic configuration (DDIM with η &gt; 0), or a view the backwards walk needs that the
     * model does not determine at one of its times. The default is {@link #refuse}.
     */
    default String refuseInversion(Model model) {
        return refuse(model);
    }
}
