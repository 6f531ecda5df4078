package org.diffusion4j.spark;

import java.io.PrintStream;
import java.util.List;
import java.util.Locale;
import java.util.stream.IntStream;
import org.apache.spark.api.java.JavaSparkContext;
import org.diffusion4j.runtime.UserException;
import org.diffusion4j.runtime.cluster.Cluster;

/**
 * A {@link Cluster} on a {@link JavaSparkContext}: each range of a command's work is one task of
 * one Spark job ({@code parallelize} of the range indices, one per partition, then {@code collect}),
 * so results come back in range order whatever order tasks ran or were retried in; a task that
 * failed is retried by Spark ({@code spark.task.maxFailures}, or F in {@code local[N,F]}) and,
 * being a pure function of its range, gives the same bytes again.
 */
final class SparkCluster implements Cluster {

    private final JavaSparkContext sc;
    private final String master;
    private final String home;
    private final RangeTask.Hooks hooks;
    private final PrintStream err;
    private boolean closed;

    SparkCluster(JavaSparkContext sc, String master, String home, RangeTask.Hooks hooks, PrintStream err) {
        this.sc = sc;
        this.master = master;
        this.home = home;
        this.hooks = hooks;
        this.err = err;
    }

    @Override
    public String describe() {
        return "spark " + master;
    }

    @Override
    public int slots() {
        return sc.defaultParallelism();
    }

    JavaSparkContext context() {
        return sc;
    }

    @Override
    public List<byte[]> map(String task, List<String> args, List<int[]> ranges) {
        int taskCpus = sc.getConf().getInt("spark.task.cpus", 1);
        RangeTask f = new RangeTask(home, task, args, ranges, taskCpus, hooks);
        List<Integer> indices = IntStream.range(0, ranges.size()).boxed().toList();
        err.printf(Locale.ROOT, "spark: %s: %d tasks on %s%n", task, ranges.size(), describe());
        try {
            return sc.parallelize(indices, ranges.size()).map(f).collect();
        } catch (Exception e) {
            // SparkException is a checked exception that Scala throws undeclared
            throw driverSide(e);
        }
    }

    /**
     * A failed job as the launcher reports it: a task's user error as a {@link UserException} (one
     * line, exit 2), anything else as an internal error carrying the executor's stack trace.
     */
    static RuntimeException driverSide(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof TaskFailure f) {
                if (f.user()) {
                    return new UserException("spark task failed " + f.getMessage());
                }
                return new IllegalStateException("spark task failed " + f.getMessage() + "; executor's stack trace:\n"
                        + f.remoteTrace(), e);
            }
        }
        // Spark may give the job's failure without its cause: the user's error is then found by its
        // class name in the message ("... most recent failure: Lost task ...: CLASS: MESSAGE\nDriver stacktrace")
        String text = String.valueOf(e.getMessage());
        String marker = TaskFailure.OfUser.class.getName() + ": ";
        int at = text.indexOf(marker);
        if (at >= 0) {
            String rest = text.substring(at + marker.length());
            return new UserException("spark task failed " + rest.lines().findFirst().orElse("").trim());
        }
        if (text.contains("spark.driver.maxResultSize")) {
            // every task's samples come back to the driver, which writes the one file
            return new UserException("the tasks' results are larger than spark.driver.maxResultSize allows; raise it"
                    + " (--spark-conf spark.driver.maxResultSize=8g) and the launcher's heap (DIFFUSION4J_OPTS=-Xmx...),"
                    + " or draw fewer samples per command");
        }
        return e instanceof RuntimeException r ? r : new IllegalStateException(e);
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            sc.stop();
        }
    }
}
