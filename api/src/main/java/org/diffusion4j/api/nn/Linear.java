package org.diffusion4j.api.nn;

import org.diffusion4j.api.tensor.Backend;
import org.diffusion4j.api.tensor.Rng;
import org.diffusion4j.api.tensor.Tensor;

/**
 * Affine map {@code y = x·W + b} with W of shape [in, out] (so the forward GEMM needs no transpose).
 * Initialisation is PyTorch's default for {@code nn.Linear}: W and b uniform in
 * [−1/√in, 1/√in] (Kaiming-uniform with a = √5), which the peer scripts use too.
 */
public final class Linear extends Layer {

    private final Tensor weight;
    private final Tensor bias;

    public Linear(Backend backend, Rng rng, int in, int out) {
        double bound = 1 / Math.sqrt(in);
        this.weight = parameter("weight", Init.uniform(backend, rng, bound, in, out));
        this.bias = parameter("bias", Init.uniform(backend, rng, bound, 1, out));
    }

    @Override
    public Tensor forward(Tensor x) {
        return x.linear(weight, bias);
    }

    Tensor weight() {
        return weight;
    }

    Tensor bias() {
        return bias;
    }

    public int inFeatures() {
        return weight.dim(0);
    }

    public int outFeatures() {
        return weight.dim(1);
    }
}
