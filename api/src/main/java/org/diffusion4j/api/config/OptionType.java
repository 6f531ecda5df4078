package org.diffusion4j.api.config;

/** The value types an option can declare. */
public enum OptionType {
    INT, DOUBLE, BOOLEAN, STRING, CHOICE, PATH,
    /**
     * Another component, written {@code {name: NAME, option: value, ...}}, that this component builds
     * through {@link org.diffusion4j.api.ComponentContext#create} (the score network inside DiNof's
     * network); its options are validated by that component when it is created.
     *
     * @since SPI 1.5
     */
    SECTION;

    public String id() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
