package org.diffusion4j.plugin.ddpm;

import org.diffusion4j.api.AbstractProvider;
import org.diffusion4j.api.ComponentContext;
import org.diffusion4j.api.Kind;
import org.diffusion4j.api.Schedule;
import org.diffusion4j.api.config.Config;
import org.diffusion4j.api.config.ConfigException;
import org.diffusion4j.api.config.ConfigSpec;

/** Provider of {@code ddpm.linear}, the {@link LinearBetaSchedule}. */
public final class LinearBetaScheduleProvider extends AbstractProvider<Schedule> {

    public static final String NAME = "ddpm.linear";

    private static final ConfigSpec SPEC = ConfigSpec.builder()
            .integer("steps", 1000, 1, 100_000, "number of discrete steps T; training times t_i = i/T")
            .number("beta-start", 1e-4, 1e-12, 0.999, "beta_1")
            .number("beta-end", 0.02, 1e-12, 0.999, "beta_T")
            .build();

    public LinearBetaScheduleProvider() {
        super(Kind.SCHEDULE, NAME, "DDPM linear beta schedule 1e-4 -> 0.02, discrete grid i/T and continuous "
                + "alpha(t) = sqrt(abar(t)) (Ho et al. 2020, Eq. 4, §4)", SPEC);
    }

    @Override
    public Schedule create(Config config, ComponentContext context) {
        double start = config.getDouble("beta-start");
        double end = config.getDouble("beta-end");
        if (end < start) {
            throw new ConfigException(NAME + ": option 'beta-end' = " + end + " is below 'beta-start' = " + start
                    + "; betas must not decrease");
        }
        return new LinearBetaSchedule(config.getInt("steps"), start, end);
    }
}
