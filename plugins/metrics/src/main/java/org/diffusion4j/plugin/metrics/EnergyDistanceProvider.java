package org.diffusion4j.plugin.metrics;

import org.diffusion4j.api.ComponentContext;
import org.diffusion4j.api.ComponentProvider;
import org.diffusion4j.api.Kind;
import org.diffusion4j.api.Metric;
import org.diffusion4j.api.config.Config;
import org.diffusion4j.api.config.ConfigSpec;

/** Provides {@link EnergyDistance} as metric {@value #NAME}. */
public final class EnergyDistanceProvider implements ComponentProvider<Metric> {

    /** Component name. */
    public static final String NAME = "energy";

    @Override
    public Kind kind() {
        return Kind.METRIC;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String description() {
        return "Energy distance 2E|X-Y| - E|X-X'| - E|Y-Y'| with U-statistics within sets"
                + " (Szekely and Rizzo 2013; the peer harness's definition)";
    }

    @Override
    public ConfigSpec config() {
        return ConfigSpec.empty();
    }

    @Override
    public Metric create(Config config, ComponentContext context) {
        return new EnergyDistance();
    }
}
