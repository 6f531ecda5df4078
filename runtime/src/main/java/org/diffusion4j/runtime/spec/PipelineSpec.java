package org.diffusion4j.runtime.spec;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
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

    /** Largest spec accepted, in bytes (a spec is a page of settings; a huge one is a mistake). */
    public static final long MAX_BYTES = 1 << 20;

    // A key given twice (a whole section included) is an error, not "the last one wins".
    private static final ObjectMapper JSON = JsonMapper.builder().enable(SerializationFeature.INDENT_OUTPUT)
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_READING_DUP_TREE_KEY).build();
    private static final ObjectMapper YAML = YAMLMapper.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_READING_DUP_TREE_KEY).build();

    private final ObjectNode root;
    private final String source;
    /** True for a checkpoint's resolved spec: its options were written out, defaults included. */
    private final boolean resolved;
    /** The options set by {@code --set}, by component path ({@code schedule}, {@code samplers.ode}). */
    private final Map<String, Set<String>> overridden;

    private PipelineSpec(ObjectNode root, String source) {
        this(root, source, false, Map.of());
    }

    private PipelineSpec(ObjectNode root, String source, boolean resolved, Map<String, Set<String>> overridden) {
        this.root = root;
        this.source = source;
        this.resolved = resolved;
        Map<String, Set<String>> copy = new LinkedHashMap<>();
        overridden.forEach((k, v) -> copy.put(k, Set.copyOf(v)));
        this.overridden = Map.copyOf(copy);
        validate();
    }

    /**
     * A checkpoint's resolved spec (JSON, every option written out with its value at training
     * time). Its options count as chosen when the run was trained, not as given now: only those
     * set with {@link #with} are given ({@link ComponentRef#given}), so that a component refuses an
     * option without effect only when the user set it.
     */
    public static PipelineSpec parseResolved(String json, String source) {
        PipelineSpec s = parse(json, source, true);
        return new PipelineSpec(s.root, source, true, Map.of());
    }

    /** Reads a {@code .json}, {@code .yaml} or {@code .yml} file. */
    public static PipelineSpec read(Path file) {
        String text;
        try {
            // checked before reading: parsing a file of many megabytes would take minutes
            long size = Files.size(file);
            if (size > MAX_BYTES) {
                throw new UserException("pipeline spec " + file + " is " + size + " bytes, larger than the limit of "
                        + MAX_BYTES + " bytes (1 MiB); is it the right file?");
            }
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
        if (text.length() > MAX_BYTES) {
            throw new UserException("pipeline spec " + source + " has " + text.length()
                    + " characters, more than the limit of " + MAX_BYTES + " (1 MiB)");
        }
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
     * Applies {@code path=value} overrides, saying on standard error which options a change of
     * component dropped (see {@link #with(List, Consumer)}).
     */
    public PipelineSpec with(List<String> overrides) {
        return with(overrides, System.err::println);
    }

    /**
     * Applies {@code path=value} overrides: {@code sampler.steps=50} is read as
     * {@code samplers.*.steps} when the spec has exactly one sampler (likewise {@code likelihood.}
     * for {@code likelihoods}); {@code samplers.ode.steps=50},
     * {@code network.width=128}, {@code training.lr=3e-4}, {@code seed=1} set single values. Values
     * are read as YAML scalars (numbers, true/false, strings).
     *
     * <p>Setting a component's {@code name} to another component ({@code schedule.name=ddpm.cosine})
     * drops the options of the one it replaces, since they belong to it, except those given by an
     * override of the same list (before or after the name); each such switch is reported to
     * {@code notes} in one line. A component written as a bare name ({@code schedule: ddpm.linear})
     * takes options the same way.
     */
    public PipelineSpec with(List<String> overrides, Consumer<String> notes) {
        ObjectNode copy = root.deepCopy();
        // Options set by overrides, per component path: a switch of name keeps them, and they are given.
        Map<String, Set<String>> setHere = new LinkedHashMap<>();
        overridden.forEach((k, v) -> setHere.put(k, new LinkedHashSet<>(v)));
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
                if (next != null && next.isTextual() && isComponent(parts.subList(0, i + 1))) {
                    // schedule: ddpm.linear is schedule: {name: ddpm.linear}
                    ObjectNode named = JsonNodeFactory.instance.objectNode();
                    named.set("name", next);
                    node.set(parts.get(i), named);
                    next = named;
                }
                if (next == null) {
                    next = node.putObject(parts.get(i));
                } else if (!next.isObject()) {
                    throw new UserException("--set " + o + ": '" + String.join(".", parts.subList(0, i + 1))
                            + "' is not a section");
                }
                node = (ObjectNode) next;
            }
            String key = parts.get(parts.size() - 1);
            boolean component = isComponent(parts.subList(0, parts.size() - 1));
            Set<String> given = component ? setHere.computeIfAbsent(String.join(".", parts.subList(0, parts.size() - 1)),
                    n -> new LinkedHashSet<>()) : new LinkedHashSet<>();
            if (key.equals("name") && component && node.has("name")
                    && !node.get("name").asText().equals(value.asText())) {
                List<String> dropped = new ArrayList<>();
                for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
                    String f = it.next();
                    if (!f.equals("name") && !given.contains(f)) {
                        dropped.add(f);
                    }
                }
                dropped.forEach(node::remove);
                List<String> kept = given.stream().filter(f -> !f.equals("name")).toList();
                notes.accept(String.join(".", parts.subList(0, parts.size() - 1)) + ": switched "
                        + node.get("name").asText() + " → " + value.asText()
                        + (dropped.isEmpty() ? "" : "; dropped its options " + String.join(", ", dropped))
                        + (kept.isEmpty() ? "" : "; kept " + String.join(", ", kept) + " (given with --set)"));
            }
            given.add(key);
            node.set(key, value);
        }
        return new PipelineSpec(copy, source, resolved, setHere);
    }

    /** True for the path of a component: a component section, or one entry of samplers / likelihoods. */
    private static boolean isComponent(List<String> path) {
        return (path.size() == 1 && COMPONENT_SECTIONS.contains(path.get(0)))
                || (path.size() == 2 && (path.get(0).equals("samplers") || path.get(0).equals("likelihoods")));
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
        if (root.has("seed") && !isLong(root.get("seed"))) {
            throw new UserException("pipeline spec " + source + ": seed must be an integer in ["
                    + Long.MIN_VALUE + ", " + Long.MAX_VALUE + "], got " + root.get("seed"));
        }
        metrics();
    }

    /** True for an integer that fits a long: not 1.5, not 2^64 + 5 (which would wrap). */
    private static boolean isLong(JsonNode n) {
        return n.isIntegralNumber() && n.canConvertToLong();
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
        return toRef(section, section, n);
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
        s.fields().forEachRemaining(e -> out.put(e.getKey(), toRef(singular + " " + e.getKey(),
                section + "." + e.getKey(), e.getValue())));
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

    private ComponentRef toRef(String section, String path, JsonNode n) {
        if (n.isTextual()) {
            return new ComponentRef(section, n.asText(), Map.of());
        }
        if (!n.isObject() || !n.has("name") || !n.get("name").isTextual()) {
            throw new UserException("pipeline spec " + source + ": '" + section
                    + "' must name a component, e.g. {name: NAME, option: value}");
        }
        ObjectNode opts = ((ObjectNode) n).deepCopy();
        String name = opts.remove("name").asText();
        Map<String, Object> options = scalars(section, opts);
        return new ComponentRef(section, name, options,
                resolved ? overridden.getOrDefault(path, Set.of()) : options.keySet());
    }

    private Map<String, Object> scalars(String section, JsonNode n) {
        Map<String, Object> out = new LinkedHashMap<>();
        n.fields().forEachRemaining(e -> {
            JsonNode v = e.getValue();
            Object value;
            if (v.isIntegralNumber()) {
                // kept exact beyond long (a BigInteger), for the option's range check to refuse by value
                value = v.canConvertToInt() ? (Object) v.asInt() : v.canConvertToLong() ? (Object) v.asLong()
                        : (Object) v.bigIntegerValue();
            } else if (v.isNumber()) {
                value = v.asDouble();
            } else if (v.isBoolean()) {
                value = v.asBoolean();
            } else if (v.isTextual()) {
                value = v.asText();
            } else if (v.isObject() && (v.has("name") || v.isEmpty())) {
                // a component inside a component (network: {name: dinof, score: {name: unet, ...}}); {} is
                // how a resolved spec writes one that was not given
                value = scalars(section + "." + e.getKey(), v);
            } else if (v.isObject()) {
                throw new UserException("pipeline spec " + source + ": " + section + "." + e.getKey()
                        + " names no component; write {name: NAME, option: value, ...}, got " + v);
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
