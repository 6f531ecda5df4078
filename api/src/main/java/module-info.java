/**
 * The stable SPI of diffusion4j: component kinds, their providers and declared configs, the tensor
 * type with automatic differentiation, neural-network blocks, the backend kernel interface and the
 * seeded random streams. A plugin compiles against this module alone.
 *
 * <p>SPI 1.3 (images): data of any shape and class conditioning, added without changing a single
 * existing signature. A {@link org.diffusion4j.api.Dataset} declares its sample shape and label
 * count; a {@link org.diffusion4j.api.Network} sees x in that shape and may take a
 * {@link org.diffusion4j.api.Conditioning}; schedules, parameterizations, losses, samplers and
 * likelihoods keep working on flat per-sample rows {@code [batch, D]}, the network being wrapped by
 * {@link org.diffusion4j.api.Network#overFlatSamples} (a reshape, no copy). Why flat rows rather
 * than rank-generic samplers: every one of those components is element-wise in x with one t per
 * sample, so the rest of the shape is none of their business, and this way it cannot become it —
 * a 1.x sampler or loss written for points runs on images unchanged, which is what makes 1.3 a
 * minor version. Conditioning reaches the network the same way: the trainer (and, later, guidance)
 * hands losses and samplers a network already conditioned ({@link org.diffusion4j.api.Network#conditionedOn}).
 *
 * <p>SPI 1.4 (errors): {@link org.diffusion4j.api.UserError} and its subclasses
 * {@link org.diffusion4j.api.config.ConfigException} and {@link org.diffusion4j.api.DataException}
 * mark the user's mistakes; anything else a component throws is reported as the plugin's internal
 * error. Only added types, so a plugin built for 1.0 to 1.3 runs unchanged.
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
