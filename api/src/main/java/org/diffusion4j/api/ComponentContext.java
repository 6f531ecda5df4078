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

    /** Dimension of one data point (2 for the toy datasets). */
    int dataDimension();

    /**
     * How many values the network must output per data point beyond the data dimension
     * (a learned variance, say); 0 unless the loss asks for more.
     */
    default int extraOutputs() {
        return 0;
    }
}
