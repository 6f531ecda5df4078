package org.diffusion4j.plugin.imagedata;

import java.awt.image.BufferedImage;
import java.awt.image.IndexColorModel;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.function.IntBinaryOperator;
import javax.imageio.ImageIO;

/** Writes small PNG (lossless) and JPEG images with known samples for the tests. */
final class Png {

    private Png() {
    }

    /** An 8-bit grey image whose pixel (x, y) is {@code grey(x, y)}. */
    static BufferedImage grey(int width, int height, IntBinaryOperator grey) {
        BufferedImage im = new BufferedImage(width, height, BufferedImage.TYPE_BYTE_GRAY);
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                im.getRaster().setSample(x, y, 0, grey.applyAsInt(x, y));
            }
        }
        return im;
    }

    /** An 8-bit RGB image whose pixel (x, y) is {@code rgb(x, y)} = 0xRRGGBB. */
    static BufferedImage rgb(int width, int height, IntBinaryOperator rgb) {
        BufferedImage im = new BufferedImage(width, height, BufferedImage.TYPE_3BYTE_BGR);
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                im.setRGB(x, y, rgb.applyAsInt(x, y));
            }
        }
        return im;
    }

    /** A 16-bit grey image whose pixel (x, y) is {@code grey(x, y)} in 0..65535. */
    static BufferedImage grey16(int width, int height, IntBinaryOperator grey) {
        BufferedImage im = new BufferedImage(width, height, BufferedImage.TYPE_USHORT_GRAY);
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                im.getRaster().setSample(x, y, 0, grey.applyAsInt(x, y));
            }
        }
        return im;
    }

    /** An RGBA image: colour {@code rgb(x, y)}, alpha {@code alpha} everywhere. */
    static BufferedImage rgba(int width, int height, int alpha, IntBinaryOperator rgb) {
        BufferedImage im = new BufferedImage(width, height, BufferedImage.TYPE_INT_ARGB);
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                im.setRGB(x, y, alpha << 24 | rgb.applyAsInt(x, y));
            }
        }
        return im;
    }

    /** A palette image of the given 0xRRGGBB colours; pixel (x, y) is palette entry {@code index(x, y)}. */
    static BufferedImage indexed(int width, int height, int[] palette, IntBinaryOperator index) {
        byte[] r = new byte[palette.length];
        byte[] g = new byte[palette.length];
        byte[] b = new byte[palette.length];
        for (int i = 0; i < palette.length; i++) {
            r[i] = (byte) (palette[i] >> 16);
            g[i] = (byte) (palette[i] >> 8);
            b[i] = (byte) palette[i];
        }
        IndexColorModel cm = new IndexColorModel(8, palette.length, r, g, b);
        BufferedImage im = new BufferedImage(width, height, BufferedImage.TYPE_BYTE_INDEXED, cm);
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                im.getRaster().setSample(x, y, 0, index.applyAsInt(x, y));
            }
        }
        return im;
    }

    static byte[] encode(BufferedImage im, String format) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            if (!ImageIO.write(im, format, out)) {
                throw new IllegalStateException("no " + format + " writer for image type " + im.getType());
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    /** Writes {@code im} as PNG to {@code file}, creating its folders. */
    static Path write(Path file, BufferedImage im) {
        return bytes(file, encode(im, "png"));
    }

    static Path jpeg(Path file, BufferedImage im) {
        return bytes(file, encode(im, "jpeg"));
    }

    /** The first {@code keep} bytes of an encoding: a truncated file. */
    static byte[] truncated(byte[] encoded, int keep) {
        return Arrays.copyOf(encoded, keep);
    }

    /** A PNG of only a signature, an IHDR chunk declaring an 8-bit grey {@code width × height} image, and IEND. */
    static byte[] headerOnly(int width, int height) {
        java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(8 + 25 + 12);
        b.put(new byte[]{(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'});
        chunk(b, "IHDR", java.nio.ByteBuffer.allocate(13).putInt(width).putInt(height).put(new byte[]{8, 0, 0, 0, 0})
                .array());
        chunk(b, "IEND", new byte[0]);
        return b.array();
    }

    private static void chunk(java.nio.ByteBuffer b, String type, byte[] data) {
        java.util.zip.CRC32 crc = new java.util.zip.CRC32();
        byte[] t = type.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        crc.update(t);
        crc.update(data);
        b.putInt(data.length).put(t).put(data).putInt((int) crc.getValue());
    }

    static Path bytes(Path file, byte[] bytes) {
        try {
            Files.createDirectories(file.getParent());
            return Files.write(file, bytes);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
