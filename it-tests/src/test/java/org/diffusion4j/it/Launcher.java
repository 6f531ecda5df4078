package org.diffusion4j.it;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Runs a distribution's {@code bin/diffusion4j} as a separate process, as a user would: its own
 * working folder, {@code JAVA_HOME} set to the JDK that runs the tests, stdout and stderr drained
 * by their own threads (no pipe can fill up and stall the launcher), and a time limit after which
 * the process is killed and the test fails with what it had printed.
 */
final class Launcher {

    /** Generous default limit for one launcher command (not an assertion on speed). */
    static final Duration DEFAULT_TIMEOUT = Duration.ofMinutes(5);

    private final Path home;
    private final Path workDir;
    private final Map<String, String> env;

    /**
     * @param home    the distribution folder (holds bin/, lib/, plugins/)
     * @param workDir the working folder of the launched processes; relative paths resolve here
     */
    Launcher(Path home, Path workDir) {
        this(home, workDir, Map.of());
    }

    private Launcher(Path home, Path workDir, Map<String, String> env) {
        this.home = home;
        this.workDir = workDir;
        this.env = env;
    }

    /** This launcher with {@code env} added to the processes' environment (e.g. SPARK_HOME). */
    Launcher withEnv(Map<String, String> env) {
        return new Launcher(home, workDir, Map.copyOf(env));
    }

    Path home() {
        return home;
    }

    Path workDir() {
        return workDir;
    }

    /** Runs {@code diffusion4j args...} to completion with the default time limit. */
    Result run(String... args) {
        return run(DEFAULT_TIMEOUT, args);
    }

    /** Runs {@code diffusion4j args...} to completion; kills it and fails after {@code timeout}. */
    Result run(Duration timeout, String... args) {
        Running r = start(args);
        return r.await(timeout);
    }

    /** Starts {@code diffusion4j args...} and returns at once. */
    Running start(String... args) {
        List<String> command = new ArrayList<>();
        command.add(home.resolve("bin").resolve("diffusion4j").toString());
        command.addAll(List.of(args));
        try {
            Files.createDirectories(workDir);
            ProcessBuilder pb = new ProcessBuilder(command)
                    .directory(workDir.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
            Map<String, String> env = pb.environment();
            env.put("JAVA_HOME", javaHome());
            env.remove("DIFFUSION4J_OPTS");
            env.remove("JAVA_TOOL_OPTIONS");
            env.remove("JDK_JAVA_OPTIONS");
            // As on a machine without Spark or TornadoVM, whatever the developer's shell has; a test's own
            // variables (SPARK_HOME for SparkIT) come last.
            env.remove("SPARK_HOME");
            env.remove("TORNADOVM_HOME");
            env.putAll(this.env);
            return new Running(command, pb.start());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + command, e);
        }
    }

    /** The JDK the launcher runs on: the one running the tests (a Java 25 JDK). */
    static String javaHome() {
        String explicit = System.getProperty("d4j.it.java.home");
        return explicit != null && !explicit.isBlank() ? explicit : System.getProperty("java.home");
    }

    /** A started launcher process; its stdout and stderr are drained into memory as it runs. */
    static final class Running {
        private final List<String> command;
        private final Process process;
        private final ByteArrayOutputStream stdout = new ByteArrayOutputStream();
        private final ByteArrayOutputStream stderr = new ByteArrayOutputStream();
        private final Thread outDrain;
        private final Thread errDrain;

        Running(List<String> command, Process process) {
            this.command = command;
            this.process = process;
            this.outDrain = drain(process.getInputStream(), stdout);
            this.errDrain = drain(process.getErrorStream(), stderr);
        }

        private static Thread drain(InputStream in, ByteArrayOutputStream to) {
            return Thread.ofPlatform().daemon().start(() -> {
                byte[] buf = new byte[8192];
                try (in) {
                    for (int n; (n = in.read(buf)) >= 0; ) {
                        synchronized (to) {
                            to.write(buf, 0, n);
                        }
                    }
                } catch (IOException ignored) {
                    // the process is gone; keep what was read
                }
            });
        }

        Process process() {
            return process;
        }

        boolean isAlive() {
            return process.isAlive();
        }

        /** What the process has written to stderr so far (it may still be running). */
        String stderrSoFar() {
            return text(stderr);
        }

        /** Kills the process (SIGKILL: no shutdown hooks, as when a machine loses power) and waits. */
        Result kill() {
            process.destroyForcibly();
            try {
                process.waitFor(1, TimeUnit.MINUTES);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return result(process.isAlive() ? -1 : process.exitValue());
        }

        /** Waits for the process to end; kills it and throws an {@link AssertionError} after {@code timeout}. */
        Result await(Duration timeout) {
            try {
                if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                    Result partial = kill();
                    throw new AssertionError("launcher did not finish within " + timeout + "; killed it.\n"
                            + partial.describe());
                }
            } catch (InterruptedException e) {
                process.destroyForcibly();
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted while waiting for " + command, e);
            }
            return result(process.exitValue());
        }

        private Result result(int exit) {
            try {
                outDrain.join(10_000);
                errDrain.join(10_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return new Result(command, exit, text(stdout), text(stderr));
        }

        private static String text(ByteArrayOutputStream b) {
            synchronized (b) {
                return b.toString(StandardCharsets.UTF_8);
            }
        }
    }

    /** What a finished launcher process left: exit status, stdout, stderr. */
    record Result(List<String> command, int exitCode, String stdout, String stderr) {

        /** The non-blank lines of stderr. */
        List<String> stderrLines() {
            return stderr.lines().filter(l -> !l.isBlank()).toList();
        }

        /** Everything about the run, for assertion messages. */
        String describe() {
            return "command: " + String.join(" ", command) + "\nexit status: " + exitCode + "\n--- stdout ---\n"
                    + tail(stdout) + "\n--- stderr ---\n" + tail(stderr) + "\n--------------";
        }

        private static String tail(String s) {
            return s.length() <= 6000 ? s : "...\n" + s.substring(s.length() - 6000);
        }

        @Override
        public String toString() {
            return describe();
        }
    }
}
