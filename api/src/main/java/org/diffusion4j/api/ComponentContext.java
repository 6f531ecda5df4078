package org.diffusion4j.api;

import org.diffusion4j.api.tensor.Backend;
import org.diffusion4j.api.tensor.Rng;

/**
 * What a component may ask of the run that creates it. Grows only by default methods.
 */
public interface ComponentContext {

    /** The backend that owns every tensor of the run. */
    Backend backend();

    /**
     * A stream of this component's own (split from the run seed by kind and name): networks draw
     * their initial weights from it.
     */
    Rng rng();

    /** Number of values in one data sample (2 for the toy datasets, 784 for 28×28 grey images). */
    int dataDimension();

    /**
     * Shape of one data sample: {@code [dataDimension()]} for points, {@code [channels, height,
     * width]} for images. A network builds itself for this shape.
     *
     * @since SPI 1.3
     */
    default int[] dataShape() {
        return new int[]{dataDimension()};
    }

    /**
     * How many class labels the dataset's samples carry, 0 for unlabelled data.
     *
     * @since SPI 1.3
     */
    default int dataLabelCount() {
        return 0;
    }

    /**
     * The bound R of the run's data ({@link Dataset#range()}), every coordinate in [−R, R]; empty
     * when the dataset declares none (or before the dataset exists). A sampler that clips its x0
     * estimate takes it as the default clipping range.
     *
     * @since SPI 1.4
     */
    default java.util.OptionalDouble dataRange() {
        return java.util.OptionalDouble.empty();
    }

    /**
     * Writes one line for the person running the launcher (what was read, what was assumed), on
     * standard error, where the launcher's progress goes; never on standard output, which may carry a
     * command's result.
     *
     * @since SPI 1.4
     */
    default void log(String line) {
        System.err.println(line);
    }

    /**
     * How many values the network must output per data point beyond the data dimension
     * (a learned variance, say); 0 unless the loss asks for more.
     */
    default int extraOutputs() {
        return 0;
    }

    /**
     * Creates another component from a {@link org.diffusion4j.api.config.OptionType#SECTION} option's
     * value ({@code {name: NAME, option: value, ...}}) for the same data: what lets a component be
     * "any network plus something" (DiNof's network: any score network plus a flow) while depending
     * on the api alone. Its options are validated as if it were named in the spec (messages name it
     * as {@code label}); it draws its initial weights from a stream of its own, split from this
     * component's by {@code label}.
     *
     * @param kind    the kind of component to create
     * @param label   where it was named, for messages and its random stream ({@code "score"})
     * @param section {@code name} and options
     * @throws org.diffusion4j.api.config.ConfigException for an unknown name or a bad option
     * @since SPI 1.5
     */
    default <T> T create(Kind kind, String label, java.util.Map<String, Object> section) {
        throw new org.diffusion4j.api.config.ConfigException("this runtime cannot create the " + kind.id() + " '"
                + label + "' inside another component (it needs SPI 1.5)");
    }
}
