package org.diffusion4j.runtime.backend;

import java.util.Arrays;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorSpecies;

/**
 * The CPU-only GEMM specialisation of {@link Kernels} on the JDK Vector API (incubator module
 * {@code jdk.incubator.vector}); {@link JavaBackend} loads this class only when that module is in
 * the boot layer, and otherwise runs the scalar kernels, which give the same bits.
 *
 * <p>Register-blocked, cache-blocked GEMM in the usual Goto/BLIS shape (Goto and van de Geijn,
 * "Anatomy of high-performance matrix multiplication", ACM TOMS 34(3), 2008, §4–5): op(B) is packed
 * into panels {@link #PANEL} columns wide, row p of a panel contiguous, so a {@link #KC}-deep slice
 * of a panel (32 KiB with AVX-512) stays in L1 while it is multiplied by {@link #MC} rows of op(A)
 * (kept in L2). The micro-kernel keeps a 4 × {@link #PANEL} tile of C in 16 vector registers and
 * for each p broadcasts four elements of op(A) and loads four vectors of B: 16 FMAs per four
 * broadcasts and four loads.
 *
 * <p>Every element of C is the chain {@code c = fma(a[i,p], b[p,j], c)} for p = 0, 1, …, k−1,
 * started from 0 (or from C when accumulating), exactly as in {@link Kernels#gemmRows}; the bias
 * of the fused epilogue is added after the chain, as a separate add would. So results are
 * bit-identical to the scalar kernels and independent of how the work items are split.
 *
 * <p>Same rules as {@link Kernels}: static methods over flat arrays, one parallel outer loop over
 * work items, no allocation the JIT cannot eliminate, no exceptions.
 */
final class VectorKernels {

    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();
    /** Columns per packed panel: four vectors (64 floats with AVX-512). */
    static final int PANEL = 4 * L;
    /** Rows of op(A) per micro-kernel call. */
    private static final int MR = 4;
    /** Depth of one pass: a KC × PANEL slice of B (32 KiB with AVX-512) stays in L1. */
    static final int KC = 128;
    /** Rows of C per work item when C is tall. */
    static final int MC = 64;
    /** Columns of C per work item (whole panels). */
    static final int NC = 8 * PANEL;

    /** The start of fresh accumulators (read with row stride 0). */
    private static final float[] ZEROS = new float[PANEL];

    private VectorKernels() {
    }

    /** {@code out[i] = σ(x[i])}, the bits of {@link Kernels#sigmoid}; out may be x. */
    static void sigmoid(int lo, int hi, float[] x, float[] out) {
        int i = lo;
        for (; i <= hi - L; i += L) {
            sigmoid(FloatVector.fromArray(S, x, i)).intoArray(out, i);
        }
        for (; i < hi; i++) {
            out[i] = Kernels.sigmoid(x[i]);
        }
    }

    /** {@link Kernels#silu} (σ into sigma, x·σ into out, out may be x), the same bits. */
    static void silu(int lo, int hi, float[] x, float[] out, float[] sigma) {
        int i = lo;
        for (; i <= hi - L; i += L) {
            FloatVector v = FloatVector.fromArray(S, x, i);
            FloatVector s = sigmoid(v);
            s.intoArray(sigma, i);
            v.mul(s).intoArray(out, i);
        }
        Kernels.silu(i, hi, x, out, sigma);
    }

    /** {@code out[i] = x[i]·σ(x[i])}, the bits of {@link Kernels#unary}'s SILU; out may be x. */
    static void silu(int lo, int hi, float[] x, float[] out) {
        int i = lo;
        for (; i <= hi - L; i += L) {
            FloatVector v = FloatVector.fromArray(S, x, i);
            v.mul(sigmoid(v)).intoArray(out, i);
        }
        Kernels.unary(i, hi, Kernels.SILU, x, out);
    }

    /**
     * {@link Kernels#activationBackward}'s SiLU case lane by lane, the same operations in the same
     * order: {@code out[i] = g·s + (g·z)·(s·(1−s))} with g from {@code gOff}, z and s from {@code off}.
     */
    private static void siluBackward(float[] g, int gOff, float[] pre, float[] sigma, int off, int count, float[] out) {
        int i = 0;
        for (; i <= count - L; i += L) {
            FloatVector gi = FloatVector.fromArray(S, g, gOff + i);
            FloatVector s = FloatVector.fromArray(S, sigma, off + i);
            FloatVector z = FloatVector.fromArray(S, pre, off + i);
            FloatVector ds = s.mul(FloatVector.broadcast(S, 1f).sub(s));
            gi.mul(s).add(gi.mul(z).mul(ds)).intoArray(out, i);
        }
        Kernels.activationBackward(Kernels.SILU, g, gOff, pre, null, sigma, off, i, count, out);
    }

    /** {@link Kernels#activationBackward} with vectors for ReLU and SiLU (the same bits); the rest as is. */
    static void activationBackward(int act, float[] g, int gOff, float[] pre, float[] post, float[] sigma, int off,
                                   int count, float[] out) {
        switch (act) {
            case Kernels.RELU -> reluBackward(g, gOff, pre, off, count, out);
            case Kernels.SILU -> siluBackward(g, gOff, pre, sigma, off, count, out);
            default -> Kernels.activationBackward(act, g, gOff, pre, post, sigma, off, 0, count, out);
        }
    }

    /**
     * {@link Kernels#activationBackward}'s ReLU case lane by lane: {@code g·step(z)} with step 1
     * where z &gt; 0, NaN where z is NaN and 0 elsewhere, which is {@code signum(max(z, 0))}.
     */
    private static void reluBackward(float[] g, int gOff, float[] pre, int off, int count, float[] out) {
        FloatVector one = FloatVector.broadcast(S, 1f);
        FloatVector zero = FloatVector.zero(S);
        FloatVector nan = FloatVector.broadcast(S, Float.NaN);
        int i = 0;
        for (; i <= count - L; i += L) {
            FloatVector z = FloatVector.fromArray(S, pre, off + i);
            FloatVector step = zero.blend(one, z.compare(VectorOperators.GT, 0f))
                    .blend(nan, z.test(VectorOperators.IS_NAN));
            FloatVector.fromArray(S, g, gOff + i).mul(step).intoArray(out, i);
        }
        Kernels.activationBackward(Kernels.RELU, g, gOff, pre, null, null, off, i, count, out);
    }

    /** {@link Kernels#columnSums} with vectors across columns: the same additions in the same order. */
    static void columnSums(float[] b, int m, int n, float[] dst, int off) {
        int j = 0;
        for (; j <= n - L; j += L) {
            FloatVector acc = FloatVector.fromArray(S, b, j);
            for (int r = 1, y = n + j; r < m; r++, y += n) {
                acc = acc.add(FloatVector.fromArray(S, b, y));
            }
            acc.intoArray(dst, off + j);
        }
        for (; j < n; j++) {
            float acc = b[j];
            for (int r = 1, y = n + j; r < m; r++, y += n) {
                acc += b[y];
            }
            dst[off + j] = acc;
        }
    }

    /**
     * {@link Kernels#gemmTransA} for narrow B (n &lt; 16, a gradient of a narrow output layer):
     * lanes across i, where A's rows are contiguous, and the same chain per element,
     * {@code s = fma(a[r, i], b[r, j], s)} from 0 for r = 0, 1, …; {@code tmp} holds L floats.
     */
    static void gemmTransANarrow(float[] a, int aOff, int k, int m, float[] b, int n, float[] c, int cOff,
                                 float[] tmp) {
        int i = 0;
        for (; i <= k - L; i += L) {
            for (int j = 0; j < n; j++) {
                FloatVector acc = FloatVector.zero(S);
                for (int r = 0, x = aOff + i, y = j; r < m; r++, x += k, y += n) {
                    acc = FloatVector.fromArray(S, a, x).fma(FloatVector.broadcast(S, b[y]), acc);
                }
                acc.intoArray(tmp, 0);
                for (int lane = 0, o = cOff + i * n + j; lane < L; lane++, o += n) {
                    c[o] = tmp[lane];
                }
            }
        }
        if (i < k) {
            Kernels.gemmTransA(a, aOff + i, k, m, b, n, c, cOff + i * n, k - i);
        }
    }

    /** {@link FusedMlp#reduce} with vectors across elements: the same additions in the same order. */
    static void reduce(int lo, int hi, float[] partials, int groups, int stride, float[] total) {
        int e = lo;
        for (; e <= hi - L; e += L) {
            FloatVector acc = FloatVector.fromArray(S, partials, e);
            for (int g = 1, o = stride + e; g < groups; g++, o += stride) {
                acc = acc.add(FloatVector.fromArray(S, partials, o));
            }
            acc.intoArray(total, e);
        }
        for (; e < hi; e++) {
            float acc = partials[e];
            for (int g = 1, o = stride + e; g < groups; g++, o += stride) {
                acc += partials[o];
            }
            total[e] = acc;
        }
    }

    /** {@link Kernels#sigmoid} lane by lane: the same operations in the same order. */
    private static FloatVector sigmoid(FloatVector x) {
        FloatVector t = x.neg().max(Kernels.EXP_LO).min(Kernels.EXP_HI);
        FloatVector k = t.mul(Kernels.LOG2E).add(Kernels.ROUND).sub(Kernels.ROUND);
        FloatVector r = k.fma(FloatVector.broadcast(S, -Kernels.LN2_HI), t);
        r = k.fma(FloatVector.broadcast(S, -Kernels.LN2_LO), r);
        FloatVector p = r.fma(Kernels.C7, Kernels.C6);
        p = p.fma(r, FloatVector.broadcast(S, Kernels.C5));
        p = p.fma(r, FloatVector.broadcast(S, Kernels.C4));
        p = p.fma(r, FloatVector.broadcast(S, Kernels.C3));
        p = p.fma(r, FloatVector.broadcast(S, Kernels.C2));
        p = p.fma(r, FloatVector.broadcast(S, 1f));
        p = p.fma(r, FloatVector.broadcast(S, 1f));
        IntVector bits = ((IntVector) k.convert(VectorOperators.F2I, 0)).add(127).lanewise(VectorOperators.LSHL, 23);
        FloatVector e = p.mul(bits.reinterpretAsFloats());
        return FloatVector.broadcast(S, 1f).div(e.add(1f));
    }

    /** Number of packed panels of a k × n operand. */
    static int panels(int n) {
        return (n + PANEL - 1) / PANEL;
    }

    /** Floats of one packed k × n operand. */
    static int packedSize(int k, int n) {
        return panels(n) * k * PANEL;
    }

    /**
     * Packs {@code batches} operands op(B[b]) (k × n; B[b] at {@code b·batchStride}, n × k row-major
     * when {@code transB}) into panels: item {@code b·panels + q} writes
     * {@code dst[dstOff + (b·panels + q)·k·PANEL + p·PANEL + jj] = op(B[b])[p, q·PANEL + jj]}, zero past n.
     */
    static void packB(int lo, int hi, float[] b, int batchStride, boolean transB, int k, int n, float[] dst,
                      int dstOff) {
        int panels = panels(n);
        for (int item = lo; item < hi; item++) {
            int batch = item / panels;
            int q = item - batch * panels;
            int j0 = q * PANEL;
            int w = Math.min(PANEL, n - j0);
            int base = batch * batchStride;
            int d = dstOff + item * k * PANEL;
            for (int p = 0; p < k; p++, d += PANEL) {
                if (transB) {
                    for (int jj = 0; jj < w; jj++) {
                        dst[d + jj] = b[base + (j0 + jj) * k + p];
                    }
                } else {
                    System.arraycopy(b, base + p * n + j0, dst, d, w);
                }
                for (int jj = w; jj < PANEL; jj++) {
                    dst[d + jj] = 0f;
                }
            }
        }
    }

    /**
     * Rows of C per work item: {@link #MC}, or {@link #MR} when the whole product is small (so both
     * cores get work). Counted over the batch: a batched product (a convolution's images) has
     * work items enough with tall row blocks, which reuse each panel of B for more rows.
     */
    static int rowsPerItem(int batch, int m, int n) {
        return m >= 4 * MC || (long) batch * m * n >= 64 * 1024 ? MC : MR;
    }

    /** Number of work items of {@link #gemm}: (batch, row block, column block). */
    static int items(int batch, int m, int n) {
        int rb = rowsPerItem(batch, m, n);
        return batch * ((m + rb - 1) / rb) * ((n + NC - 1) / NC);
    }

    /**
     * {@code C[b] (+)= op(A[b]) · op(B[b]) (+ bias)} for work items [lo, hi) (see {@link #items}) of
     * a product of {@code batches} batch entries.
     * op(A) is m×k, element (i, p) at {@code a[b·aBatchStride + i·ai + p·ap]}; B is packed by
     * {@link #packB} ({@code bBatchPanels = 0} shares one B); C[b] is row-major m×n at
     * {@code b·m·n}. {@code bias} (length n, added to every row) may be null. {@code aPad}
     * ({@link #A_PAD} floats) and {@code cPad} ({@link #C_PAD}) are the calling thread's scratch.
     */
    static void gemm(int lo, int hi, int batches, float[] a, int aBatchStride, int ai, int ap, int m, int n, int k,
                     float[] bPacked, boolean bShared, float[] c, boolean accumulate, float[] bias, float[] aPad,
                     float[] cPad) {
        int rb = rowsPerItem(batches, m, n);
        int rowBlocks = (m + rb - 1) / rb;
        int colBlocks = (n + NC - 1) / NC;
        int panels = panels(n);
        for (int item = lo; item < hi; item++) {
            int batch = item / (rowBlocks * colBlocks);
            int rest = item - batch * rowBlocks * colBlocks;
            int r = rest / colBlocks;
            int cb = rest - r * colBlocks;
            int i0 = r * rb;
            int q0 = cb * (NC / PANEL);
            block(a, batch * aBatchStride, ai, ap, i0, Math.min(m, i0 + rb), q0, Math.min(panels, q0 + NC / PANEL),
                    n, k, bPacked, (bShared ? 0 : batch * panels) * k * PANEL, c, batch * m * n, accumulate, bias,
                    NONE, aPad, cPad);
        }
    }

    /** No activation in the epilogue. */
    static final int NONE = Kernels.NONE;

    /**
     * Rows [i0, i1) and panels [q0, q1) of {@code C (+)= op(A) · B}, op(A)'s element (i, p) at
     * {@code a[aBase + i·ai + p·ap]}, B packed by {@link #packB} from {@code bBase}, C row-major with
     * n columns from {@code cBase}. After the last k pass over a panel, while its tile is in L1,
     * the epilogue adds {@code bias} (if not null) and applies the activation {@code act}
     * ({@link #NONE}, or a {@link Kernels} unary code of {@link #activate}).
     */
    static void block(float[] a, int aBase, int ai, int ap, int i0, int i1, int q0, int q1, int n, int k,
                              float[] bPacked, int bBase, float[] c, int cBase, boolean accumulate, float[] bias,
                              int act, float[] aPad, float[] cPad) {
        for (int p0 = 0; p0 < k; p0 += KC) {
            int p1 = Math.min(k, p0 + KC);
            boolean load = accumulate || p0 > 0;
            boolean last = p1 == k;
            for (int q = q0; q < q1; q++) {
                int j0 = q * PANEL;
                int bOff = bBase + (q * k + p0) * PANEL;
                int i = i0;
                for (; i + MR <= i1 && j0 + PANEL <= n; i += MR) {
                    int cOff = cBase + i * n + j0;
                    tile4(a, aBase + i * ai, ai, ap, p0, p1, bPacked, bOff, load ? c : ZEROS, load ? cOff : 0,
                            load ? n : 0, c, cOff, n);
                }
                for (; i < i1; i += MR) {
                    paddedTile(a, aBase + i * ai, ai, ap, Math.min(MR, i1 - i), p0, p1, bPacked, bOff, load, c,
                            cBase + i * n + j0, n, Math.min(PANEL, n - j0), aPad, cPad);
                }
                if (last && bias != null) {
                    epilogue(c, cBase + i0 * n + j0, n, i1 - i0, bias, j0, act);
                }
            }
        }
    }

    /**
     * Rows i … i+3 of C, one whole panel (no masks: the hot kernel stays small enough for C2 to
     * inline every vector operation), p in [p0, p1); row x of op(A) starts at {@code aRow + x·ai}.
     * The accumulators start from {@code init} (C itself, or {@link #ZEROS} with row stride 0):
     * choosing the array rather than the vector keeps C2 from boxing the accumulators.
     */
    private static void tile4(float[] a, int aRow, int ai, int ap, int p0, int p1, float[] bp, int bOff,
                              float[] init, int iOff, int iStride, float[] c, int cOff, int n) {
        int i1 = iOff + iStride;
        int i2 = iOff + 2 * iStride;
        int i3 = iOff + 3 * iStride;
        FloatVector v00 = FloatVector.fromArray(S, init, iOff);
        FloatVector v01 = FloatVector.fromArray(S, init, iOff + L);
        FloatVector v02 = FloatVector.fromArray(S, init, iOff + 2 * L);
        FloatVector v03 = FloatVector.fromArray(S, init, iOff + 3 * L);
        FloatVector v10 = FloatVector.fromArray(S, init, i1);
        FloatVector v11 = FloatVector.fromArray(S, init, i1 + L);
        FloatVector v12 = FloatVector.fromArray(S, init, i1 + 2 * L);
        FloatVector v13 = FloatVector.fromArray(S, init, i1 + 3 * L);
        FloatVector v20 = FloatVector.fromArray(S, init, i2);
        FloatVector v21 = FloatVector.fromArray(S, init, i2 + L);
        FloatVector v22 = FloatVector.fromArray(S, init, i2 + 2 * L);
        FloatVector v23 = FloatVector.fromArray(S, init, i2 + 3 * L);
        FloatVector v30 = FloatVector.fromArray(S, init, i3);
        FloatVector v31 = FloatVector.fromArray(S, init, i3 + L);
        FloatVector v32 = FloatVector.fromArray(S, init, i3 + 2 * L);
        FloatVector v33 = FloatVector.fromArray(S, init, i3 + 3 * L);
        int ax = aRow + p0 * ap;
        int bo = bOff;
        for (int p = p0; p < p1; p++, ax += ap, bo += PANEL) {
            FloatVector b0 = FloatVector.fromArray(S, bp, bo);
            FloatVector b1 = FloatVector.fromArray(S, bp, bo + L);
            FloatVector b2 = FloatVector.fromArray(S, bp, bo + 2 * L);
            FloatVector b3 = FloatVector.fromArray(S, bp, bo + 3 * L);
            FloatVector x = FloatVector.broadcast(S, a[ax]);
            v00 = b0.fma(x, v00);
            v01 = b1.fma(x, v01);
            v02 = b2.fma(x, v02);
            v03 = b3.fma(x, v03);
            x = FloatVector.broadcast(S, a[ax + ai]);
            v10 = b0.fma(x, v10);
            v11 = b1.fma(x, v11);
            v12 = b2.fma(x, v12);
            v13 = b3.fma(x, v13);
            x = FloatVector.broadcast(S, a[ax + 2 * ai]);
            v20 = b0.fma(x, v20);
            v21 = b1.fma(x, v21);
            v22 = b2.fma(x, v22);
            v23 = b3.fma(x, v23);
            x = FloatVector.broadcast(S, a[ax + 3 * ai]);
            v30 = b0.fma(x, v30);
            v31 = b1.fma(x, v31);
            v32 = b2.fma(x, v32);
            v33 = b3.fma(x, v33);
        }
        int c1 = cOff + n;
        int c2 = cOff + 2 * n;
        int c3 = cOff + 3 * n;
        v00.intoArray(c, cOff);
        v01.intoArray(c, cOff + L);
        v02.intoArray(c, cOff + 2 * L);
        v03.intoArray(c, cOff + 3 * L);
        v10.intoArray(c, c1);
        v11.intoArray(c, c1 + L);
        v12.intoArray(c, c1 + 2 * L);
        v13.intoArray(c, c1 + 3 * L);
        v20.intoArray(c, c2);
        v21.intoArray(c, c2 + L);
        v22.intoArray(c, c2 + 2 * L);
        v23.intoArray(c, c2 + 3 * L);
        v30.intoArray(c, c3);
        v31.intoArray(c, c3 + L);
        v32.intoArray(c, c3 + 2 * L);
        v33.intoArray(c, c3 + 3 * L);
    }

    /** Scratch floats {@link #gemm} needs for op(A) and for C. */
    static final int A_PAD = KC * MR;
    static final int C_PAD = MR * PANEL;

    /**
     * The {@code rows} (&lt; 4, or a partial panel of {@code w} &lt; PANEL columns) that
     * {@link #tile4} cannot take in place: op(A)'s rows are copied into {@code aPad} (zero rows
     * after them) and C's into {@code cPad} (zero columns after w), one {@link #tile4} runs on the
     * copies, and the real rows and columns are copied back. Padding only adds chains that are
     * thrown away, so every kept element is the same chain. One vector kernel for every tile
     * means one method for the JIT to compile (a second one ran interpreted, boxing every vector,
     * for the first seconds of a run).
     */
    private static void paddedTile(float[] a, int aRow, int ai, int ap, int rows, int p0, int p1, float[] bp,
                                   int bOff, boolean load, float[] c, int cOff, int n, int w, float[] aPad,
                                   float[] cPad) {
        for (int p = p0, d = 0; p < p1; p++, d += MR) {
            int x = aRow + p * ap;
            for (int r = 0; r < MR; r++) {
                aPad[d + r] = r < rows ? a[x + r * ai] : 0f;
            }
        }
        for (int r = 0; r < MR; r++) {
            int d = r * PANEL;
            if (load && r < rows) {
                System.arraycopy(c, cOff + r * n, cPad, d, w);
                Arrays.fill(cPad, d + w, d + PANEL, 0f);
            } else {
                Arrays.fill(cPad, d, d + PANEL, 0f);
            }
        }
        tile4(aPad, 0, 1, MR, 0, p1 - p0, bp, bOff, cPad, 0, PANEL, cPad, 0, PANEL);
        for (int r = 0; r < rows; r++) {
            System.arraycopy(cPad, r * PANEL, c, cOff + r * n, w);
        }
    }

    /**
     * {@code C[r, j0 + jj] = act(C[r, j0 + jj] + bias[j0 + jj])} for {@code rows} rows of one panel:
     * the epilogue of the last k pass, while the tile is still in L1. The bias is added after the
     * chain and the activation after the bias, so the bits equal a separate add and a separate
     * {@link Kernels#unary} pass.
     */
    private static void epilogue(float[] c, int cOff, int n, int rows, float[] bias, int j0, int act) {
        int w = Math.min(PANEL, n - j0);
        if (w == PANEL && act == Kernels.RELU) {
            reluEpilogue(c, cOff, n, rows, bias, j0);
            return;
        }
        if (w == PANEL) {
            // a full panel (every panel of a 64- or 128-wide layer): plain loads, no masks to build
            FloatVector w0 = FloatVector.fromArray(S, bias, j0);
            FloatVector w1 = FloatVector.fromArray(S, bias, j0 + L);
            FloatVector w2 = FloatVector.fromArray(S, bias, j0 + 2 * L);
            FloatVector w3 = FloatVector.fromArray(S, bias, j0 + 3 * L);
            for (int r = 0, o = cOff; r < rows; r++, o += n) {
                FloatVector.fromArray(S, c, o).add(w0).intoArray(c, o);
                FloatVector.fromArray(S, c, o + L).add(w1).intoArray(c, o + L);
                FloatVector.fromArray(S, c, o + 2 * L).add(w2).intoArray(c, o + 2 * L);
                FloatVector.fromArray(S, c, o + 3 * L).add(w3).intoArray(c, o + 3 * L);
            }
        } else {
            VectorMask<Float> m0 = S.indexInRange(j0, n);
            VectorMask<Float> m1 = S.indexInRange(j0 + L, n);
            VectorMask<Float> m2 = S.indexInRange(j0 + 2 * L, n);
            VectorMask<Float> m3 = S.indexInRange(j0 + 3 * L, n);
            FloatVector w0 = FloatVector.fromArray(S, bias, j0, m0);
            FloatVector w1 = FloatVector.fromArray(S, bias, j0 + L, m1);
            FloatVector w2 = FloatVector.fromArray(S, bias, j0 + 2 * L, m2);
            FloatVector w3 = FloatVector.fromArray(S, bias, j0 + 3 * L, m3);
            for (int r = 0, o = cOff; r < rows; r++, o += n) {
                FloatVector.fromArray(S, c, o, m0).add(w0).intoArray(c, o, m0);
                FloatVector.fromArray(S, c, o + L, m1).add(w1).intoArray(c, o + L, m1);
                FloatVector.fromArray(S, c, o + 2 * L, m2).add(w2).intoArray(c, o + 2 * L, m2);
                FloatVector.fromArray(S, c, o + 3 * L, m3).add(w3).intoArray(c, o + 3 * L, m3);
            }
        }
        if (act != NONE) {
            // one small loop per activation (the sigmoid inlined eight times here made a method C2
            // would not inline, and every vector crossing that call was boxed)
            for (int r = 0, o = cOff; r < rows; r++, o += n) {
                activate(o, o + w, c, act);
            }
        }
    }

    /**
     * {@link #epilogue} of a full panel with ReLU: the bias add and the max in one pass (ReLU is one
     * instruction, so unlike SiLU it costs the epilogue nothing to inline); the same bits.
     */
    private static void reluEpilogue(float[] c, int cOff, int n, int rows, float[] bias, int j0) {
        FloatVector w0 = FloatVector.fromArray(S, bias, j0);
        FloatVector w1 = FloatVector.fromArray(S, bias, j0 + L);
        FloatVector w2 = FloatVector.fromArray(S, bias, j0 + 2 * L);
        FloatVector w3 = FloatVector.fromArray(S, bias, j0 + 3 * L);
        for (int r = 0, o = cOff; r < rows; r++, o += n) {
            FloatVector.fromArray(S, c, o).add(w0).max(0f).intoArray(c, o);
            FloatVector.fromArray(S, c, o + L).add(w1).max(0f).intoArray(c, o + L);
            FloatVector.fromArray(S, c, o + 2 * L).add(w2).max(0f).intoArray(c, o + 2 * L);
            FloatVector.fromArray(S, c, o + 3 * L).add(w3).max(0f).intoArray(c, o + 3 * L);
        }
    }

    /** {@code c[i] = f(c[i])} for i in [lo, hi), the bits of {@link Kernels#unary} with code {@code act}. */
    private static void activate(int lo, int hi, float[] c, int act) {
        switch (act) {
            case Kernels.RELU -> relu(lo, hi, c);
            case Kernels.SILU -> silu(lo, hi, c, c);
            case Kernels.SIGMOID -> sigmoid(lo, hi, c, c);
            default -> Kernels.unary(lo, hi, act, c, c);
        }
    }

    /** {@code c[i] = max(c[i], 0)} in place, the bits of {@link Kernels#unary}'s RELU. */
    private static void relu(int lo, int hi, float[] c) {
        int i = lo;
        for (; i <= hi - L; i += L) {
            FloatVector.fromArray(S, c, i).max(0f).intoArray(c, i);
        }
        Kernels.unary(i, hi, Kernels.RELU, c, c);
    }

    // ------------------------------------------------------------------ fused MLP forward

    /**
     * Rows per block of the fused MLP: two hidden blocks of a 128-wide layer (16 KiB each) and
     * the panel being multiplied fit in L1 and L2 together, so hidden activations never go to memory.
     */
    static final int MLP_ROWS = 32;

    /** Work items of {@link #mlp}: blocks of {@link #MLP_ROWS} rows. */
    static int mlpItems(int rows) {
        return (rows + MLP_ROWS - 1) / MLP_ROWS;
    }

    /**
     * Row blocks [lo, hi) of {@code Backend.mlpForward}: each block goes through every layer
     * before the next block starts, its hidden activations alternating between the thread's
     * {@code h0} and {@code h1} ({@link #MLP_ROWS} × widest hidden width). Layer l's W is packed
     * at {@code packed[packOff[l]]} when it is at least {@code narrow} wide and read from
     * {@code w[l]} otherwise; {@code act[l]} is a {@link Kernels} unary code or {@link #NONE}.
     * Every element is the chain of {@link #gemm} (or of {@link Kernels#gemmNarrow}), plus the
     * bias, then the activation: the bits of the layer-by-layer pass.
     */
    static void mlp(int lo, int hi, int rows, int[] widths, float[] x, float[] packed, int[] packOff, int narrow,
                    float[][] w, float[][] bias, int[] act, float[] out, float[] h0, float[] h1, float[] aPad,
                    float[] cPad) {
        int layers = w.length;
        for (int item = lo; item < hi; item++) {
            int r0 = item * MLP_ROWS;
            int m = Math.min(MLP_ROWS, rows - r0);
            float[] in = x;
            int inOff = r0 * widths[0];
            for (int l = 0; l < layers; l++) {
                int k = widths[l];
                int n = widths[l + 1];
                boolean last = l == layers - 1;
                float[] dst = last ? out : (l & 1) == 0 ? h0 : h1;
                int dstOff = last ? r0 * n : 0;
                layer(in, inOff, k, m, n, packed, packOff[l], narrow, w[l], bias[l], act[l], dst, dstOff, aPad, cPad);
                in = dst;
                inOff = dstOff;
            }
        }
    }

    /**
     * One affine layer (and activation) of an m-row block: {@code dst = f(in · W + b)}, W packed at
     * {@code packed[packOff]} when the layer is at least {@code narrow} wide, else read from w.
     */
    private static void layer(float[] in, int inOff, int k, int m, int n, float[] packed, int packOff, int narrow,
                              float[] w, float[] bias, int act, float[] dst, int dstOff, float[] aPad, float[] cPad) {
        if (n >= narrow) {
            block(in, inOff, k, 1, 0, m, 0, panels(n), n, k, packed, packOff, dst, dstOff, false, bias, act, aPad,
                    cPad);
        } else {
            Kernels.narrowLayer(in, inOff, k, m, n, w, n, 1, dst, dstOff, bias, act);
        }
    }

    /**
     * Row blocks [lo, hi) of {@code Backend.mlpForwardTrain}: as {@link #mlp}, but every layer
     * writes its pre-activation into {@code pre[l]} and its activation into {@code post[l]} (and
     * σ into {@code sigma[l]} for SiLU) at the block's rows, for the backward pass; the next
     * layer reads the block back from {@code post[l]} while it is still in cache.
     */
    static void mlpTrain(int lo, int hi, int rows, int[] widths, float[] x, float[] packed, int[] packOff, int narrow,
                         float[][] w, float[][] bias, int[] act, float[][] pre, float[][] post, float[][] sigma,
                         float[] aPad, float[] cPad) {
        int layers = w.length;
        for (int item = lo; item < hi; item++) {
            int r0 = item * MLP_ROWS;
            int m = Math.min(MLP_ROWS, rows - r0);
            float[] in = x;
            int inOff = r0 * widths[0];
            for (int l = 0; l < layers; l++) {
                int k = widths[l];
                int n = widths[l + 1];
                int off = r0 * n;
                layer(in, inOff, k, m, n, packed, packOff[l], narrow, w[l], bias[l], NONE, pre[l], off, aPad, cPad);
                int end = off + m * n;
                switch (act[l]) {
                    case Kernels.SILU -> silu(off, end, pre[l], post[l], sigma[l]);
                    case Kernels.SIGMOID -> sigmoid(off, end, pre[l], post[l]);
                    case NONE -> {
                        // post[l] is pre[l]
                    }
                    default -> Kernels.unary(off, end, act[l], pre[l], post[l]);
                }
                in = post[l];
                inOff = off;
            }
        }
    }

    /**
     * {@link Kernels#sumColumnBlocks} with vectors across columns: each column sum still starts
     * from the block's first row and adds the rows in increasing order, so the bits are the same.
     */
    static void sumColumnBlocks(int lo, int hi, float[] x, int rows, int cols, int blockRows, int tileCols,
                                float[] dst) {
        int tiles = (cols + tileCols - 1) / tileCols;
        for (int item = lo; item < hi; item++) {
            int rb = item / tiles;
            int j0 = (item - rb * tiles) * tileCols;
            int j1 = Math.min(cols, j0 + tileCols);
            int r0 = rb * blockRows;
            int r1 = Math.min(rows, r0 + blockRows);
            int d = rb * cols;
            System.arraycopy(x, r0 * cols + j0, dst, d + j0, j1 - j0);
            for (int j = j0; j < j1; j += L) {
                VectorMask<Float> m = S.indexInRange(j, j1);
                FloatVector acc = FloatVector.fromArray(S, dst, d + j, m);
                for (int r = r0 + 1; r < r1; r++) {
                    acc = acc.add(FloatVector.fromArray(S, x, r * cols + j, m));
                }
                acc.intoArray(dst, d + j, m);
            }
        }
    }
}
