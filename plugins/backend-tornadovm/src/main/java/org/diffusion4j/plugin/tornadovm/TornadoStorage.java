package org.diffusion4j.plugin.tornadovm;

import org.diffusion4j.api.tensor.Storage;

/** A region of a {@link TornadoBackend}'s device arena: {@code size} floats from {@code offset}. */
final class TornadoStorage implements Storage {

    final TornadoBackend owner;
    final int offset;
    private final int size;

    TornadoStorage(TornadoBackend owner, int offset, int size) {
        this.owner = owner;
        this.offset = offset;
        this.size = size;
    }

    @Override
    public int size() {
        return size;
    }

    @Override
    public String toString() {
        return "TornadoStorage[" + offset + ", " + size + "]";
    }
}
