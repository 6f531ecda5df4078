package org.diffusion4j.plugin.imagedata;

import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;
import org.diffusion4j.api.DataException;

/**
 * Reads MNIST-format IDX files (LeCun, Cortes and Burges, "The MNIST database", {@code
 * yann.lecun.com/exdb/mnist}): a big-endian header of a magic number {@code 0x0000TTNN} (TT the
 * element type, {@code 0x08} = unsigned byte; NN the number of dimensions), one 32-bit size per
 * dimension, then the elements in row-major order.
 *
 * <ul>
 *   <li>images: magic {@value #IMAGES_MAGIC_HEX}, dimensions {@code count × rows × columns};</li>
 *   <li>labels: magic {@value #LABELS_MAGIC_HEX}, dimension {@code count}.</li>
 * </ul>
 *
 * <p>A file may be gzip-compressed (as distributed) or raw: the gzip magic {@code 1f 8b} is
 * detected from the content, not from the name. Every error is a {@link DataException}
 * whose one-line message names the file and says what was expected and what was found. The whole
 * file is always checked, so a truncated file or a header that declares fewer elements than the
 * file holds is an error even when only the first images are asked for.
 */
public final class IdxFiles {

    /** Magic number of an unsigned-byte 3-D (images) IDX file. */
    public static final int IMAGES_MAGIC = 0x00000803;
    /** Magic number of an unsigned-byte 1-D (labels) IDX file. */
    public static final int LABELS_MAGIC = 0x00000801;
    static final String IMAGES_MAGIC_HEX = "0x00000803";
    static final String LABELS_MAGIC_HEX = "0x00000801";

    private static final int BUFFER = 1 << 16;

    private IdxFiles() {
    }

    /** What an image file's header declares: {@code count} images of {@code rows × columns} pixels. */
    public record ImageHeader(int count, int rows, int columns) {

        /** Pixels in one image. */
        public int pixels() {
            return rows * columns;
        }

        @Override
        public String toString() {
            return count + " images of " + rows + "×" + columns;
        }
    }

    /** The header of an image file and the unsigned-byte pixels of its first {@code pixels.length / (rows·columns)} images. */
    public record Images(ImageHeader header, byte[] pixels) {
    }

    /** Reads only the header of an image file. */
    public static ImageHeader readImageHeader(Path file) {
        try (InputStream in = open(file)) {
            return imageHeader(file, in);
        } catch (IOException e) {
            throw failure(file, e);
        }
    }

    /**
     * Reads the first {@code limit} images of an image file (all of them when {@code limit} is
     * larger than the count), and checks that the rest of the file holds exactly the pixels its
     * header declares.
     */
    public static Images readImages(Path file, int limit) {
        try (InputStream in = open(file)) {
            ImageHeader h = imageHeader(file, in);
            long total = (long) h.count() * h.pixels();
            int wanted = Math.min(Math.max(limit, 0), h.count());
            // Grows as it reads, so a corrupt header declaring billions of pixels costs no more than the file.
            byte[] pixels = in.readNBytes(wanted * h.pixels());
            int got = pixels.length;
            long rest = got < wanted * h.pixels() ? 0 : count(in);
            checkLength(file, "pixels", h.toString(), total, got + rest);
            return new Images(h, pixels);
        } catch (IOException e) {
            throw failure(file, e);
        }
    }

    /**
     * Reads all labels of a label file, checking each is in {@code 0 .. classes−1}.
     *
     * @param classes the number of classes the labels may take
     */
    public static int[] readLabels(Path file, int classes) {
        try (InputStream in = open(file)) {
            byte[] head = in.readNBytes(8);
            if (head.length < 8) {
                throw new DataException(file + " is truncated: an IDX label header needs 8 bytes, found "
                        + head.length);
            }
            ByteBuffer b = ByteBuffer.wrap(head);
            checkMagic(file, b.getInt(), LABELS_MAGIC, "labels: unsigned bytes, 1 dimension");
            int count = b.getInt();
            if (count < 0) {
                throw new DataException(file + " has a corrupt IDX header: it declares " + (count & 0xffffffffL)
                        + " labels, more than the 2^31-1 an IDX file can hold");
            }
            byte[] raw = in.readNBytes(count);
            long rest = raw.length < count ? 0 : count(in);
            checkLength(file, "labels", count + " labels", count, raw.length + rest);
            int[] labels = new int[count];
            for (int i = 0; i < count; i++) {
                labels[i] = raw[i] & 0xff;
                if (labels[i] >= classes) {
                    throw new DataException(file + ": label " + labels[i] + " of sample " + i + " is outside 0.."
                            + (classes - 1) + " (" + classes + " classes)");
                }
            }
            return labels;
        } catch (IOException e) {
            throw failure(file, e);
        }
    }

    /** Whether the first two bytes are the gzip magic {@code 1f 8b}. */
    static boolean isGzip(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            return in.read() == 0x1f && in.read() == 0x8b;
        }
    }

    /** Opens the file, decompressing it when its content starts with the gzip magic. */
    private static InputStream open(Path file) throws IOException {
        InputStream raw = new BufferedInputStream(Files.newInputStream(file), BUFFER);
        try {
            raw.mark(2);
            boolean gzip = raw.read() == 0x1f && raw.read() == 0x8b;
            raw.reset();
            return gzip ? new BufferedInputStream(new GZIPInputStream(raw, BUFFER), BUFFER) : raw;
        } catch (IOException | RuntimeException e) {
            raw.close();
            throw e;
        }
    }

    private static ImageHeader imageHeader(Path file, InputStream in) throws IOException {
        byte[] head = in.readNBytes(16);
        if (head.length >= 4) {
            checkMagic(file, ByteBuffer.wrap(head).getInt(), IMAGES_MAGIC, "images: unsigned bytes, 3 dimensions");
        }
        if (head.length < 16) {
            throw new DataException(file + " is truncated: an IDX image header needs 16 bytes, found "
                    + head.length);
        }
        ByteBuffer b = ByteBuffer.wrap(head, 4, 12);
        long count = b.getInt() & 0xffffffffL;
        long rows = b.getInt() & 0xffffffffL;
        long columns = b.getInt() & 0xffffffffL;
        if (rows < 1 || columns < 1 || count > Integer.MAX_VALUE || rows * columns > Integer.MAX_VALUE
                || count * rows * columns > Integer.MAX_VALUE - 8) {
            throw new DataException(file + " has a corrupt IDX image header: " + count + " images of " + rows
                    + "×" + columns + " (expected at least 1 row and 1 column, at most 2^31-9 pixels in all)");
        }
        return new ImageHeader((int) count, (int) rows, (int) columns);
    }

    private static void checkMagic(Path file, int found, int expected, String what) {
        if (found == expected) {
            return;
        }
        String kind = found == IMAGES_MAGIC ? " (an IDX image file)"
                : found == LABELS_MAGIC ? " (an IDX label file)"
                : (found >>> 16) == 0x1f8b ? " (still gzip-compressed twice?)"
                : (found >>> 16) == 0 && (found >>> 8 & 0xff) >= 0x08 && (found >>> 8 & 0xff) <= 0x0E
                ? " (an IDX file of type 0x" + hex2(found >>> 8 & 0xff) + " with " + (found & 0xff) + " dimensions)"
                : " (not an IDX file)";
        throw new DataException(file + " has magic number " + hex(found) + kind + ", expected " + hex(expected)
                + " (IDX " + what + ")");
    }

    private static void checkLength(Path file, String what, String declared, long expected, long found) {
        if (found < expected) {
            throw new DataException(file + " is truncated: its header declares " + declared + ", " + expected
                    + " bytes of " + what + ", found " + found);
        }
        if (found > expected) {
            throw new DataException(file + " holds " + found + " bytes of " + what + " but its header declares "
                    + declared + ", " + expected + " bytes (a corrupt header, or two files joined?)");
        }
    }

    /** Reads to the end and returns how many bytes there were. */
    private static long count(InputStream in) throws IOException {
        byte[] buf = new byte[BUFFER];
        long n = 0;
        for (int r; (r = in.read(buf)) >= 0; ) {
            n += r;
        }
        return n;
    }

    private static DataException failure(Path file, IOException e) {
        if (e instanceof NoSuchFileException) {
            return new DataException("IDX file not found: " + file);
        }
        if (e instanceof EOFException) {
            return new DataException(file + " is truncated: its gzip stream ends early (" + e.getMessage() + ")");
        }
        if (e instanceof ZipException) {
            return new DataException(file + " is a corrupt gzip file: " + e.getMessage());
        }
        return new DataException("cannot read IDX file " + file + ": " + e);
    }

    static String hex(int v) {
        return "0x" + String.format(Locale.ROOT, "%08X", v);
    }

    private static String hex2(int v) {
        return String.format(Locale.ROOT, "%02X", v);
    }
}
