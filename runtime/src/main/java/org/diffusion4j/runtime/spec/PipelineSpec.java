package org.diffusion4j.runtime.spec;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.diffusion4j.runtime.UserException;

/**
 * A pipeline: which component of each kind, with which options, plus the training and sampling
 * settings. Written as JSON or YAML:
 *
 * <pre>
 * seed: 0
 * dataset:          {name: two-gaussians, count: 10000}
 * schedule:         {name: flow-matching.linear}
 * parameterization: {name: flow-matching.velocity}
 * network:          {name: mlp, width: 64, depth: 2}
 * loss:             {name: flow-matching.cfm}
 * training:         {lr: 0.001, batch-size: 512, epochs: 200}
 * samplers:
 *   ode: {name: flow-matching.euler, steps: 100}
 * sampling:         {count: 10000}
 * metrics:          [sliced-w2, mmd2, energy]
 * likelihoods:
 *   nll: {name: score-sde.likelihood}
 * prior:            {name: dinof.flow, t-m: 0.6}    # optional: what sampling starts from (default: Gaussian at tMax)

 * </pre>
 *
 * Immutable; {@link #with(List)} applies {@code --set path=value} overrides and returns a new spec.
 * Unknown top-level sections are errors; options inside a section are checked when the component
 * (or trainer) that owns them is created.
 */
public final class PipelineSpec {

    /** The sections a spec may have. */
    public static final List<String> SECTIONS = List.of("name", "seed", "dataset", "schedule", "parameterization",
            "network", "loss", "training", "samplers", "sampling", "metrics", "likelihoods", "prior");

    private static final Set<String> COMPONENT_SECTIONS = Set.of("dataset", "schedule", "parameterization", "network",
            "loss", "prior");

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    private final ObjectNode root;
    private final String source;

    private PipelineSpec(ObjectNode root, String source) {
        this.root = root;
        this.source = source;
        validate();
    }

    /** Reads a {@code .json}, {@code .yaml} or {@code .yml} file. */
    public static PipelineSpec read(Path file) {
        String text;
        try {
            text = Files.readString(file);
        } catch (NoSuchFileException e) {
            throw new UserException("pipeline spec not found: " + file);
        } catch (IOException e) {
            throw new UserException("cannot read pipeline spec " + file + ": " + e.getMessage());
        }
        String n = file.getFileName().toString().toLowerCase(Locale.ROOT);
        boolean json = n.endsWith(".json");
        if (!json && !n.endsWith(".yaml") && !n.endsWith(".yml")) {
            throw new UserException("pipeline spec " + file + " must end in .json, .yaml or .yml");
        }
        return parse(text, file.toString(), json);
    }

    /** Parses spec text (JSON when {@code json}, else YAML). */
    public static PipelineSpec parse(String text, String source, boolean json) {
        JsonNode node;
        try {
            node = (json ? JSON : YAML).readTree(text);
        } catch (JsonProcessingException e) {
            String where = e.getLocation() == null ? "" : " at line " + e.getLocation().getLineNr() + ", column "
                    + e.getLocation().getColumnNr();
            throw new UserException("pipeline spec " + source + " is not valid " + (json ? "JSON" : "YAML") + where + ": "
                    + problem(e.getOriginalMessage()));
        }
        if (node == null || node.isMissingNode() || node.isNull()) {
            throw new UserException("pipeline spec " + source + " is empty");
        }
        if (!node.isObject()) {
            throw new UserException("pipeline spec " + source + " must be a mapping of sections ("
                    + String.join(", ", SECTIONS) + ")");
        }
        return new PipelineSpec((ObjectNode) node, source);
    }

    /**
     * The parser's explanation without its source excerpt and caret lines (they repeat the
     * location, which the message already gives).
     */
    private static String problem(String message) {
        StringBuilder sb = new StringBuilder();
        for (String line : message.split("\n")) {
            String l = line.strip();
            if (l.isEmpty() || line.startsWith(" ") || l.startsWith("in 'reader'") || l.equals("^")) {
                continue;
            }
            sb.append(sb.isEmpty() ? "" : "; ").append(l.endsWith(":") ? l.substring(0, l.length() - 1) : l);
        }
        return sb.isEmpty() ? message.replace('\n', ' ') : sb.toString();
    }

    /** Where this spec came from (a file, or "quickstart"). */
    public String source() {
        return source;
    }

    /**
     * Applies {@code path=value} overrides: {@code sampler.steps=50} is read as
     * {@code samplers.*.steps} when the spec has exactly one sampler (likewise {@code likelihood.}
     * for {@code likelihoods}); {@code samplers.ode.steps=50},
     * {@code network.width=128}, {@code training.lr=3e-4}, {@code seed=1} set single values. Values
     * are read as YAML scalars (numbers, true/false, strings).
     */
    public PipelineSpec with(List<String> overrides) {
        ObjectNode copy = root.deepCopy();
        for (String o : overrides) {
            int eq = o.indexOf('=');
            if (eq <= 0) {
                throw new UserException("--set needs path=value (e.g. training.lr=0.0003), got '" + o + "'");
            }
            String path = o.substring(0, eq).trim();
            String raw = o.substring(eq + 1).trim();
            JsonNode value;
            try {
                value = YAML.readTree(raw.isEmpty() ? "''" : raw);
            } catch (JsonProcessingException e) {
                throw new UserException("--set " + o + ": cannot read value '" + raw + "'");
            }
            if (value == null || value.isContainerNode()) {
                throw new UserException("--set " + o + ": the value must be a single number, boolean or string");
            }
            List<String> parts = new ArrayList<>(List.of(path.split("\\.")));
            if (parts.get(0).equals("sampler") || parts.get(0).equals("likelihood")) {
                parts.set(0, parts.get(0) + "s");
                parts.add(1, onlyLabel(copy, parts.get(0), o));
            }
            if (!SECTIONS.contains(parts.get(0))) {
                throw new UserException("--set " + o + ": unknown section '" + parts.get(0) + "'; known sections: "
                        + String.join(", ", SECTIONS) + " (and 'sampler' / 'likelihood' for a spec with one of them)");
            }
            ObjectNode node = copy;
            for (int i = 0; i < parts.size() - 1; i++) {
                JsonNode next = node.get(parts.get(i));
                if (next == null) {
                    next = node.putObject(parts.get(i));
                } else if (!next.isObject()) {
                    throw new UserException("--set " + o + ": '" + String.join(".", parts.subList(0, i + 1))
                            + "' is not a section");
                }
                node = (ObjectNode) next;
            }
            node.set(parts.get(parts.size() - 1), value);
        }
        return new PipelineSpec(copy, source);
    }

    private static String onlyLabel(ObjectNode root, String section, String override) {
        JsonNode s = root.get(section);
        if (s == null || s.size() != 1) {
            String singular = section.substring(0, section.length() - 1);
            throw new UserException("--set " + override + ": '" + singular + ".' is ambiguous, the spec has "
                    + (s == null ? 0 : s.size()) + " " + section + "; use " + section + ".LABEL.option");
        }
        return s.fieldNames().next();
    }

    private void validate() {
        for (Iterator<String> it = root.fieldNames(); it.hasNext(); ) {
            String k = it.next();
            if (!SECTIONS.contains(k)) {
                throw new UserException("pipeline spec " + source + ": unknown section '" + k + "'; known sections: "
                        + String.join(", ", SECTIONS));
            }
        }
        for (String c : COMPONENT_SECTIONS) {
            if (root.has(c)) {
                component(c);
            }
        }
        if (root.has("samplers")) {
            samplers();
        }
        if (root.has("likelihoods")) {
            likelihoods();
        }
        if (root.has("seed") && !root.get("seed").canConvertToLong()) {
            throw new UserException("pipeline spec " + source + ": seed must be an integer, got " + root.get("seed"));
        }
        metrics();
    }

    /** The seed of the whole run (default 0). */
    public long seed() {
        return root.has("seed") ? root.get("seed").asLong() : 0L;
    }

    public String name() {
        return root.has("name") ? root.get("name").asText() : "pipeline";
    }

    /** True when the spec names a component in {@code section}. */
    public boolean has(String section) {
        return root.has(section);
    }

    /** The component named in a section ({@code network}). */
    public ComponentRef component(String section) {
        JsonNode n = root.get(section);
        if (n == null) {
            throw new UserException("pipeline spec " + source + " has no '" + section + "' section");
        }
        return toRef(section, n);
    }

    /** The samplers by label, in spec order. */
    public Map<String, ComponentRef> samplers() {
        return labelled("samplers", "sampler", "ode: {name: flow-matching.euler}");
    }

    /** The likelihoods ({@code eval --checkpoint}) by label, in spec order. */
    public Map<String, ComponentRef> likelihoods() {
        return labelled("likelihoods", "likelihood", "nll: {name: score-sde.likelihood}");
    }

    private Map<String, ComponentRef> labelled(String section, String singular, String example) {
        Map<String, ComponentRef> out = new LinkedHashMap<>();
        JsonNode s = root.get(section);
        if (s == null) {
            return out;
        }
        if (!s.isObject()) {
            throw new UserException("pipeline spec " + source + ": '" + section + "' must map labels to " + section
                    + " (" + example + ")");
        }
        s.fields().forEachRemaining(e -> out.put(e.getKey(), toRef(singular + " " + e.getKey(), e.getValue())));
        return out;
    }

    /** The raw options of a settings section ({@code training}, {@code sampling}); empty if absent. */
    public Map<String, Object> settings(String section) {
        JsonNode n = root.get(section);
        if (n == null) {
            return Map.of();
        }
        if (!n.isObject()) {
            throw new UserException("pipeline spec " + source + ": '" + section + "' must be a mapping of options");
        }
        return scalars(section, n);
    }

    /** Metric names (default: sliced-w2, mmd2, energy). */
    public List<String> metrics() {
        JsonNode n = root.get("metrics");
        if (n == null) {
            return List.of("sliced-w2", "mmd2", "energy");
        }
        if (!n.isArray()) {
            throw new UserException("pipeline spec " + source + ": 'metrics' must be a list of metric names");
        }
        List<String> out = new ArrayList<>();
        n.forEach(m -> out.add(m.asText()));
        return out;
    }

    /** The spec as pretty JSON. */
    public String toJson() {
        try {
            return JSON.writeValueAsString(root);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The spec as a JSON tree (a copy). */
    public ObjectNode tree() {
        return root.deepCopy();
    }

    /** A spec from a JSON tree. */
    public static PipelineSpec of(ObjectNode tree, String source) {
        return new PipelineSpec(tree.deepCopy(), source);
    }

    private ComponentRef toRef(String section, JsonNode n) {
        if (n.isTextual()) {
            return new ComponentRef(section, n.asText(), Map.of());
        }
        if (!n.isObject() || !n.has("name") || !n.get("name").isTextual()) {
            throw new UserException("pipeline spec " + source + ": '" + section
                    + "' must name a component, e.g. {name: NAME, option: value}");
        }
        ObjectNode opts = ((ObjectNode) n).deepCopy();
        String name = opts.remove("name").asText();
        return new ComponentRef(section, name, scalars(section, opts));
    }

    private Map<String, Object> scalars(String section, JsonNode n) {
        Map<String, Object> out = new LinkedHashMap<>();
        n.fields().forEachRemaining(e -> {
            JsonNode v = e.getValue();
            Object value;
            if (v.isIntegralNumber()) {
                value = v.canConvertToInt() ? (Object) v.asInt() : (Object) v.asLong();
            } else if (v.isNumber()) {
                value = v.asDouble();
            } else if (v.isBoolean()) {
                value = v.asBoolean();
            } else if (v.isTextual()) {
                value = v.asText();
            } else {
                throw new UserException("pipeline spec " + source + ": " + section + "." + e.getKey()
                        + " must be a single value, got " + v);
            }
            out.put(e.getKey(), value);
        });
        return out;
    }

    /** An empty spec builder's starting point. */
    static ObjectNode emptyTree() {
        return JsonNodeFactory.instance.objectNode();
    }
}
