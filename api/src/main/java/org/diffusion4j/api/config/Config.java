package org.diffusion4j.api.config;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * Resolved, validated option values of one component (defaults filled in). Immutable. It remembers
 * which options were given and which took their default, so that a component can refuse an option
 * that was given but has no effect in the configuration chosen.
 */
public final class Config {

    private final String component;
    private final Map<String, Object> values;
    private final Set<String> given;

    Config(String component, Map<String, Object> values, Set<String> given) {
        this.component = component;
        this.values = Collections.unmodifiableMap(new LinkedHashMap<>(values));
        this.given = Set.copyOf(given);
    }

    /** The component these values belong to. */
    public String component() {
        return component;
    }

    /** All values in declaration order (Integer, Double, Boolean or String). */
    public Map<String, Object> values() {
        return values;
    }

    /**
     * True when option {@code name} was given (in a spec or with {@code --set}), false when it took
     * its declared default.
     *
     * @throws IllegalArgumentException when the component has no such option
     * @since SPI 1.4
     */
    public boolean given(String name) {
        get(name);
        return given.contains(name);
    }

    /**
     * A {@link ConfigException} for an option that was given but does nothing in the chosen
     * configuration, when {@code given(option)} and {@code condition} hold:
     * "COMPONENT: option 'OPTION' has no effect with WHY; HOW".
     *
     * @param option    the option that would be ignored
     * @param condition true when the chosen configuration ignores it
     * @param why       the configuration that ignores it and why ("objective: vlb (it weights L_vlb in the hybrid
     *                  objective)")
     * @param how       what to do instead ("remove it or use objective: hybrid")
     * @since SPI 1.4
     */
    public void refuseWithoutEffect(String option, boolean condition, String why, String how) {
        if (condition && given(option)) {
            throw new ConfigException(component + ": option '" + option + "' has no effect with " + why + "; " + how);
        }
    }

    public int getInt(String name) {
        return (Integer) get(name);
    }

    public double getDouble(String name) {
        return ((Number) get(name)).doubleValue();
    }

    public boolean getBoolean(String name) {
        return (Boolean) get(name);
    }

    public String getString(String name) {
        return (String) get(name);
    }

    /**
     * A {@link OptionType#SECTION} option: the component's {@code name} and its raw options, or an
     * empty map when it was not given.
     *
     * @since SPI 1.5
     */
    @SuppressWarnings("unchecked")
    public Map<String, Object> getSection(String name) {
        return (Map<String, Object>) get(name);
    }

    private Object get(String name) {
        Object v = values.get(name);
        if (v == null) {
            throw new IllegalArgumentException(component + " has no option '" + name + "'");
        }
        return v;
    }
}
