package org.diffusion4j.runtime.cli;

import org.diffusion4j.api.PointSet;
import org.diffusion4j.runtime.UserException;

/**
 * The executor's side of a distributed command: the entry a cluster task calls, by name, with the
 * command's arguments and its range. It parses the arguments exactly as the command does and
 * rebuilds the pipeline from the checkpoint and the plugins folder the arguments name, so an
 * executor computes what the driver would have. Called reflectively by the {@code diffusion4j-spark}
 * jar (which lives on the class path, outside this module's layer), hence only JDK types.
 */
public final class ClusterTasks {

    private ClusterTasks() {
    }

    /**
     * Runs one task.
     *
     * @param task {@code sample}: samples {@code from} to {@code to} (exclusive); {@code sweep-cell}: the
     *             samples of sweep cell {@code from} (row-major)
     * @return what the driver gathers (for {@code sample}: times, then the samples' float32 values)
     */
    public static byte[] run(String task, String[] args, int from, int to) throws Exception {
        return switch (task) {
            case "sample" -> {
                long[] nanos = new long[3];
                PointSet part = SampleCommand.drawPart(args, from, to, nanos);
                yield Distributed.encode(nanos, part.values());
            }
            case "sweep-cell" -> {
                long[] nanos = new long[3];
                PointSet cell = SweepCommand.drawCell(args, from, nanos);
                yield Distributed.encode(nanos, cell.values());
            }
            default -> throw new UserException("unknown cluster task '" + task + "'; known: sample, sweep-cell");
        };
    }
}
