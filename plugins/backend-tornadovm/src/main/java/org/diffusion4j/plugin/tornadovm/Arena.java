package org.diffusion4j.plugin.tornadovm;

import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.diffusion4j.api.config.ConfigException;

/**
 * The allocator of the backend's device arena: one large device buffer cut into regions, so that
 * every kernel's task graph takes the same buffer and only offsets change from call to call.
 * Regions are rounded up to {@link #ALIGN} floats; freed regions are kept by size and reused for
 * the next request of that size (a training or sampling step asks for the same sizes every time),
 * otherwise the arena grows from its top.
 */
final class Arena {

    /** Region granularity in floats (64 bytes: one cache line, a GPU's coalescing unit). */
    static final int ALIGN = 16;

    private final long capacity;
    private long top;
    private long inUse;
    private long peak;
    private final Map<Integer, ArrayDeque<Integer>> free = new HashMap<>();

    Arena(long capacity) {
        this.capacity = capacity;
    }

    /** One allocated region; {@link #release} is idempotent (a step's end and the cleaner may both call it). */
    final class Region implements Runnable {
        final int offset;
        final int capacity;
        private final AtomicBoolean released = new AtomicBoolean();

        Region(int offset, int capacity) {
            this.offset = offset;
            this.capacity = capacity;
        }

        void release() {
            if (capacity > 0 && released.compareAndSet(false, true)) {
                Arena.this.release(offset, capacity);
            }
        }

        @Override
        public void run() {
            release();
        }
    }

    /** A region of at least {@code size} floats, or null when the arena is full. */
    synchronized Region allocate(int size) {
        int cap = (int) ((size + (long) ALIGN - 1) / ALIGN * ALIGN);
        if (cap == 0) {
            return new Region(0, 0);
        }
        ArrayDeque<Integer> q = free.get(cap);
        Integer off = q == null ? null : q.pollLast();
        if (off == null) {
            if (top + cap > capacity) {
                return null;
            }
            off = (int) top;
            top += cap;
        }
        inUse += cap;
        peak = Math.max(peak, inUse);
        return new Region(off, cap);
    }

    private synchronized void release(int offset, int cap) {
        free.computeIfAbsent(cap, k -> new ArrayDeque<>()).addLast(offset);
        inUse -= cap;
    }

    synchronized long peakFloats() {
        return peak;
    }

    long capacity() {
        return capacity;
    }

    /** The error for a full arena: what was asked, and how to give the backend more. */
    ConfigException full(int size) {
        return new ConfigException("the tornadovm backend's device arena is full (" + capacity * 4 / (1 << 20)
                + " MB, a request for " + size + " floats); give it more with "
                + "DIFFUSION4J_OPTS=-D" + TornadoBackend.ARENA_PROPERTY + "=<megabytes>");
    }
}
