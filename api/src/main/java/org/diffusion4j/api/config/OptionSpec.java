package org.diffusion4j.api.config;

import java.util.List;
import java.util.Objects;

/**
 * One declared option of a component: name, type, default, allowed range or values, description.
 *
 * @param name         option name as written in specs ({@code steps})
 * @param type         value type
 * @param defaultValue default (Integer, Double, Boolean or String), or {@code null} when required
 * @param min          inclusive lower bound for numbers, or {@code null}
 * @param max          inclusive upper bound for numbers, or {@code null}
 * @param choices      allowed values of a {@link OptionType#CHOICE}; empty otherwise
 * @param description  one line
 */
public record OptionSpec(String name, OptionType type, Object defaultValue, Double min, Double max,
                         List<String> choices, String description) {

    public OptionSpec {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(type, "type");
        choices = List.copyOf(choices);
        Objects.requireNonNull(description, "description");
    }

    /** True when the option has no default and must be given. */
    public boolean required() {
        return defaultValue == null;
    }

    /** The allowed values as a phrase: {@code an integer in [1, 10000]}, {@code one of a, b}. */
    public String allowed() {
        return switch (type) {
            case INT -> "an integer" + range();
            case DOUBLE -> "a number" + range();
            case BOOLEAN -> "true or false";
            case STRING -> "a string";
            case PATH -> "a file path";
            case CHOICE -> "one of " + String.join(", ", choices);
            case SECTION -> "a component {name: NAME, option: value, ...}";
        };
    }

    private String range() {
        if (min == null && max == null) {
            return "";
        }
        return " in [" + (min == null ? "-inf" : fmt(min)) + ", " + (max == null ? "inf" : fmt(max)) + "]";
    }

    private static String fmt(double v) {
        return v == Math.rint(v) && Math.abs(v) < 1e15 ? Long.toString((long) v) : Double.toString(v);
    }
}
