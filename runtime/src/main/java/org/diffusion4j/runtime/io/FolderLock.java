package org.diffusion4j.runtime.io;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.diffusion4j.runtime.UserException;

/**
 * An exclusive claim on a folder (a training run's folder) for the life of one process: an
 * operating-system lock on {@code FOLDER/.lock}, taken with {@link FileChannel#tryLock()} and held
 * until {@link #close()} or the end of the process. A second process asking for the same folder is
 * refused at once with a one-line {@link UserException}.
 *
 * <p>The lock, not the file, is the claim: the operating system releases it when its process ends,
 * killed or not, so a {@code .lock} file left behind by a killed run never blocks the next one. The
 * file is therefore never deleted (deleting it would let two later processes lock two different
 * files of the same name). It holds the process id of the current holder, for the message.
 *
 * <p>While the claim is held, this process must not open and close the lock file in any other way:
 * on POSIX systems closing any descriptor of a file drops every lock the process has on it.
 */
public final class FolderLock implements AutoCloseable {

    /** Name of the lock file inside the folder. */
    public static final String FILE = ".lock";

    /**
     * Folders this process holds. Checked before a second channel is opened on a held lock file:
     * closing any channel of a file may drop every lock the process has on it (POSIX locks).
     */
    private static final Set<Path> HELD = ConcurrentHashMap.newKeySet();

    private final Path key;
    private final FileChannel channel;
    private final FileLock lock;

    private FolderLock(Path key, FileChannel channel, FileLock lock) {
        this.key = key;
        this.channel = channel;
        this.lock = lock;
    }

    /**
     * Creates {@code folder} (and its parents) if needed and locks it.
     *
     * @throws UserException when another process (or this one) holds the folder, or the lock file
     *                       cannot be created there
     */
    public static FolderLock acquire(Path folder) {
        Path file = folder.resolve(FILE);
        FileChannel channel = null;
        Path key = null;
        try {
            Files.createDirectories(folder);
            Path real = folder.toRealPath();
            if (!HELD.add(real)) {
                throw new UserException(folder + " is in use by another run (this process holds " + file
                        + "); wait for that run to end or choose another folder");
            }
            key = real;
            channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ,
                    StandardOpenOption.WRITE);
            FileLock lock;
            try {
                lock = channel.tryLock();
            } catch (OverlappingFileLockException e) {
                lock = null;
            }
            if (lock == null) {
                String holder = holder(channel);
                channel.close();
                HELD.remove(key);
                throw new UserException(folder + " is in use by another run (" + holder + " holds " + file
                        + "); wait for that run to end or choose another folder");
            }
            byte[] pid = (ProcessHandle.current().pid() + "\n").getBytes(StandardCharsets.US_ASCII);
            channel.truncate(0);
            channel.write(ByteBuffer.wrap(pid), 0);
            return new FolderLock(key, channel, lock);
        } catch (IOException e) {
            closeQuietly(channel);
            if (key != null) {
                HELD.remove(key);
            }
            throw new UserException("cannot claim folder " + folder + " (lock file " + file + "): "
                    + AtomicFiles.reason(e));
        }
    }

    private static String holder(FileChannel channel) {
        try {
            ByteBuffer b = ByteBuffer.allocate(32);
            channel.read(b, 0);
            String pid = new String(b.array(), 0, b.position(), StandardCharsets.US_ASCII).trim();
            return pid.matches("[0-9]{1,19}") ? "process " + pid : "a process";
        } catch (IOException e) {
            return "a process";
        }
    }

    private static void closeQuietly(FileChannel channel) {
        if (channel != null) {
            try {
                channel.close();
            } catch (IOException ignored) {
                // the claim failed already; that error is the one reported
            }
        }
    }

    /** Releases the claim (the lock file stays, see the class comment). */
    @Override
    public void close() throws IOException {
        try {
            lock.release();
        } finally {
            try {
                channel.close();
            } finally {
                HELD.remove(key);
            }
        }
    }
}
