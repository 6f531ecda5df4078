package org.diffusion4j.spark;

import java.io.PrintStream;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;
import org.diffusion4j.runtime.UserException;

/**
 * Creates the Spark context, kept apart from {@link SparkClusterProvider} so that class loads
 * without Spark and can say that Spark is missing.
 */
final class SparkStart {

    /** Settings of the fault hooks for tests; see {@link RangeTask.Hooks}. */
    static final String FAIL_FIRST = "spark.diffusion4j.test.failFirstAttempt";
    static final String FAIL_ALWAYS = "spark.diffusion4j.test.failAlways";
    static final String DELAY = "spark.diffusion4j.test.taskDelayMillis";
    /** Where the executors find the distribution (default: where the driver's is). */
    static final String HOME = "spark.diffusion4j.home";

    private SparkStart() {
    }

    static SparkCluster start(String master, Map<String, String> settings, Path home, PrintStream err) {
        SparkConf conf = new SparkConf().setMaster(master).setAppName("diffusion4j")
                .set("spark.ui.enabled", "false")
                .set("spark.ui.showConsoleProgress", "false");
        // Executors of a real cluster get this jar (the task classes) from the driver; the
        // distribution's lib/ and plugins/ they read from spark.diffusion4j.home.
        String jar = ownJar();
        if (jar != null && !master.startsWith("local")) {
            conf.set("spark.jars", jar);
        }
        settings.forEach(conf::set);
        RangeTask.Hooks hooks = new RangeTask.Hooks(conf.getInt(FAIL_FIRST, -1), conf.getInt(FAIL_ALWAYS, -1),
                conf.getLong(DELAY, 0));
        String executorHome = conf.get(HOME, home.toString());
        long t0 = System.nanoTime();
        JavaSparkContext sc;
        try {
            sc = new JavaSparkContext(conf);
        } catch (RuntimeException | LinkageError e) {
            String why = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage().lines().findFirst()
                    .orElse("");
            throw new UserException("--spark " + master + ": Spark did not start: " + why);
        }
        err.printf(Locale.ROOT, "spark: context on %s started in %.2f s (%d cores)%n", master,
                (System.nanoTime() - t0) / 1e9, sc.defaultParallelism());
        sc.sc().addSparkListener(new FailedAttempts(err));
        return new SparkCluster(sc, master, executorHome, hooks, err);
    }

    private static String ownJar() {
        try {
            var src = SparkStart.class.getProtectionDomain().getCodeSource();
            if (src == null) {
                return null;
            }
            Path p = Path.of(src.getLocation().toURI());
            return p.toString().endsWith(".jar") ? p.toString() : null;
        } catch (URISyntaxException | SecurityException e) {
            return null;
        }
    }
}
