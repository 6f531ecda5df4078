package org.diffusion4j.plugin.scoresde;

import org.diffusion4j.api.AbstractProvider;
import org.diffusion4j.api.ComponentContext;
import org.diffusion4j.api.Kind;
import org.diffusion4j.api.Schedule;
import org.diffusion4j.api.config.Config;
import org.diffusion4j.api.config.ConfigSpec;

/** Provider of {@code score-sde.vp}, the {@link VariancePreservingSde}. */
public final class VariancePreservingSdeProvider extends AbstractProvider<Schedule> {

    public static final String NAME = "score-sde.vp";

    static ConfigSpec betaOptions() {
        return ConfigSpec.builder()
                .number("beta-min", 0.1, 1e-6, 1e3, "beta(0) of the linear beta(t) (the paper's 0.1)")
                .number("beta-max", 20.0, 1e-6, 1e3, "beta(1) of the linear beta(t) (the paper's 20)")
                .number("t-min", 1e-3, 1e-6, 0.5, "earliest time (sigma = 0 at t = 0); the paper samples to 1e-3")
                .build();
    }

    public VariancePreservingSdeProvider() {
        super(Kind.SCHEDULE, NAME, "variance-preserving SDE dx = -beta(t) x/2 dt + sqrt(beta(t)) dW, beta linear (Song et al. 2021, Eq. 11)", betaOptions());
    }

    @Override
    public Schedule create(Config config, ComponentContext context) {
        return new VariancePreservingSde(config.getDouble("beta-min"), config.getDouble("beta-max"), config.getDouble("t-min"));
    }
}
