package org.diffusion4j.plugin.scoresde;

import org.diffusion4j.api.Parameterization;
import org.diffusion4j.api.View;

/**
 * The network predicts the score s_θ(x, t) ≈ ∇ₓ log p_t(x) (Song et al. 2021, Eq. 7; seed 004, the
 * score-based model of NCSN). Its training target along the path x_t = α·x0 + σ·ε is the score of
 * the perturbation kernel, ∇ log p_0t(x_t | x0) = −ε/σ (Eq. 7 with Eq. 29), i.e. (a, b) = (0, −1/σ).
 * The conversions to ε̂ = −σ·s, x̂0 = (x + σ²·s)/α and the velocity f·x − ½g²·s are the api's
 * generic 2×2 solve ({@link Parameterization#view}); x̂0 and the velocity are undetermined where
 * α = 0.
 */
public final class ScoreParameterization implements Parameterization {

    @Override
    public View predicts() {
        return View.SCORE;
    }

    @Override
    public String toString() {
        return ScoreParameterizationProvider.NAME;
    }
}
