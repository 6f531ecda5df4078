package org.diffusion4j.api.nn;

import org.diffusion4j.api.tensor.Backend;
import org.diffusion4j.api.tensor.Tensor;

/**
 * Sinusoidal embedding of a scalar time (Vaswani et al. 2017 §3.5, as used by DDPM, Ho et al. 2020
 * App. B): {@code [sin(s·t·f_i), cos(s·t·f_i)]}, f_i = 10000^(−i/h), i = 0..h−1, h = dim/2. The scale s
 * maps continuous t ∈ [0, 1] to the integer step range a discrete model was designed for
 * (s = 1000 gives DDPM's embedding of step t·1000). No parameters; differentiable in t.
 */
public final class SinusoidalTimeEmbedding extends Layer {

    private final Tensor frequencies;
    private final int dim;

    public SinusoidalTimeEmbedding(Backend backend, int dim, double scale) {
        if (dim < 2 || dim % 2 != 0) {
            throw new IllegalArgumentException("embedding dimension must be even and at least 2, got " + dim);
        }
        this.dim = dim;
        int half = dim / 2;
        float[] f = new float[half];
        for (int i = 0; i < half; i++) {
            f[i] = (float) (scale * Math.pow(10000.0, -(double) i / half));
        }
        this.frequencies = Tensor.of(backend, f, 1, half);
    }

    /** @param t [batch, 1] → [batch, dim] */
    @Override
    public Tensor forward(Tensor t) {
        Tensor angles = t.matmul(frequencies);
        return Tensor.concatColumns(angles.sin(), angles.cos());
    }

    public int dim() {
        return dim;
    }
}
