package org.diffusion4j.runtime;

import org.diffusion4j.api.UserError;

/**
 * A problem the user can fix (a bad option, a missing file, an unknown component): the launcher
 * prints the message on one line and exits with status 2, without a stack trace. The runtime's own
 * {@link UserError}; components throw the SPI's subclasses.
 */
public class UserException extends UserError {

    public UserException(String message) {
        super(message);
    }

    public UserException(String message, Throwable cause) {
        super(message, cause);
    }
}
