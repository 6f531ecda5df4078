package org.diffusion4j.api;

/**
 * The user's data cannot be used: a data file that is missing, unreadable or malformed, points of
 * the wrong dimension, labels out of range, non-finite values. The message names the file or
 * dataset, what is wrong and what is expected. Added in SPI 1.4.
 */
public class DataException extends UserError {

    public DataException(String message) {
        super(message);
    }

    public DataException(String message, Throwable cause) {
        super(message, cause);
    }
}
