package org.diffusion4j.runtime.backend;

import org.diffusion4j.api.tensor.Storage;

/**
 * The storage of {@link JavaBackend}: a plain heap {@code float[]}. Only the backend reads or
 * writes the array; everyone else sees the values through {@link JavaBackend#download}.
 */
public final class JavaStorage implements Storage {

    private final float[] data;

    JavaStorage(float[] data) {
        this.data = data;
    }

    /** The backing array (not a copy): for the backend's kernels only. */
    float[] array() {
        return data;
    }

    @Override
    public int size() {
        return data.length;
    }

    @Override
    public String toString() {
        return "JavaStorage[" + data.length + "]";
    }
}
