package org.diffusion4j.plugin.metrics;

import org.diffusion4j.api.config.ConfigSpec;

/** Provides {@link SlicedWasserstein2} as metric {@value #NAME}. */
public final class SlicedWasserstein2Provider extends MetricProvider {

    /** Component name. */
    public static final String NAME = "sliced-w2";

    public SlicedWasserstein2Provider() {
        super(NAME, "Sliced Wasserstein-2 over L equally spaced directions k*pi/L with exact 1-D W2"
                        + " (Bonneel et al. 2015; the peer harness's definition, L = 256)",
                ConfigSpec.builder()
                        .integer("directions", SlicedWasserstein2.DEFAULT_DIRECTIONS, 1, 1 << 16,
                                "number of projection directions L (2-D: equally spaced on a half circle)")
                        .build(),
                config -> new SlicedWasserstein2(config.getInt("directions")));
    }
}
