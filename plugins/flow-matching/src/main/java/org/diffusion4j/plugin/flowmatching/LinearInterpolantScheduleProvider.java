package org.diffusion4j.plugin.flowmatching;

import org.diffusion4j.api.AbstractProvider;
import org.diffusion4j.api.ComponentContext;
import org.diffusion4j.api.Kind;
import org.diffusion4j.api.Schedule;
import org.diffusion4j.api.config.Config;
import org.diffusion4j.api.config.ConfigSpec;

/** Provider of {@code flow-matching.linear}, the {@link LinearInterpolantSchedule}. */
public final class LinearInterpolantScheduleProvider extends AbstractProvider<Schedule> {

    public static final String NAME = "flow-matching.linear";

    public LinearInterpolantScheduleProvider() {
        super(Kind.SCHEDULE, NAME, "linear interpolant / rectified flow, alpha = 1 - t, sigma = t "
                + "(Unified Perspective blog, Eq. 2)", ConfigSpec.empty());
    }

    @Override
    public Schedule create(Config config, ComponentContext context) {
        return new LinearInterpolantSchedule();
    }
}
