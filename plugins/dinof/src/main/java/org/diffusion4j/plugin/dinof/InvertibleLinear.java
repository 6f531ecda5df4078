package org.diffusion4j.plugin.dinof;

import org.diffusion4j.api.tensor.Backend;
import org.diffusion4j.api.tensor.Tensor;

/**
 * An invertible linear map in LU form (Glow §3.2, "LU decomposition"): {@code z = W·x} with
 * {@code W = P·L·(U + diag(exp(s)))}, P a fixed permutation, L unit lower triangular, U strictly
 * upper triangular, and {@code log |det W| = Σ_i s_i} (the sign of diag is fixed positive). For
 * images the same map acts on the channels of every pixel (the invertible 1×1 convolution).
 *
 * <p>P is the reversal of the coordinates and L, U and s start at zero, so W starts as the
 * reversal: the coupling that follows then transforms the half it left alone the step before
 * (RealNVP's alternation), and training learns any other mixing. The inverse is two triangular
 * solves in double precision.
 *
 * <p>On images {@code [B, C, H, W]} (built with the kind {@code invconv}) W mixes the C channels of
 * every pixel: Glow's invertible 1×1 convolution, {@code log |det| = H·W·Σ_i s_i} (Glow Table 1); the
 * inverse is the 1×1 convolution with W⁻¹, computed in double from the LU factors.
 */
public final class InvertibleLinear extends FlowLayer {

    private final int dimension;
    private final String kind;
    private final Tensor lower;
    private final Tensor upper;
    private final Tensor logS;
    private final Tensor permutation;
    private final Tensor lowerMask;
    private final Tensor upperMask;
    private final Tensor identity;

    public InvertibleLinear(Backend backend, int dimension) {
        this(backend, dimension, "linear");
    }

    /** @param kind the layer's name in messages: {@code linear} on points, {@code invconv} on images */
    public InvertibleLinear(Backend backend, int dimension, String kind) {
        this.dimension = dimension;
        this.kind = kind;
        int d = dimension;
        this.lower = parameter("lower", Tensor.zeros(backend, d, d));
        this.upper = parameter("upper", Tensor.zeros(backend, d, d));
        this.logS = parameter("log_s", Tensor.zeros(backend, 1, d));
        float[] p = new float[d * d];
        float[] lm = new float[d * d];
        float[] um = new float[d * d];
        float[] id = new float[d * d];
        for (int i = 0; i < d; i++) {
            p[i * d + (d - 1 - i)] = 1;
            id[i * d + i] = 1;
            for (int j = 0; j < d; j++) {
                lm[i * d + j] = j < i ? 1 : 0;
                um[i * d + j] = j > i ? 1 : 0;
            }
        }
        this.permutation = Tensor.of(backend, p, d, d);
        this.lowerMask = Tensor.of(backend, lm, d, d);
        this.upperMask = Tensor.of(backend, um, d, d);
        this.identity = Tensor.of(backend, id, d, d);
    }

    @Override
    public String kind() {
        return kind;
    }

    /** W = P·L·(U + diag(exp s)), differentiable in the parameters. */
    Tensor weight() {
        Tensor l = lower.mul(lowerMask).add(identity);
        Tensor u = upper.mul(upperMask).add(identity.mul(logS.exp()));
        return permutation.matmul(l.matmul(u));
    }

    @Override
    public Transformed forward(Tensor x) {
        if (x.rank() == 4) {
            checkImage(x);
            Tensor z = x.conv2d(weight().reshape(dimension, dimension, 1, 1), null, 1, 0);
            return new Transformed(z, perSample(logS.sum().mul((double) x.dim(2) * x.dim(3)), x.dim(0)));
        }
        // rows: z_n = W·x_n, i.e. Z = X·Wᵀ
        Tensor z = x.matmul(weight(), false, true);
        return new Transformed(z, perSample(logS.sum(), x.dim(0)));
    }

    @Override
    public Tensor inverse(Tensor z) {
        if (z.rank() == 4) {
            checkImage(z);
            float[] inv = inverseMatrix();
            return z.conv2d(Tensor.of(z.backend(), inv, dimension, dimension, 1, 1), null, 1, 0);
        }
        int d = dimension;
        float[] lv = lower.toArray();
        float[] uv = upper.toArray();
        float[] sv = logS.toArray();
        double[] diag = new double[d];
        for (int i = 0; i < d; i++) {
            diag[i] = Math.exp(sv[i]);
        }
        int n = z.dim(0);
        float[] zv = z.toArray();
        float[] out = new float[n * d];
        double[] y = new double[d];
        for (int r = 0; r < n; r++) {
            // Pᵀ z (P is its own inverse: the reversal)
            for (int i = 0; i < d; i++) {
                y[i] = zv[r * d + (d - 1 - i)];
            }
            // L y' = y, forward substitution (unit diagonal)
            for (int i = 0; i < d; i++) {
                double acc = y[i];
                for (int j = 0; j < i; j++) {
                    acc -= lv[i * d + j] * y[j];
                }
                y[i] = acc;
            }
            // (U + diag) x = y', back substitution
            for (int i = d - 1; i >= 0; i--) {
                double acc = y[i];
                for (int j = i + 1; j < d; j++) {
                    acc -= uv[i * d + j] * y[j];
                }
                y[i] = acc / diag[i];
            }
            for (int i = 0; i < d; i++) {
                out[r * d + i] = (float) y[i];
            }
        }
        return Tensor.of(z.backend(), out, n, d);
    }

    private void checkImage(Tensor x) {
        if (x.dim(1) != dimension) {
            throw new IllegalArgumentException(kind + " of " + dimension + " channels expects [batch, " + dimension
                    + ", height, width], got " + java.util.Arrays.toString(x.shape()));
        }
    }

    /** W⁻¹ = (U + diag)⁻¹·L⁻¹·Pᵀ, row-major, by solving W·x = e_k for every unit vector, in double. */
    float[] inverseMatrix() {
        int d = dimension;
        float[] eye = new float[d * d];
        for (int i = 0; i < d; i++) {
            eye[i * d + i] = 1;
        }
        // row k of inverse(rows of the identity) is W⁻¹·e_k, the k-th column of W⁻¹
        float[] cols = inverse(Tensor.of(lower.backend(), eye, d, d)).toArray();
        float[] out = new float[d * d];
        for (int k = 0; k < d; k++) {
            for (int i = 0; i < d; i++) {
                out[i * d + k] = cols[k * d + i];
            }
        }
        return out;
    }
}
