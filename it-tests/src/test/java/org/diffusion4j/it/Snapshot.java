package org.diffusion4j.it;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * The exact state of a file or folder tree (every path, its bytes and modification time), to show
 * that a failed command left existing outputs untouched and created nothing.
 */
record Snapshot(Map<String, String> entries) {

    static Snapshot of(Path root) {
        Map<String, String> out = new TreeMap<>();
        if (!Files.exists(root)) {
            return new Snapshot(out);
        }
        try (Stream<Path> s = Files.walk(root)) {
            for (Path p : s.sorted().toList()) {
                String rel = root.relativize(p).toString();
                FileTime mtime = Files.getLastModifiedTime(p);
                if (Files.isDirectory(p)) {
                    out.put(rel + "/", "dir");
                } else {
                    byte[] bytes = Files.readAllBytes(p);
                    out.put(rel, bytes.length + " bytes, sha-256 " + sha256(bytes) + ", mtime " + mtime.toInstant());
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new Snapshot(out);
    }

    static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
