package org.diffusion4j.runtime.cli;

import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import java.util.Set;
import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.Option;
import org.apache.commons.cli.Options;
import org.diffusion4j.runtime.UserException;
import org.diffusion4j.runtime.cluster.Cluster;
import org.diffusion4j.runtime.cluster.ClusterProvider;

/**
 * The driver's side of running a command on a cluster: the {@code --spark MASTER},
 * {@code --partitions N} and {@code --spark-conf KEY=VALUE} options, the connection (a
 * {@link ClusterProvider} found on the class path, which the launcher script puts there only when
 * {@code --spark} is given), the arguments every executor reads, and the split of a run's samples
 * into ranges of whole batches.
 */
final class Distributed {

    /** Options the driver reads and the executors never see. */
    static final Set<String> DRIVER_ONLY = Set.of("spark", "partitions", "spark-conf", "out", "help");

    private Distributed() {
    }

    static void addOptions(Options o) {
        o.addOption(Option.builder().longOpt("spark").hasArg().argName("MASTER")
                .desc("run on Apache Spark: local[N], local[N,F] (F attempts per task), spark://HOST:PORT, yarn,"
                        + " k8s://...; needs SPARK_HOME (see 'Running on Spark' in the README)").build());
        o.addOption(Option.builder().longOpt("partitions").hasArg().argName("N")
                .desc("with --spark: tasks to split the work into (default: the cluster's cores); samples are split"
                        + " into whole batches, so at most count/batch-size tasks; the result does not depend on N")
                .build());
        o.addOption(Option.builder().longOpt("spark-conf").hasArg().argName("KEY=VALUE")
                .desc("with --spark: a Spark setting, e.g. spark.executor.memory=4g (repeatable)").build());
    }

    static boolean requested(CommandLine cl) {
        return cl.hasOption("spark");
    }

    /** Refuses --partitions and --spark-conf without --spark (they would be silently ignored). */
    static void requireSparkFor(CommandLine cl) {
        for (String o : List.of("partitions", "spark-conf")) {
            if (cl.hasOption(o) && !cl.hasOption("spark")) {
                throw new UserException("--" + o + " goes with --spark MASTER (it says how to run on Spark)");
            }
        }
    }

    /** Connects to the master of {@code --spark}; a one-line error when Spark is absent or the master is wrong. */
    static Cluster connect(CommandLine cl, PrintStream err) {
        String master = cl.getOptionValue("spark");
        Map<String, String> conf = new LinkedHashMap<>();
        String[] given = cl.getOptionValues("spark-conf");
        if (given != null) {
            for (String kv : given) {
                int eq = kv.indexOf('=');
                if (eq <= 0) {
                    throw new UserException("--spark-conf " + kv + ": give KEY=VALUE, e.g. spark.executor.memory=4g");
                }
                conf.put(kv.substring(0, eq).trim(), kv.substring(eq + 1).trim());
            }
        }
        ClusterProvider provider = null;
        try {
            for (ClusterProvider p : ServiceLoader.load(ClusterProvider.class)) {
                if (p.name().equals("spark")) {
                    provider = p;
                }
            }
        } catch (ServiceConfigurationError | LinkageError e) {
            provider = null;
        }
        if (provider == null) {
            throw new UserException("--spark " + master + ": Apache Spark is not on the class path; set SPARK_HOME to a"
                    + " Spark 4 installation (bin/diffusion4j then adds $SPARK_HOME/jars and the distribution's spark/"
                    + " folder)");
        }
        return provider.connect(master, conf, home(), err);
    }

    /** The distribution folder (bin/diffusion4j sets diffusion4j.home). */
    static Path home() {
        String home = System.getProperty("diffusion4j.home");
        if (home == null) {
            throw new UserException("--spark needs the launcher's distribution folder (system property diffusion4j.home,"
                    + " set by bin/diffusion4j): executors load its lib/ and plugins/");
        }
        return Path.of(home).toAbsolutePath();
    }

    /**
     * The arguments every executor parses: the driver's, less {@link #DRIVER_ONLY}, with the path
     * options made absolute (executors do not share the driver's working folder). Without
     * {@code --plugins} an executor loads the plugins of its own distribution folder.
     */
    static List<String> workerArgs(CommandLine cl, Set<String> pathOptions) {
        List<String> args = new ArrayList<>();
        for (Option o : cl.getOptions()) {
            String name = o.getLongOpt();
            if (name == null || DRIVER_ONLY.contains(name)) {
                continue;
            }
            args.add("--" + name);
            if (o.hasArg()) {
                String v = o.getValue();
                args.add(pathOptions.contains(name) || name.equals("plugins") ? Path.of(v).toAbsolutePath().toString() : v);
            }
        }
        return args;
    }

    /** {@code --partitions}, default the cluster's slots. */
    static int partitions(CommandLine cl, Cluster cluster) {
        return cl.hasOption("partitions") ? CliSupport.positive("--partitions", cl.getOptionValue("partitions"))
                : Math.max(1, cluster.slots());
    }

    /**
     * {@code count} samples in batches of {@code batchSize}, split into at most {@code parts} ranges
     * of whole batches (the first ones one batch longer when they do not divide evenly): every range
     * starts a batch of the single-machine run, so each part walks the same batches it would.
     */
    static List<int[]> batchRanges(int count, int batchSize, int parts) {
        int batches = (count + batchSize - 1) / batchSize;
        int n = Math.min(parts, batches);
        List<int[]> ranges = new ArrayList<>();
        int batch = 0;
        for (int i = 0; i < n; i++) {
            int take = batches / n + (i < batches % n ? 1 : 0);
            int from = batch * batchSize;
            batch += take;
            ranges.add(new int[]{from, Math.min(count, batch * batchSize)});
        }
        return ranges;
    }

    /**
     * A task's result: its times (plugin loading, checkpoint and pipeline, the work itself; nanoseconds),
     * then little-endian float32 values.
     */
    static byte[] encode(long[] nanos, float[] values) {
        ByteBuffer b = ByteBuffer.allocate(HEADER + 4 * values.length).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(nanos[0]).putLong(nanos[1]).putLong(nanos[2]);
        b.asFloatBuffer().put(values);
        return b.array();
    }

    /** Bytes of a result before its values: three times. */
    private static final int HEADER = 24;

    static float[] values(byte[] result) {
        ByteBuffer b = ByteBuffer.wrap(result).order(ByteOrder.LITTLE_ENDIAN);
        b.position(HEADER);
        float[] v = new float[b.remaining() / 4];
        b.slice().order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(v);
        return v;
    }

    /** A task's compute (sampling) time in seconds. */
    static double computeSeconds(byte[] result) {
        return ByteBuffer.wrap(result).order(ByteOrder.LITTLE_ENDIAN).getLong(16) / 1e9;
    }

    /** One line on the tasks' times: where a distributed run's time went. */
    static String timings(List<byte[]> results) {
        double[] sums = new double[3];
        for (byte[] r : results) {
            ByteBuffer b = ByteBuffer.wrap(r).order(ByteOrder.LITTLE_ENDIAN);
            for (int i = 0; i < 3; i++) {
                sums[i] += b.getLong() / 1e9;
            }
        }
        return String.format(Locale.ROOT, "%d tasks: plugins %.2f s, checkpoint and pipeline %.2f s, sampling %.2f s"
                + " (summed over tasks)", results.size(), sums[0], sums[1], sums[2]);
    }
}
