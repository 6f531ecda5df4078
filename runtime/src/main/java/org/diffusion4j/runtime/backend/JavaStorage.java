package org.diffusion4j.runtime.backend;

import org.diffusion4j.api.tensor.Storage;

/**
 * The storage of {@link JavaBackend}: a plain heap {@code float[]}. Only the backend reads or
 * writes the array; everyone else sees the values through {@link JavaBackend#download}.
 *
 * <p>A storage made inside a training step is handed back to the backend's per-thread pool when
 * the step ends ({@link JavaBackend#endStep}); from then on it has no array, and any use of it
 * fails with a message instead of reading another tensor's values.
 */
public final class JavaStorage implements Storage {

    private final int size;
    private float[] data;

    JavaStorage(float[] data) {
        this.data = data;
        this.size = data.length;
    }

    /** The backing array (not a copy): for the backend's kernels only. */
    float[] array() {
        float[] d = data;
        if (d == null) {
            throw new IllegalStateException("a tensor made during a training step was used after the step ended"
                    + " (Backend.endStep recycles its storage); copy the values out before endStep");
        }
        return d;
    }

    /** Gives the array up (to the pool); the storage is unusable from now on. */
    float[] release() {
        float[] d = data;
        data = null;
        return d;
    }

    @Override
    public int size() {
        return size;
    }

    @Override
    public String toString() {
        return "JavaStorage[" + size + (data == null ? ", released" : "") + "]";
    }
}
