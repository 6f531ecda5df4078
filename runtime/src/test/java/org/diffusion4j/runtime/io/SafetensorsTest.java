package org.diffusion4j.runtime.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class SafetensorsTest {

    @TempDir
    Path dir;

    // ---------------------------------------------------------------- round trips

    @Test
    void roundTripKeepsValuesBitExactShapesMetadataAndOrder() throws IOException {
        SplittableRandom random = new SplittableRandom(7);
        float[] big = new float[5 * 7 * 3];
        for (int i = 0; i < big.length; i++) {
            big[i] = (float) (random.nextDouble() * 2e3 - 1e3);
        }
        float[] special = {0f, -0f, Float.MIN_VALUE, -Float.MIN_NORMAL, Float.MAX_VALUE, Float.NEGATIVE_INFINITY,
                Float.POSITIVE_INFINITY, Float.intBitsToFloat(0x7fc00001), 1f / 3f};
        Map<String, NamedTensor> tensors = new LinkedHashMap<>();
        tensors.put("z.last.in.name.order", new NamedTensor(new int[] {5, 7, 3}, big));
        tensors.put("special", new NamedTensor(new int[] {special.length}, special));
        tensors.put("scalar", new NamedTensor(new int[0], new float[] {42.5f}));
        tensors.put("empty", new NamedTensor(new int[] {0, 3}, new float[0]));
        tensors.put("a.first.in.name.order", new NamedTensor(new int[] {1, 2}, new float[] {1f, 2f}));
        Map<String, String> metadata = new LinkedHashMap<>();
        metadata.put("step", "1200");
        metadata.put("spec", "{\"name\": \"two moons\", \"unicode\": \"σ→ε ✓\"}");
        metadata.put("", "empty key");
        Path file = dir.resolve("w.safetensors");

        Safetensors.write(file, tensors, metadata);
        SafetensorsFile read = Safetensors.read(file);

        assertThat(read.path()).isEqualTo(file);
        assertThat(read.tensors().keySet()).containsExactlyElementsOf(tensors.keySet());
        assertThat(read.metadata()).containsExactlyEntriesOf(metadata);
        for (String name : tensors.keySet()) {
            NamedTensor expected = tensors.get(name);
            NamedTensor actual = read.f32(name);
            assertThat(actual.shape()).as(name).containsExactly(expected.shape());
            assertThat(bits(actual.data())).as(name).containsExactly(bits(expected.data()));
        }
        assertThat(read.tensors()).isEqualTo(new LinkedHashMap<String, TensorData>(tensors));
    }

    @Test
    void largeTensorsCrossTheChunkSize() throws IOException {
        float[] values = new float[100_003];
        long[] longs = new long[20_001];
        for (int i = 0; i < values.length; i++) {
            values[i] = Float.intBitsToFloat(0x3f800000 + i * 37);
        }
        for (int i = 0; i < longs.length; i++) {
            longs[i] = 0x0102030405060708L * i - i;
        }
        Path file = dir.resolve("big.safetensors");
        Map<String, TensorData> tensors = new LinkedHashMap<>();
        tensors.put("f", NamedTensor.vector(values));
        tensors.put("l", new LongTensor(new int[] {longs.length}, longs));
        Safetensors.write(file, tensors, Map.of());

        SafetensorsFile read = Safetensors.read(file);
        assertThat(bits(read.f32("f").data())).containsExactly(bits(values));
        assertThat(read.i64("l").data()).containsExactly(longs);
        assertThat(Files.size(file)).isEqualTo(8 + headerLength(file) + values.length * 4L + longs.length * 8L);
    }

    @Test
    void longTensorsAreStoredFirstSoThatEveryTensorIsAligned() throws IOException {
        Map<String, TensorData> tensors = new LinkedHashMap<>();
        tensors.put("w", new NamedTensor(new int[] {3}, new float[] {1, 2, 3}));
        tensors.put("step", LongTensor.scalar(Long.MAX_VALUE - 5));
        tensors.put("b", NamedTensor.vector(4f));
        tensors.put("counts", new LongTensor(new int[] {2}, new long[] {-1, 7}));
        Path file = dir.resolve("mixed.safetensors");
        Safetensors.write(file, tensors, Map.of());

        SafetensorsFile read = Safetensors.read(file);
        assertThat(read.tensors().keySet()).containsExactly("step", "counts", "w", "b");
        assertThat(read.i64("step").data()).containsExactly(Long.MAX_VALUE - 5);
        assertThat(read.i64("step").shape()).isEmpty();
        assertThat(read.i64("counts").data()).containsExactly(-1, 7);
        assertThat(read.f32("w").data()).containsExactly(1, 2, 3);
        assertThat(read.tensors()).containsEntry("b", NamedTensor.vector(4f));
        String header = headerText(file);
        assertThat(header).contains("\"step\":{\"dtype\":\"I64\",\"shape\":[],\"data_offsets\":[0,8]}")
                .contains("\"counts\":{\"dtype\":\"I64\",\"shape\":[2],\"data_offsets\":[8,24]}")
                .contains("\"w\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[24,36]}")
                .contains("\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[36,40]}");
    }

    @Test
    void accessorsNameTheFileWhenATensorIsMissingOrOfAnotherDtype() throws IOException {
        Path file = dir.resolve("m.safetensors");
        Safetensors.write(file, Map.of("step", LongTensor.scalar(3)), Map.of());
        SafetensorsFile read = Safetensors.read(file);
        assertThatThrownBy(() -> read.f32("step")).isInstanceOf(CorruptFileException.class)
                .hasMessageContaining(file.toString()).hasMessageContaining("dtype I64, expected F32");
        assertThatThrownBy(() -> read.i64("nope")).isInstanceOf(CorruptFileException.class)
                .hasMessageContaining("no tensor 'nope'");
        assertThatThrownBy(() -> read.tensors().put("x", LongTensor.scalar(1)))
                .isInstanceOf(UnsupportedOperationException.class);
    }

    // ---------------------------------------------------------------- byte layout

    @Test
    void headerLayoutOfATinyFileMatchesTheFormatByteForByte() throws IOException {
        Map<String, TensorData> tensors = new LinkedHashMap<>();
        tensors.put("a", new NamedTensor(new int[] {2}, new float[] {1.0f, -2.0f}));
        tensors.put("b", new NamedTensor(new int[0], new float[] {0.5f}));
        Path file = dir.resolve("tiny.safetensors");
        Safetensors.write(file, tensors, Map.of("k", "v"));

        String json = "{\"__metadata__\":{\"k\":\"v\"},"
                + "\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                + "\"b\":{\"dtype\":\"F32\",\"shape\":[],\"data_offsets\":[8,12]}}";
        assertThat(json).hasSize(132); // padded with 4 spaces to 136 = 0x88
        ByteArrayOutputStream expected = new ByteArrayOutputStream();
        expected.write(new byte[] {(byte) 0x88, 0, 0, 0, 0, 0, 0, 0});
        expected.write(json.getBytes(StandardCharsets.US_ASCII));
        expected.write("    ".getBytes(StandardCharsets.US_ASCII));
        expected.write(new byte[] {0, 0, (byte) 0x80, 0x3f}); // 1.0f little-endian
        expected.write(new byte[] {0, 0, 0, (byte) 0xc0}); // -2.0f
        expected.write(new byte[] {0, 0, 0, 0x3f}); // 0.5f
        assertThat(Files.readAllBytes(file)).containsExactly(expected.toByteArray());
    }

    @Test
    void emptyFileHasAPaddedEmptyObjectAndNoMetadataKey() throws IOException {
        Path file = dir.resolve("empty.safetensors");
        Safetensors.write(file, Map.of(), Map.of());
        assertThat(Files.readAllBytes(file))
                .containsExactly(8, 0, 0, 0, 0, 0, 0, 0, '{', '}', ' ', ' ', ' ', ' ', ' ', ' ');
        SafetensorsFile read = Safetensors.read(file);
        assertThat(read.tensors()).isEmpty();
        assertThat(read.metadata()).isEmpty();
    }

    @Test
    void headerIsAlwaysPaddedToAMultipleOfEight() throws IOException {
        for (int len = 0; len < 9; len++) {
            Path file = dir.resolve("pad" + len + ".safetensors");
            Safetensors.write(file, Map.of("x".repeat(len + 1), NamedTensor.vector(1f)), Map.of());
            long n = headerLength(file);
            assertThat(n % 8).as("header length %d", n).isZero();
            assertThat(headerText(file)).matches("(?s)\\{.*\\} *");
            assertThat(Safetensors.read(file).f32("x".repeat(len + 1)).data()).containsExactly(1f);
        }
    }

    @Test
    void writeRejectsInconsistentArgumentsAndLeavesNoFile() {
        Path file = dir.resolve("bad.safetensors");
        assertThatThrownBy(() -> new NamedTensor(new int[] {2, 2}, new float[3]))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("[2, 2]").hasMessageContaining("3");
        assertThatThrownBy(() -> new LongTensor(new int[] {-1}, new long[0]))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("negative");
        assertThatThrownBy(() -> Safetensors.write(file, Map.of("__metadata__", NamedTensor.vector(1f)), Map.of()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("reserved");
        Map<String, String> nullValue = new LinkedHashMap<>();
        nullValue.put("k", null);
        assertThatThrownBy(() -> Safetensors.write(file, Map.of(), nullValue))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(file).doesNotExist();
    }

    @Test
    void overwritingKeepsTheOldFileUntilTheNewOneIsComplete() throws IOException {
        Path file = dir.resolve("ckpt.safetensors");
        Safetensors.write(file, Map.of("w", NamedTensor.vector(1f)), Map.of("step", "1"));
        Safetensors.write(file, Map.of("w", NamedTensor.vector(2f)), Map.of("step", "2"));
        assertThat(Safetensors.read(file).metadata()).containsEntry("step", "2");
        assertThat(Safetensors.read(file).f32("w").data()).containsExactly(2f);
        try (Stream<Path> files = Files.list(dir)) {
            assertThat(files).containsExactly(file);
        }
    }

    // ---------------------------------------------------------------- corruption

    @Test
    void missingFile() {
        Path file = dir.resolve("absent.safetensors");
        assertCorrupt(file, "file not found");
        assertCorrupt(dir, "folder");
    }

    @Test
    void shorterThanTheLengthField() throws IOException {
        for (int n = 0; n < 8; n++) {
            Path file = dir.resolve("short" + n);
            Files.write(file, new byte[n]);
            assertCorrupt(file, "only " + n + " bytes");
        }
    }

    @Test
    void everyTruncationOfAValidFileIsDetected() throws IOException {
        Path good = writeSample("good.safetensors");
        byte[] bytes = Files.readAllBytes(good);
        int headerEnd = 8 + (int) headerLength(good);
        for (int cut = 0; cut < bytes.length; cut++) {
            Path file = dir.resolve("cut.safetensors");
            Files.write(file, Arrays.copyOf(bytes, cut));
            String expected = cut < 8 ? "shorter than the 8-byte header length"
                    : cut < headerEnd ? "goes beyond the end of the file"
                    : "truncated file?";
            assertCorrupt(file, expected);
        }
        assertThat(Safetensors.read(good).tensors()).hasSize(3);
    }

    @Test
    void headerLengthThatDoesNotMatchTheHeader() throws IOException {
        Path good = writeSample("good.safetensors");
        long n = headerLength(good);
        assertCorrupt(withHeaderLength(good, -1L), "header length 18446744073709551615 goes beyond the end of the file");
        assertCorrupt(withHeaderLength(good, Files.size(good)), "goes beyond the end of the file");
        assertCorrupt(withHeaderLength(good, 0), "header length is 0");
        // Ends inside the JSON, or runs into the tensor data.
        assertCorrupt(withHeaderLength(good, n - 8), "header is not valid JSON");
        assertCorrupt(withHeaderLength(good, n + 8), "header is not valid JSON");
        // Byte-swapped (big-endian) length.
        assertCorrupt(withHeaderLength(good, Long.reverseBytes(n)), "goes beyond the end of the file");
    }

    @Test
    void hugeHeaderLengthIsRefusedBeforeAllocating() throws IOException {
        Path file = dir.resolve("huge");
        try (var channel = java.nio.channels.FileChannel.open(file, java.nio.file.StandardOpenOption.CREATE_NEW,
                java.nio.file.StandardOpenOption.WRITE)) {
            channel.write(le(Safetensors.MAX_HEADER_BYTES + 1), 0);
            channel.write(ByteBuffer.wrap(new byte[] {' '}), Safetensors.MAX_HEADER_BYTES + 64); // sparse
        }
        assertCorrupt(file, "exceeds the limit of 100000000 bytes");
    }

    static Stream<Arguments> badHeaders() {
        String a = "\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}";
        return Stream.of(
                Arguments.of("{not json", 8, "header is not valid JSON"),
                Arguments.of("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}", 8, "header is not valid JSON"),
                Arguments.of("{" + a + "} trailing", 8, "header is not valid JSON"),
                Arguments.of("[1,2]", 0, "does not start with '{'"),
                Arguments.of("\u0000\u0001garbage", 0, "does not start with '{'"),
                Arguments.of("{" + a + "," + a + "}", 8, "Duplicate field 'a'"),
                Arguments.of("{\"a\":[1]}", 0, "tensor 'a' is ARRAY, expected an object"),
                Arguments.of("{\"a\":{\"dtype\":\"F17\",\"shape\":[2],\"data_offsets\":[0,8]}}", 8, "unknown dtype 'F17'"),
                Arguments.of("{\"a\":{\"dtype\":\"F16\",\"shape\":[4],\"data_offsets\":[0,8]}}", 8,
                        "dtype F16, which this reader does not support"),
                Arguments.of("{\"a\":{\"dtype\":7,\"shape\":[2],\"data_offsets\":[0,8]}}", 8, "non-string dtype 7"),
                Arguments.of("{\"a\":{\"shape\":[2],\"data_offsets\":[0,8]}}", 8, "tensor 'a' has no dtype"),
                Arguments.of("{\"a\":{\"dtype\":\"F32\",\"data_offsets\":[0,8]}}", 8, "tensor 'a' has no shape"),
                Arguments.of("{\"a\":{\"dtype\":\"F32\",\"shape\":[2]}}", 8, "tensor 'a' has no data_offsets"),
                Arguments.of("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8],\"x\":1}}", 8,
                        "unknown field 'x'"),
                Arguments.of("{\"a\":{\"dtype\":\"F32\",\"shape\":[-2],\"data_offsets\":[0,8]}}", 8, "dimensions must be"),
                Arguments.of("{\"a\":{\"dtype\":\"F32\",\"shape\":[2.5],\"data_offsets\":[0,8]}}", 8, "dimensions must be"),
                Arguments.of("{\"a\":{\"dtype\":\"F32\",\"shape\":\"2\",\"data_offsets\":[0,8]}}", 8, "expected an array"),
                Arguments.of("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0]}}", 8, "expected [begin, end]"),
                Arguments.of("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[-8,0]}}", 8, "expected [begin, end]"),
                Arguments.of("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[8,0]}}", 8, "end before they begin"),
                Arguments.of("{\"a\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}", 8,
                        "needs 12 bytes but its data_offsets [0,8] span 8"),
                Arguments.of("{\"a\":{\"dtype\":\"I64\",\"shape\":[2],\"data_offsets\":[0,8]}}", 8, "needs 16 bytes"),
                Arguments.of("{\"a\":{\"dtype\":\"F32\",\"shape\":[65536,65536,65536,65536,65536],\"data_offsets\":[0,8]}}",
                        8, "impossibly large shape"),
                Arguments.of("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[8,16]}}", 16,
                        "gap in the data: bytes [0, 8) belong to no tensor"),
                Arguments.of("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                        + "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}", 12,
                        "tensor 'b' data_offsets [4, 12] overlap tensor 'a' [0, 8]"),
                Arguments.of("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                        + "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}", 8, "overlap"),
                Arguments.of("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}", 12,
                        "4 bytes of data after offset 8 are not covered by any tensor"),
                Arguments.of("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}", 4,
                        "tensor 'a' data_offsets [0, 8] go beyond the 4 bytes of data"),
                Arguments.of("{\"a\":{\"dtype\":\"F32\",\"shape\":[1048576],\"data_offsets\":[0,4194304]}}", 8,
                        "go beyond the 8 bytes of data"),
                Arguments.of("{\"__metadata__\":{\"step\":3}}", 0, "__metadata__ value of 'step' is NUMBER, expected a string"),
                Arguments.of("{\"__metadata__\":[\"x\"]}", 0, "__metadata__ is ARRAY, expected an object of strings"),
                Arguments.of("{\"a\\nb\":{\"dtype\":\"X\",\"shape\":[],\"data_offsets\":[0,4]}}", 4, "tensor 'a\\u000ab'"));
    }

    @ParameterizedTest
    @MethodSource("badHeaders")
    void inconsistentHeadersAreReportedWithTheProblem(String header, int dataBytes, String expected) throws IOException {
        Path file = dir.resolve("bad.safetensors");
        Files.write(file, raw(header.getBytes(StandardCharsets.UTF_8), new byte[dataBytes]));
        assertCorrupt(file, expected);
    }

    @Test
    void bytesAppendedToAValidFileAreNotCovered() throws IOException {
        Path good = writeSample("good.safetensors");
        Files.write(good, new byte[] {1, 2, 3}, java.nio.file.StandardOpenOption.APPEND);
        assertCorrupt(good, "3 bytes of data after offset");
    }

    @Test
    void acceptsAHandWrittenFileInAnotherWritersStyle() throws IOException {
        // Metadata last, spaces in the JSON, header order different from data order.
        String header = "{ \"b\" : {\"data_offsets\": [8, 12], \"shape\": [1], \"dtype\": \"F32\"},"
                + " \"a\" : {\"data_offsets\": [0, 8], \"shape\": [], \"dtype\": \"I64\"},"
                + " \"__metadata__\": {\"format\": \"pt\"} }";
        ByteBuffer data = ByteBuffer.allocate(12).order(ByteOrder.LITTLE_ENDIAN).putLong(-3).putFloat(2.5f);
        Path file = dir.resolve("other.safetensors");
        Files.write(file, raw(header.getBytes(StandardCharsets.UTF_8), data.array()));
        SafetensorsFile read = Safetensors.read(file);
        assertThat(read.tensors().keySet()).containsExactly("a", "b");
        assertThat(read.i64("a").data()).containsExactly(-3);
        assertThat(read.f32("b").data()).containsExactly(2.5f);
        assertThat(read.metadata()).containsExactly(Map.entry("format", "pt"));
    }

    // ---------------------------------------------------------------- Python cross-check

    @Test
    void pythonSafetensorsReadsOurFilesAndWeReadItsFiles() throws Exception {
        String python = System.getenv().getOrDefault("D4J_PYTHON", "/usr/bin/python3");
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.isExecutable(Path.of(python))
                && run(List.of(python, "-c", "import safetensors.numpy, numpy"), null) == 0,
                "python with safetensors and numpy not available");
        Map<String, TensorData> tensors = new LinkedHashMap<>();
        tensors.put("w", new NamedTensor(new int[] {2, 3}, new float[] {1.5f, -2f, 0f, 3.25f, 1e-8f, -1e30f}));
        tensors.put("step", LongTensor.scalar(123_456_789_012L));
        Path ours = dir.resolve("ours.safetensors");
        Path theirs = dir.resolve("theirs.safetensors");
        Safetensors.write(ours, tensors, Map.of("note", "from java"));
        String script = String.join("\n",
                "import sys, numpy as np",
                "from safetensors.numpy import load_file, save_file",
                "from safetensors import safe_open",
                "t = load_file(sys.argv[1])",
                "assert t['w'].dtype == np.float32 and t['w'].shape == (2, 3), t['w']",
                "assert t['w'].tolist() == np.array([[1.5, -2, 0], [3.25, 1e-8, -1e30]], dtype=np.float32).tolist()",
                "assert t['step'].dtype == np.int64 and t['step'].shape == () and int(t['step']) == 123456789012",
                "with safe_open(sys.argv[1], framework='numpy') as f:",
                "    assert f.metadata() == {'note': 'from java'}, f.metadata()",
                "save_file({'z': np.arange(6, dtype=np.float32).reshape(3, 2) / 4,",
                "           'n': np.array([7, -9], dtype=np.int64)}, sys.argv[2], metadata={'m': 'from python'})",
                "");
        Path scriptFile = dir.resolve("check.py");
        Files.writeString(scriptFile, script);
        assertThat(run(List.of(python, scriptFile.toString(), ours.toString(), theirs.toString()), dir)).isZero();
        SafetensorsFile read = Safetensors.read(theirs);
        assertThat(read.f32("z").shape()).containsExactly(3, 2);
        assertThat(read.f32("z").data()).containsExactly(0f, 0.25f, 0.5f, 0.75f, 1f, 1.25f);
        assertThat(read.i64("n").data()).containsExactly(7, -9);
        assertThat(read.metadata()).containsEntry("m", "from python");
    }

    private static int run(List<String> command, Path workDir) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
        if (workDir != null) {
            pb.directory(workDir.toFile());
        }
        Process p = pb.start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        int rc = p.waitFor();
        if (rc != 0 && workDir != null) {
            System.err.println(output);
        }
        return rc;
    }

    // ---------------------------------------------------------------- helpers

    private Path writeSample(String name) throws IOException {
        Map<String, TensorData> tensors = new LinkedHashMap<>();
        tensors.put("w", new NamedTensor(new int[] {2, 2}, new float[] {1, 2, 3, 4}));
        tensors.put("b", NamedTensor.vector(5f, 6f));
        tensors.put("step", LongTensor.scalar(9));
        Path file = dir.resolve(name);
        Safetensors.write(file, tensors, Map.of("step", "9"));
        return file;
    }

    private static void assertCorrupt(Path file, String expectedProblem) {
        CorruptFileException e = catchThrowableOfType(CorruptFileException.class, () -> Safetensors.read(file));
        assertThat(e).as("reading %s should fail with '%s'", file, expectedProblem).isNotNull();
        assertThat(e.getMessage()).startsWith("corrupt safetensors file " + file + ": ")
                .contains(expectedProblem).doesNotContain("\n").doesNotContain("\r");
        assertThat(e.file()).isEqualTo(file);
    }

    private Path withHeaderLength(Path good, long length) throws IOException {
        byte[] bytes = Files.readAllBytes(good);
        le(length).get(bytes, 0, 8);
        Path file = dir.resolve("len" + Long.toHexString(length) + ".safetensors");
        Files.write(file, bytes);
        return file;
    }

    private static ByteBuffer le(long value) {
        return ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(0, value);
    }

    private static byte[] raw(byte[] header, byte[] data) {
        ByteBuffer b = ByteBuffer.allocate(8 + header.length + data.length).order(ByteOrder.LITTLE_ENDIAN);
        return b.putLong(header.length).put(header).put(data).array();
    }

    private static long headerLength(Path file) throws IOException {
        byte[] first = Arrays.copyOf(Files.readAllBytes(file), 8);
        return ByteBuffer.wrap(first).order(ByteOrder.LITTLE_ENDIAN).getLong();
    }

    private static String headerText(Path file) throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        return new String(bytes, 8, (int) headerLength(file), StandardCharsets.UTF_8);
    }

    private static int[] bits(float[] values) {
        int[] bits = new int[values.length];
        for (int i = 0; i < values.length; i++) {
            bits[i] = Float.floatToRawIntBits(values[i]);
        }
        return bits;
    }
}
