package org.diffusion4j.plugin.ddpm;

import org.diffusion4j.api.AbstractProvider;
import org.diffusion4j.api.ComponentContext;
import org.diffusion4j.api.Kind;
import org.diffusion4j.api.Parameterization;
import org.diffusion4j.api.View;
import org.diffusion4j.api.config.Config;
import org.diffusion4j.api.config.ConfigSpec;

/** Provider of {@code ddpm.epsilon}, the {@link DdpmParameterization} of {@link View#EPSILON}. */
public final class EpsilonParameterizationProvider extends AbstractProvider<Parameterization> {

    public static final String NAME = "ddpm.epsilon";

    public EpsilonParameterizationProvider() {
        super(Kind.PARAMETERIZATION, NAME, "network predicts the noise eps (Ho et al. 2020, Eq. 11-12)", ConfigSpec.empty());
    }

    @Override
    public Parameterization create(Config config, ComponentContext context) {
        return new DdpmParameterization(View.EPSILON);
    }
}
