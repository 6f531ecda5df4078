package org.diffusion4j.plugin.tornadovm;

import java.util.ArrayList;
import java.util.List;
import uk.ac.manchester.tornado.api.TornadoBackend;
import uk.ac.manchester.tornado.api.TornadoRuntime;
import uk.ac.manchester.tornado.api.common.TornadoDevice;
import uk.ac.manchester.tornado.api.runtime.TornadoRuntimeProvider;

/** The devices TornadoVM sees (loaded only when TornadoVM is present). */
final class Devices {

    private Devices() {
    }

    static String list() {
        TornadoRuntime rt = TornadoRuntimeProvider.getTornadoRuntime();
        List<String> out = new ArrayList<>();
        for (int b = 0; b < rt.getNumBackends(); b++) {
            TornadoBackend backend = rt.getBackend(b);
            for (int d = 0; d < backend.getNumDevices(); d++) {
                TornadoDevice device = backend.getDevice(d);
                out.add("[" + b + ":" + d + "] " + device.getPhysicalDevice().getDeviceName() + " ("
                        + backend.getBackendType() + ")");
            }
        }
        return out.isEmpty() ? "none" : String.join(", ", out);
    }
}
