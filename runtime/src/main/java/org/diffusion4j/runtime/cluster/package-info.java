/**
 * Scale-out: where a cluster engine plugs into the launcher. The runtime knows no engine; it
 * declares {@link org.diffusion4j.runtime.cluster.ClusterProvider} ({@code uses} in its module
 * descriptor), and the {@code diffusion4j-spark} jar (module {@code runtime/spark}) provides one for
 * Apache Spark. That jar and Spark's own jars live on the class path, beside the module path the
 * launcher starts from, and only when {@code --spark} is given: Spark is not a JPMS module and brings
 * ~220 MB of libraries, none of which the default distribution carries.
 *
 * <p>The launcher is Spark's driver. It parses and checks the command as it would on one machine,
 * then hands each executor the command's own arguments (paths made absolute) and a range of the
 * work; the executor rebuilds the pipeline from the checkpoint with the plugins of its distribution
 * ({@code org.diffusion4j.runtime.cli.ClusterTasks}) and returns float32 values, which the driver
 * gathers in range order and writes as the single-machine command does (atomically, with the
 * manifest). Determinism does the rest: sample i draws from noise stream i, and a task walks the
 * very batches of the single-machine run ({@link org.diffusion4j.runtime.engine.Sampling#sampleRange}),
 * so the output is the same bytes whatever the partitioning, and a retried task repeats its bytes.
 * Executors whose JVM does not have the runtime in its boot layer (those of a real cluster) build a
 * module layer of the distribution's {@code lib/} first, then load {@code plugins/} into one layer per
 * plugin as the launcher does.
 */
package org.diffusion4j.runtime.cluster;
