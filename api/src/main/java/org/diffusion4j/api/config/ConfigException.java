package org.diffusion4j.api.config;

/**
 * A user error in a component's configuration: unknown option, wrong type, value out of range,
 * unknown component. The message names the component, the option and what is allowed; it is shown
 * to the user as is, without a stack trace.
 */
public class ConfigException extends RuntimeException {

    public ConfigException(String message) {
        super(message);
    }
}
