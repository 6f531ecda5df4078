package org.diffusion4j.plugin.scoresde;

import org.diffusion4j.api.AbstractProvider;
import org.diffusion4j.api.ComponentContext;
import org.diffusion4j.api.Kind;
import org.diffusion4j.api.Schedule;
import org.diffusion4j.api.config.Config;
import org.diffusion4j.api.config.ConfigSpec;

/** Provider of {@code score-sde.ve}, the {@link VarianceExplodingSde}. */
public final class VarianceExplodingSdeProvider extends AbstractProvider<Schedule> {

    public static final String NAME = "score-sde.ve";

    private static final ConfigSpec SPEC = ConfigSpec.builder()
            .number("sigma-min", 0.01, 1e-6, 1e3, "smallest noise level sigma(0) (the paper's 0.01)")
            .number("sigma-max", 50.0, 1e-3, 1e5, "largest noise level sigma(1), of the order of the largest distance "
                    + "between data points (the paper's 50 for CIFAR-10)")
            .number("t-min", 0.0, 0.0, 0.5, "earliest time samplers integrate to")
            .build();

    public VarianceExplodingSdeProvider() {
        super(Kind.SCHEDULE, NAME, "variance-exploding SDE dx = sqrt(d[sigma^2]/dt) dW, sigma geometric from sigma-min to "
                + "sigma-max, alpha = 1 (Song et al. 2021, Eq. 9)", SPEC);
    }

    @Override
    public Schedule create(Config config, ComponentContext context) {
        return new VarianceExplodingSde(config.getDouble("sigma-min"), config.getDouble("sigma-max"),
                config.getDouble("t-min"));
    }
}
