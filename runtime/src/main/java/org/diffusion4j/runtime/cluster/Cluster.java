package org.diffusion4j.runtime.cluster;

import java.util.List;

/**
 * A connection to a cluster engine (Apache Spark, in the {@code diffusion4j-spark} jar) that runs
 * parts of a launcher command as tasks on its executors. A task is named by a {@code ClusterTasks}
 * entry and carries the command's own arguments (paths made absolute), so every executor rebuilds
 * the very pipeline the driver built — same checkpoint, same plugins, same {@code --set} values —
 * and computes one range of the work. Results come back in range order whatever order the tasks
 * ran or were retried in.
 */
public interface Cluster extends AutoCloseable {

    /** What the work runs on, for messages and manifests, e.g. {@code spark local[2]}. */
    String describe();

    /** How many tasks it can run at once (the executors' cores). */
    int slots();

    /**
     * Runs {@code org.diffusion4j.runtime.cli.ClusterTasks.run} for every range, one task each, and returns their results in
     * range order.
     *
     * @param task   the {@code ClusterTasks} entry, e.g. {@code sample}
     * @param args   the command's arguments as every executor is to read them
     * @param ranges {from, to} pairs, one per task
     * @throws org.diffusion4j.runtime.UserException when a task failed for a reason that is the user's
     *                                               (a checkpoint or plugin the executors cannot see)
     */
    List<byte[]> map(String task, List<String> args, List<int[]> ranges);

    /** Stops the engine's context; idempotent. */
    @Override
    void close();
}
