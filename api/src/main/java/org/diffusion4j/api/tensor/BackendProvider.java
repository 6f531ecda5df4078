package org.diffusion4j.api.tensor;

/**
 * Creates a {@link Backend}; found with {@link java.util.ServiceLoader} like components. The Java
 * backend is always present; a GPU backend reports whether its device is usable.
 */
public interface BackendProvider {

    /** Name used with {@code --backend} ({@code java}, {@code tornado}). */
    String name();

    String description();

    /** Whether this backend can run here (device and drivers present). */
    default boolean available() {
        return true;
    }

    /** @param threads host threads the backend may use (≥ 1) */
    Backend create(int threads);
}
