/** The engine: Java backend, plugin loading, Guice wiring of runs, training, evaluation, launcher. */
module org.diffusion4j.runtime {
    requires transitive org.diffusion4j.api;
    requires com.google.guice;
    requires org.apache.commons.cli;
    requires com.fasterxml.jackson.databind;
    requires com.fasterxml.jackson.dataformat.yaml;
    requires java.desktop;

    exports org.diffusion4j.runtime.backend;

    uses org.diffusion4j.api.ComponentProvider;
}
