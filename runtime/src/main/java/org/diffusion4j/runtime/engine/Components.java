package org.diffusion4j.runtime.engine;

import java.util.LinkedHashMap;
import java.util.Map;
import org.diffusion4j.api.ComponentContext;
import org.diffusion4j.api.Kind;
import org.diffusion4j.api.tensor.Backend;
import org.diffusion4j.api.tensor.Rng;
import org.diffusion4j.runtime.plugin.Registry;
import org.diffusion4j.runtime.spec.ComponentRef;

/**
 * Creates the components a spec names and remembers, for the manifest, which provider and
 * resolved config made each one.
 */
public final class Components {

    private final Registry registry;
    private final Backend backend;
    private final Rng root;
    private final Map<String, Registry.Created<?>> created = new LinkedHashMap<>();

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
        };
        Registry.Created<T> c = registry.create(kind, ref.name(), ref.options(), context);
        created.put(label, c);
        return c.component();
    }

    /** What was created, by label, in creation order. */
    public Map<String, Registry.Created<?>> createdInOrder() {
        return new LinkedHashMap<>(created);
    }
}
