package org.diffusion4j.plugin.imagedata;

import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import org.diffusion4j.api.config.ConfigException;

/** Option values as paths. */
final class Sources {

    private Sources() {
    }

    /** The path an option names, or an error naming the component and option. */
    static Path path(String component, String option, String value) {
        try {
            return Path.of(value.trim());
        } catch (InvalidPathException e) {
            throw new ConfigException(component + ": option '" + option + "' = '" + value
                    + "' is not a valid path: " + e.getReason());
        }
    }
}
