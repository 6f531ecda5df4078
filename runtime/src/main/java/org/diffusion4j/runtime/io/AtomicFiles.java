package org.diffusion4j.runtime.io;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.ThreadLocalRandom;

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
 */
public final class AtomicFiles {

    private static final int BUFFER_BYTES = 1 << 16;

    private AtomicFiles() {
    }

    /** Atomically replaces {@code target} with what {@code body} writes, creating parent folders. */
    public static void write(Path target, IoWriter body) throws IOException {
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
            Files.move(temp, absolute, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            temp = null;
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
