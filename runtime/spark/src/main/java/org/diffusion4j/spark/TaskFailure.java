package org.diffusion4j.spark;

/**
 * How a failed task reaches the driver: Java-serialisable with JDK types only, since the exception
 * it stands for may be of a class the driver cannot load (one of a module layer built on the
 * executor). {@code user} says whether it was the user's error (a checkpoint or plugin the
 * executor cannot see, a bad value), which the launcher prints as one line and exit status 2.
 */
public class TaskFailure extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final boolean user;
    private final String remoteTrace;

    /** The user's error; its class name marks it in Spark's job-failure message, whose cause Spark may drop. */
    static final class OfUser extends TaskFailure {
        private static final long serialVersionUID = 1L;

        OfUser(String message, String remoteTrace) {
            super(true, message, remoteTrace);
        }
    }

    static TaskFailure of(boolean user, String message, String remoteTrace) {
        return user ? new OfUser(message, remoteTrace) : new TaskFailure(false, message, remoteTrace);
    }

    TaskFailure(boolean user, String message, String remoteTrace) {
        super(message, null, false, false);
        this.user = user;
        this.remoteTrace = remoteTrace;
    }

    boolean user() {
        return user;
    }

    String remoteTrace() {
        return remoteTrace;
    }
}
