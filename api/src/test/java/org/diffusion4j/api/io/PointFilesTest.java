package org.diffusion4j.api.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.StringWriter;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.diffusion4j.api.DataException;
import org.diffusion4j.api.PointSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.diffusion4j.api.UserError;

class PointFilesTest {

    @Test
    void aCsvWithoutHeaderKeepsItsFirstPoint(@TempDir Path dir) throws Exception {
        Path plain = Files.writeString(dir.resolve("plain.csv"), "\n0.5,-1\n2,3e-1\n");
        PointSet p = PointFiles.read(plain);
        assertThat(p.values()).containsExactly(0.5f, -1f, 2f, 0.3f);
        assertThat(PointFiles.csvHeader(plain)).isEmpty();
        assertThat(PointFiles.describe(plain, p)).isEqualTo("read 2 points of dimension 2 from " + plain
                + " (no header: the first line is a point)");
        Path named = Files.writeString(dir.resolve("named.csv"), "x, y\n0.5,-1\n");
        assertThat(PointFiles.read(named).values()).containsExactly(0.5f, -1f);
        assertThat(PointFiles.describe(named, PointFiles.read(named))).endsWith("(header: x, y)");
        // a header is only ever the first line: a word further down is an error naming file and line
        Path late = Files.writeString(dir.resolve("late.csv"), "1,2\nx,y\n");
        assertThatThrownBy(() -> PointFiles.read(late)).hasMessageContaining("late.csv line 2: 'x' is not a number");
        Path twice = Files.writeString(dir.resolve("twice.csv"), "x,y\n1,2\nx,y\n");
        assertThatThrownBy(() -> PointFiles.read(twice)).hasMessageContaining("twice.csv line 3");
        Path onlyHeader = Files.writeString(dir.resolve("only.csv"), "x,y\n");
        assertThatThrownBy(() -> PointFiles.read(onlyHeader)).hasMessageContaining("has a header (x,y) but no points");
    }

    @Test
    void npyRoundTripsEveryBitAndHasAnAlignedHeader(@TempDir Path dir) throws Exception {
        float[] v = {0f, -1.5f, Float.MIN_VALUE, 3.25e7f, -0f, 1f / 3};
        PointSet points = new PointSet(3, v);
        byte[] npy = PointFiles.toNpy(points);
        // The .npy spec pads the header so the data start on a 64-byte boundary.
        assertThat((npy.length - 4 * v.length) % 64).isZero();
        Path file = Files.write(dir.resolve("p.npy"), npy);
        PointSet back = PointFiles.read(file);
        assertThat(back.dimension()).isEqualTo(3);
        assertThat(back.values()).containsExactly(v);
    }

    @Test
    void pointsKeepTheirTwoDimensionalHeaderByteForByte() {
        byte[] npy = PointFiles.toNpy(new PointSet(2, new float[]{1, 2, 3, 4, 5, 6}));
        String header = new String(npy, 10, npy.length - 10 - 24, StandardCharsets.ISO_8859_1);
        assertThat(header).startsWith("{'descr': '<f4', 'fortran_order': False, 'shape': (3, 2), }").endsWith("\n");
        assertThat(npy.length % 64).isEqualTo(24 % 64);
    }

    @Test
    void imagesRoundTripAsFourDimensionalNpy(@TempDir Path dir) throws Exception {
        float[] v = new float[3 * 16];
        for (int i = 0; i < v.length; i++) {
            v[i] = (i - 20) / 7f;
        }
        PointSet images = new PointSet(new int[]{1, 4, 4}, v, null);
        byte[] npy = PointFiles.toNpy(images);
        assertThat(new String(npy, 0, 80, StandardCharsets.ISO_8859_1)).contains("'shape': (3, 1, 4, 4), }");
        assertThat((npy.length - 4 * v.length) % 64).isZero();
        Path file = Files.write(dir.resolve("images.npy"), npy);
        PointSet back = PointFiles.read(file);
        assertThat(back.sampleShape()).containsExactly(1, 4, 4);
        assertThat(back.count()).isEqualTo(3);
        assertThat(back.dimension()).isEqualTo(16);
        assertThat(back.values()).containsExactly(v);
        assertThat(PointFiles.toNpy(back)).isEqualTo(npy);
    }

    @Test
    void readsBigEndianFloat64ImagesOfAnyRank(@TempDir Path dir) throws Exception {
        String dict = "{'descr': '>f8', 'fortran_order': False, 'shape': (2, 3, 2, 2), }";
        int pad = (64 - (10 + dict.length() + 1) % 64) % 64;
        String header = dict + " ".repeat(pad) + "\n";
        ByteBuffer b = ByteBuffer.allocate(10 + header.length() + 8 * 24).order(ByteOrder.BIG_ENDIAN);
        b.put(new byte[]{(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0});
        b.order(ByteOrder.LITTLE_ENDIAN).putShort((short) header.length()).order(ByteOrder.BIG_ENDIAN);
        b.put(header.getBytes(StandardCharsets.ISO_8859_1));
        for (int i = 0; i < 24; i++) {
            b.putDouble(i * 0.5);
        }
        PointSet back = PointFiles.read(Files.write(dir.resolve("rgb.npy"), b.array()));
        assertThat(back.sampleShape()).containsExactly(3, 2, 2);
        assertThat(back.count()).isEqualTo(2);
        assertThat(back.get(1, 11)).isEqualTo(11.5f);
    }

    @Test
    void aOneDimensionalOrTruncatedNpyIsRefusedNamingTheFile(@TempDir Path dir) throws Exception {
        byte[] npy = PointFiles.toNpy(new PointSet(new int[]{1, 2, 2}, new float[8], null));
        Path flat = dir.resolve("flat.npy");
        Files.write(flat, new String(npy, StandardCharsets.ISO_8859_1).replace("(2, 1, 2, 2)", "(8,)        ")
                .getBytes(StandardCharsets.ISO_8859_1));
        assertThatThrownBy(() -> PointFiles.read(flat))
                .isInstanceOf(UserError.class)
                .hasMessageContaining("flat.npy").hasMessageContaining("(8,)").hasMessageContaining("at least 2");
        Path cut = Files.write(dir.resolve("cut.npy"), java.util.Arrays.copyOf(npy, npy.length - 4));
        assertThatThrownBy(() -> PointFiles.read(cut))
                .isInstanceOf(UserError.class)
                .hasMessageContaining("cut.npy").hasMessageContaining("truncated").hasMessageContaining("28 of 32");
    }

    @Test
    void imagesCannotBeWrittenAsCsv() {
        PointSet images = new PointSet(new int[]{1, 2, 2}, new float[8], null);
        assertThatThrownBy(() -> PointFiles.writeCsv(images, new StringWriter()))
                .isInstanceOf(UserError.class)
                .hasMessageContaining("[1, 2, 2]").hasMessageContaining(".npy");
    }

    @Test
    void nonFiniteValuesAndMalformedHeadersAreOneLineNamingTheFile(@TempDir Path dir) throws Exception {
        String good = "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 2), }";
        float[] nan = {1, 2, Float.NaN, 4};
        assertRefused(dir, "nan.npy", npy(1, good, -1, nan), "non-finite value NaN at index 2");
        assertRefused(dir, "unterminated.npy", npy(1, "{'descr': '<f4', 'shape': (2, 2", -1, new float[0]),
                "malformed .npy header");
        assertRefused(dir, "openquote.npy", npy(1, "{'fortran_order': False, 'shape': (2, 2), 'descr': '<f4}", -1,
                new float[0]), "not terminated");
        assertRefused(dir, "empty.npy", npy(1, "{}", -1, new float[0]), "without 'descr'");
        assertRefused(dir, "negative.npy", npy(1, good.replace("(2, 2)", "(-2, 2)"), -1, new float[0]),
                "negative count");
        assertRefused(dir, "overflow.npy", npy(1, good.replace("(2, 2)", "(2147483647, 2147483647, 2147483647, 2147483647)"),
                -1, new float[0]), "too many values");
        assertRefused(dir, "length.npy", npy(2, good, 0xFFFFFFFFL, new float[0]), "header length 4294967295");
        assertRefused(dir, "zero.npy", npy(2, good, 0, new float[0]), "empty .npy header");
    }

    private static void assertRefused(Path dir, String name, byte[] bytes, String problem) throws Exception {
        Path f = Files.write(dir.resolve(name), bytes);
        assertThatThrownBy(() -> PointFiles.read(f)).as(name).isInstanceOf(DataException.class)
                .hasMessageContaining(name).hasMessageContaining(problem)
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));
    }

    /** An .npy of the given version and header; {@code length} overrides the header length when not negative. */
    private static byte[] npy(int major, String header, long length, float[] values) {
        byte[] h = header.getBytes(StandardCharsets.ISO_8859_1);
        java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(12 + h.length + 4 * values.length)
                .order(java.nio.ByteOrder.LITTLE_ENDIAN);
        b.put(new byte[]{(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', (byte) major, 0});
        long len = length < 0 ? h.length : length;
        if (major == 1) {
            b.putShort((short) len);
        } else {
            b.putInt((int) len);
        }
        b.put(h);
        for (float v : values) {
            b.putFloat(v);
        }
        return java.util.Arrays.copyOf(b.array(), b.position());
    }
}
