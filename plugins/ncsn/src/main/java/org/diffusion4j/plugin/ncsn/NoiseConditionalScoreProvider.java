package org.diffusion4j.plugin.ncsn;

import org.diffusion4j.api.AbstractProvider;
import org.diffusion4j.api.ComponentContext;
import org.diffusion4j.api.Kind;
import org.diffusion4j.api.Parameterization;
import org.diffusion4j.api.config.Config;
import org.diffusion4j.api.config.ConfigSpec;

/** Provider of {@code ncsn.score}, the {@link NoiseConditionalScore}. */
public final class NoiseConditionalScoreProvider extends AbstractProvider<Parameterization> {

    public static final String NAME = "ncsn.score";

    public NoiseConditionalScoreProvider() {
        super(Kind.PARAMETERIZATION, NAME, "noise-conditional score network s(x, sigma) (Song and Ermon 2019, §4.1)",
                ConfigSpec.empty());
    }

    @Override
    public Parameterization create(Config config, ComponentContext context) {
        return new NoiseConditionalScore();
    }
}
