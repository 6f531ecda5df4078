package org.diffusion4j.api.tensor;

/**
 * A flat float32 buffer owned by a {@link Backend}. Only the backend that made it reads or writes
 * its contents, so a GPU backend can keep it on the device; the host sees it through
 * {@link Backend#download}.
 */
public interface Storage {

    /** Number of float elements. */
    int size();
}
