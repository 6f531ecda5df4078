package org.diffusion4j.plugin.metrics;

import org.diffusion4j.api.ComponentContext;
import org.diffusion4j.api.ComponentProvider;
import org.diffusion4j.api.Kind;
import org.diffusion4j.api.Metric;
import org.diffusion4j.api.config.Config;
import org.diffusion4j.api.config.ConfigSpec;

/** Provides {@link Mmd2} as metric {@value #NAME}. */
public final class Mmd2Provider implements ComponentProvider<Metric> {

    /** Component name. */
    public static final String NAME = "mmd2";

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
        return "Unbiased MMD^2 with the sum of RBF kernels at bandwidths 0.1, 0.5, 1, 2"
                + " (Gretton et al. 2012; the peer harness's definition)";
    }

    @Override
    public ConfigSpec config() {
        return ConfigSpec.empty();
    }

    @Override
    public Metric create(Config config, ComponentContext context) {
        return new Mmd2();
    }
}
