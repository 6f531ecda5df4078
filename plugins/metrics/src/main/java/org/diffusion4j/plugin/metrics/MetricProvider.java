package org.diffusion4j.plugin.metrics;

import java.util.function.Function;
import java.util.function.Supplier;
import org.diffusion4j.api.AbstractProvider;
import org.diffusion4j.api.ComponentContext;
import org.diffusion4j.api.Kind;
import org.diffusion4j.api.Metric;
import org.diffusion4j.api.config.Config;
import org.diffusion4j.api.config.ConfigSpec;

/** The providers of this plugin's metrics: a name, a description, the options and the metric they make. */
abstract class MetricProvider extends AbstractProvider<Metric> {

    private final Function<Config, Metric> metric;

    /** A metric with options. */
    MetricProvider(String name, String description, ConfigSpec config, Function<Config, Metric> metric) {
        super(Kind.METRIC, name, description, config);
        this.metric = metric;
    }

    /** A metric without options. */
    MetricProvider(String name, String description, Supplier<Metric> metric) {
        this(name, description, ConfigSpec.empty(), config -> metric.get());
    }

    @Override
    public final Metric create(Config config, ComponentContext context) {
        return metric.apply(config);
    }
}
