package org.diffusion4j.api;

import org.diffusion4j.api.tensor.Rng;
import org.diffusion4j.api.tensor.Tensor;

/** A training objective for one batch. */
public interface Loss {

    /**
     * @param model the model being trained
     * @param x0    [batch, dimension] clean data
     * @param rng   the step's random stream (times, noise)
     * @return a scalar to minimise
     */
    Tensor compute(Model model, Tensor x0, Rng rng);

    /** Extra network outputs per data point this loss needs (a learned variance, say). */
    default int extraOutputs() {
        return 0;
    }
}
