package org.diffusion4j.plugin.scoresde;

import org.diffusion4j.api.AbstractProvider;
import org.diffusion4j.api.ComponentContext;
import org.diffusion4j.api.Kind;
import org.diffusion4j.api.Schedule;
import org.diffusion4j.api.config.Config;
import org.diffusion4j.api.config.ConfigSpec;

/** Provider of {@code score-sde.sub-vp}, the {@link SubVariancePreservingSde}. */
public final class SubVariancePreservingSdeProvider extends AbstractProvider<Schedule> {

    public static final String NAME = "score-sde.sub-vp";

    static ConfigSpec betaOptions() {
        return ConfigSpec.builder()
                .number("beta-min", 0.1, 1e-6, 1e3, "beta(0) of the linear beta(t) (the paper's 0.1)")
                .number("beta-max", 20.0, 1e-6, 1e3, "beta(1) of the linear beta(t) (the paper's 20)")
                .number("t-min", 1e-3, 1e-6, 0.5, "earliest time (sigma = 0 at t = 0); the paper samples to 1e-3")
                .build();
    }

    public SubVariancePreservingSdeProvider() {
        super(Kind.SCHEDULE, NAME, "sub-VP SDE dx = -beta x/2 dt + sqrt(beta (1 - exp(-2 int beta))) dW; alpha = exp(-int beta/2), sigma = 1 - alpha^2 (Song et al. 2021, Eq. 12)", betaOptions());
    }

    @Override
    public Schedule create(Config config, ComponentContext context) {
        return new SubVariancePreservingSde(config.getDouble("beta-min"), config.getDouble("beta-max"), config.getDouble("t-min"));
    }
}
