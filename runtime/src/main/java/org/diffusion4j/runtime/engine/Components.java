package org.diffusion4j.runtime.engine;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.OptionalDouble;
import org.diffusion4j.api.Dataset;
import org.diffusion4j.api.ComponentContext;
import org.diffusion4j.api.Kind;
import org.diffusion4j.api.tensor.Backend;
import org.diffusion4j.api.tensor.Rng;
import org.diffusion4j.runtime.plugin.Registry;
import org.diffusion4j.runtime.spec.ComponentRef;

/**
 * Creates the components a spec names and remembers, for the manifest, which provider and
 * resolved config made each one. Once the dataset has been created, every later component sees
 * its declared range ({@link ComponentContext#dataRange()}): samplers clip to it by default.
 */
public final class Components {

    private final Registry registry;
    private final Backend backend;
    private final Rng root;
    private final Map<String, Registry.Created<?>> created = new LinkedHashMap<>();
    /** Components created inside others (SECTION options): by the creating label, then by option. */
    private final Map<String, Map<String, Registry.Created<?>>> nested = new LinkedHashMap<>();
    private OptionalDouble dataRange = OptionalDouble.empty();

    public Components(Registry registry, Backend backend, long seed) {
        this.registry = registry;
        this.backend = backend;
        this.root = new Rng(seed).split("components");
    }

    /** Creates the component {@code ref} names, recorded under {@code label}, for points of {@code dataDimension}. */
    public <T> T create(Kind kind, String label, ComponentRef ref, int dataDimension, int extraOutputs) {
        return create(kind, label, ref, new int[]{dataDimension}, 0, extraOutputs);
    }

    /**
     * Creates the component {@code ref} names, recorded under {@code label}, for data samples of
     * {@code dataShape} carrying {@code labelCount} classes.
     */
    public <T> T create(Kind kind, String label, ComponentRef ref, int[] dataShape, int labelCount, int extraOutputs) {
        int dataDimension = java.util.Arrays.stream(dataShape).reduce(1, Math::multiplyExact);
        int[] shape = dataShape.clone();
        Rng rng = root.split(kind.id()).split(ref.name());
        OptionalDouble range = dataRange;
        ComponentContext context = new ComponentContext() {
            @Override
            public Backend backend() {
                return backend;
            }

            @Override
            public Rng rng() {
                return rng;
            }

            @Override
            public int dataDimension() {
                return dataDimension;
            }

            @Override
            public int[] dataShape() {
                return shape.clone();
            }

            @Override
            public int dataLabelCount() {
                return labelCount;
            }

            @Override
            public int extraOutputs() {
                return extraOutputs;
            }

            @Override
            public OptionalDouble dataRange() {
                return range;
            }

            @Override
            public <N> N create(Kind nestedKind, String nestedLabel, Map<String, Object> section) {
                Object name = section.get("name");
                if (!(name instanceof String n)) {
                    throw new org.diffusion4j.api.config.ConfigException(ref.name() + ": option '" + nestedLabel
                            + "' names no component; it takes {name: NAME, option: value, ...}");
                }
                Map<String, Object> options = new LinkedHashMap<>(section);
                options.remove("name");
                ComponentRef nested = new ComponentRef(ref.section() + "." + nestedLabel, n, options,
                        ref.given().contains(nestedLabel) ? options.keySet() : java.util.Set.of());
                Registry.Created<N> made = Components.this.createNested(nestedKind, nested, shape, labelCount,
                        extraOutputs, range, rng.split(nestedLabel));
                Components.this.nested.computeIfAbsent(label, k -> new LinkedHashMap<>()).put(nestedLabel, made);
                return made.component();
            }
        };
        Registry.Created<T> c = registry.create(kind, ref.name(), ref.options(), ref.given(), context);
        created.put(label, c);
        if (kind == Kind.DATASET && c.component() instanceof Dataset d) {
            dataRange = checkedRange(ref.name(), d.range());
        }
        return c.component();
    }

    /**
     * A component created by another one (a SECTION option), not recorded on its own: its options
     * sit in the creating component's resolved config.
     */
    private <T> Registry.Created<T> createNested(Kind kind, ComponentRef ref, int[] shape, int labelCount,
                                                 int extraOutputs, OptionalDouble range, Rng rng) {
        int dataDimension = java.util.Arrays.stream(shape).reduce(1, Math::multiplyExact);
        ComponentContext context = new ComponentContext() {
            @Override
            public Backend backend() {
                return backend;
            }

            @Override
            public Rng rng() {
                return rng;
            }

            @Override
            public int dataDimension() {
                return dataDimension;
            }

            @Override
            public int[] dataShape() {
                return shape.clone();
            }

            @Override
            public int dataLabelCount() {
                return labelCount;
            }

            @Override
            public int extraOutputs() {
                return extraOutputs;
            }

            @Override
            public OptionalDouble dataRange() {
                return range;
            }
        };
        return registry.create(kind, ref.name(), ref.options(), ref.given(), context);
    }

    /** The components created inside the one recorded under {@code label}, by option name (empty if none). */
    public Map<String, Registry.Created<?>> nestedIn(String label) {
        return new LinkedHashMap<>(nested.getOrDefault(label, Map.of()));
    }

    /** The declared range of the dataset created last, empty when none was created or it declares none. */
    public OptionalDouble dataRange() {
        return dataRange;
    }

    private static OptionalDouble checkedRange(String dataset, OptionalDouble range) {
        if (range.isPresent() && !(range.getAsDouble() > 0 && Double.isFinite(range.getAsDouble()))) {
            throw new IllegalStateException("dataset '" + dataset + "' declares the range " + range.getAsDouble()
                    + "; a range must be a finite number > 0");
        }
        return range;
    }

    /** What was created, by label, in creation order. */
    public Map<String, Registry.Created<?>> createdInOrder() {
        return new LinkedHashMap<>(created);
    }
}
