package org.diffusion4j.plugin.metrics;

import org.diffusion4j.api.ComponentContext;
import org.diffusion4j.api.ComponentProvider;
import org.diffusion4j.api.Kind;
import org.diffusion4j.api.Metric;
import org.diffusion4j.api.config.Config;
import org.diffusion4j.api.config.ConfigSpec;

/** Provides {@link SlicedWasserstein2} as metric {@value #NAME}. */
public final class SlicedWasserstein2Provider implements ComponentProvider<Metric> {

    /** Component name. */
    public static final String NAME = "sliced-w2";

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
        return "Sliced Wasserstein-2 over L equally spaced directions k*pi/L with exact 1-D W2"
                + " (Bonneel et al. 2015; the peer harness's definition, L = 256)";
    }

    @Override
    public ConfigSpec config() {
        return ConfigSpec.builder()
                .integer("directions", SlicedWasserstein2.DEFAULT_DIRECTIONS, 1, 1 << 16,
                        "number of projection directions L (2-D: equally spaced on a half circle)")
                .build();
    }

    @Override
    public Metric create(Config config, ComponentContext context) {
        return new SlicedWasserstein2(config.getInt("directions"));
    }
}
