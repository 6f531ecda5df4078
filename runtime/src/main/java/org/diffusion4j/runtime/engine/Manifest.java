package org.diffusion4j.runtime.engine;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Map;
import org.diffusion4j.api.SpiVersion;
import org.diffusion4j.api.config.Config;
import org.diffusion4j.runtime.plugin.Registry;

/**
 * Provenance written next to every checkpoint and sample file: the resolved spec (every option,
 * defaults included), which plugin and version made each component, SPI version, seed and random
 * number algorithm, Java version, operating system and backend — enough to reproduce the file.
 */
public final class Manifest {

    public static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /** Algorithm of {@link org.diffusion4j.api.tensor.Rng}, recorded so results can be reproduced elsewhere. */
    public static final String RNG = "counter-based SplitMix64 (key, counter); Box-Muller normals; one child stream per sample";

    private Manifest() {
    }

    /** The spec with every component's and section's options resolved (defaults filled in). */
    public static ObjectNode resolvedSpec(Pipeline p) {
        ObjectNode spec = p.spec().tree();
        for (Map.Entry<String, Registry.Created<?>> e : p.components().createdInOrder().entrySet()) {
            String label = e.getKey();
            ObjectNode node = JSON.createObjectNode();
            node.put("name", e.getValue().entry().provider().name());
            putAll(node, e.getValue().config());
            // a component inside this one (dinof's score network), with its options resolved too
            p.components().nestedIn(label).forEach((option, inner) -> {
                ObjectNode n = JSON.createObjectNode();
                n.put("name", inner.entry().provider().name());
                putAll(n, inner.config());
                node.set(option, n);
            });
            if (label.startsWith("sampler ")) {
                spec.with("samplers").set(label.substring("sampler ".length()), node);
            } else if (label.startsWith("likelihood ")) {
                spec.with("likelihoods").set(label.substring("likelihood ".length()), node);
            } else if (!label.startsWith("metric ")) {
                spec.set(label, node);
            }
        }
        ObjectNode training = JSON.createObjectNode();
        putAll(training, p.training());
        spec.set("training", training);
        ObjectNode sampling = JSON.createObjectNode();
        putAll(sampling, p.sampling());
        spec.set("sampling", sampling);
        spec.put("seed", p.spec().seed());
        return spec;
    }

    /** The manifest of a run; {@code extra} adds file-specific fields (step, sampler). */
    public static ObjectNode of(Pipeline p, Map<String, Object> extra) {
        ObjectNode m = JSON.createObjectNode();
        m.put("format", "diffusion4j-manifest-1");
        m.put("spi", SpiVersion.CURRENT.toString());
        m.put("runtime", versionOf(Manifest.class));
        ObjectNode comps = m.putObject("components");
        p.components().createdInOrder().forEach((label, c) -> {
            component(comps.putObject(label), c);
            p.components().nestedIn(label).forEach((option, inner) ->
                    component(comps.putObject(label + "." + option), inner));
        });
        m.put("seed", p.spec().seed());
        m.put("rng", RNG);
        m.put("backend", p.backend().name());
        m.put("threads", p.backend().threads());
        m.put("java", System.getProperty("java.vendor") + " " + Runtime.version());
        m.put("os", System.getProperty("os.name") + " " + System.getProperty("os.version") + " "
                + System.getProperty("os.arch"));
        extra.forEach((k, v) -> m.putPOJO(k, v));
        m.set("spec", resolvedSpec(p));
        return m;
    }

    private static void component(ObjectNode n, Registry.Created<?> c) {
        n.put("kind", c.entry().provider().kind().id());
        n.put("name", c.entry().provider().name());
        n.put("version", c.entry().provider().version());
        n.put("plugin", c.entry().plugin());
        n.put("plugin-version", versionOf(c.entry().provider().getClass()));
    }

    public static String toJson(ObjectNode node) {
        try {
            return JSON.writeValueAsString(node);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void putAll(ObjectNode node, Config c) {
        c.values().forEach((k, v) -> node.putPOJO(k, v));
    }

    private static String versionOf(Class<?> c) {
        return c.getModule().getDescriptor() != null
                ? c.getModule().getDescriptor().rawVersion().orElse("unversioned") : "unversioned";
    }
}
