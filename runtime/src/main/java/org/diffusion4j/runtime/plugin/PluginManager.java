package org.diffusion4j.runtime.plugin;

import java.io.IOException;
import java.lang.module.Configuration;
import java.lang.module.FindException;
import java.lang.module.ModuleFinder;
import java.lang.module.ModuleReference;
import java.lang.module.ResolutionException;
import java.lang.LayerInstantiationException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.jar.JarFile;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.diffusion4j.api.ComponentProvider;
import org.diffusion4j.api.SpiVersion;
import org.diffusion4j.api.tensor.BackendProvider;
import org.diffusion4j.runtime.UserException;

/**
 * Finds component providers: those visible to the runtime itself (module path or class path) and
 * those in plugin folders. Each sub-folder of a plugins directory is one plugin — its jar plus its
 * own dependencies — and gets its own {@link ModuleLayer} whose parent is the runtime's layer, so
 * two plugins may carry different versions of a library. Modular jars and plain jars (automatic
 * modules, services from {@code META-INF/services}) both work.
 *
 * <p>A plugin folder that cannot be loaded (a jar that is not a zip, an SPI version this runtime
 * does not accept, a provider whose constructor throws) is skipped as a whole and recorded as one
 * line in {@link #problems()}; every other plugin still loads, and a lookup of a component that is
 * not there names the skipped plugins and why ({@link Registry#find}).
 */
public final class PluginManager {

    private final Registry registry = new Registry();
    private final List<BackendProvider> backends = new ArrayList<>();
    private final List<String> plugins = new ArrayList<>();
    private final List<String> problems = new ArrayList<>();

    /** Loads the built-in providers and every plugin folder under {@code pluginsDir} (may be null or absent). */
    public static PluginManager load(Path pluginsDir) {
        PluginManager pm = new PluginManager();
        ModuleLayer own = PluginManager.class.getModule().getLayer();
        for (ComponentProvider<?> p : ServiceLoader.load(ComponentProvider.class, PluginManager.class.getClassLoader())) {
            Module m = p.getClass().getModule();
            pm.registry.add(new ComponentEntry(p, m.isNamed() ? m.getName() : "class path", "built in"));
        }
        for (BackendProvider b : ServiceLoader.load(BackendProvider.class, PluginManager.class.getClassLoader())) {
            pm.backends.add(b);
        }
        if (pluginsDir != null && Files.isDirectory(pluginsDir)) {
            ModuleLayer parent = own != null ? own : ModuleLayer.boot();
            for (Path dir : subfolders(pluginsDir)) {
                pm.loadFolder(dir, parent);
            }
        }
        return pm;
    }

    public Registry registry() {
        return registry;
    }

    /**
     * One line per plugin folder that was skipped because it cannot be loaded, e.g. {@code plugin
     * 'future' (/opt/d4j/plugins/future) skipped: plugin thirdparty.future was built for SPI 2.0 ...}.
     */
    public List<String> problems() {
        return List.copyOf(problems);
    }

    /** Names of the plugins loaded from folders, with their folders. */
    public List<String> plugins() {
        return List.copyOf(plugins);
    }

    /** The backend provider of a name; an unknown name lists the known ones. */
    public BackendProvider backend(String name) {
        for (BackendProvider b : backends) {
            if (b.name().equals(name)) {
                if (!b.available()) {
                    throw new UserException("backend '" + name + "' is installed but not available on this machine");
                }
                return b;
            }
        }
        throw new UserException("unknown backend '" + name + "'; known backends: "
                + backends.stream().map(BackendProvider::name).collect(Collectors.joining(", "))
                + registry.skippedNote());
    }

    public List<BackendProvider> backends() {
        return List.copyOf(backends);
    }

    private void loadFolder(Path dir, ModuleLayer parent) {
        String pluginName = dir.getFileName().toString();
        Loaded loaded;
        try {
            loaded = tryLoadFolder(dir, parent);
        } catch (UserException e) {
            String line = "plugin '" + pluginName + "' (" + dir + ") skipped: " + oneLine(e);
            problems.add(line);
            registry.skipped(line);
            return;
        }
        if (loaded == null) {
            return;
        }
        // Outside the catch: a duplicate name stays an error of every command, since which of the two
        // plugins the user means is unknown (and skipping the second could skip a built-in one).
        loaded.entries().forEach(registry::add);
        backends.addAll(loaded.backends());
        plugins.add(pluginName + " (" + dir + ")");
    }

    /** What one plugin folder provides. */
    private record Loaded(List<ComponentEntry> entries, List<BackendProvider> backends) {
    }

    /** Loads one plugin folder (null when it holds no module of its own); registers nothing. */
    private static Loaded tryLoadFolder(Path dir, ModuleLayer parent) {
        List<Path> jars = jars(dir);
        if (jars.isEmpty()) {
            return null;
        }
        ModuleFinder finder = ModuleFinder.of(jars.toArray(Path[]::new));
        Set<ModuleReference> found;
        try {
            found = finder.findAll();
        } catch (FindException e) {
            throw new UserException("cannot be loaded: " + withCauses(e));
        }
        Set<String> roots = found.stream().map(r -> r.descriptor().name()).collect(Collectors.toSet());
        // Modules the runtime layer already has (api, a shared library) are taken from it, not twice.
        roots.removeIf(n -> parent.findModule(n).isPresent());
        if (roots.isEmpty()) {
            return null;
        }
        for (ModuleReference ref : found) {
            if (roots.contains(ref.descriptor().name())) {
                checkSpiVersion(dir, ref);
            }
        }
        ModuleLayer layer;
        try {
            Configuration cf = parent.configuration().resolveAndBind(finder, ModuleFinder.of(), roots);
            layer = parent.defineModulesWithOneLoader(cf, ClassLoader.getSystemClassLoader());
        } catch (FindException | ResolutionException | LayerInstantiationException e) {
            throw new UserException("cannot be loaded: " + withCauses(e));
        }
        List<ComponentEntry> entries = new ArrayList<>();
        List<BackendProvider> pluginBackends = new ArrayList<>();
        try {
            for (ServiceLoader.Provider<ComponentProvider> p : ServiceLoader.load(layer, ComponentProvider.class)
                    .stream().toList()) {
                if (p.type().getModule().getLayer() == layer) {
                    ComponentProvider<?> provider = p.get();
                    Registry.checkNamed(provider, p.type().getModule().getName());
                    entries.add(new ComponentEntry(provider, p.type().getModule().getName(), dir.toString()));
                }
            }
            for (ServiceLoader.Provider<BackendProvider> p : ServiceLoader.load(layer, BackendProvider.class)
                    .stream().toList()) {
                if (p.type().getModule().getLayer() == layer) {
                    pluginBackends.add(p.get());
                }
            }
        } catch (java.util.ServiceConfigurationError e) {
            throw new UserException("a provider cannot be created: " + withCauses(e));
        } catch (UserException e) {
            throw e;
        } catch (RuntimeException | LinkageError e) {
            // A provider's kind() or name() failed: the plugin's bug, reported with its own message.
            throw new UserException("a provider failed: " + withCauses(e));
        }
        return new Loaded(entries, pluginBackends);
    }

    private static void checkSpiVersion(Path dir, ModuleReference ref) {
        Path jar = ref.location().map(Path::of).orElse(null);
        if (jar == null || !Files.isRegularFile(jar)) {
            return;
        }
        String declared;
        try (JarFile jf = new JarFile(jar.toFile())) {
            var mf = jf.getManifest();
            declared = mf == null ? null : mf.getMainAttributes().getValue(SpiVersion.MANIFEST_ATTRIBUTE);
        } catch (IOException e) {
            throw new UserException("plugin jar " + jar + " cannot be read: " + withCauses(e));
        }
        if (declared == null) {
            // Libraries a plugin carries do not declare a version; only jars that provide components must.
            if (ref.descriptor().provides().stream().anyMatch(p -> p.service().equals(ComponentProvider.class.getName()))) {
                throw new UserException("plugin " + ref.descriptor().name() + " (" + jar + ") does not declare the SPI "
                        + "version it was built against; add '" + SpiVersion.MANIFEST_ATTRIBUTE + ": "
                        + SpiVersion.CURRENT + "' to its jar manifest");
            }
            return;
        }
        SpiVersion v;
        try {
            v = SpiVersion.parse(declared);
        } catch (RuntimeException e) {
            throw new UserException("plugin " + ref.descriptor().name() + " (" + jar + ") declares SPI version '"
                    + declared + "', which is not MAJOR.MINOR");
        }
        if (!SpiVersion.CURRENT.accepts(v)) {
            throw new UserException("plugin " + ref.descriptor().name() + " (" + dir + ") was built for SPI " + v
                    + " but this runtime implements SPI " + SpiVersion.CURRENT + "; rebuild the plugin against SPI "
                    + SpiVersion.CURRENT.major() + ".x");
        }
    }

    private static List<Path> subfolders(Path dir) {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(Files::isDirectory).sorted().toList();
        } catch (IOException e) {
            throw new UserException("cannot list plugins folder " + dir + ": " + e.getMessage());
        }
    }

    private static List<Path> jars(Path dir) {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> p.toString().endsWith(".jar")).sorted().toList();
        } catch (IOException e) {
            throw new UserException("cannot list plugin folder " + dir + ": " + e.getMessage());
        }
    }

    private static String oneLine(Throwable e) {
        String m = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        return m.replace('\n', ' ').replace('\r', ' ');
    }

    /** The message of {@code e} followed by those of its causes (a constructor's own message is in its cause). */
    private static String withCauses(Throwable e) {
        StringBuilder b = new StringBuilder(oneLine(e));
        java.util.Set<Throwable> seen = new java.util.HashSet<>(List.of(e));
        for (Throwable c = e.getCause(); c != null && seen.add(c); c = c.getCause()) {
            String m = c.getMessage() == null ? c.getClass().getName() : c.getClass().getSimpleName() + ": " + oneLine(c);
            if (!b.toString().contains(oneLine(c))) {
                b.append(": ").append(m);
            }
        }
        return b.toString();
    }
}
