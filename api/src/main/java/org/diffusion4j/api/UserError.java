package org.diffusion4j.api;

/**
 * A problem with the user's configuration, data or files, which the user can fix: an unknown
 * component or option, a value out of range, a data file that is missing, malformed or of the wrong
 * dimension. The launcher shows its message as one line, without a stack trace, and exits with
 * status 2; so the message names the offending value and what is allowed.
 *
 * <p>Components throw one of its subclasses ({@link org.diffusion4j.api.config.ConfigException} for
 * configuration, {@link DataException} for data). Anything else a component throws, an
 * {@link IllegalArgumentException} included, is reported as an internal error of the plugin that
 * threw it, with the stack trace in a log file: a wrong shape passed between components is a bug,
 * not the user's fault. Added in SPI 1.4.
 */
public class UserError extends RuntimeException {

    public UserError(String message) {
        super(message);
    }

    public UserError(String message, Throwable cause) {
        super(message, cause);
    }
}
