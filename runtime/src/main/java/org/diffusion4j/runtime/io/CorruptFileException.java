package org.diffusion4j.runtime.io;

import java.nio.file.Path;
import org.diffusion4j.api.UserError;

/**
 * A file that exists (or should) but cannot be used as what it claims to be: missing, truncated, or
 * with an inconsistent header. The message is one line naming the file and the problem, e.g.
 * {@code corrupt safetensors file /runs/a/step-100.safetensors: header length 4096 goes beyond the
 * end of the file (1200 bytes)}.
 */
public class CorruptFileException extends UserError {

    private final transient Path file;

    public CorruptFileException(Path file, String kind, String problem) {
        super("corrupt " + kind + " file " + file + ": " + problem);
        this.file = file;
    }

    public CorruptFileException(Path file, String kind, String problem, Throwable cause) {
        super("corrupt " + kind + " file " + file + ": " + problem, cause);
        this.file = file;
    }

    /** The offending file. */
    public Path file() {
        return file;
    }
}
