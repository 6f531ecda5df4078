package org.diffusion4j.spark;

import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;
import org.diffusion4j.runtime.UserException;
import org.diffusion4j.runtime.cluster.Cluster;
import org.diffusion4j.runtime.cluster.ClusterProvider;

/**
 * Starts a Spark context for the launcher's {@code --spark MASTER}. Checks first what Spark would
 * report late or not at all: Spark missing from the class path, a master URL of no known form, and
 * a standalone master that does not answer (Spark's own client retries for a minute before giving
 * up). Spark's web UI and console progress bar are off: the launcher prints its own lines.
 */
public final class SparkClusterProvider implements ClusterProvider {

    /**
     * The Spark line this jar is built and tested for: the launcher's module path supplies Jackson to
     * Spark, and Spark's Jackson Scala module accepts its own minor version only.
     */
    static final String SPARK_LINE = "4.2.";

    /** How long to wait for a standalone master to accept a connection. */
    static final int CONNECT_TIMEOUT_MS = 5000;

    private static final Pattern MASTER = Pattern.compile(
            "local|local\\[(\\*|\\d+)(,\\d+)?]|local-cluster\\[\\d+, *\\d+, *\\d+]|spark://.+|yarn|k8s://.+");

    @Override
    public String name() {
        return "spark";
    }

    @Override
    public Cluster connect(String master, Map<String, String> settings, Path home, PrintStream err) {
        try {
            Class.forName("org.apache.spark.SparkContext", false, SparkClusterProvider.class.getClassLoader());
        } catch (ClassNotFoundException | LinkageError e) {
            throw new UserException("--spark " + master + ": Apache Spark is not on the class path; set SPARK_HOME to a"
                    + " Spark 4 installation (bin/diffusion4j adds $SPARK_HOME/jars)");
        }
        String version = sparkVersion();
        if (!version.startsWith(SPARK_LINE)) {
            throw new UserException("--spark " + master + ": SPARK_HOME holds Spark " + version + "; diffusion4j runs on"
                    + " Spark " + SPARK_LINE + "x (Scala 2.13): its Jackson version must match the launcher's");
        }
        if (!MASTER.matcher(master).matches()) {
            throw new UserException("--spark " + master + " is not a Spark master URL; use local[N] (N cores), local[N,F]"
                    + " (F attempts per task), spark://HOST:PORT, yarn or k8s://HOST:PORT");
        }
        if (master.startsWith("spark://")) {
            requireReachable(master);
        }
        return SparkStart.start(master, settings, home, err);
    }

    /**
     * Spark's version, from its Scala package object ({@code org.apache.spark.package$}, a name Java
     * source cannot spell), or "unknown".
     */
    static String sparkVersion() {
        try {
            Class<?> c = Class.forName("org.apache.spark.package$", true, SparkClusterProvider.class.getClassLoader());
            Object module = c.getField("MODULE$").get(null);
            return String.valueOf(c.getMethod("SPARK_VERSION").invoke(module));
        } catch (ReflectiveOperationException | LinkageError | RuntimeException e) {
            return "unknown";
        }
    }

    /** A standalone master (spark://h1:p1,h2:p2) is reachable when one of its hosts accepts a connection. */
    static void requireReachable(String master) {
        String why = null;
        for (String hostPort : master.substring("spark://".length()).split(",")) {
            java.net.URI uri;
            try {
                uri = new java.net.URI("spark://" + hostPort.trim());
            } catch (URISyntaxException e) {
                throw new UserException("--spark " + master + ": '" + hostPort + "' is not HOST:PORT");
            }
            if (uri.getHost() == null || uri.getPort() < 0) {
                throw new UserException("--spark " + master + ": '" + hostPort + "' is not HOST:PORT (e.g."
                        + " spark://node1:7077)");
            }
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress(uri.getHost(), uri.getPort()), CONNECT_TIMEOUT_MS);
                return;
            } catch (IOException e) {
                why = String.format(Locale.ROOT, "%s:%d: %s", uri.getHost(), uri.getPort(),
                        e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage());
            }
        }
        throw new UserException("--spark " + master + ": cannot reach the Spark master (" + why + "); is it running"
                + " there? (or use local[N] on this machine)");
    }
}
