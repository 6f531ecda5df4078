package org.diffusion4j.api.nn;

import java.util.Arrays;
import org.diffusion4j.api.tensor.Backend;
import org.diffusion4j.api.tensor.Rng;
import org.diffusion4j.api.tensor.Tensor;

/**
 * A lookup table of {@code count} learned vectors of {@code dim} values: PyTorch's
 * {@code nn.Embedding(count, dim)}. Parameter {@code weight} [count, dim] (as PyTorch stores it),
 * initialised as PyTorch does, standard normal N(0, 1), drawn row-major from the given stream.
 * Differentiable in the table (the rows looked up receive the gradient), not in the indices.
 *
 * @since SPI 1.3
 */
public final class Embedding extends Module {

    private final Tensor weight;

    public Embedding(Backend backend, Rng rng, int count, int dim) {
        if (count < 1 || dim < 1) {
            throw new IllegalArgumentException("Embedding needs count and dim ≥ 1, got " + count + " × " + dim);
        }
        this.weight = parameter("weight", Init.normal(backend, rng, 1.0, count, dim));
    }

    /** @return [indices.length, dim]: row i is the vector of {@code indices[i]} */
    public Tensor forward(int... indices) {
        for (int i : indices) {
            if (i < 0 || i >= count()) {
                throw new IndexOutOfBoundsException("Embedding of " + count() + " rows has no row " + i + " (indices "
                        + Arrays.toString(indices) + ")");
            }
        }
        return weight.indexSelect(indices);
    }

    public Tensor weight() {
        return weight;
    }

    public int count() {
        return weight.dim(0);
    }

    public int dim() {
        return weight.dim(1);
    }
}
