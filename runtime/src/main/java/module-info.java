/** The engine: Java backend, plugin loading, Guice wiring of runs, training, evaluation, launcher. */
module org.diffusion4j.runtime {
    requires transitive org.diffusion4j.api;
    requires com.google.guice;
    requires org.apache.commons.cli;
    requires com.fasterxml.jackson.databind;
    requires com.fasterxml.jackson.dataformat.yaml;
    requires transitive java.desktop;
    // Optional: the GEMM kernels use the Vector API when the launcher adds this module.
    requires static jdk.incubator.vector;
    // the bench reads per-thread allocation counters (com.sun.management.ThreadMXBean)
    requires jdk.management;

    exports org.diffusion4j.runtime;
    exports org.diffusion4j.runtime.backend;
    exports org.diffusion4j.runtime.io;
    exports org.diffusion4j.runtime.cli;
    exports org.diffusion4j.runtime.cluster;
    exports org.diffusion4j.runtime.engine;
    exports org.diffusion4j.runtime.oracle;
    exports org.diffusion4j.runtime.plugin;
    exports org.diffusion4j.runtime.spec;

    // Guice calls the run module's @Provides methods reflectively.
    opens org.diffusion4j.runtime.engine to com.google.guice;

    uses org.diffusion4j.api.ComponentProvider;
    uses org.diffusion4j.api.tensor.BackendProvider;
    // A cluster engine (the diffusion4j-spark jar) on the class path, for --spark.
    uses org.diffusion4j.runtime.cluster.ClusterProvider;

    provides org.diffusion4j.api.tensor.BackendProvider with org.diffusion4j.runtime.backend.JavaBackendProvider;
}
