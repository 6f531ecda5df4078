package org.diffusion4j.api.nn;

import org.diffusion4j.api.tensor.Backend;
import org.diffusion4j.api.tensor.Rng;
import org.diffusion4j.api.tensor.Tensor;

/** Parameter initialisers. */
public final class Init {

    private Init() {
    }

    /** Values uniform in [−bound, bound), drawn in row-major order from {@code rng}. */
    public static Tensor uniform(Backend backend, Rng rng, double bound, int... shape) {
        int n = 1;
        for (int d : shape) {
            n *= d;
        }
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) ((2 * rng.nextDouble() - 1) * bound);
        }
        return Tensor.of(backend, v, shape);
    }
}
