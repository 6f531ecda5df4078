package org.diffusion4j.jmh;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.diffusion4j.api.tensor.Backend;
import org.diffusion4j.runtime.backend.JavaBackendProvider;
import org.diffusion4j.runtime.engine.Pipeline;
import org.diffusion4j.runtime.engine.RunModule;
import org.diffusion4j.runtime.plugin.PluginManager;
import org.diffusion4j.runtime.spec.PipelineSpec;

/**
 * What the benchmarks share: the built-in components (the plugins are on the class path here), the
 * Java backend, and pipelines assembled from the same specs as {@code diffusion4j bench} uses.
 */
final class Benches {

    static final PluginManager PLUGINS = PluginManager.load(null);

    private Benches() {
    }

    /** The runtime declares its backend in module-info only; on this class path it is made directly. */
    static Backend backend(int threads) {
        return new JavaBackendProvider().create(threads);
    }

    /** "seed": quickstart's MLP (3 → 64 → 64 → 2, ReLU); "ddpm": the ε-MLP (34 → 128 ×3 → 2, SiLU). */
    static Pipeline pipeline(String net, Backend backend, List<String> overrides) {
        String resource = net.equals("seed") ? "org/diffusion4j/runtime/cli/quickstart.yaml"
                : "org/diffusion4j/runtime/bench/ddpm-mlp.yaml";
        try (InputStream in = Benches.class.getClassLoader().getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("missing resource " + resource);
            }
            PipelineSpec spec = PipelineSpec.parse(new String(in.readAllBytes(), StandardCharsets.UTF_8), resource,
                    false).with(overrides);
            return RunModule.assemble(spec, PLUGINS.registry(), backend);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
