package org.diffusion4j.api.nn;

import org.diffusion4j.api.tensor.Tensor;

/** A module with one input and one output. */
public abstract class Layer extends Module {

    public abstract Tensor forward(Tensor x);
}
