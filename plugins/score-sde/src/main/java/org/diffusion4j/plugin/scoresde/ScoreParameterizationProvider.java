package org.diffusion4j.plugin.scoresde;

import org.diffusion4j.api.AbstractProvider;
import org.diffusion4j.api.ComponentContext;
import org.diffusion4j.api.Kind;
import org.diffusion4j.api.Parameterization;
import org.diffusion4j.api.config.Config;
import org.diffusion4j.api.config.ConfigSpec;

/** Provider of {@code score-sde.score}, the {@link ScoreParameterization}. */
public final class ScoreParameterizationProvider extends AbstractProvider<Parameterization> {

    public static final String NAME = "score-sde.score";

    public ScoreParameterizationProvider() {
        super(Kind.PARAMETERIZATION, NAME, "network predicts the score grad log p_t(x), target -eps/sigma "
                + "(Song et al. 2021, Eq. 7)", ConfigSpec.empty());
    }

    @Override
    public Parameterization create(Config config, ComponentContext context) {
        return new ScoreParameterization();
    }
}
