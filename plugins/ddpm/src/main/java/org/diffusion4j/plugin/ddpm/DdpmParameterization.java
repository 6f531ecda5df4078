package org.diffusion4j.plugin.ddpm;

import java.util.Objects;
import org.diffusion4j.api.Parameterization;
import org.diffusion4j.api.View;
import org.diffusion4j.api.config.ConfigException;

/**
 * What a DDPM-family network predicts: the noise ε (Ho et al. 2020, Eq. 11–12, the parameterization
 * of L_simple), the clean data x0 (Ho et al. 2020, §3.2 "predicting x0"; Nichol and Dhariwal 2021) or
 * Salimans and Ho's v = α·ε − σ·x0 (progressive distillation, 2022, §4 and Appendix D). The conversion
 * of an output into any other view is the api's 2×2 solve ({@link Parameterization#view}); on a VP path
 * it gives the familiar x̂0 = (x − σ·ε̂)/α from ε, ε̂ = (x − α·x̂0)/σ from x0, and x̂0 = α·x − σ·v̂,
 * ε̂ = σ·x + α·v̂ from v (α² + σ² = 1).
 *
 * @param predicts the view the network is trained on: {@link View#EPSILON}, {@link View#X0} or {@link View#V}
 */
public record DdpmParameterization(View predicts) implements Parameterization {

    public DdpmParameterization {
        Objects.requireNonNull(predicts, "predicts");
        if (predicts != View.EPSILON && predicts != View.X0 && predicts != View.V) {
            throw new ConfigException("a DDPM parameterization predicts epsilon, x0 or v, not " + predicts);
        }
    }

    @Override
    public String toString() {
        return switch (predicts) {
            case EPSILON -> EpsilonParameterizationProvider.NAME;
            case X0 -> X0ParameterizationProvider.NAME;
            default -> VParameterizationProvider.NAME;
        };
    }
}
