package org.diffusion4j.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Iterator;
import java.util.Map;
import java.util.TreeMap;

/**
 * An independent reader of the safetensors format (8-byte little-endian header length, a JSON
 * header of {@code name -> {dtype, shape, data_offsets}} plus optional {@code __metadata__}, then the
 * data), so the tests check checkpoints without the runtime's own code.
 */
final class SafetensorsReader {

    /** One tensor: dtype, shape and its raw little-endian bytes. */
    record Entry(String dtype, long[] shape, byte[] bytes) {
        @Override
        public String toString() {
            return dtype + Arrays.toString(shape) + " (" + bytes.length + " bytes)";
        }
    }

    /** A parsed file: tensors by name (sorted) and the string metadata. */
    record File(Map<String, Entry> tensors, Map<String, String> metadata) {
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    private SafetensorsReader() {
    }

    static File read(Path path) {
        byte[] all;
        try {
            all = Files.readAllBytes(path);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        if (all.length < 8) {
            throw new AssertionError(path + " is too short to be safetensors (" + all.length + " bytes)");
        }
        long headerLength = ByteBuffer.wrap(all, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        if (headerLength < 2 || 8 + headerLength > all.length) {
            throw new AssertionError(path + ": header length " + headerLength + " does not fit a file of "
                    + all.length + " bytes");
        }
        int dataStart = 8 + (int) headerLength;
        JsonNode header;
        try {
            header = JSON.readTree(new String(all, 8, (int) headerLength, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new AssertionError(path + ": the header is not JSON: " + e.getMessage());
        }
        Map<String, Entry> tensors = new TreeMap<>();
        Map<String, String> metadata = new TreeMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = header.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (e.getKey().equals("__metadata__")) {
                e.getValue().fields().forEachRemaining(m -> metadata.put(m.getKey(), m.getValue().asText()));
                continue;
            }
            JsonNode t = e.getValue();
            long[] shape = new long[t.get("shape").size()];
            for (int i = 0; i < shape.length; i++) {
                shape[i] = t.get("shape").get(i).asLong();
            }
            long begin = t.get("data_offsets").get(0).asLong();
            long end = t.get("data_offsets").get(1).asLong();
            if (begin < 0 || end < begin || dataStart + end > all.length) {
                throw new AssertionError(path + ": tensor " + e.getKey() + " has offsets [" + begin + ", " + end
                        + ") outside the data");
            }
            byte[] bytes = Arrays.copyOfRange(all, dataStart + (int) begin, dataStart + (int) end);
            tensors.put(e.getKey(), new Entry(t.get("dtype").asText(), shape, bytes));
        }
        return new File(tensors, metadata);
    }
}
