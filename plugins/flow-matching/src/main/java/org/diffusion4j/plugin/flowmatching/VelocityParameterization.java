package org.diffusion4j.plugin.flowmatching;

import org.diffusion4j.api.Parameterization;
import org.diffusion4j.api.View;

/**
 * The network predicts the velocity v(x, t) = α̇(t)·E[x0 | x_t] + σ̇(t)·E[ε | x_t], the minimiser of
 * the conditional flow-matching loss ("Unified Perspective on Diffusion and Flow Matching",
 * Eq. 6–9, 21). Its training target is α̇·x0 + σ̇·ε (for the linear interpolant, ε − x0).
 *
 * <p>The conversions to the score (Eq. 23, 27), the denoiser x̂0 and ε̂ are the api's generic
 * 2×2 solve ({@link Parameterization#view}); for the linear interpolant it gives
 * x̂0 = x − t·v, ε̂ = x + (1 − t)·v and s = −(x + (1 − t)·v)/t, all finite at t = 1 where Eq. 23's
 * form divides by α = 0.
 */
public final class VelocityParameterization implements Parameterization {

    @Override
    public View predicts() {
        return View.VELOCITY;
    }

    @Override
    public String toString() {
        return "flow-matching.velocity";
    }
}
