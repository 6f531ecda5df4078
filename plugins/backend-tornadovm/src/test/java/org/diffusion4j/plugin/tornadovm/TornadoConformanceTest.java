package org.diffusion4j.plugin.tornadovm;

import org.diffusion4j.api.tensor.Backend;
import org.diffusion4j.runtime.backend.BackendConformance;

/**
 * The backend conformance suite on the TornadoVM backend, on the device TornadoVM picks (here PoCL,
 * OpenCL on the CPU cores). It runs only in a build with TornadoVM installed: the module itself is
 * built only then, and its tests start with the installation's JVM options (see the pom).
 */
class TornadoConformanceTest extends BackendConformance {

    @Override
    protected Backend create() {
        return new TornadoBackendProvider().create(1);
    }
}
