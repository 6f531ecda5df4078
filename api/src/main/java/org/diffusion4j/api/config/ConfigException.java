package org.diffusion4j.api.config;

import org.diffusion4j.api.UserError;

/**
 * A user error in a component's configuration: unknown option, wrong type, value out of range,
 * unknown component, options that do not fit together. The message names the component, the option
 * and what is allowed; it is shown to the user as is, without a stack trace. A {@link UserError}
 * since SPI 1.4.
 */
public class ConfigException extends UserError {

    public ConfigException(String message) {
        super(message);
    }

    /** @since SPI 1.4 */
    public ConfigException(String message, Throwable cause) {
        super(message, cause);
    }
}
