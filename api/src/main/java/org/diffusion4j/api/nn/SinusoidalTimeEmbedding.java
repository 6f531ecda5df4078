package org.diffusion4j.api.nn;

import org.diffusion4j.api.tensor.Backend;
import org.diffusion4j.api.tensor.BinaryOp;
import org.diffusion4j.api.tensor.Storage;
import org.diffusion4j.api.tensor.Tensor;
import org.diffusion4j.api.tensor.UnaryOp;

/**
 * Sinusoidal embedding of a scalar time (Vaswani et al. 2017 §3.5, as used by DDPM, Ho et al. 2020
 * App. B): {@code [sin(s·t·f_i), cos(s·t·f_i)]}, f_i = 10000^(−i/h), i = 0..h−1, h = dim/2. The scale s
 * maps continuous t ∈ [0, 1] to the integer step range a discrete model was designed for
 * (s = 1000 gives DDPM's embedding of step t·1000). No parameters; differentiable in t.
 */
public final class SinusoidalTimeEmbedding extends Layer {

    private final Tensor frequencies;
    private final int dim;
    /** Angles and sin/cos scratch of the no-gradient pass, per thread, grown to the largest batch. */
    private final ThreadLocal<Storage[]> buffers = new ThreadLocal<>();
    /** Host copy of t for {@link #sameValue}, per thread. */
    private final ThreadLocal<float[]> host = new ThreadLocal<>();
    /** The constant 1 on the frequencies' backend (made on first use; racing threads make equal ones). */
    private volatile Storage unit;

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
        if (!t.requiresGrad() && t.rank() == 2 && t.dim(1) == 1 && t.backend() == frequencies.backend()) {
            return infer(t);
        }
        Tensor angles = t.matmul(frequencies);
        return Tensor.concatColumns(angles.sin(), angles.cos());
    }

    /**
     * The same kernels as the graph pass (one GEMM, sin, cos, column copies) with the angles and
     * the sin/cos values in reused buffers: a sampler calls this every step, and only the
     * [batch, dim] result is new. A sampler's step gives every row the same t; then the features
     * are computed for one row and copied to the others (the same values: sin and cos are
     * computed element by element), which saves batch × dim transcendental functions per step.
     */
    private Tensor infer(Tensor t) {
        Backend be = t.backend();
        int rows = t.dim(0);
        int half = dim / 2;
        boolean shared = rows > 1 && sameValue(be, t.storage(), rows);
        int computed = shared ? 1 : rows;
        int n = computed * half;
        Storage[] buf = buffers.get();
        if (buf == null || buf[0].size() < n) {   // one backend: the frequencies' (matmul checks it)
            buf = new Storage[]{be.allocatePersistent(n), be.allocatePersistent(n), be.allocatePersistent(dim)};
            buffers.set(buf);
        }
        be.gemm(1, false, false, computed, half, 1, t.storage(), 0, frequencies.storage(), 0, buf[0], false);
        Storage features = shared ? buf[2] : be.allocateOutput(rows * dim);
        be.unary(UnaryOp.SIN, buf[0], buf[1], n);
        be.copyColumns(buf[1], half, 0, features, dim, 0, computed, half);
        be.unary(UnaryOp.COS, buf[0], buf[1], n);
        be.copyColumns(buf[1], half, 0, features, dim, half, computed, half);
        if (!shared) {
            return Tensor.wrap(be, features, rows, dim);
        }
        // every row := the one row (times 1: exact, −0 and NaN included)
        Storage out = be.allocateOutput(rows * dim);
        be.binary(BinaryOp.MUL, features, new int[]{0, 0, 0, 1}, one(be), new int[]{0, 0, 0, 0}, out,
                new int[]{1, 1, rows, dim});
        return Tensor.wrap(be, out, rows, dim);
    }

    /** Whether all {@code rows} values of t are the same float (read back into a reused host array). */
    private boolean sameValue(Backend be, Storage t, int rows) {
        float[] v = host.get();
        if (v == null || v.length < t.size()) {
            v = new float[t.size()];
            host.set(v);
        }
        be.download(t, v);
        int first = Float.floatToRawIntBits(v[0]);
        for (int i = 1; i < rows; i++) {
            if (Float.floatToRawIntBits(v[i]) != first) {
                return false;
            }
        }
        return true;
    }

    private Storage one(Backend be) {
        Storage s = unit;
        if (s == null) {
            s = be.allocatePersistent(1);   // outlives the sampler step it is first made in
            be.fill(s, 1f, 1);
            unit = s;
        }
        return s;
    }

    public int dim() {
        return dim;
    }
}
