package org.diffusion4j.api;

/**
 * Version of this SPI. A plugin declares the version it was built against in its jar manifest
 * ({@value #MANIFEST_ATTRIBUTE}); the runtime accepts it when the majors are equal and
 * the plugin's minor is not newer than the runtime's. The SPI grows only by adding default methods
 * and kinds (a minor bump); anything else is a major bump.
 */
public record SpiVersion(int major, int minor) {

    /** Jar manifest attribute in which a plugin declares the SPI version it was built against. */
    public static final String MANIFEST_ATTRIBUTE = "Diffusion4j-Spi-Version";

    /** The SPI this module implements. */
    public static final SpiVersion CURRENT = new SpiVersion(1, 5);

    /** True when a plugin built against {@code pluginVersion} can run on this SPI. */
    public boolean accepts(SpiVersion pluginVersion) {
        return pluginVersion.major == major && pluginVersion.minor <= minor;
    }

    /** Parses {@code "1.0"}. */
    public static SpiVersion parse(String text) {
        String[] parts = text.trim().split("\\.");
        if (parts.length != 2) {
            throw new IllegalArgumentException("SPI version must be MAJOR.MINOR, got '" + text + "'");
        }
        return new SpiVersion(Integer.parseInt(parts[0]), Integer.parseInt(parts[1]));
    }

    @Override
    public String toString() {
        return major + "." + minor;
    }
}
