/**
 * The TornadoVM backend ({@code --backend tornadovm}): the {@link org.diffusion4j.api.tensor.Backend}
 * kernels as TornadoVM task graphs, JIT-compiled to OpenCL, PTX or SPIR-V for the device TornadoVM
 * picks (on a machine without an accelerator: PoCL, OpenCL on the CPU cores). TornadoVM's modules are
 * optional at run time ({@code requires static}): without them the backend reports itself unavailable,
 * and the launcher adds them from {@code TORNADOVM_HOME} when this backend is requested.
 */
module org.diffusion4j.plugin.tornadovm {
    requires org.diffusion4j.api;
    requires static tornado.api;

    // TornadoVM's JIT reads the kernel methods' bytecode and invokes them reflectively.
    opens org.diffusion4j.plugin.tornadovm;

    provides org.diffusion4j.api.tensor.BackendProvider with
            org.diffusion4j.plugin.tornadovm.TornadoBackendProvider;
}
