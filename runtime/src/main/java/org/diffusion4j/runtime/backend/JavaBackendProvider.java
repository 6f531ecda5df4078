package org.diffusion4j.runtime.backend;

import org.diffusion4j.api.tensor.Backend;
import org.diffusion4j.api.tensor.BackendProvider;

/** Service entry of the pure-Java backend, {@code --backend java}: always available. */
public final class JavaBackendProvider implements BackendProvider {

    @Override
    public String name() {
        return "java";
    }

    @Override
    public String description() {
        return "pure Java on the CPU: multi-threaded, auto-vectorised, bit-identical results for any thread count";
    }

    @Override
    public Backend create(int threads) {
        return new JavaBackend(threads);
    }
}
