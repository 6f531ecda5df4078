package org.diffusion4j.api;

import java.util.Map;
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

    /**
     * Figures of the last {@link #compute} beside the loss itself, by short name, for the training
     * log ({@code flow-nll}: a flow prior's negative log-likelihood, nats per sample). Empty by default.
     *
     * @since SPI 1.4
     */
    default Map<String, Double> lastFigures() {
        return Map.of();
    }
}
