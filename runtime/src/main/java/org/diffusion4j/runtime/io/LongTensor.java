package org.diffusion4j.runtime.io;

import java.util.Arrays;
import java.util.Objects;

/**
 * A 64-bit integer tensor ({@code I64}) as stored in a safetensors file, row-major; typically a scalar
 * such as an optimizer's step count. The arrays are not copied; equality compares shape and values.
 */
public record LongTensor(int[] shape, long[] data) implements TensorData {

    public LongTensor {
        Objects.requireNonNull(data, "data");
        TensorChecks.checkShape(shape, data.length, "I64");
    }

    /** A scalar (shape {@code []}). */
    public static LongTensor scalar(long value) {
        return new LongTensor(new int[0], new long[] {value});
    }

    @Override
    public String dtype() {
        return "I64";
    }

    @Override
    public int elementBytes() {
        return Long.BYTES;
    }

    @Override
    public int length() {
        return data.length;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof LongTensor t && Arrays.equals(shape, t.shape) && Arrays.equals(data, t.data);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(shape) + Arrays.hashCode(data);
    }

    @Override
    public String toString() {
        return "I64" + Arrays.toString(shape) + (data.length <= 8 ? Arrays.toString(data) : "");
    }
}
