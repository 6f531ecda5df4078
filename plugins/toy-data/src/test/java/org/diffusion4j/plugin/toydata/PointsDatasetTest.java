package org.diffusion4j.plugin.toydata;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.StringWriter;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.diffusion4j.api.Dataset;
import org.diffusion4j.api.PointSet;
import org.diffusion4j.api.Split;
import org.diffusion4j.api.config.ConfigException;
import org.diffusion4j.api.io.PointFiles;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.diffusion4j.api.UserError;

/** The {@code points} dataset: CSV and .npy round trips and the errors a user sees. */
class PointsDatasetTest {

    @TempDir
    Path dir;

    private final PointsProvider provider = new PointsProvider();

    private Dataset create(Object... keyValues) {
        Map<String, Object> raw = new HashMap<>();
        for (int i = 0; i < keyValues.length; i += 2) {
            raw.put((String) keyValues[i], keyValues[i + 1]);
        }
        return provider.create(provider.config().resolve(PointsProvider.NAME, raw), context);
    }

    /** What the dataset logged. */
    private final java.util.List<String> log = new java.util.ArrayList<>();

    /** A context that only collects the log: the dataset asks for nothing else. */
    private final org.diffusion4j.api.ComponentContext context = new org.diffusion4j.api.ComponentContext() {
        @Override
        public org.diffusion4j.api.tensor.Backend backend() {
            throw new UnsupportedOperationException();
        }

        @Override
        public org.diffusion4j.api.tensor.Rng rng() {
            throw new UnsupportedOperationException();
        }

        @Override
        public int dataDimension() {
            throw new UnsupportedOperationException();
        }

        @Override
        public void log(String line) {
            log.add(line);
        }
    };

    private Path csv(String name, String text) throws IOException {
        return Files.writeString(dir.resolve(name), text, StandardCharsets.UTF_8);
    }

    /**
     * A version-1.0 .npy file written byte by byte: magic, version, header length, the header dict
     * padded with spaces to a multiple of 64 and ended by a newline, then the data in C order.
     */
    private Path npy(String name, String descr, int rows, int cols, double[] values) throws IOException {
        boolean big = descr.startsWith(">");
        int width = descr.endsWith("8") ? 8 : 4;
        StringBuilder header = new StringBuilder("{'descr': '" + descr + "', 'fortran_order': False, 'shape': ("
                + rows + ", " + cols + "), }");
        while ((10 + header.length() + 1) % 64 != 0) {
            header.append(' ');
        }
        header.append('\n');
        ByteBuffer b = ByteBuffer.allocate(10 + header.length() + values.length * width).order(ByteOrder.LITTLE_ENDIAN);
        b.put((byte) 0x93).put("NUMPY".getBytes(StandardCharsets.US_ASCII)).put((byte) 1).put((byte) 0);
        b.putShort((short) header.length());
        b.put(header.toString().getBytes(StandardCharsets.ISO_8859_1));
        b.order(big ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN);
        for (double v : values) {
            if (width == 8) {
                b.putDouble(v);
            } else {
                b.putFloat((float) v);
            }
        }
        return Files.write(dir.resolve(name), b.array());
    }

    @Test
    void aCsvWrittenByPointFilesReadsBackBitForBit() throws IOException {
        PointSet points = new TwoMoons(50, 1, 0.1).load(Split.TRAIN);
        StringWriter w = new StringWriter();
        PointFiles.writeCsv(points, w);
        Path train = csv("train.csv", w.toString());
        Dataset d = create("train", train.toString());
        assertThat(d.dimension()).isEqualTo(2);
        assertThat(d.load(Split.TRAIN).values()).isEqualTo(points.values());
    }

    @Test
    void eachSplitReadsItsOwnFileInEitherFormat() throws IOException {
        Path train = csv("train.csv", "a,b,c\n1,2,3\n4.5,-5,6e-1\n\n");
        Path test = npy("test.npy", "<f4", 2, 3, new double[] {0.25, 1, 2, 3, 4, 5});
        Path ref = npy("ref.npy", ">f8", 1, 3, new double[] {0.1, -0.2, 1e30});
        Dataset d = create("train", train.toString(), "test", test.toString(), "reference", ref.toString());
        assertThat(d.dimension()).isEqualTo(3);
        assertThat(d.load(Split.TRAIN).values()).containsExactly(1f, 2f, 3f, 4.5f, -5f, 0.6f);
        assertThat(d.load(Split.TEST).values()).containsExactly(0.25f, 1f, 2f, 3f, 4f, 5f);
        assertThat(d.load(Split.REFERENCE).values()).containsExactly(0.1f, -0.2f, 1e30f);
    }

    @Test
    void theDimensionComesFromANpyTrainFileShape() throws IOException {
        Path train = npy("train.npy", "<f8", 2, 4, new double[] {1, 2, 3, 4, 5, 6, 7, 8});
        Dataset d = create("train", train.toString());
        assertThat(d.dimension()).isEqualTo(4);
        assertThat(d.load(Split.TRAIN).count()).isEqualTo(2);
    }

    @Test
    void aSplitThatWasNotGivenNamesTheDatasetAndTheOptionToSet() throws IOException {
        Dataset d = create("train", csv("t.csv", "x,y\n1,2\n").toString());
        assertThatThrownBy(() -> d.load(Split.TEST))
                .isInstanceOf(UserError.class)
                .hasMessageContaining("points")
                .hasMessageContaining("set option 'test'");
        assertThatThrownBy(() -> d.load(Split.REFERENCE))
                .isInstanceOf(UserError.class)
                .hasMessageContaining("set option 'reference'");
    }

    @Test
    void theTrainFileIsRequired() {
        assertThatThrownBy(() -> create())
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("points")
                .hasMessageContaining("'train'");
        assertThatThrownBy(() -> create("train", "  "))
                .isInstanceOf(UserError.class)
                .hasMessageContaining("option 'train' is required");
    }

    @Test
    void aMissingFileIsReportedWithItsOptionAndPath() throws IOException {
        Path missing = dir.resolve("nope.csv");
        assertThatThrownBy(() -> create("train", missing.toString()))
                .isInstanceOf(UserError.class)
                .hasMessageContaining("option 'train'")
                .hasMessageContaining(missing.toString())
                .hasMessageContaining("not found");
        Path train = csv("t.csv", "x,y\n1,2\n");
        assertThatThrownBy(() -> create("train", train.toString(), "test", dir.resolve("gone.npy").toString()))
                .isInstanceOf(UserError.class)
                .hasMessageContaining("option 'test'")
                .hasMessageContaining("gone.npy");
        // a file that disappears after the dataset was created
        Dataset d = create("train", train.toString());
        Files.delete(train);
        assertThatThrownBy(() -> d.load(Split.TRAIN))
                .isInstanceOf(UserError.class)
                .hasMessageContaining("not found")
                .hasMessageContaining(train.toString());
        assertThatThrownBy(d::dimension)
                .isInstanceOf(UserError.class)
                .hasMessageContaining("not found");
    }

    @Test
    void aCsvWithoutHeaderKeepsItsFirstPointAndTheLogSaysSo() throws IOException {
        Path plain = csv("plain.csv", "1,2\n3,4\n5,6\n");
        Dataset d = create("train", plain.toString());
        assertThat(d.dimension()).isEqualTo(2);
        assertThat(d.load(Split.TRAIN).values()).containsExactly(1, 2, 3, 4, 5, 6);
        assertThat(log).containsExactly("points train: read 3 points of dimension 2 from " + plain
                + " (no header: the first line is a point)");
        Path named = csv("named.csv", "\nx,y\n1,2\n");
        create("train", named.toString()).load(Split.TRAIN);
        assertThat(log.get(1)).endsWith("read 1 point of dimension 2 from " + named + " (header: x,y)");
    }

    @Test
    void aMalformedCsvLineIsReportedWithItsLineNumber() throws IOException {
        Dataset d = create("train", csv("bad.csv", "x,y\n1,2\n3,4,5\n").toString());
        assertThatThrownBy(() -> d.load(Split.TRAIN))
                .isInstanceOf(UserError.class)
                .hasMessageContaining("bad.csv")
                .hasMessageContaining("line 3")
                .hasMessageContaining("3 values, the header has 2");
    }

    @Test
    void aNonNumericValueIsReportedWithItsLineAndText() throws IOException {
        Dataset d = create("train", csv("text.csv", "x,y\n1,2\n3,abc\n").toString());
        assertThatThrownBy(() -> d.load(Split.TRAIN))
                .isInstanceOf(UserError.class)
                .hasMessageContaining("text.csv")
                .hasMessageContaining("line 3")
                .hasMessageContaining("'abc' is not a number");
    }

    @Test
    void anUnsupportedExtensionNamesTheAllowedOnes() throws IOException {
        Path txt = csv("points.txt", "x,y\n1,2\n");
        assertThatThrownBy(() -> create("train", txt.toString()))
                .isInstanceOf(UserError.class)
                .hasMessageContaining("option 'train'")
                .hasMessageContaining("points.txt")
                .hasMessageContaining(".csv")
                .hasMessageContaining(".npy");
    }

    @Test
    void splitsOfAnotherDimensionThanTheTrainFileAreRefused() throws IOException {
        Path train = csv("train.csv", "x,y\n1,2\n");
        Path test = csv("test.csv", "x,y,z\n1,2,3\n");
        Dataset d = create("train", train.toString(), "test", test.toString());
        assertThatThrownBy(() -> d.load(Split.TEST))
                .isInstanceOf(UserError.class)
                .hasMessageContaining("3-D")
                .hasMessageContaining("2-D")
                .hasMessageContaining("same dimension");
    }

    @Test
    void aNpyFileThatIsNotTwoDimensionalOrNotNpyIsRefusedWithItsShape() throws IOException {
        Path oneD = dir.resolve("flat.npy");
        Files.write(oneD, Files.readAllBytes(npy("tmp.npy", "<f8", 2, 2, new double[] {1, 2, 3, 4})));
        byte[] bytes = Files.readAllBytes(oneD);
        String s = new String(bytes, StandardCharsets.ISO_8859_1).replace("'shape': (2, 2)", "'shape': (4,)  ");
        Files.write(oneD, s.getBytes(StandardCharsets.ISO_8859_1));
        assertThatThrownBy(() -> create("train", oneD.toString()).dimension())
                .isInstanceOf(UserError.class)
                .hasMessageContaining("2-D")
                .hasMessageContaining("(4,)");
        Path fake = Files.writeString(dir.resolve("fake.npy"), "x,y\n1,2\n");
        assertThatThrownBy(() -> create("train", fake.toString()).dimension())
                .isInstanceOf(UserError.class)
                .hasMessageContaining("not a .npy file");
    }
}
