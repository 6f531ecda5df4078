package org.diffusion4j.runtime.io;

import java.util.Arrays;
import java.util.Objects;

/**
 * A 32-bit float tensor ({@code F32}) as stored in a safetensors file, row-major. The arrays are not
 * copied; equality compares shape and values (bit patterns, as {@link Arrays#equals(float[], float[])}).
 */
public record NamedTensor(int[] shape, float[] data) implements TensorData {

    public NamedTensor {
        Objects.requireNonNull(data, "data");
        TensorChecks.checkShape(shape, data.length, "F32");
    }

    /** A 1-D tensor holding {@code data}. */
    public static NamedTensor vector(float... data) {
        return new NamedTensor(new int[] {data.length}, data);
    }

    @Override
    public String dtype() {
        return "F32";
    }

    @Override
    public int elementBytes() {
        return Float.BYTES;
    }

    @Override
    public int length() {
        return data.length;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof NamedTensor t && Arrays.equals(shape, t.shape) && Arrays.equals(data, t.data);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(shape) + Arrays.hashCode(data);
    }

    @Override
    public String toString() {
        return "F32" + Arrays.toString(shape) + (data.length <= 8 ? Arrays.toString(data) : "");
    }
}
