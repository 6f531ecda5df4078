package org.diffusion4j.plugin.imagedata;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPOutputStream;

/** Writes small IDX files for the tests, byte by byte as the format describes them. */
final class Idx {

    private Idx() {
    }

    /** An image file: magic 0x803, count, rows, columns, then the pixels. */
    static byte[] images(int count, int rows, int columns, byte[] pixels) {
        ByteBuffer b = ByteBuffer.allocate(16 + pixels.length);
        b.putInt(0x00000803).putInt(count).putInt(rows).putInt(columns).put(pixels);
        return b.array();
    }

    /** A label file: magic 0x801, count, then the labels. */
    static byte[] labels(int... labels) {
        ByteBuffer b = ByteBuffer.allocate(8 + labels.length);
        b.putInt(0x00000801).putInt(labels.length);
        for (int l : labels) {
            b.put((byte) l);
        }
        return b.array();
    }

    /** Pixels {@code (i·7 + k) mod 256} of image i, pixel k: every image different, all bytes used. */
    static byte[] pattern(int count, int pixelsPerImage) {
        byte[] p = new byte[count * pixelsPerImage];
        for (int i = 0; i < count; i++) {
            for (int k = 0; k < pixelsPerImage; k++) {
                p[i * pixelsPerImage + k] = (byte) ((i * 7 + k) % 256);
            }
        }
        return p;
    }

    static byte[] gzip(byte[] raw) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream z = new GZIPOutputStream(out)) {
            z.write(raw);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    static Path write(Path file, byte[] bytes) {
        try {
            return Files.write(file, bytes);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
