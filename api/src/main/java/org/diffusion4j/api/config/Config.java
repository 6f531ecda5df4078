package org.diffusion4j.api.config;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Resolved, validated option values of one component (defaults filled in). Immutable.
 */
public final class Config {

    private final String component;
    private final Map<String, Object> values;

    Config(String component, Map<String, Object> values) {
        this.component = component;
        this.values = Collections.unmodifiableMap(new LinkedHashMap<>(values));
    }

    /** The component these values belong to. */
    public String component() {
        return component;
    }

    /** All values in declaration order (Integer, Double, Boolean or String). */
    public Map<String, Object> values() {
        return values;
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

    private Object get(String name) {
        Object v = values.get(name);
        if (v == null) {
            throw new IllegalArgumentException(component + " has no option '" + name + "'");
        }
        return v;
    }
}
