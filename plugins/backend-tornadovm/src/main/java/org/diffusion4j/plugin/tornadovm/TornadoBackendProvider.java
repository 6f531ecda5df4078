package org.diffusion4j.plugin.tornadovm;

import java.util.Optional;
import org.diffusion4j.api.config.ConfigException;
import org.diffusion4j.api.tensor.Backend;
import org.diffusion4j.api.tensor.BackendProvider;

/**
 * Service entry of the TornadoVM backend, {@code --backend tornadovm}. It is available when
 * TornadoVM's runtime is in the JVM's boot layer, which the launcher arranges from
 * {@code TORNADOVM_HOME} when this backend is requested; this class touches no TornadoVM type
 * until then, so the plugin loads (and {@code list} shows it) without TornadoVM.
 */
public final class TornadoBackendProvider implements BackendProvider {

    /** What to do when TornadoVM is missing: one line, for the error message. */
    static final String HOW_TO_INSTALL = "install TornadoVM (jdk25 line, e.g. its OpenCL backend: "
            + "https://github.com/beehive-lab/TornadoVM), set TORNADOVM_HOME to it and run the diffusion4j "
            + "launcher (see the README, 'The TornadoVM backend')";

    private volatile String devices;

    @Override
    public String name() {
        return "tornadovm";
    }

    @Override
    public String description() {
        if (!available()) {
            return "TornadoVM: kernels JIT-compiled to GPUs and OpenCL devices; not available here: " + HOW_TO_INSTALL;
        }
        return "TornadoVM: kernels JIT-compiled to GPUs and OpenCL devices; devices: " + devices();
    }

    /** The devices TornadoVM sees, {@code [backend:device] name}, comma-separated; the first is used. */
    private String devices() {
        String d = devices;
        if (d == null) {
            readTornado();
            try {
                d = Devices.list();
            } catch (RuntimeException | LinkageError e) {
                d = "(TornadoVM failed to list its devices: " + e + ")";
            }
            devices = d;
        }
        return d;
    }

    @Override
    public boolean available() {
        return tornadoRuntime().isPresent();
    }

    private static Optional<Module> tornadoRuntime() {
        return ModuleLayer.boot().findModule("tornado.runtime");
    }

    /** This module reads tornado.api only optionally ({@code requires static}): make sure it does. */
    private static void readTornado() {
        ModuleLayer.boot().findModule("tornado.api").ifPresent(TornadoBackendProvider.class.getModule()::addReads);
    }

    @Override
    public Backend create(int threads) {
        if (!available()) {
            throw new ConfigException("backend 'tornadovm' needs TornadoVM, which this JVM was not started with: "
                    + HOW_TO_INSTALL);
        }
        readTornado();
        String mb = System.getProperty(TornadoBackend.ARENA_PROPERTY, String.valueOf(TornadoBackend.DEFAULT_ARENA_MB));
        long floats;
        try {
            floats = Long.parseLong(mb.trim()) * (1 << 20) / 4;
        } catch (NumberFormatException e) {
            floats = -1;
        }
        if (floats <= 0 || floats > Integer.MAX_VALUE - 8) {
            throw new ConfigException("-D" + TornadoBackend.ARENA_PROPERTY + "=" + mb
                    + " is not a device arena size in megabytes; allowed: 1 to 8191");
        }
        return new TornadoBackend(threads, floats);
    }
}
