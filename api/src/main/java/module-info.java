/**
 * The stable SPI of diffusion4j: component kinds, their providers and declared configs, the tensor
 * type with automatic differentiation, neural-network blocks, the backend kernel interface and the
 * seeded random streams. A plugin compiles against this module alone.
 */
module org.diffusion4j.api {
    exports org.diffusion4j.api;
    exports org.diffusion4j.api.config;
    exports org.diffusion4j.api.tensor;
    exports org.diffusion4j.api.nn;
    exports org.diffusion4j.api.io;

    uses org.diffusion4j.api.ComponentProvider;
    uses org.diffusion4j.api.tensor.BackendProvider;
}
