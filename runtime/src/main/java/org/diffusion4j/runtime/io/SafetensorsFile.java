package org.diffusion4j.runtime.io;

import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * The content of a safetensors file as read by {@link Safetensors#read(Path)}: the tensors in file
 * order (by position of their data) and the {@code __metadata__} strings (empty if absent). Both maps
 * are unmodifiable and keep their order.
 */
public record SafetensorsFile(Path path, Map<String, TensorData> tensors, Map<String, String> metadata) {

    public SafetensorsFile {
        Objects.requireNonNull(path, "path");
        tensors = Collections.unmodifiableMap(new LinkedHashMap<>(tensors));
        metadata = Collections.unmodifiableMap(new LinkedHashMap<>(metadata));
    }

    /** The F32 tensor called {@code name}; fails, naming the file, if it is absent or of another dtype. */
    public NamedTensor f32(String name) {
        return switch (require(name)) {
            case NamedTensor t -> t;
            case TensorData t -> throw wrongType(name, t, "F32");
        };
    }

    /** The I64 tensor called {@code name}; fails, naming the file, if it is absent or of another dtype. */
    public LongTensor i64(String name) {
        return switch (require(name)) {
            case LongTensor t -> t;
            case TensorData t -> throw wrongType(name, t, "I64");
        };
    }

    private TensorData require(String name) {
        TensorData t = tensors.get(name);
        if (t == null) {
            throw new CorruptFileException(path, "safetensors", "no tensor '" + name + "' (the file holds "
                    + tensors.size() + " tensors" + (tensors.isEmpty() ? "" : ", e.g. '" + tensors.keySet().iterator().next() + "'")
                    + ")");
        }
        return t;
    }

    private CorruptFileException wrongType(String name, TensorData t, String wanted) {
        return new CorruptFileException(path, "safetensors",
                "tensor '" + name + "' has dtype " + t.dtype() + ", expected " + wanted);
    }
}
