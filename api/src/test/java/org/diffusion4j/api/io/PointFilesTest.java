package org.diffusion4j.api.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.StringWriter;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
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
}
