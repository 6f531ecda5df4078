package org.diffusion4j.plugin.flowmatching;

import org.diffusion4j.api.AbstractProvider;
import org.diffusion4j.api.ComponentContext;
import org.diffusion4j.api.Kind;
import org.diffusion4j.api.Parameterization;
import org.diffusion4j.api.config.Config;
import org.diffusion4j.api.config.ConfigSpec;

/** Provider of {@code flow-matching.velocity}, the {@link VelocityParameterization}. */
public final class VelocityParameterizationProvider extends AbstractProvider<Parameterization> {

    public static final String NAME = "flow-matching.velocity";

    public VelocityParameterizationProvider() {
        super(Kind.PARAMETERIZATION, NAME, "network predicts the velocity alpha'(t) x0 + sigma'(t) eps "
                + "(Unified Perspective blog, Eq. 6-9)", ConfigSpec.empty());
    }

    @Override
    public Parameterization create(Config config, ComponentContext context) {
        return new VelocityParameterization();
    }
}
