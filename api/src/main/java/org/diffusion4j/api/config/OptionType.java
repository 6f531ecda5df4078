package org.diffusion4j.api.config;

/** The value types an option can declare. */
public enum OptionType {
    INT, DOUBLE, BOOLEAN, STRING, CHOICE, PATH;

    public String id() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
