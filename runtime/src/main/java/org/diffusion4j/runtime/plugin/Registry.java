package org.diffusion4j.runtime.plugin;

import java.util.Collection;
import java.util.Collections;
import java.util.EnumMap;
import java.util.Map;
import java.util.TreeMap;
import org.diffusion4j.api.ComponentContext;
import org.diffusion4j.api.Kind;
import org.diffusion4j.api.config.Config;
import org.diffusion4j.api.config.ConfigException;
import org.diffusion4j.runtime.UserException;

/** Every component provider known to the run, by kind and unique name. */
public final class Registry {

    private final Map<Kind, Map<String, ComponentEntry>> byKind = new EnumMap<>(Kind.class);
    private final java.util.List<String> skipped = new java.util.ArrayList<>();

    Registry() {
        for (Kind k : Kind.values()) {
            byKind.put(k, new TreeMap<>());
        }
    }

    /** A registry of the given providers, attributed to {@code plugin} (tests, embedding applications). */
    public static Registry of(String plugin, java.util.List<? extends org.diffusion4j.api.ComponentProvider<?>> providers) {
        Registry r = new Registry();
        providers.forEach(p -> r.add(new ComponentEntry(p, plugin, "given")));
        return r;
    }

    /** Records a plugin that was skipped (one line saying which and why), for the message of an unknown name. */
    void skipped(String problem) {
        skipped.add(problem);
    }

    /** {@code "; not loaded: plugin 'x' (dir) skipped: why"} when plugins were skipped, else "". */
    String skippedNote() {
        return skipped.isEmpty() ? "" : "; not loaded: " + String.join("; ", skipped);
    }

    /** Refuses a provider without a kind or name. */
    static void checkNamed(org.diffusion4j.api.ComponentProvider<?> p, String plugin) {
        if (p.kind() == null || p.name() == null || p.name().isBlank()) {
            throw new UserException("plugin " + plugin + " has a provider (" + p.getClass().getName()
                    + ") without a kind or name");
        }
    }

    void add(ComponentEntry entry) {
        var p = entry.provider();
        checkNamed(p, entry.plugin());
        ComponentEntry previous = byKind.get(p.kind()).putIfAbsent(p.name(), entry);
        if (previous != null) {
            throw new UserException("duplicate " + p.kind().id() + " '" + p.name() + "': provided by plugin "
                    + previous.plugin() + " (" + previous.source() + ") and by plugin " + entry.plugin() + " ("
                    + entry.source() + ")");
        }
    }

    /** Providers of one kind, sorted by name. */
    public Collection<ComponentEntry> list(Kind kind) {
        return Collections.unmodifiableCollection(byKind.get(kind).values());
    }

    /** The provider of a kind and name; an unknown name lists the known ones. */
    public ComponentEntry find(Kind kind, String name) {
        ComponentEntry e = byKind.get(kind).get(name);
        if (e == null) {
            Collection<String> known = byKind.get(kind).keySet();
            throw new ConfigException("unknown " + kind.id() + " '" + name + "'; known " + kind.id() + "s: "
                    + (known.isEmpty() ? "(none)" : String.join(", ", known)) + skippedNote());
        }
        return e;
    }

    /**
     * Creates a component: resolves the raw options against the provider's declared config (an
     * unknown, mistyped or out-of-range option is a {@link ConfigException} naming the component).
     */
    public <T> Created<T> create(Kind kind, String name, Map<String, ?> options, ComponentContext context) {
        return create(kind, name, options, options.keySet(), context);
    }

    /**
     * As {@link #create(Kind, String, Map, ComponentContext)}, with only the options in {@code given}
     * counting as given ({@link Config#given}); the others were read back from a resolved spec.
     */
    public <T> Created<T> create(Kind kind, String name, Map<String, ?> options, java.util.Set<String> given,
                                 ComponentContext context) {
        ComponentEntry e = find(kind, name);
        Config config = e.provider().config().resolve(kind.id() + " '" + name + "'", options, given);
        Object component = e.provider().create(config, context);
        if (!kind.type().isInstance(component)) {
            throw new UserException(kind.id() + " '" + name + "' of plugin " + e.plugin() + " created a "
                    + component.getClass().getName() + ", not a " + kind.type().getSimpleName());
        }
        @SuppressWarnings("unchecked")
        T typed = (T) component;
        return new Created<>(typed, e, config);
    }

    /** A created component with the provider and resolved config that made it (for manifests). */
    public record Created<T>(T component, ComponentEntry entry, Config config) {
    }
}
