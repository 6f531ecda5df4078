package org.diffusion4j.it;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.stream.Stream;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import org.diffusion4j.api.ComponentProvider;
import org.diffusion4j.api.SpiVersion;

/**
 * Builds a plugin jar the way a third party would: Java sources compiled against the api jar of a
 * distribution with the system Java compiler, packed with {@link JarOutputStream}, the SPI version
 * in the manifest, and either a {@code module-info} ({@link #modular}) or a
 * {@code META-INF/services} file ({@link #plain}).
 */
final class PluginJar {

    private final boolean modular;
    private final Map<String, String> sources = new LinkedHashMap<>();
    private final Map<String, String> resources = new LinkedHashMap<>();
    private String spiVersion = SpiVersion.CURRENT.toString();

    private PluginJar(boolean modular) {
        this.modular = modular;
    }

    /** A modular jar: add a {@code module-info.java} source that {@code provides} the service. */
    static PluginJar modular() {
        return new PluginJar(true);
    }

    /** A plain jar (an automatic module): the providers are listed in {@code META-INF/services}. */
    static PluginJar plain(String... providerClasses) {
        PluginJar j = new PluginJar(false);
        j.resources.put("META-INF/services/" + ComponentProvider.class.getName(),
                String.join("\n", providerClasses) + "\n");
        return j;
    }

    /** Adds a source file; {@code path} is relative to the source root ({@code a/b/C.java}, {@code module-info.java}). */
    PluginJar source(String path, String text) {
        sources.put(path, text);
        return this;
    }

    /** The manifest's {@code Diffusion4j-Spi-Version} (default: the current SPI); null leaves it out. */
    PluginJar spiVersion(String version) {
        this.spiVersion = version;
        return this;
    }

    /**
     * Compiles the sources against {@code apiJar} in a new folder under {@code scratch} and writes the
     * jar to {@code jar}.
     */
    Path build(Path apiJar, Path scratch, Path jar) {
        try {
            Path work = Files.createTempDirectory(Files.createDirectories(scratch), "plugin-build-");
            Path src = work.resolve("src");
            Path classes = Files.createDirectories(work.resolve("classes"));
            List<String> args = new ArrayList<>(List.of("-d", classes.toString(), "-proc:none", "-Xlint:none",
                    "-encoding", "UTF-8", "--release", "25"));
            args.add(modular ? "--module-path" : "-classpath");
            args.add(apiJar.toString());
            for (Map.Entry<String, String> e : sources.entrySet()) {
                Path f = src.resolve(e.getKey());
                Files.createDirectories(f.getParent());
                Files.writeString(f, e.getValue());
                args.add(f.toString());
            }
            JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
            if (javac == null) {
                throw new AssertionError("no system Java compiler: run the tests on a JDK");
            }
            ByteArrayOutputStream diagnostics = new ByteArrayOutputStream();
            int rc = javac.run(null, diagnostics, diagnostics, args.toArray(String[]::new));
            if (rc != 0) {
                throw new AssertionError("the test plugin does not compile (javac exit " + rc + "):\n" + diagnostics.toString(StandardCharsets.UTF_8)
                        + "\nargs: " + args);
            }
            writeJar(classes, jar);
            return jar;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void writeJar(Path classes, Path jar) throws IOException {
        Manifest mf = new Manifest();
        mf.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        if (spiVersion != null) {
            mf.getMainAttributes().put(new Attributes.Name(SpiVersion.MANIFEST_ATTRIBUTE), spiVersion);
        }
        Files.createDirectories(jar.getParent());
        try (OutputStream os = Files.newOutputStream(jar); JarOutputStream out = new JarOutputStream(os, mf);
             Stream<Path> files = Files.walk(classes)) {
            for (Path f : files.filter(Files::isRegularFile).sorted().toList()) {
                out.putNextEntry(new JarEntry(classes.relativize(f).toString().replace('\\', '/')));
                Files.copy(f, out);
                out.closeEntry();
            }
            for (Map.Entry<String, String> r : resources.entrySet()) {
                out.putNextEntry(new JarEntry(r.getKey()));
                out.write(r.getValue().getBytes(StandardCharsets.UTF_8));
                out.closeEntry();
            }
        }
    }
}
