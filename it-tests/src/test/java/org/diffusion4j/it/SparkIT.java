package org.diffusion4j.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code sample --spark} on Spark's local mode, as a user runs it from the distribution with
 * {@code SPARK_HOME} set (here a folder of Spark's jars the build copies from Maven Central): the
 * gathered sample file is byte-identical to the single-machine one for 1, 3 and 7 partitions, also
 * when a task's first attempt fails and Spark retries it; a sweep with one task per cell gives the
 * single-machine table; a job that fails or is killed writes
 * nothing; and Spark missing, a bad or unreachable master, a plugin missing on the executors
 * and a checkpoint the executors cannot see are each a one-line error with exit status 2.
 *
 * <p>Kept cheap (each launcher run starts a Spark context, 2–6 s): one tiny flow-matching model,
 * 700 samples in batches of 100 (7 batches, so 7 partitions are 7 tasks of one batch each).
 */
class SparkIT {

    @TempDir
    static Path tmp;

    static Launcher plain;
    static Launcher spark;
    static byte[] local;

    @BeforeAll
    static void trainAndSampleLocally() {
        Path home = Distribution.copyTo(tmp);
        plain = new Launcher(home, tmp.resolve("work"));
        Path sparkHome = Path.of(System.getProperty("d4j.spark.home", "")).toAbsolutePath();
        assertThat(sparkHome.resolve("jars")).as("Spark's jars, copied by module runtime/spark").isDirectory();
        spark = plain.withEnv(Map.of("SPARK_HOME", sparkHome.toString()));
        Specs.write(plain.workDir().resolve("tiny.yaml"), Specs.tiny(60, 60, 700)
                .replace("batch-size: 10000", "batch-size: 100"));
        Checks.succeeded(plain.run("train", "--spec", "tiny.yaml", "--out", "run"));
        Checks.succeeded(plain.run("sample", "--checkpoint", "run", "--sampler", "sde", "--out", "local.csv"));
        local = Checks.bytes(plain.workDir().resolve("local.csv"));
    }

    private static Launcher.Result sample(String out, String master, String... more) {
        List<String> args = new java.util.ArrayList<>(List.of("sample", "--checkpoint", "run", "--sampler", "sde",
                "--out", out, "--spark", master));
        args.addAll(List.of(more));
        return spark.run(Duration.ofMinutes(3), args.toArray(String[]::new));
    }

    @Test
    void samplesAreByteIdenticalWhateverThePartitionCount() throws IOException {
        Checks.succeeded(sample("p1.csv", "local[2]", "--partitions", "1"));
        // local[2,2]: two attempts per task; the first attempt of task 1 fails and Spark runs it again
        Launcher.Result p3 = Checks.succeeded(sample("p3.csv", "local[2,2]", "--partitions", "3",
                "--spark-conf", "spark.diffusion4j.test.failFirstAttempt=1"));
        Checks.succeeded(sample("p7.csv", "local[2]", "--partitions", "7"));
        assertThat(p3.stderr()).as("the injected failure happened and was retried\n%s", p3.describe())
                .contains("task 1 attempt 0 failed").contains("failure injected")
                .contains("3 tasks: plugins");
        for (String f : List.of("p1.csv", "p3.csv", "p7.csv")) {
            assertThat(Checks.bytes(spark.workDir().resolve(f))).as("%s against the single-machine samples", f)
                    .isEqualTo(local);
        }
        String manifest = Files.readString(spark.workDir().resolve("p7.manifest.json"));
        assertThat(manifest).contains("spark local[2]");
        assertThat(spark.workDir().resolve("p7.png")).isRegularFile();
    }

    @Test
    void aSweepOnSparkScoresAsTheLocalOne() throws IOException {
        String[] grid = {"sweep", "--checkpoint", "run", "--sampler", "ode", "--column", "steps=5", "--column", "steps=10",
                "--column", "steps=20"};
        Checks.succeeded(plain.run(concat(grid, "--out", "sweep-local.json")));
        Launcher.Result r = Checks.succeeded(spark.run(Duration.ofMinutes(3), concat(grid, "--out", "sweep-spark.json",
                "--spark", "local[2]")));
        assertThat(r.stderr()).contains("3 tasks: plugins");
        var json = new com.fasterxml.jackson.databind.ObjectMapper();
        var local = json.readTree(spark.workDir().resolve("sweep-local.json").toFile());
        var distributed = json.readTree(spark.workDir().resolve("sweep-spark.json").toFile());
        assertThat(distributed.get("scores")).as("every cell's scores").isEqualTo(local.get("scores"));
        assertThat(distributed.get("floor")).isEqualTo(local.get("floor"));
        assertThat(Files.readString(spark.workDir().resolve("sweep-spark.md")))
                .isEqualTo(Files.readString(spark.workDir().resolve("sweep-local.md")));
    }

    private static String[] concat(String[] a, String... b) {
        String[] all = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, all, a.length, b.length);
        return all;
    }

    @Test
    void aKilledJobWritesNothing() throws Exception {
        Launcher.Running killed = spark.start("sample", "--checkpoint", "run", "--sampler", "sde", "--out", "killed.csv",
                "--spark", "local[2]", "--spark-conf", "spark.diffusion4j.test.taskDelayMillis=60000");
        awaitTasks(killed);
        killed.kill();
        try (Stream<Path> files = Files.list(spark.workDir())) {
            assertThat(files.map(p -> p.getFileName().toString()))
                    .as("no output, temp file or picture of the killed job")
                    .noneMatch(n -> n.startsWith("killed") || n.startsWith(".killed"));
        }
    }

    @Test
    void badSetupsAreOneLineErrors() throws Exception {
        Checks.userError(plain.run("sample", "--checkpoint", "run", "--out", "x.csv", "--spark", "local[2]"),
                "Spark is not on the class path", "SPARK_HOME");
        Checks.userError(spark.run("sample", "--checkpoint", "run", "--out", "x.csv", "--spark", "spark://127.0.0.1:9"),
                "cannot reach the Spark master", "127.0.0.1:9");
        Checks.userError(spark.run("sample", "--checkpoint", "run", "--out", "x.csv", "--spark", "local[two]"),
                "local[two]", "is not a Spark master URL");
        Checks.userError(spark.run("sample", "--checkpoint", "run", "--out", "x.csv", "--partitions", "3"),
                "--partitions", "--spark");

        // executors whose distribution lacks the flow-matching plugin the checkpoint needs
        Path partial = tmp.resolve("partial");
        Distribution.copyTree(spark.home(), partial);
        deleteTree(partial.resolve("plugins").resolve("flow-matching"));
        Launcher.Result noPlugin = sample("x.csv", "local[2]", "--spark-conf", "spark.diffusion4j.home=" + partial);
        executorError(noPlugin, "on executor", "flow-matching");
        assertThat(spark.workDir().resolve("x.csv")).as("a failed job writes nothing").doesNotExist();

        // the driver reads the checkpoint; by the time the executors look for it, it is gone
        Distribution.copyTree(spark.workDir().resolve("run"), spark.workDir().resolve("moving"));
        Launcher.Running moved = spark.start("sample", "--checkpoint", "moving", "--sampler", "sde", "--out", "x.csv",
                "--spark", "local[2]", "--spark-conf", "spark.diffusion4j.test.taskDelayMillis=1500");
        awaitTasks(moved);
        deleteTree(spark.workDir().resolve("moving"));
        executorError(moved.await(Duration.ofMinutes(2)), "is not visible here", "moving");
        assertThat(spark.workDir().resolve("x.csv")).doesNotExist();
    }

    /** Waits until the launcher says its tasks have started. */
    private static void awaitTasks(Launcher.Running r) throws InterruptedException {
        for (int i = 0; i < 1200 && !r.stderrSoFar().contains("tasks on spark"); i++) {
            assertThat(r.isAlive()).as("the launcher runs until its tasks start: %s", r.stderrSoFar()).isTrue();
            Thread.sleep(50);
        }
        assertThat(r.stderrSoFar()).contains("tasks on spark");
    }

    /**
     * An error found on an executor: exit 2, no stack trace, the one-line error last, and before it
     * only the launcher's own {@code spark:} lines (context, tasks, failed attempts).
     */
    private static void executorError(Launcher.Result r, String... mentions) {
        assertThat(r.exitCode()).as(r.describe()).isEqualTo(Checks.USER_ERROR);
        assertThat(r.stderr()).as(r.describe()).doesNotContain("\tat ").doesNotContain("internal error");
        List<String> lines = r.stderrLines();
        String last = lines.getLast();
        assertThat(last).as(r.describe()).startsWith("error: ").contains(mentions);
        assertThat(lines.subList(0, lines.size() - 1)).as(r.describe()).allMatch(l -> l.startsWith("spark: "));
        System.out.println("[it] " + last);
    }

    private static void deleteTree(Path dir) throws IOException {
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
