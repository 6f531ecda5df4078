package org.diffusion4j.api.nn;

import org.diffusion4j.api.tensor.Backend;
import org.diffusion4j.api.tensor.Rng;
import org.diffusion4j.api.tensor.Tensor;

/** Parameter initialisers. Each draws its values in row-major order from the given stream. */
public final class Init {

    private Init() {
    }

    /** Values uniform in [−bound, bound), drawn in row-major order from {@code rng}. */
    public static Tensor uniform(Backend backend, Rng rng, double bound, int... shape) {
        float[] v = new float[sizeOf(shape)];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) ((2 * rng.nextDouble() - 1) * bound);
        }
        return Tensor.of(backend, v, shape);
    }

    /**
     * Values normal with mean 0 and standard deviation {@code std}, drawn in row-major order from
     * {@code rng} (PyTorch's {@code nn.init.normal_}, the default of {@code nn.Embedding} with std 1).
     *
     * @since SPI 1.3
     */
    public static Tensor normal(Backend backend, Rng rng, double std, int... shape) {
        float[] v = new float[sizeOf(shape)];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) (std * rng.nextGaussian());
        }
        return Tensor.of(backend, v, shape);
    }

    /**
     * Every value {@code value} (PyTorch's {@code nn.init.constant_}: GroupNorm's weight 1 and bias 0,
     * the zero-initialised output layers of DDPM and ADM).
     *
     * @since SPI 1.3
     */
    public static Tensor constant(Backend backend, float value, int... shape) {
        float[] v = new float[sizeOf(shape)];
        java.util.Arrays.fill(v, value);
        return Tensor.of(backend, v, shape);
    }

    private static int sizeOf(int[] shape) {
        int n = 1;
        for (int d : shape) {
            n = Math.multiplyExact(n, d);
        }
        return n;
    }
}
