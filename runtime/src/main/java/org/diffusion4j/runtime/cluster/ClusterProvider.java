package org.diffusion4j.runtime.cluster;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Map;

/**
 * Found with {@link java.util.ServiceLoader} on the class path when the launcher is given
 * {@code --spark}: the {@code diffusion4j-spark} jar provides one. Kept in runtime so the launcher
 * compiles and runs without any cluster engine present.
 */
public interface ClusterProvider {

    /** The engine's name, e.g. {@code spark}. */
    String name();

    /**
     * Connects to {@code master}.
     *
     * @param conf engine settings ({@code --spark-conf key=value})
     * @param home the distribution folder whose {@code lib/} and {@code plugins/} the executors load
     * @param err  where to say what is going on
     * @throws org.diffusion4j.runtime.UserException for a master that is malformed or cannot be reached, or
     *                                               an engine that is not on the class path
     */
    Cluster connect(String master, Map<String, String> conf, Path home, PrintStream err);
}
