package org.diffusion4j.runtime.io;

import java.util.Arrays;

/** Argument checks shared by the {@link TensorData} records. */
final class TensorChecks {

    private TensorChecks() {
    }

    /** Checks that {@code length} elements fill {@code shape} exactly. */
    static void checkShape(int[] shape, int length, String dtype) {
        if (shape == null) {
            throw new IllegalArgumentException("shape of a " + dtype + " tensor must not be null");
        }
        long n;
        try {
            n = TensorData.elementCount(shape);
        } catch (ArithmeticException e) {
            throw new IllegalArgumentException("shape " + Arrays.toString(shape) + " has too many elements");
        }
        if (n != length) {
            throw new IllegalArgumentException(dtype + " tensor of shape " + Arrays.toString(shape) + " needs " + n
                    + " elements but has " + length);
        }
    }
}
