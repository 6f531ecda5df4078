package org.diffusion4j.runtime.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The two memory figures the bench reports: peak resident set size (Linux {@code VmHWM}, reset per workload by
 * writing 5 to {@code /proc/self/clear_refs}) and bytes allocated on the Java heap by all threads
 * (HotSpot's per-thread allocation counters), from which the bench derives allocation per step.
 */
final class Memory {

    private static final Path STATUS = Path.of("/proc/self/status");
    private static final Path CLEAR_REFS = Path.of("/proc/self/clear_refs");

    private Memory() {
    }

    /** Sets the peak-RSS mark to the current RSS, so the next {@link #peakRssMiB} is this workload's peak. */
    static void resetPeak() {
        try {
            Files.writeString(CLEAR_REFS, "5");
        } catch (IOException | UnsupportedOperationException | SecurityException e) {
            // not Linux, or not allowed: the peak then covers the whole process so far
        }
    }

    /** {@code VmHWM} in MiB, or NaN where /proc is not available. */
    static double peakRssMiB() {
        try {
            for (String line : Files.readAllLines(STATUS)) {
                if (line.startsWith("VmHWM:")) {
                    String[] f = line.substring(6).trim().split("\\s+");
                    return Long.parseLong(f[0]) / 1024.0;
                }
            }
        } catch (IOException | RuntimeException e) {
            // fall through
        }
        return Double.NaN;
    }

    /** Bytes allocated so far by all live threads and those that ended, or -1 where not supported. */
    static long allocatedBytes() {
        if (ManagementFactory.getThreadMXBean() instanceof com.sun.management.ThreadMXBean t
                && t.isThreadAllocatedMemorySupported() && t.isThreadAllocatedMemoryEnabled()) {
            return t.getTotalThreadAllocatedBytes();
        }
        return -1;
    }
}
