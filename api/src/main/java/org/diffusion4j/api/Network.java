package org.diffusion4j.api;

import java.util.Map;
import org.diffusion4j.api.tensor.Tensor;

/**
 * A parametric function of (x_t, t). Networks are built from {@code org.diffusion4j.api.nn} blocks.
 */
public interface Network {

    /**
     * @param x [batch, dimension] noisy data
     * @param t [batch, 1] times in the schedule's range
     * @return [batch, dimension + extra outputs]
     */
    Tensor forward(Tensor x, Tensor t);

    /** The trainable parameters by stable, dotted name (the keys of checkpoint files). */
    Map<String, Tensor> parameters();
}
