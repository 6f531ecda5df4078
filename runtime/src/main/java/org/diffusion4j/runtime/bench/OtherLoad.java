package org.diffusion4j.runtime.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * How many cores other processes kept busy while a workload ran: all CPUs' busy time from
 * {@code /proc/stat} minus this process's own CPU time, over the wall time. On a shared 2-core machine a
 * figure near 1 means the workload had about half the machine; the bench records it beside each result
 * so a reader can tell a slow kernel from a busy machine.
 */
final class OtherLoad {

    /** Linux reports /proc/stat in USER_HZ, 100 per second on every mainstream architecture. */
    private static final double JIFFY_NANOS = 1e7;

    private final long wallNanos;
    private final long ownCpuNanos;
    private final long busyJiffies;

    private OtherLoad(long wallNanos, long ownCpuNanos, long busyJiffies) {
        this.wallNanos = wallNanos;
        this.ownCpuNanos = ownCpuNanos;
        this.busyJiffies = busyJiffies;
    }

    static OtherLoad now() {
        long own = ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os
                ? os.getProcessCpuTime() : -1;
        return new OtherLoad(System.nanoTime(), own, busyJiffies());
    }

    /** Mean number of cores busy with other processes since {@code start}, or NaN where not measurable. */
    double since(OtherLoad start) {
        if (ownCpuNanos < 0 || start.ownCpuNanos < 0 || busyJiffies < 0 || start.busyJiffies < 0) {
            return Double.NaN;
        }
        double wall = wallNanos - start.wallNanos;
        double others = (busyJiffies - start.busyJiffies) * JIFFY_NANOS - (ownCpuNanos - start.ownCpuNanos);
        return wall <= 0 ? Double.NaN : Math.max(0, others / wall);
    }

    /** Busy jiffies of all CPUs (everything but idle and iowait), or -1. */
    private static long busyJiffies() {
        try {
            String[] f = Files.readAllLines(Path.of("/proc/stat")).get(0).trim().split("\\s+");
            long total = 0;
            for (int i = 1; i <= Math.min(8, f.length - 1); i++) {
                total += Long.parseLong(f[i]);
            }
            return total - Long.parseLong(f[4]) - (f.length > 5 ? Long.parseLong(f[5]) : 0);
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }
}
