package org.diffusion4j.runtime.backend;

/**
 * The backward pass of a small MLP fused over groups of rows, for {@code Backend.mlpBackward}:
 * one work item takes {@link #GROUP} rows back through every layer (the activation's
 * derivative, the group's share of ∂L/∂W_l and ∂L/∂b_l, and the gradient of the layer's input),
 * so the per-row gradients never leave the cache and the whole pass is two parallel loops instead
 * of five kernels per layer: the "fully fused" MLP of Müller et al., "Real-time Neural Radiance
 * Caching for Path Tracing" (SIGGRAPH 2021, §5), on a CPU.
 *
 * <p><b>Determinism.</b> The groups are fixed by the row count alone. A group's share of a weight
 * gradient is the chain {@code s = fma(h[r, i], gz[r, j], s)} over its rows in order, its share of
 * a bias gradient the sum of its rows in order; {@link #reduce} then adds the groups' shares in
 * group order. So the bits depend on neither the thread count nor the Vector API (its tiles keep
 * the chains of the scalar kernels used without it). They differ from the layer-by-layer
 * default, which sums all rows in one chain.
 *
 * <p>Same rules as {@link Kernels}: static methods over flat arrays, no allocation.
 */
final class FusedMlp {

    /** Rows per work item (and per partial sum) of the backward pass. */
    static final int GROUP = 64;

    private FusedMlp() {
    }

    static int groups(int rows) {
        return (rows + GROUP - 1) / GROUP;
    }

    /** Offsets of each layer's weight and bias gradient in one group's partial sums. */
    static int[] partialOffsets(int[] widths) {
        int layers = widths.length - 1;
        int[] off = new int[2 * layers + 1];
        int at = 0;
        for (int l = 0; l < layers; l++) {
            off[2 * l] = at;
            at += widths[l] * widths[l + 1];
            off[2 * l + 1] = at;
            at += widths[l + 1];
        }
        off[2 * layers] = at;
        return off;
    }

    /**
     * Groups [lo, hi) of the backward pass. {@code partials} receives group g's shares at
     * {@code g·stride + offsets[…]} ({@link #partialOffsets}). When {@code vector}, layers at least
     * {@code narrow} wide run on the Vector API tiles: W_lᵀ packed at {@code wtPacked[wtOff[l]]}
     * (for layers whose input is that wide), the group's gz packed into {@code gzPacked}. {@code gz}
     * and {@code gh} are this thread's {@link #GROUP} × widest buffers; gx may be null.
     */
    static void backward(int lo, int hi, boolean vector, int narrow, int rows, int[] widths, float[] x, float[][] w,
                         float[] wtPacked, int[] wtOff, int[] act, float[][] pre, float[][] post, float[][] sigma,
                         float[] gOut, float[] partials, int[] offsets, float[] gx, float[] gz, float[] gh,
                         float[] gzPacked, float[] aPad, float[] cPad) {
        int layers = w.length;
        int stride = offsets[2 * layers];
        for (int group = lo; group < hi; group++) {
            int r0 = group * GROUP;
            int m = Math.min(GROUP, rows - r0);
            int base = group * stride;
            float[] g = gOut;
            int gOff = r0 * widths[layers];
            for (int l = layers - 1; l >= 0; l--) {
                int n = widths[l + 1];
                int k = widths[l];
                if (vector) {
                    VectorKernels.activationBackward(act[l], g, gOff, pre[l], post[l], sigma[l], r0 * n, m * n, gz);
                } else {
                    Kernels.activationBackward(act[l], g, gOff, pre[l], post[l], sigma[l], r0 * n, 0, m * n, gz);
                }
                float[] in = l == 0 ? x : post[l - 1];
                int inOff = r0 * k;
                int gw = base + offsets[2 * l];
                if (vector && n >= narrow) {
                    VectorKernels.packB(0, VectorKernels.panels(n), gz, 0, false, m, n, gzPacked, 0);
                    VectorKernels.block(in, inOff, 1, k, 0, k, 0, VectorKernels.panels(n), n, m, gzPacked, 0,
                            partials, gw, false, null, VectorKernels.NONE, aPad, cPad);
                } else if (vector) {
                    VectorKernels.gemmTransANarrow(in, inOff, k, m, gz, n, partials, gw, cPad);
                } else {
                    Kernels.gemmTransA(in, inOff, k, m, gz, n, partials, gw, k);
                }
                if (vector) {
                    VectorKernels.columnSums(gz, m, n, partials, base + offsets[2 * l + 1]);
                } else {
                    Kernels.columnSums(gz, m, n, partials, base + offsets[2 * l + 1]);
                }
                if (l == 0 && gx == null) {
                    break;
                }
                float[] dst = l == 0 ? gx : gh;
                int dstOff = l == 0 ? r0 * k : 0;
                if (vector && k >= narrow) {
                    VectorKernels.block(gz, 0, n, 1, 0, m, 0, VectorKernels.panels(k), k, n, wtPacked, wtOff[l], dst,
                            dstOff, false, null, VectorKernels.NONE, aPad, cPad);
                } else {
                    // gh[r, i] = Σ_j gz[r, j]·W[i, j]: W read transposed
                    Kernels.narrowLayer(gz, 0, n, m, k, w[l], 1, n, dst, dstOff, null, -1);
                }
                g = gh;
                gOff = 0;
            }
        }
    }

    /**
     * Elements [lo, hi) of the gradients: {@code total[e]} = the groups' partial sums added in group
     * order (group 0 first).
     */
    static void reduce(int lo, int hi, float[] partials, int groups, int stride, float[] total) {
        System.arraycopy(partials, lo, total, lo, hi - lo);
        for (int g = 1; g < groups; g++) {
            int base = g * stride;
            for (int e = lo; e < hi; e++) {
                total[e] += partials[base + e];
            }
        }
    }
}
