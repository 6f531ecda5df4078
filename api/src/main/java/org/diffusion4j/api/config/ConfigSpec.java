package org.diffusion4j.api.config;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The declared options of a component, in declaration order. {@link #resolve} checks raw values
 * (from JSON, YAML or {@code --set}) against the declaration: nothing unknown is ignored.
 */
public final class ConfigSpec {

    private final Map<String, OptionSpec> options;

    private ConfigSpec(Map<String, OptionSpec> options) {
        this.options = Collections.unmodifiableMap(options);
    }

    /** A spec with no options. */
    public static ConfigSpec empty() {
        return new ConfigSpec(new LinkedHashMap<>());
    }

    public static Builder builder() {
        return new Builder();
    }

    public List<OptionSpec> options() {
        return List.copyOf(options.values());
    }

    public OptionSpec option(String name) {
        return options.get(name);
    }

    /**
     * Validates raw values and fills in defaults.
     *
     * @param component name of the component, for messages
     * @param raw       option name to value: Number, Boolean or String (strings are parsed)
     * @throws ConfigException naming the component and option when a value is unknown, of the wrong
     *                         type, out of range or missing
     */
    public Config resolve(String component, Map<String, ?> raw) {
        return resolve(component, raw, raw.keySet());
    }

    /**
     * As {@link #resolve(String, Map)}, with only the options named in {@code given} counting as
     * given ({@link Config#given}): for values read back from a resolved spec, where defaults were
     * written out, only what the user set now is given.
     *
     * @since SPI 1.4
     */
    public Config resolve(String component, Map<String, ?> raw, java.util.Set<String> given) {
        Map<String, Object> values = new LinkedHashMap<>();
        for (String key : raw.keySet()) {
            if (!options.containsKey(key)) {
                throw new ConfigException(component + ": unknown option '" + key + "'; "
                        + (options.isEmpty() ? "it takes no options" : "known options: " + String.join(", ", options.keySet())));
            }
        }
        for (OptionSpec o : options.values()) {
            Object v = raw.containsKey(o.name()) ? raw.get(o.name()) : o.defaultValue();
            if (v == null) {
                throw new ConfigException(component + ": option '" + o.name() + "' is required; it takes " + o.allowed());
            }
            values.put(o.name(), coerce(component, o, v));
        }
        java.util.Set<String> givenHere = new java.util.HashSet<>(given);
        givenHere.retainAll(raw.keySet());
        return new Config(component, values, givenHere);
    }

    private static Object coerce(String component, OptionSpec o, Object v) {
        String bad = component + ": option '" + o.name() + "' = '" + v + "' is not valid; it takes " + o.allowed();
        try {
            return switch (o.type()) {
                case INT -> {
                    Integer i = exactInt(v);
                    if (i == null) {
                        throw new ConfigException(bad);
                    }
                    checkRange(bad, o, i);
                    yield i;
                }
                case DOUBLE -> {
                    double d = v instanceof Number n ? n.doubleValue() : Double.parseDouble(v.toString().trim());
                    if (!Double.isFinite(d)) {
                        throw new ConfigException(bad);
                    }
                    checkRange(bad, o, d);
                    yield d;
                }
                case BOOLEAN -> {
                    if (v instanceof Boolean b) {
                        yield b;
                    }
                    String s = v.toString().trim().toLowerCase(Locale.ROOT);
                    if (!s.equals("true") && !s.equals("false")) {
                        throw new ConfigException(bad);
                    }
                    yield Boolean.parseBoolean(s);
                }
                case CHOICE -> {
                    String s = v.toString().trim();
                    if (!o.choices().contains(s)) {
                        throw new ConfigException(bad);
                    }
                    yield s;
                }
                case SECTION -> {
                    if (!(v instanceof Map<?, ?> m)) {
                        throw new ConfigException(bad);
                    }
                    if (!m.isEmpty() && !(m.get("name") instanceof String)) {
                        throw new ConfigException(component + ": option '" + o.name() + "' = '" + v
                                + "' names no component; it takes " + o.allowed());
                    }
                    Map<String, Object> copy = new LinkedHashMap<>();
                    m.forEach((k, x) -> copy.put(String.valueOf(k), x));
                    yield Collections.unmodifiableMap(copy);
                }
                case STRING, PATH -> {
                    if (v instanceof Map || v instanceof List) {
                        throw new ConfigException(bad);
                    }
                    yield v.toString();
                }
            };
        } catch (NumberFormatException e) {
            throw new ConfigException(bad);
        }
    }

    /**
     * The value as an int, exactly; {@code null} for a fraction (1.5) or a value beyond int (such as
     * 2^64 + 5, which {@code longValue()} would wrap to 5).
     */
    private static Integer exactInt(Object v) {
        BigDecimal exact;
        if (v instanceof Integer || v instanceof Long || v instanceof Short || v instanceof Byte) {
            exact = BigDecimal.valueOf(((Number) v).longValue());
        } else if (v instanceof BigInteger b) {
            exact = new BigDecimal(b);
        } else if (v instanceof BigDecimal b) {
            exact = b;
        } else if (v instanceof Number n) {
            double d = n.doubleValue();
            if (!Double.isFinite(d)) {
                return null;
            }
            exact = new BigDecimal(d);
        } else {
            try {
                exact = new BigDecimal(Long.parseLong(v.toString().trim()));
            } catch (NumberFormatException e) {
                return null;
            }
        }
        try {
            return exact.intValueExact();
        } catch (ArithmeticException e) {
            return null;
        }
    }

    private static void checkRange(String bad, OptionSpec o, double v) {
        if ((o.min() != null && v < o.min()) || (o.max() != null && v > o.max())) {
            throw new ConfigException(bad);
        }
    }

    /** Declares options in order. */
    public static final class Builder {
        private final Map<String, OptionSpec> options = new LinkedHashMap<>();

        private Builder add(OptionSpec o) {
            if (options.putIfAbsent(o.name(), o) != null) {
                throw new IllegalArgumentException("option '" + o.name() + "' declared twice");
            }
            return this;
        }

        public Builder integer(String name, Integer def, Integer min, Integer max, String description) {
            return add(new OptionSpec(name, OptionType.INT, def, min == null ? null : min.doubleValue(),
                    max == null ? null : max.doubleValue(), List.of(), description));
        }

        public Builder number(String name, Double def, Double min, Double max, String description) {
            return add(new OptionSpec(name, OptionType.DOUBLE, def, min, max, List.of(), description));
        }

        public Builder bool(String name, boolean def, String description) {
            return add(new OptionSpec(name, OptionType.BOOLEAN, def, null, null, List.of(), description));
        }

        public Builder string(String name, String def, String description) {
            return add(new OptionSpec(name, OptionType.STRING, def, null, null, List.of(), description));
        }

        public Builder path(String name, String def, String description) {
            return add(new OptionSpec(name, OptionType.PATH, def, null, null, List.of(), description));
        }

        public Builder choice(String name, String def, List<String> choices, String description) {
            if (def != null && !choices.contains(def)) {
                throw new IllegalArgumentException("default '" + def + "' of '" + name + "' is not among " + choices);
            }
            return add(new OptionSpec(name, OptionType.CHOICE, def, null, null, new ArrayList<>(choices), description));
        }

        /**
         * An option holding another component ({@link OptionType#SECTION}); when not given its value
         * is an empty map, which the declaring component reads as "its built-in choice".
         *
         * @since SPI 1.5
         */
        public Builder section(String name, String description) {
            return add(new OptionSpec(name, OptionType.SECTION, Map.of(), null, null, List.of(), description));
        }

        public ConfigSpec build() {
            return new ConfigSpec(new LinkedHashMap<>(options));
        }
    }
}
