package org.diffusion4j.runtime.io;

import java.util.Arrays;

/**
 * One tensor as stored in a safetensors file: a shape and row-major (C order) data of one dtype.
 * {@link NamedTensor} holds {@code F32}, {@link LongTensor} holds {@code I64}.
 *
 * <p>Implementations do not copy their arrays (weights can be large): callers must not modify an
 * array after handing it over.
 */
public sealed interface TensorData permits NamedTensor, LongTensor {

    /** The dimensions, outermost first; empty for a scalar. */
    int[] shape();

    /** The safetensors dtype name: {@code "F32"} or {@code "I64"}. */
    String dtype();

    /** Bytes per element of {@link #dtype()}. */
    int elementBytes();

    /** Number of elements stored. */
    int length();

    /** Product of {@code shape}, checking that every dimension is non-negative. */
    static long elementCount(int[] shape) {
        long n = 1;
        for (int d : shape) {
            if (d < 0) {
                throw new IllegalArgumentException("negative dimension in shape " + Arrays.toString(shape));
            }
            n = Math.multiplyExact(n, (long) d);
        }
        return n;
    }
}
