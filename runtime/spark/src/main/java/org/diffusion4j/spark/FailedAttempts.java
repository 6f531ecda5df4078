package org.diffusion4j.spark;

import java.io.PrintStream;
import org.apache.spark.TaskFailedReason;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerTaskEnd;

/**
 * Says on the driver's stderr, in one line, when a task attempt failed (Spark then retries it, up
 * to {@code spark.task.maxFailures}): Spark's own log, which would say it with a stack trace, is off.
 */
final class FailedAttempts extends SparkListener {

    private final PrintStream err;

    FailedAttempts(PrintStream err) {
        this.err = err;
    }

    @Override
    public void onTaskEnd(SparkListenerTaskEnd end) {
        if (end.taskInfo() != null && end.taskInfo().failed() && end.reason() instanceof TaskFailedReason r) {
            String why = r.toErrorString().lines().findFirst().orElse("");
            err.println("spark: task " + end.taskInfo().index() + " attempt " + end.taskInfo().attemptNumber()
                    + " failed on " + end.taskInfo().host() + ": " + why);
        }
    }
}
