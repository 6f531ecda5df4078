package org.diffusion4j.api;

/**
 * A trained model produced NaN or infinite values where a component needs finite ones (a diverged
 * network, a checkpoint trained with too large a learning rate). It is a fault of the model, not of
 * the code: the launcher reports its message in one line with a non-zero exit, without a stack
 * trace. Components throw it with a message that names themselves, the time and what was not
 * finite. Added in SPI 1.1.
 */
public class NonFiniteOutputException extends RuntimeException {

    public NonFiniteOutputException(String message) {
        super(message);
    }
}
