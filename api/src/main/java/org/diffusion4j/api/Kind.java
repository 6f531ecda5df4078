package org.diffusion4j.api;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;
import org.diffusion4j.api.config.ConfigException;

/** The component kinds of the SPI; each provider creates components of exactly one kind. */
public enum Kind {
    SCHEDULE(Schedule.class),
    PARAMETERIZATION(Parameterization.class),
    NETWORK(Network.class),
    LOSS(Loss.class),
    SAMPLER(Sampler.class),
    DATASET(Dataset.class),
    METRIC(Metric.class),
    /** Since SPI 1.1. */
    LIKELIHOOD(Likelihood.class),
    /** What sampling starts from and when ({@link Prior}). Since SPI 1.4. */
    PRIOR(Prior.class);

    private final Class<?> type;

    Kind(Class<?> type) {
        this.type = type;
    }

    /** The interface a component of this kind implements. */
    public Class<?> type() {
        return type;
    }

    /** Lower-case name as used in specs and on the command line ({@code sampler}). */
    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Parses a kind id, naming the allowed values when it is unknown. */
    public static Kind parse(String id) {
        for (Kind k : values()) {
            if (k.id().equals(id.trim().toLowerCase(Locale.ROOT))) {
                return k;
            }
        }
        throw new ConfigException("unknown component kind '" + id + "'; known kinds: " + allIds());
    }

    /** All kind ids, comma separated. */
    public static String allIds() {
        return Arrays.stream(values()).map(Kind::id).collect(Collectors.joining(", "));
    }
}
