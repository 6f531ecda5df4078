package org.diffusion4j.plugin.ncsn;

import org.diffusion4j.api.Parameterization;
import org.diffusion4j.api.View;

/**
 * The noise-conditional score network s_θ(x, σ) ≈ ∇ₓ log q_σ(x) (Song and Ermon 2019, §4.1): the
 * network predicts the score; its DSM target is ∇ log q_σ(x̃ | x) = −(x̃ − x)/σ² = −z/σ. Other views
 * follow from the api's 2×2 conversion.
 */
public final class NoiseConditionalScore implements Parameterization {

    @Override
    public View predicts() {
        return View.SCORE;
    }

    @Override
    public String toString() {
        return NoiseConditionalScoreProvider.NAME;
    }
}
