package org.diffusion4j.spark;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.function.Function;

/**
 * One Spark task: range {@code ranges[i]} of a command's work, computed by {@link ExecutorSide}.
 * Holds only strings and ints, so it deserialises on any executor. The fault hooks make a chosen
 * task fail (its first attempt, or every attempt) or linger, so the tests can check that a retried
 * task gives the same bits and that an aborted or killed job writes nothing.
 */
final class RangeTask implements Function<Integer, byte[]> {

    private static final long serialVersionUID = 1L;

    private final String home;
    private final String task;
    private final String[] args;
    private final int[][] ranges;
    private final Hooks hooks;

    /** Test hooks, from spark.diffusion4j.test.* settings; -1 / 0: off. */
    record Hooks(int failFirstAttempt, int failAlways, long delayMillis) implements java.io.Serializable {
        static final Hooks NONE = new Hooks(-1, -1, 0);
    }

    RangeTask(String home, String task, List<String> args, List<int[]> ranges, int taskCpus, Hooks hooks) {
        this.home = home;
        this.task = task;
        List<String> a = new ArrayList<>(args);
        if (!a.contains("--threads")) {
            // Spark's parallelism is one task per core: a task's backend uses the cores Spark gives it
            a.add("--threads");
            a.add(Integer.toString(taskCpus));
        }
        if (!a.contains("--plugins")) {
            // the executor's own distribution's plugins: what it can load is what counts
            a.add("--plugins");
            a.add(java.nio.file.Path.of(home, "plugins").toString());
        }
        this.args = a.toArray(String[]::new);
        this.ranges = ranges.toArray(int[][]::new);
        this.hooks = hooks;
    }

    @Override
    public byte[] call(Integer i) throws Exception {
        TaskContext ctx = TaskContext.get();
        if (ctx != null) {
            if (i == hooks.failAlways() || (i == hooks.failFirstAttempt() && ctx.attemptNumber() == 0)) {
                throw new IllegalStateException("failure injected into task " + i + " attempt " + ctx.attemptNumber()
                        + " (spark.diffusion4j.test.*)");
            }
        }
        if (hooks.delayMillis() > 0) {
            Thread.sleep(hooks.delayMillis());
        }
        return ExecutorSide.run(home, task, Arrays.copyOf(args, args.length), ranges[i][0], ranges[i][1]);
    }
}
