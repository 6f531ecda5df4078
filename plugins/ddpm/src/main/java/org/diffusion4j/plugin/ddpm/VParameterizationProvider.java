package org.diffusion4j.plugin.ddpm;

import org.diffusion4j.api.AbstractProvider;
import org.diffusion4j.api.ComponentContext;
import org.diffusion4j.api.Kind;
import org.diffusion4j.api.Parameterization;
import org.diffusion4j.api.View;
import org.diffusion4j.api.config.Config;
import org.diffusion4j.api.config.ConfigSpec;

/** Provider of {@code ddpm.v}, the {@link DdpmParameterization} of {@link View#V}. */
public final class VParameterizationProvider extends AbstractProvider<Parameterization> {

    public static final String NAME = "ddpm.v";

    public VParameterizationProvider() {
        super(Kind.PARAMETERIZATION, NAME, "network predicts v = alpha eps - sigma x0 (Salimans and Ho 2022, §4)", ConfigSpec.empty());
    }

    @Override
    public Parameterization create(Config config, ComponentContext context) {
        return new DdpmParameterization(View.V);
    }
}
