package org.diffusion4j.runtime.io;

import java.io.IOException;
import java.io.OutputStream;

/** Writes a file's whole content to a stream; see {@link AtomicFiles#write(java.nio.file.Path, IoWriter)}. */
@FunctionalInterface
public interface IoWriter {

    /**
     * Writes the content. The stream is buffered; it need not be flushed and must not be relied on
     * after returning (closing it is harmless).
     */
    void write(OutputStream out) throws IOException;
}
