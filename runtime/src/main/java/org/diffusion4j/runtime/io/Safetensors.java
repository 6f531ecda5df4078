package org.diffusion4j.runtime.io;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads and writes the <a href="https://github.com/huggingface/safetensors">safetensors</a> format:
 * an unsigned 64-bit little-endian header length {@code N}, then {@code N} bytes of UTF-8 JSON, then
 * the raw little-endian tensor data. The header maps each tensor name to
 * {@code {"dtype":"F32","shape":[2,3],"data_offsets":[begin,end]}} (offsets relative to the start of
 * the data, contiguous, without gaps) and may hold {@code "__metadata__"}, a string-to-string map.
 *
 * <p>Only the dtypes {@code F32} ({@link NamedTensor}) and {@code I64} ({@link LongTensor}) are
 * supported. Files written here load with Python's {@code safetensors}.
 */
public final class Safetensors {

    /** The reserved header key for the string-to-string metadata map. */
    public static final String METADATA_KEY = "__metadata__";

    /** Largest header accepted, as in the reference implementation. */
    static final long MAX_HEADER_BYTES = 100_000_000L;

    private static final String KIND = "safetensors";
    private static final Set<String> SUPPORTED = Set.of("F32", "I64");
    /** Dtypes of the format that this reader does not load (for a clearer message). */
    private static final Set<String> OTHER_SPEC_DTYPES = Set.of("BOOL", "U8", "I8", "F8_E5M2", "F8_E4M3",
            "F8_E8M0", "F4", "F6_E2M3", "F6_E3M2", "E8M0", "I16", "U16", "F16", "BF16", "I32", "U32", "F64", "U64",
            "C64");
    private static final int CHUNK_BYTES = 1 << 16;

    private Safetensors() {
    }

    /**
     * Writes {@code tensors} and {@code metadata} to {@code file} atomically (see {@link AtomicFiles}).
     *
     * <p>The header lists {@code __metadata__} first (omitted when empty), then the tensors in the
     * order of their data. That order is the map's iteration order, except that 8-byte dtypes (I64)
     * are placed before 4-byte ones (F32), keeping their relative order, so that every tensor's data
     * is aligned to its element size, as the reference implementation does. The header is padded with
     * spaces to a multiple of 8 bytes.
     *
     * @throws IllegalArgumentException for a null name or value, or the reserved name {@code __metadata__}
     * @throws IOException if the file cannot be written (an existing file is then left as it was)
     */
    public static void write(Path file, Map<String, ? extends TensorData> tensors, Map<String, String> metadata)
            throws IOException {
        write(file, tensors, metadata, true);
    }

    /**
     * As {@link #write}, but {@code file} must not exist; one created by another process while this
     * one wrote is not replaced either (see {@link AtomicFiles#createNew}).
     *
     * @throws org.diffusion4j.runtime.UserException when {@code file} exists
     */
    public static void writeNew(Path file, Map<String, ? extends TensorData> tensors, Map<String, String> metadata)
            throws IOException {
        write(file, tensors, metadata, false);
    }

    private static void write(Path file, Map<String, ? extends TensorData> tensors, Map<String, String> metadata,
                              boolean replace) throws IOException {
        List<Map.Entry<String, ? extends TensorData>> ordered = layout(tensors);
        byte[] header = header(ordered, metadata);
        IoWriter body = out -> {
            ByteBuffer buffer = ByteBuffer.allocate(CHUNK_BYTES).order(ByteOrder.LITTLE_ENDIAN);
            buffer.putLong(header.length);
            out.write(buffer.array(), 0, Long.BYTES);
            buffer.clear();
            out.write(header);
            for (Map.Entry<String, ? extends TensorData> e : ordered) {
                writeData(out, e.getValue(), buffer);
            }
        };
        if (replace) {
            AtomicFiles.write(file, body);
        } else {
            AtomicFiles.createNew(file, body);
        }
    }

    /**
     * Reads and validates a whole file. Every inconsistency (missing or short file, header length
     * beyond the file, invalid JSON, unknown dtype, bad shape, offsets out of range, overlapping, with
     * gaps or not covering the data, truncated data) is reported as a {@link CorruptFileException}
     * naming the file and the problem.
     *
     * @throws UncheckedIOException for I/O errors other than a missing file
     */
    public static SafetensorsFile read(Path file) {
        if (Files.isDirectory(file)) {
            throw corrupt(file, "is a folder, not a file");
        }
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            return read(file, channel);
        } catch (NoSuchFileException e) {
            throw corrupt(file, "file not found");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file + ": " + e, e);
        }
    }

    // ---------------------------------------------------------------- writing

    private static List<Map.Entry<String, ? extends TensorData>> layout(Map<String, ? extends TensorData> tensors) {
        List<Map.Entry<String, ? extends TensorData>> ordered = new ArrayList<>(tensors.size());
        for (Map.Entry<String, ? extends TensorData> e : tensors.entrySet()) {
            if (e.getKey() == null) {
                throw new IllegalArgumentException("tensor names must not be null");
            }
            if (e.getKey().equals(METADATA_KEY)) {
                throw new IllegalArgumentException("'" + METADATA_KEY + "' is reserved for metadata, not a tensor name");
            }
            if (e.getValue() == null) {
                throw new IllegalArgumentException("tensor '" + e.getKey() + "' is null");
            }
            ordered.add(e);
        }
        // Stable: keeps the caller's order among tensors of the same element size.
        ordered.sort(Comparator.comparingInt(e -> -e.getValue().elementBytes()));
        return ordered;
    }

    private static byte[] header(List<Map.Entry<String, ? extends TensorData>> ordered, Map<String, String> metadata) {
        JsonMapper json = new JsonMapper();
        ObjectNode root = json.createObjectNode();
        if (!metadata.isEmpty()) {
            ObjectNode meta = root.putObject(METADATA_KEY);
            metadata.forEach((k, v) -> {
                if (k == null || v == null) {
                    throw new IllegalArgumentException("metadata keys and values must not be null: " + k + "=" + v);
                }
                meta.put(k, v);
            });
        }
        long offset = 0;
        for (Map.Entry<String, ? extends TensorData> e : ordered) {
            TensorData t = e.getValue();
            long bytes = (long) t.length() * t.elementBytes();
            ObjectNode info = root.putObject(e.getKey());
            info.put("dtype", t.dtype());
            ArrayNode shape = info.putArray("shape");
            for (int d : t.shape()) {
                shape.add(d);
            }
            info.putArray("data_offsets").add(offset).add(offset + bytes);
            offset += bytes;
        }
        byte[] text;
        try {
            text = json.writeValueAsBytes(root);
        } catch (JacksonException e) {
            throw new IllegalStateException("cannot serialise a safetensors header", e);
        }
        int padded = (text.length + 7) / 8 * 8;
        byte[] header = Arrays.copyOf(text, padded);
        Arrays.fill(header, text.length, padded, (byte) ' ');
        return header;
    }

    private static void writeData(OutputStream out, TensorData tensor, ByteBuffer buffer) throws IOException {
        switch (tensor) {
            case NamedTensor t -> {
                float[] data = t.data();
                int perChunk = buffer.capacity() / Float.BYTES;
                for (int from = 0; from < data.length; from += perChunk) {
                    int n = Math.min(perChunk, data.length - from);
                    buffer.clear();
                    buffer.asFloatBuffer().put(data, from, n);
                    out.write(buffer.array(), 0, n * Float.BYTES);
                }
            }
            case LongTensor t -> {
                long[] data = t.data();
                int perChunk = buffer.capacity() / Long.BYTES;
                for (int from = 0; from < data.length; from += perChunk) {
                    int n = Math.min(perChunk, data.length - from);
                    buffer.clear();
                    buffer.asLongBuffer().put(data, from, n);
                    out.write(buffer.array(), 0, n * Long.BYTES);
                }
            }
        }
    }

    // ---------------------------------------------------------------- reading

    /** A header entry, validated on its own; {@code begin}/{@code end} are relative to the data start. */
    private record Entry(String name, String dtype, int[] shape, long elements, long begin, long end) {
    }

    private static SafetensorsFile read(Path file, FileChannel channel) throws IOException {
        long size = channel.size();
        if (size < Long.BYTES) {
            throw corrupt(file, "only " + size + " bytes, shorter than the 8-byte header length that starts the format");
        }
        ByteBuffer lengthBytes = ByteBuffer.allocate(Long.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        readFully(file, channel, lengthBytes, 0);
        long headerLength = lengthBytes.flip().getLong();
        if (headerLength < 0 || headerLength > size - Long.BYTES) {
            throw corrupt(file, "header length " + Long.toUnsignedString(headerLength)
                    + " goes beyond the end of the file (" + size + " bytes)");
        }
        if (headerLength > MAX_HEADER_BYTES) {
            throw corrupt(file, "header length " + headerLength + " exceeds the limit of " + MAX_HEADER_BYTES + " bytes");
        }
        if (headerLength == 0) {
            throw corrupt(file, "header length is 0 (expected a JSON object)");
        }
        ByteBuffer headerBytes = ByteBuffer.allocate((int) headerLength);
        readFully(file, channel, headerBytes, Long.BYTES);
        long dataStart = Long.BYTES + headerLength;
        long dataLength = size - dataStart;

        Map<String, String> metadata = new LinkedHashMap<>();
        List<Entry> entries = parseHeader(file, headerBytes.array(), metadata);
        entries.sort(Comparator.comparingLong(Entry::begin).thenComparingLong(Entry::end));
        checkLayout(file, entries, dataLength);

        Map<String, TensorData> tensors = new LinkedHashMap<>();
        ByteBuffer buffer = ByteBuffer.allocate(CHUNK_BYTES).order(ByteOrder.LITTLE_ENDIAN);
        for (Entry e : entries) {
            if (e.elements() > Integer.MAX_VALUE - 8) {
                throw corrupt(file, "tensor " + quote(e.name()) + " has " + e.elements()
                        + " elements, more than a Java array holds");
            }
            tensors.put(e.name(), readData(file, channel, e, dataStart + e.begin(), buffer));
        }
        return new SafetensorsFile(file, tensors, metadata);
    }

    private static List<Entry> parseHeader(Path file, byte[] header, Map<String, String> metadata) {
        if (header[0] != '{') {
            throw corrupt(file, "header does not start with '{' (first byte 0x" + String.format("%02x", header[0] & 0xff)
                    + "); not a safetensors file?");
        }
        JsonMapper json = JsonMapper.builder()
                .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
                .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
                .build();
        JsonNode root;
        try {
            root = json.readTree(header);
        } catch (JacksonException e) {
            throw corrupt(file, "header is not valid JSON: " + oneLine(e.getOriginalMessage())
                    + (e.getLocation() == null ? "" : " (at header byte " + e.getLocation().getByteOffset() + ")"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        if (root == null || !root.isObject()) {
            throw corrupt(file, "header is not a JSON object");
        }
        List<Entry> entries = new ArrayList<>();
        for (Map.Entry<String, JsonNode> field : root.properties()) {
            String name = field.getKey();
            JsonNode value = field.getValue();
            if (name.equals(METADATA_KEY)) {
                parseMetadata(file, value, metadata);
            } else {
                entries.add(parseEntry(file, name, value));
            }
        }
        return entries;
    }

    private static void parseMetadata(Path file, JsonNode node, Map<String, String> metadata) {
        if (!node.isObject()) {
            throw corrupt(file, METADATA_KEY + " is " + node.getNodeType() + ", expected an object of strings");
        }
        for (Map.Entry<String, JsonNode> m : node.properties()) {
            if (!m.getValue().isTextual()) {
                throw corrupt(file, METADATA_KEY + " value of " + quote(m.getKey()) + " is " + m.getValue().getNodeType()
                        + ", expected a string");
            }
            metadata.put(m.getKey(), m.getValue().textValue());
        }
    }

    private static Entry parseEntry(Path file, String name, JsonNode node) {
        String what = "tensor " + quote(name);
        if (!node.isObject()) {
            throw corrupt(file, what + " is " + node.getNodeType() + ", expected an object with dtype, shape, data_offsets");
        }
        for (Map.Entry<String, JsonNode> f : node.properties()) {
            String key = f.getKey();
            if (!key.equals("dtype") && !key.equals("shape") && !key.equals("data_offsets")) {
                throw corrupt(file, what + " has unknown field " + quote(key) + " (allowed: dtype, shape, data_offsets)");
            }
        }
        JsonNode dtypeNode = node.get("dtype");
        if (dtypeNode == null || !dtypeNode.isTextual()) {
            throw corrupt(file, what + (dtypeNode == null ? " has no dtype" : " has a non-string dtype " + dtypeNode));
        }
        String dtype = dtypeNode.textValue();
        if (!SUPPORTED.contains(dtype)) {
            throw corrupt(file, what + (OTHER_SPEC_DTYPES.contains(dtype)
                    ? " has dtype " + dtype + ", which this reader does not support"
                    : " has unknown dtype " + quote(dtype)) + " (supported: F32, I64)");
        }
        JsonNode shapeNode = node.get("shape");
        if (shapeNode == null || !shapeNode.isArray()) {
            throw corrupt(file, what + (shapeNode == null ? " has no shape" : " has shape " + shapeNode + ", expected an array"));
        }
        int[] shape = new int[shapeNode.size()];
        long elements = 1;
        for (int i = 0; i < shape.length; i++) {
            JsonNode d = shapeNode.get(i);
            if (!d.isIntegralNumber() || !d.canConvertToInt() || d.intValue() < 0) {
                throw corrupt(file, what + " has shape " + shapeNode + ": dimensions must be integers in [0, "
                        + Integer.MAX_VALUE + "]");
            }
            shape[i] = d.intValue();
            elements = multiply(file, what, elements, shape[i]);
        }
        JsonNode offsets = node.get("data_offsets");
        if (offsets == null || !offsets.isArray() || offsets.size() != 2 || !isOffset(offsets.get(0))
                || !isOffset(offsets.get(1))) {
            throw corrupt(file, what + (offsets == null ? " has no data_offsets"
                    : " has data_offsets " + offsets + ", expected [begin, end] with non-negative integers"));
        }
        long begin = offsets.get(0).longValue();
        long end = offsets.get(1).longValue();
        if (end < begin) {
            throw corrupt(file, what + " has data_offsets " + offsets + " that end before they begin");
        }
        int elementBytes = dtype.equals("I64") ? Long.BYTES : Float.BYTES;
        long bytes = multiply(file, what, elements, elementBytes);
        if (end - begin != bytes) {
            throw corrupt(file, what + " of shape " + shapeNode + " and dtype " + dtype + " needs " + bytes
                    + " bytes but its data_offsets " + offsets + " span " + (end - begin));
        }
        return new Entry(name, dtype, shape, elements, begin, end);
    }

    private static boolean isOffset(JsonNode n) {
        return n != null && n.isIntegralNumber() && n.canConvertToLong() && n.longValue() >= 0;
    }

    private static long multiply(Path file, String what, long a, long b) {
        try {
            return Math.multiplyExact(a, b);
        } catch (ArithmeticException e) {
            throw corrupt(file, what + " has an impossibly large shape");
        }
    }

    /** Entries sorted by offset must tile the data section exactly: no overlap, no gap, no excess. */
    private static void checkLayout(Path file, List<Entry> entries, long dataLength) {
        long expected = 0;
        Entry previous = null;
        for (Entry e : entries) {
            if (e.begin() < expected) {
                throw corrupt(file, "tensor " + quote(e.name()) + " data_offsets [" + e.begin() + ", " + e.end()
                        + "] overlap tensor " + quote(previous.name()) + " [" + previous.begin() + ", " + previous.end() + "]");
            }
            if (e.begin() > expected) {
                throw corrupt(file, "gap in the data: bytes [" + expected + ", " + e.begin() + ") belong to no tensor"
                        + " (next tensor " + quote(e.name()) + ")");
            }
            if (e.end() > dataLength) {
                throw corrupt(file, "tensor " + quote(e.name()) + " data_offsets [" + e.begin() + ", " + e.end()
                        + "] go beyond the " + dataLength + " bytes of data in the file (truncated file?)");
            }
            expected = e.end();
            previous = e;
        }
        if (expected < dataLength) {
            throw corrupt(file, (dataLength - expected) + " bytes of data after offset " + expected
                    + " are not covered by any tensor");
        }
    }

    private static TensorData readData(Path file, FileChannel channel, Entry e, long position, ByteBuffer buffer)
            throws IOException {
        int n = (int) e.elements();
        int elementBytes = e.dtype().equals("I64") ? Long.BYTES : Float.BYTES;
        int perChunk = buffer.capacity() / elementBytes;
        if (e.dtype().equals("I64")) {
            long[] data = new long[n];
            for (int from = 0; from < n; from += perChunk) {
                int count = Math.min(perChunk, n - from);
                buffer.clear().limit(count * elementBytes);
                readFully(file, channel, buffer, position + (long) from * elementBytes);
                buffer.flip();
                buffer.asLongBuffer().get(data, from, count);
            }
            return new LongTensor(e.shape(), data);
        }
        float[] data = new float[n];
        for (int from = 0; from < n; from += perChunk) {
            int count = Math.min(perChunk, n - from);
            buffer.clear().limit(count * elementBytes);
            readFully(file, channel, buffer, position + (long) from * elementBytes);
            buffer.flip();
            buffer.asFloatBuffer().get(data, from, count);
        }
        return new NamedTensor(e.shape(), data);
    }

    private static void readFully(Path file, FileChannel channel, ByteBuffer target, long position) throws IOException {
        long at = position;
        while (target.hasRemaining()) {
            int read = channel.read(target, at);
            if (read < 0) {
                throw corrupt(file, "truncated data: the file ended at byte " + at + " while reading");
            }
            at += read;
        }
    }

    private static CorruptFileException corrupt(Path file, String problem) {
        return new CorruptFileException(file, KIND, problem);
    }

    /** A name in single quotes, with control characters escaped so that messages stay on one line. */
    static String quote(String s) {
        StringBuilder b = new StringBuilder(s.length() + 2).append('\'');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x20 || c == 0x7f) {
                b.append(String.format("\\u%04x", (int) c));
            } else {
                b.append(c);
            }
        }
        return b.append('\'').toString();
    }

    private static String oneLine(String s) {
        return s == null ? "" : s.replaceAll("\\s+", " ").trim();
    }
}
