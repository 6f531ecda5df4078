package org.diffusion4j.plugin.ddpm;

import org.diffusion4j.api.AbstractProvider;
import org.diffusion4j.api.ComponentContext;
import org.diffusion4j.api.Kind;
import org.diffusion4j.api.Schedule;
import org.diffusion4j.api.config.Config;
import org.diffusion4j.api.config.ConfigSpec;

/** Provider of {@code ddpm.cosine}, the {@link CosineSchedule}. */
public final class CosineScheduleProvider extends AbstractProvider<Schedule> {

    public static final String NAME = "ddpm.cosine";

    private static final ConfigSpec SPEC = ConfigSpec.builder()
            .integer("steps", 1000, 1, 100_000, "number of discrete steps T; training times t_i = i/T")
            .number("offset", 0.008, 0.0, 1.0, "offset s in f(t) = cos^2((t + s)/(1 + s) pi/2)")
            .number("max-beta", 0.999, 1e-6, 0.999999, "clip of each beta_i")
            .build();

    public CosineScheduleProvider() {
        super(Kind.SCHEDULE, NAME, "improved-DDPM cosine schedule abar(t) = f(t)/f(0), beta clipped at 0.999 "
                + "(Nichol and Dhariwal 2021, Eq. 17)", SPEC);
    }

    @Override
    public Schedule create(Config config, ComponentContext context) {
        return new CosineSchedule(config.getInt("steps"), config.getDouble("offset"), config.getDouble("max-beta"));
    }
}
