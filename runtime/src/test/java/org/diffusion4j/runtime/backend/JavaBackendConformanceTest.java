package org.diffusion4j.runtime.backend;

import org.diffusion4j.api.tensor.Backend;

/**
 * The conformance suite on the Java backend itself, with a thread count other than the reference's:
 * the checks must hold for the reference (tolerances, oracle, training, determinism), and they run in
 * CI where no device backend is installed.
 */
class JavaBackendConformanceTest extends BackendConformance {

    @Override
    protected Backend create() {
        return new JavaBackend(1);
    }
}
