package org.diffusion4j.runtime;

/**
 * A problem the user can fix (a bad option, a missing file, an unknown component): the launcher
 * prints the message on one line and exits with a non-zero status, without a stack trace.
 */
public class UserException extends RuntimeException {

    public UserException(String message) {
        super(message);
    }

    public UserException(String message, Throwable cause) {
        super(message, cause);
    }
}
