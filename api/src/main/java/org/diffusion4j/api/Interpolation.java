package org.diffusion4j.api;

import java.util.Arrays;
import java.util.Locale;
import org.diffusion4j.api.tensor.Tensor;

/**
 * Paths between two latents, row by row: spherical linear interpolation (Shoemake 1985,
 * "Animating Rotation with Quaternion Curves") for Gaussian latents, and the straight line for
 * priors that are not Gaussian. Shared by the samplers and the launcher's {@code interpolate}.
 *
 * <p>Why slerp for Gaussian latents: a high-dimensional Gaussian sample lies near the sphere of
 * radius σ·√D, and the midpoint of a straight line between two such samples lies well inside it
 * (its norm shrinks by cos(θ/2)), where the prior has almost no mass; slerp keeps the norm of
 * equal-norm latents, so every interpolant looks like a prior sample (DDIM, Song et al. 2021, §5.3
 * and App. D.5). At λ = 0 and λ = 1 both methods return the end latents themselves, bit for bit, so
 * the ends of a path are the samples of the end latents.
 *
 * @since SPI 1.4
 */
public final class Interpolation {

    /** How to move between two latents. */
    public enum Method {
        /** Spherical: sin((1 − λ)θ)/sin θ·a + sin(λθ)/sin θ·b, θ the angle between a and b. */
        SLERP,
        /** Straight: (1 − λ)·a + λ·b. */
        LINEAR;

        public String id() {
            return name().toLowerCase(Locale.ROOT);
        }

        /** The method of an id ({@code slerp}, {@code linear}). */
        public static Method parse(String id) {
            for (Method m : values()) {
                if (m.id().equals(id)) {
                    return m;
                }
            }
            throw new IllegalArgumentException("unknown interpolation method '" + id + "'; allowed: slerp, linear");
        }
    }

    private Interpolation() {
    }

    /** {@link Method#SLERP} at λ. */
    public static Tensor slerp(Tensor a, Tensor b, double lambda) {
        return interpolate(Method.SLERP, a, b, lambda);
    }

    /** {@link Method#LINEAR} at λ. */
    public static Tensor linear(Tensor a, Tensor b, double lambda) {
        return interpolate(Method.LINEAR, a, b, lambda);
    }

    /**
     * The point at λ on the path from a to b, row by row. Slerp falls back to the straight line for
     * rows whose angle is ≈ 0 (sin θ &lt; 10⁻⁶) or that are 0.
     *
     * @param a      [batch, dimension] latents at λ = 0
     * @param b      [batch, dimension] latents at λ = 1
     * @param lambda position in [0, 1]
     */
    public static Tensor interpolate(Method method, Tensor a, Tensor b, double lambda) {
        if (a.rank() != 2 || !Arrays.equals(a.shape(), b.shape())) {
            throw new IllegalArgumentException(method.id() + " needs two [batch, dimension] latents of one shape, got "
                    + Arrays.toString(a.shape()) + " and " + Arrays.toString(b.shape()));
        }
        if (!(lambda >= 0 && lambda <= 1)) {
            throw new IllegalArgumentException(method.id() + ": lambda must be in [0, 1], got " + lambda);
        }
        float[] x = a.toArray();
        float[] y = b.toArray();
        int rows = a.dim(0);
        int d = a.dim(1);
        if (lambda == 0 || lambda == 1) {
            // the ends exactly: frame 0 and frame K-1 of a path are the samples of the end latents
            return Tensor.of(a.backend(), lambda == 0 ? x : y, rows, d);
        }
        float[] out = new float[x.length];
        for (int r = 0; r < rows; r++) {
            double wa = 1 - lambda;
            double wb = lambda;
            if (method == Method.SLERP) {
                double dot = 0;
                double nx = 0;
                double ny = 0;
                for (int j = r * d; j < (r + 1) * d; j++) {
                    dot += (double) x[j] * y[j];
                    nx += (double) x[j] * x[j];
                    ny += (double) y[j] * y[j];
                }
                double cos = nx == 0 || ny == 0 ? 1 : Math.max(-1, Math.min(1, dot / Math.sqrt(nx * ny)));
                double theta = Math.acos(cos);
                if (Math.sin(theta) >= 1e-6) {
                    wa = Math.sin((1 - lambda) * theta) / Math.sin(theta);
                    wb = Math.sin(lambda * theta) / Math.sin(theta);
                }
            }
            for (int j = r * d; j < (r + 1) * d; j++) {
                out[j] = (float) (wa * x[j] + wb * y[j]);
            }
        }
        return Tensor.of(a.backend(), out, rows, d);
    }
}
