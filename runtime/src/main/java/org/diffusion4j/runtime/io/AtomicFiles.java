package org.diffusion4j.runtime.io;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Stream;
import org.diffusion4j.runtime.UserException;

/**
 * Writes files so that readers (and a run killed half-way) see either the old content or the complete
 * new content, never a mix: the content goes to a temporary file in the target's folder
 * ({@code .<name>.<random>.tmp}), is flushed and forced to the device, and is then renamed over the
 * target with {@link StandardCopyOption#ATOMIC_MOVE}. Finally the folder itself is forced where the
 * platform allows, so the rename survives a power loss.
 *
 * <p>On any failure (the writer throws, the disk is full, the rename is refused) the temporary file
 * is deleted, an existing target is left untouched and the exception propagates unchanged. If the
 * target is a symbolic link, the link itself is replaced.
 *
 * <p>The {@code createNew} methods publish with create-new semantics instead: the finished temporary
 * file is hard-linked to the target name, which the file system refuses atomically when the name
 * exists, so of two writers racing for one output exactly one wins and the other overwrites nothing.
 */
public final class AtomicFiles {

    private static final int BUFFER_BYTES = 1 << 16;

    private AtomicFiles() {
    }

    /** Atomically replaces {@code target} with what {@code body} writes, creating parent folders. */
    public static void write(Path target, IoWriter body) throws IOException {
        publish(target, body, true);
    }

    /**
     * Writes {@code target}, which must not exist, atomically: readers see no file or the complete
     * one, never a partial one, and an existing file (one created by another process while this one
     * was writing included) is never replaced.
     *
     * @throws UserException naming the file when it exists (nothing is written then)
     */
    public static void createNew(Path target, IoWriter body) throws IOException {
        publish(target, body, false);
    }

    /** {@link #createNew(Path, IoWriter)} of {@code text} in UTF-8. */
    public static void createNewString(Path target, String text) throws IOException {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        createNew(target, out -> out.write(bytes));
    }

    /** {@link #createNew(Path, IoWriter)} of {@code bytes}. */
    public static void createNewBytes(Path target, byte[] bytes) throws IOException {
        createNew(target, out -> out.write(bytes));
    }

    /**
     * Checks, before any work, that {@code folder} is, or can be created as, a folder this process
     * can write in: the nearest existing folder on its path (missing ones are created when a file is
     * written) must be a folder, and a file can be created there. Tried for real, since permission
     * bits alone do not tell (a read-only file system, root, access control lists).
     *
     * @param what the option and value for the message ({@code --out x/y.csv})
     * @throws UserException naming the place and the problem
     */
    public static void requireWritableFolder(String what, Path folder) {
        Path place = folder.toAbsolutePath();
        while (place != null && !Files.exists(place)) {
            place = place.getParent();
        }
        if (place == null) {
            throw new UserException(what + ": no part of " + folder.toAbsolutePath() + " exists");
        }
        if (!Files.isDirectory(place)) {
            throw new UserException(what + ": " + place + " is a file, not a folder; choose another place");
        }
        try {
            Path probe = Files.createTempFile(place, ".diffusion4j-write-check-", ".tmp");
            Files.delete(probe);
        } catch (IOException | SecurityException e) {
            throw new UserException(what + ": cannot write in " + place + " (" + reason(e) + "); choose another place");
        }
    }

    /** Why a file could not be created, in words. */
    static String reason(Exception e) {
        return switch (e) {
            case AccessDeniedException a -> "permission denied";
            case NoSuchFileException n -> "no files can be created there";
            case FileSystemException f when f.getReason() != null -> f.getReason();
            default -> e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage());
        };
    }

    /**
     * Deletes, in {@code folder}, the temporary files that an interrupted write of one of {@code names}
     * left behind ({@code .<name>.<hex>.tmp}). Only for a folder the caller holds exclusively (see
     * {@link FolderLock}): another writer's temporary file in flight would be deleted too.
     *
     * @return the names of the deleted files, in name order
     */
    public static List<String> removeStaleTemps(Path folder, Collection<String> names) throws IOException {
        List<String> removed = new ArrayList<>();
        if (!Files.isDirectory(folder)) {
            return removed;
        }
        try (Stream<Path> files = Files.list(folder)) {
            for (Path f : files.sorted().toList()) {
                String n = f.getFileName().toString();
                for (String name : names) {
                    if (isTempOf(n, name) && Files.isRegularFile(f, LinkOption.NOFOLLOW_LINKS)) {
                        Files.deleteIfExists(f);
                        removed.add(n);
                        break;
                    }
                }
            }
        }
        return removed;
    }

    /** True for {@code .<name>.<1 to 16 hex digits>.tmp}, the names {@link #createTemp} makes. */
    static boolean isTempOf(String file, String name) {
        String prefix = "." + name + ".";
        if (!file.startsWith(prefix) || !file.endsWith(".tmp")) {
            return false;
        }
        String hex = file.substring(prefix.length(), file.length() - ".tmp".length());
        return hex.length() >= 1 && hex.length() <= 16 && hex.chars().allMatch(c -> Character.digit(c, 16) >= 0
                && !Character.isUpperCase(c));
    }

    private static void publish(Path target, IoWriter body, boolean replace) throws IOException {
        Path absolute = target.toAbsolutePath();
        Path folder = absolute.getParent();
        Path temp = null;
        try {
            Files.createDirectories(folder);
            temp = createTemp(folder, absolute.getFileName().toString());
            try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.WRITE)) {
                OutputStream out = new NonClosingStream(Channels.newOutputStream(channel));
                body.write(out);
                out.flush();
                channel.force(true);
            }
            if (replace) {
                Files.move(temp, absolute, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                temp = null;
            } else {
                linkNew(temp, absolute, target);
                Files.deleteIfExists(temp);
                temp = null;
            }
            forceFolder(folder);
        } catch (IOException | RuntimeException | Error e) {
            deleteQuietly(temp, e);
            throw e;
        }
    }

    /** Atomically replaces {@code target} with {@code text} in UTF-8. */
    public static void writeString(Path target, String text) throws IOException {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        write(target, out -> out.write(bytes));
    }

    /** Atomically replaces {@code target} with {@code bytes}. */
    public static void writeBytes(Path target, byte[] bytes) throws IOException {
        write(target, out -> out.write(bytes));
    }

    /**
     * Publishes the finished {@code temp} under {@code absolute} unless that name exists. A hard link
     * is created atomically or not at all; where the file system has no hard links, a move without
     * REPLACE_EXISTING is the fallback (it checks and renames in two steps, a window of microseconds).
     * The temporary name is deleted by the caller.
     */
    private static void linkNew(Path temp, Path absolute, Path shown) throws IOException {
        try {
            try {
                Files.createLink(absolute, temp);
            } catch (UnsupportedOperationException | FileSystemException e) {
                if (e instanceof FileAlreadyExistsException) {
                    throw e;
                }
                if (Files.exists(absolute, LinkOption.NOFOLLOW_LINKS)) {
                    throw new FileAlreadyExistsException(absolute.toString());
                }
                Files.move(temp, absolute);
            }
        } catch (FileAlreadyExistsException e) {
            throw new UserException(shown + " already exists (written by another run meanwhile); nothing was"
                    + " overwritten");
        }
    }

    private static Path createTemp(Path folder, String name) throws IOException {
        // Created with CREATE_NEW and default permissions (not the 0600 of Files.createTempFile), so
        // the renamed file gets the same permissions as any other file written there.
        for (int attempt = 0; ; attempt++) {
            String suffix = Long.toHexString(ThreadLocalRandom.current().nextLong());
            Path temp = folder.resolve("." + name + "." + suffix + ".tmp");
            try {
                Files.newByteChannel(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE).close();
                return temp;
            } catch (FileAlreadyExistsException e) {
                if (attempt >= 100) {
                    throw e;
                }
            }
        }
    }

    private static void forceFolder(Path folder) {
        // Makes the rename durable on POSIX file systems; not possible on every platform (Windows
        // refuses to open folders), and the data itself is already safe, so failure is ignored.
        try (FileChannel dir = FileChannel.open(folder, StandardOpenOption.READ)) {
            dir.force(true);
        } catch (IOException | UnsupportedOperationException e) {
            // ignored, see above
        }
    }

    private static void deleteQuietly(Path temp, Throwable primary) {
        if (temp == null) {
            return;
        }
        try {
            Files.deleteIfExists(temp);
        } catch (IOException | RuntimeException e) {
            primary.addSuppressed(e);
        }
    }

    /** Buffers, and turns {@code close()} into {@code flush()} so the channel stays open for force(). */
    private static final class NonClosingStream extends BufferedOutputStream {

        NonClosingStream(OutputStream out) {
            super(out, BUFFER_BYTES);
        }

        @Override
        public void close() throws IOException {
            flush();
        }
    }
}
