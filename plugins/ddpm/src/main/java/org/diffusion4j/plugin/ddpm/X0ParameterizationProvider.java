package org.diffusion4j.plugin.ddpm;

import org.diffusion4j.api.AbstractProvider;
import org.diffusion4j.api.ComponentContext;
import org.diffusion4j.api.Kind;
import org.diffusion4j.api.Parameterization;
import org.diffusion4j.api.View;
import org.diffusion4j.api.config.Config;
import org.diffusion4j.api.config.ConfigSpec;

/** Provider of {@code ddpm.x0}, the {@link DdpmParameterization} of {@link View#X0}. */
public final class X0ParameterizationProvider extends AbstractProvider<Parameterization> {

    public static final String NAME = "ddpm.x0";

    public X0ParameterizationProvider() {
        super(Kind.PARAMETERIZATION, NAME, "network predicts the clean data x0 (Ho et al. 2020, §3.2)", ConfigSpec.empty());
    }

    @Override
    public Parameterization create(Config config, ComponentContext context) {
        return new DdpmParameterization(View.X0);
    }
}
