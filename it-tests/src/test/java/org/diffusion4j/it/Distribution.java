package org.diffusion4j.it;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.List;
import java.util.stream.Stream;

/**
 * The built distribution: where the build put it (system property {@code d4j.distribution}, set by
 * the pom), and private copies of it, so that tests which add plugins never touch the build output.
 */
final class Distribution {

    static final String PROPERTY = "d4j.distribution";

    private Distribution() {
    }

    /** The distribution folder the build assembled (bin/, lib/, plugins/, examples/). */
    static Path built() {
        String dir = System.getProperty(PROPERTY);
        if (dir == null || dir.isBlank()) {
            throw new AssertionError("system property " + PROPERTY + " is not set; run the tests with Maven ("
                    + "./mvnw verify), whose pom points it at distribution/<target>/diffusion4j/diffusion4j");
        }
        Path home = Path.of(dir).toAbsolutePath().normalize();
        Path launcher = home.resolve("bin").resolve("diffusion4j");
        if (!Files.isRegularFile(launcher)) {
            throw new AssertionError("no built distribution at " + home + " (missing " + launcher
                    + "); the distribution module must be packaged before the it-tests");
        }
        return home;
    }

    /** Copies the built distribution into {@code parent}/diffusion4j and returns the copy. */
    static Path copyTo(Path parent) {
        Path source = built();
        Path target = parent.resolve("diffusion4j");
        copyTree(source, target);
        return target;
    }

    /** Copies a folder recursively, keeping file attributes (the launcher's executable bit). */
    static void copyTree(Path source, Path target) {
        try {
            Files.walkFileTree(source, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) throws IOException {
                    Files.createDirectories(target.resolve(source.relativize(dir).toString()));
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                    Files.copy(file, target.resolve(source.relativize(file).toString()), StandardCopyOption.COPY_ATTRIBUTES,
                            LinkOption.NOFOLLOW_LINKS);
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException e) {
            throw new UncheckedIOException("cannot copy " + source + " to " + target, e);
        }
    }

    /** The api jar of a distribution ({@code lib/diffusion4j-api-*.jar}), which plugins compile against. */
    static Path apiJar(Path home) {
        try (Stream<Path> s = Files.list(home.resolve("lib"))) {
            List<Path> jars = s.filter(p -> {
                String n = p.getFileName().toString();
                return n.startsWith("diffusion4j-api") && n.endsWith(".jar");
            }).toList();
            if (jars.size() != 1) {
                throw new AssertionError("expected exactly one diffusion4j-api jar in " + home.resolve("lib") + ", found "
                        + jars);
            }
            return jars.get(0);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
