package org.diffusion4j.plugin.ncsn;

import org.diffusion4j.api.AbstractProvider;
import org.diffusion4j.api.ComponentContext;
import org.diffusion4j.api.Kind;
import org.diffusion4j.api.Schedule;
import org.diffusion4j.api.config.Config;
import org.diffusion4j.api.config.ConfigSpec;

/** Provider of {@code ncsn.geometric}, the {@link GeometricNoiseSchedule}. */
public final class GeometricNoiseScheduleProvider extends AbstractProvider<Schedule> {

    public static final String NAME = "ncsn.geometric";

    private static final ConfigSpec SPEC = ConfigSpec.builder()
            .number("sigma-max", 1.0, 1e-6, 1e5, "largest noise level sigma_1 (the paper's 1 for CIFAR-10)")
            .number("sigma-min", 0.01, 1e-6, 1e3, "smallest noise level sigma_L (the paper's 0.01)")
            .integer("levels", 10, 2, 100_000, "number of levels L (the paper's 10)")
            .build();

    public GeometricNoiseScheduleProvider() {
        super(Kind.SCHEDULE, NAME, "NCSN's geometric noise levels sigma_1 > ... > sigma_L, alpha = 1 "
                + "(Song and Ermon 2019, §4.2)", SPEC);
    }

    @Override
    public Schedule create(Config config, ComponentContext context) {
        return new GeometricNoiseSchedule(config.getDouble("sigma-max"), config.getDouble("sigma-min"),
                config.getInt("levels"));
    }
}
