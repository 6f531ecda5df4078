package org.diffusion4j.runtime.backend;

import java.util.Arrays;
import org.diffusion4j.api.tensor.Rng;

/**
 * The compute kernels of {@link JavaBackend}: static methods over flat arrays.
 *
 * <p>Every kernel processes the index range {@code [lo, hi)} of its one parallel outer loop, and
 * the result for an index never depends on how that loop was split: each output element is
 * computed by exactly one index with a fixed order of operations. So the backend may cut the loop
 * anywhere (it cuts by problem size only) and results are bit-identical for any thread count.
 * Inside the loops there is no allocation, no exception and no virtual call: the shape a GPU
 * compiler such as TornadoVM accepts and the shape C2 auto-vectorises.
 *
 * <p>A note on vectorisation, which shaped several kernels: the C2 compiler of JDK 25 only
 * vectorises a loop when every array in it is indexed by the <em>same</em> expression
 * ({@code y[j] = f(x[j])}, also {@code y[o + j] = f(x[o + j])}); {@code y[o1 + j] = f(x[o2 + j])}
 * with two different run-time offsets stays scalar, since the arrays might alias. Flat row-major
 * GEMM reads B and writes C at different row offsets, so {@link #gemmRows} works on B packed as one
 * array per row and accumulates each row of C in a scratch array of its own, all indexed by the
 * column j (measured: ≈ 5 GFLOP/s scalar versus 30–55 GFLOP/s packed on this machine). Where an
 * offset mismatch cannot be avoided (broadcast rows, column sums), loops index the output and one
 * operand alike and use unit strides, which keeps them cheap scalar code.
 */
final class Kernels {

    // Unary op codes (ints rather than the api enum, so a GPU kernel can take them).
    static final int NEG = 0;
    static final int EXP = 1;
    static final int LOG = 2;
    static final int SQRT = 3;
    static final int SQUARE = 4;
    static final int RECIPROCAL = 5;
    static final int ABS = 6;
    static final int SIGN = 7;
    static final int RELU = 8;
    static final int STEP = 9;
    static final int SIGMOID = 10;
    static final int TANH = 11;
    static final int SIN = 12;
    static final int COS = 13;
    static final int SILU = 14;
    /** Activation code of a layer without an activation (fused kernels). */
    static final int NONE = -1;

    // Binary op codes.
    static final int ADD = 0;
    static final int SUB = 1;
    static final int MUL = 2;
    static final int DIV = 3;

    /** Columns of C computed per GEMM work item (bounds the B block kept in cache). */
    static final int GEMM_TILE_N = 512;
    /** Rows of op(B) per pass over a tile: a 256 × 512 float block of B is 512 KiB, L2-sized. */
    static final int GEMM_K_BLOCK = 256;

    private Kernels() {
    }

    // ------------------------------------------------------------------------------------ GEMM

    /** Side of the square blocks in which transposing kernels walk their matrices (cache reuse). */
    static final int TRANSPOSE_BLOCK = 16;

    /**
     * Packs row-major {@code rows × cols} matrices into one array per row: item
     * {@code b·rows + r} copies row r of the matrix at {@code b·batchStride} into
     * {@code dst[b·rows + r]}.
     */
    static void packRows(int lo, int hi, float[] src, int batchStride, int rows, int cols, float[][] dst) {
        for (int item = lo; item < hi; item++) {
            int batch = item / rows;
            int r = item - batch * rows;
            System.arraycopy(src, batch * batchStride + r * cols, dst[item], 0, cols);
        }
    }

    /** Number of work items of {@link #packColumns}: (batch, block of destination columns). */
    static int packColumnsItems(int batch, int cols) {
        return batch * ((cols + TRANSPOSE_BLOCK - 1) / TRANSPOSE_BLOCK);
    }

    /**
     * Packs the transposes of row-major {@code cols × rows} matrices into one array per row:
     * {@code dst[b·rows + r][j] = src[b·batchStride + j·rows + r]}. Item (b, t) fills columns
     * {@code 16t … 16t+15} of every destination row, so the sixteen source rows it reads stay in
     * cache.
     */
    static void packColumns(int lo, int hi, float[] src, int batchStride, int rows, int cols, float[][] dst) {
        int blocks = (cols + TRANSPOSE_BLOCK - 1) / TRANSPOSE_BLOCK;
        for (int item = lo; item < hi; item++) {
            int batch = item / blocks;
            int j0 = (item - batch * blocks) * TRANSPOSE_BLOCK;
            int j1 = Math.min(cols, j0 + TRANSPOSE_BLOCK);
            int base = batch * batchStride;
            int dRow = batch * rows;
            for (int r = 0; r < rows; r++) {
                float[] d = dst[dRow + r];
                for (int j = j0; j < j1; j++) {
                    d[j] = src[base + j * rows + r];
                }
            }
        }
    }

    /** Number of work items of {@link #gemmRows}: (batch, column tile, group of four rows). */
    static int gemmItems(int batch, int m, int n) {
        return batch * ((n + GEMM_TILE_N - 1) / GEMM_TILE_N) * ((m + 3) >> 2);
    }

    /**
     * {@code C[b] (+)= op(A[b]) · B[b]} for work items {@code [lo, hi)} (see {@link #gemmItems});
     * item {@code (b·tiles + t)·quads + q} computes rows 4q … 4q+3 of C[b] over column tile t
     * (fewer in the last group).
     *
     * <p>op(A) is m×k, read in place: element (i, p) is {@code a[b·aBatchStride + p·m + i]} when
     * {@code transA}, else {@code a[b·aBatchStride + i·k + p]}. B is k×n, packed by
     * {@link #packRows}: row p of B[b] is {@code bRows[b·bBatchRows + p]} ({@code bBatchRows = 0}
     * shares one B). C[b] is row-major m×n at {@code b·cBatchStride}.
     *
     * <p>Register blocking for the auto-vectoriser: two rows of C (scratch {@code acc0},
     * {@code acc1}, length ≥ n) are updated with four rows of B per pass over the columns: six
     * loads and two stores per eight vector FMAs. Every element of C is the chain
     * {@code c = fma(a[i,p], b[p,j], c)} for p = 0, 1, …, k−1 whatever the blocking, so results do
     * not depend on how the items are split.
     */
    static void gemmRows(int lo, int hi, float[] a, int aBatchStride, boolean transA, int m, int k,
                         float[][] bRows, int bBatchRows, int n, float[] c, int cBatchStride, boolean accumulate,
                         float[] acc0, float[] acc1) {
        int quads = (m + 3) >> 2;
        int tiles = (n + GEMM_TILE_N - 1) / GEMM_TILE_N;
        int ai = transA ? 1 : k;   // stride of op(A) between rows
        int ap = transA ? m : 1;   // stride of op(A) between columns
        int item = lo;
        while (item < hi) {
            int group = item / quads;
            int firstQuad = item - group * quads;
            int endQuad = Math.min(quads, firstQuad + (hi - item));
            int batch = group / tiles;
            int j0 = (group - batch * tiles) * GEMM_TILE_N;
            int j1 = Math.min(n, j0 + GEMM_TILE_N);
            int len = j1 - j0;
            int aBase = batch * aBatchStride;
            int cBase = batch * cBatchStride;
            int bBase = batch * bBatchRows;
            // k blocks outside the rows: one block of B serves all rows of this item range.
            for (int p0 = 0; p0 < k; p0 += GEMM_K_BLOCK) {
                int p1 = Math.min(k, p0 + GEMM_K_BLOCK);
                boolean fresh = p0 == 0 && !accumulate;
                for (int quad = firstQuad; quad < endQuad; quad++) {
                    int i = quad << 2;
                    int rows = Math.min(4, m - i);
                    int cRow = cBase + i * n + j0;
                    int aRow = aBase + i * ai;
                    // Two rows per pass: a 4-row body would exceed C2's default loop-unroll
                    // budget (LoopUnrollLimit = 60 nodes) and then is not vectorised at all.
                    if (rows >= 2) {
                        loadRow(c, cRow, acc0, j0, len, fresh);
                        loadRow(c, cRow + n, acc1, j0, len, fresh);
                        twoRows(a, aRow, aRow + ai, ap, bRows, bBase, p0, p1, acc0, acc1, j0, j1);
                        System.arraycopy(acc0, j0, c, cRow, len);
                        System.arraycopy(acc1, j0, c, cRow + n, len);
                    }
                    if (rows == 4) {
                        loadRow(c, cRow + 2 * n, acc0, j0, len, fresh);
                        loadRow(c, cRow + 3 * n, acc1, j0, len, fresh);
                        twoRows(a, aRow + 2 * ai, aRow + 3 * ai, ap, bRows, bBase, p0, p1, acc0, acc1, j0, j1);
                        System.arraycopy(acc0, j0, c, cRow + 2 * n, len);
                        System.arraycopy(acc1, j0, c, cRow + 3 * n, len);
                    } else if (rows != 2) {
                        int r = rows - 1;
                        loadRow(c, cRow + r * n, acc0, j0, len, fresh);
                        oneRow(a, aRow + r * ai, ap, bRows, bBase, p0, p1, acc0, j0, j1);
                        System.arraycopy(acc0, j0, c, cRow + r * n, len);
                    }
                }
            }
            item += endQuad - firstQuad;
        }
    }

    private static void loadRow(float[] c, int cAt, float[] acc, int j0, int len, boolean fresh) {
        if (fresh) {
            Arrays.fill(acc, j0, j0 + len, 0f);
        } else {
            System.arraycopy(c, cAt, acc, j0, len);
        }
    }

    private static void twoRows(float[] a, int x, int y, int ap, float[][] bRows, int bBase, int p0, int p1,
                                float[] acc0, float[] acc1, int j0, int j1) {
        int p = p0;
        for (; p + 3 < p1; p += 4) {
            int xp = x + p * ap;
            int yp = y + p * ap;
            float a0 = a[xp];
            float a1 = a[xp + ap];
            float a2 = a[xp + 2 * ap];
            float a3 = a[xp + 3 * ap];
            float e0 = a[yp];
            float e1 = a[yp + ap];
            float e2 = a[yp + 2 * ap];
            float e3 = a[yp + 3 * ap];
            float[] b0 = bRows[bBase + p];
            float[] b1 = bRows[bBase + p + 1];
            float[] b2 = bRows[bBase + p + 2];
            float[] b3 = bRows[bBase + p + 3];
            for (int j = j0; j < j1; j++) {
                float v0 = b0[j];
                float v1 = b1[j];
                float v2 = b2[j];
                float v3 = b3[j];
                acc0[j] = Math.fma(a3, v3, Math.fma(a2, v2, Math.fma(a1, v1, Math.fma(a0, v0, acc0[j]))));
                acc1[j] = Math.fma(e3, v3, Math.fma(e2, v2, Math.fma(e1, v1, Math.fma(e0, v0, acc1[j]))));
            }
        }
        // The last one to three rows of B in one pass (k = 3, the first layer of a small MLP, is
        // common): the same chains as one pass per row, with a third of the accumulator traffic.
        int rest = p1 - p;
        if (rest == 3) {
            int xp = x + p * ap;
            int yp = y + p * ap;
            float a0 = a[xp];
            float a1 = a[xp + ap];
            float a2 = a[xp + 2 * ap];
            float e0 = a[yp];
            float e1 = a[yp + ap];
            float e2 = a[yp + 2 * ap];
            float[] b0 = bRows[bBase + p];
            float[] b1 = bRows[bBase + p + 1];
            float[] b2 = bRows[bBase + p + 2];
            for (int j = j0; j < j1; j++) {
                float v0 = b0[j];
                float v1 = b1[j];
                float v2 = b2[j];
                acc0[j] = Math.fma(a2, v2, Math.fma(a1, v1, Math.fma(a0, v0, acc0[j])));
                acc1[j] = Math.fma(e2, v2, Math.fma(e1, v1, Math.fma(e0, v0, acc1[j])));
            }
        } else if (rest == 2) {
            int xp = x + p * ap;
            int yp = y + p * ap;
            float a0 = a[xp];
            float a1 = a[xp + ap];
            float e0 = a[yp];
            float e1 = a[yp + ap];
            float[] b0 = bRows[bBase + p];
            float[] b1 = bRows[bBase + p + 1];
            for (int j = j0; j < j1; j++) {
                float v0 = b0[j];
                float v1 = b1[j];
                acc0[j] = Math.fma(a1, v1, Math.fma(a0, v0, acc0[j]));
                acc1[j] = Math.fma(e1, v1, Math.fma(e0, v0, acc1[j]));
            }
        } else if (rest == 1) {
            float a0 = a[x + p * ap];
            float e0 = a[y + p * ap];
            float[] b0 = bRows[bBase + p];
            for (int j = j0; j < j1; j++) {
                float v0 = b0[j];
                acc0[j] = Math.fma(a0, v0, acc0[j]);
                acc1[j] = Math.fma(e0, v0, acc1[j]);
            }
        }
    }

    private static void oneRow(float[] a, int x, int ap, float[][] bRows, int bBase, int p0, int p1,
                               float[] acc0, int j0, int j1) {
        int p = p0;
        for (; p + 3 < p1; p += 4) {
            int xp = x + p * ap;
            float a0 = a[xp];
            float a1 = a[xp + ap];
            float a2 = a[xp + 2 * ap];
            float a3 = a[xp + 3 * ap];
            float[] b0 = bRows[bBase + p];
            float[] b1 = bRows[bBase + p + 1];
            float[] b2 = bRows[bBase + p + 2];
            float[] b3 = bRows[bBase + p + 3];
            for (int j = j0; j < j1; j++) {
                acc0[j] = Math.fma(a3, b3[j], Math.fma(a2, b2[j], Math.fma(a1, b1[j], Math.fma(a0, b0[j], acc0[j]))));
            }
        }
        for (; p < p1; p++) {
            float a0 = a[x + p * ap];
            float[] b0 = bRows[bBase + p];
            for (int j = j0; j < j1; j++) {
                acc0[j] = Math.fma(a0, b0[j], acc0[j]);
            }
        }
    }

    /** Number of work items of {@link #gemmNarrow}: (batch, group of eight rows). */
    static int gemmNarrowItems(int batch, int m) {
        return batch * ((m + 7) >> 3);
    }

    /**
     * {@code C[b] (+)= op(A[b]) · op(B[b])} for outputs with few columns, where a vector loop
     * over the columns would never start. Item {@code b·octets + q} computes rows 8q … 8q+7:
     * for each column, eight independent scalar FMA chains over p (one per row) keep the FMA
     * units busy despite the four-cycle latency. Both operands are read in place; each element is
     * the same chain {@code c = fma(a[i,p], b[p,j], c)}, p = 0 … k−1, as in {@link #gemmRows}.
     */
    static void gemmNarrow(int lo, int hi, float[] a, int aBatchStride, boolean transA, int m, int k,
                           float[] b, int bBatchStride, boolean transB, int n, float[] c, int cBatchStride,
                           boolean accumulate) {
        int octets = (m + 7) >> 3;
        int ai = transA ? 1 : k;
        int ap = transA ? m : 1;
        int bp = transB ? 1 : n;   // stride of op(B) between rows
        int bj = transB ? k : 1;   // stride of op(B) between columns
        for (int item = lo; item < hi; item++) {
            int batch = item / octets;
            int i0 = (item - batch * octets) << 3;
            int rows = Math.min(8, m - i0);
            int aBase = batch * aBatchStride + i0 * ai;
            int bBase = batch * bBatchStride;
            int cBase = batch * cBatchStride + i0 * n;
            int j = 0;
            if (rows == 8) {
                // Two columns per pass: each element of A is loaded once for both, sixteen chains.
                for (; j + 1 < n; j += 2) {
                    int bCol = bBase + j * bj;
                    int c0 = cBase + j;
                    float s0 = accumulate ? c[c0] : 0f;
                    float s1 = accumulate ? c[c0 + n] : 0f;
                    float s2 = accumulate ? c[c0 + 2 * n] : 0f;
                    float s3 = accumulate ? c[c0 + 3 * n] : 0f;
                    float s4 = accumulate ? c[c0 + 4 * n] : 0f;
                    float s5 = accumulate ? c[c0 + 5 * n] : 0f;
                    float s6 = accumulate ? c[c0 + 6 * n] : 0f;
                    float s7 = accumulate ? c[c0 + 7 * n] : 0f;
                    float t0 = accumulate ? c[c0 + 1] : 0f;
                    float t1 = accumulate ? c[c0 + n + 1] : 0f;
                    float t2 = accumulate ? c[c0 + 2 * n + 1] : 0f;
                    float t3 = accumulate ? c[c0 + 3 * n + 1] : 0f;
                    float t4 = accumulate ? c[c0 + 4 * n + 1] : 0f;
                    float t5 = accumulate ? c[c0 + 5 * n + 1] : 0f;
                    float t6 = accumulate ? c[c0 + 6 * n + 1] : 0f;
                    float t7 = accumulate ? c[c0 + 7 * n + 1] : 0f;
                    for (int p = 0; p < k; p++) {
                        float v = b[bCol + p * bp];
                        float w = b[bCol + bj + p * bp];
                        int x = aBase + p * ap;
                        float x0 = a[x];
                        float x1 = a[x + ai];
                        float x2 = a[x + 2 * ai];
                        float x3 = a[x + 3 * ai];
                        float x4 = a[x + 4 * ai];
                        float x5 = a[x + 5 * ai];
                        float x6 = a[x + 6 * ai];
                        float x7 = a[x + 7 * ai];
                        s0 = Math.fma(x0, v, s0);
                        s1 = Math.fma(x1, v, s1);
                        s2 = Math.fma(x2, v, s2);
                        s3 = Math.fma(x3, v, s3);
                        s4 = Math.fma(x4, v, s4);
                        s5 = Math.fma(x5, v, s5);
                        s6 = Math.fma(x6, v, s6);
                        s7 = Math.fma(x7, v, s7);
                        t0 = Math.fma(x0, w, t0);
                        t1 = Math.fma(x1, w, t1);
                        t2 = Math.fma(x2, w, t2);
                        t3 = Math.fma(x3, w, t3);
                        t4 = Math.fma(x4, w, t4);
                        t5 = Math.fma(x5, w, t5);
                        t6 = Math.fma(x6, w, t6);
                        t7 = Math.fma(x7, w, t7);
                    }
                    c[c0] = s0;
                    c[c0 + n] = s1;
                    c[c0 + 2 * n] = s2;
                    c[c0 + 3 * n] = s3;
                    c[c0 + 4 * n] = s4;
                    c[c0 + 5 * n] = s5;
                    c[c0 + 6 * n] = s6;
                    c[c0 + 7 * n] = s7;
                    c[c0 + 1] = t0;
                    c[c0 + n + 1] = t1;
                    c[c0 + 2 * n + 1] = t2;
                    c[c0 + 3 * n + 1] = t3;
                    c[c0 + 4 * n + 1] = t4;
                    c[c0 + 5 * n + 1] = t5;
                    c[c0 + 6 * n + 1] = t6;
                    c[c0 + 7 * n + 1] = t7;
                }
            }
            for (; j < n; j++) {
                int bCol = bBase + j * bj;
                if (rows == 8) {
                    float s0 = accumulate ? c[cBase + j] : 0f;
                    float s1 = accumulate ? c[cBase + n + j] : 0f;
                    float s2 = accumulate ? c[cBase + 2 * n + j] : 0f;
                    float s3 = accumulate ? c[cBase + 3 * n + j] : 0f;
                    float s4 = accumulate ? c[cBase + 4 * n + j] : 0f;
                    float s5 = accumulate ? c[cBase + 5 * n + j] : 0f;
                    float s6 = accumulate ? c[cBase + 6 * n + j] : 0f;
                    float s7 = accumulate ? c[cBase + 7 * n + j] : 0f;
                    for (int p = 0; p < k; p++) {
                        float v = b[bCol + p * bp];
                        int x = aBase + p * ap;
                        s0 = Math.fma(a[x], v, s0);
                        s1 = Math.fma(a[x + ai], v, s1);
                        s2 = Math.fma(a[x + 2 * ai], v, s2);
                        s3 = Math.fma(a[x + 3 * ai], v, s3);
                        s4 = Math.fma(a[x + 4 * ai], v, s4);
                        s5 = Math.fma(a[x + 5 * ai], v, s5);
                        s6 = Math.fma(a[x + 6 * ai], v, s6);
                        s7 = Math.fma(a[x + 7 * ai], v, s7);
                    }
                    c[cBase + j] = s0;
                    c[cBase + n + j] = s1;
                    c[cBase + 2 * n + j] = s2;
                    c[cBase + 3 * n + j] = s3;
                    c[cBase + 4 * n + j] = s4;
                    c[cBase + 5 * n + j] = s5;
                    c[cBase + 6 * n + j] = s6;
                    c[cBase + 7 * n + j] = s7;
                } else {
                    for (int r = 0; r < rows; r++) {
                        float s = accumulate ? c[cBase + r * n + j] : 0f;
                        int x = aBase + r * ai;
                        for (int p = 0; p < k; p++) {
                            s = Math.fma(a[x + p * ap], b[bCol + p * bp], s);
                        }
                        c[cBase + r * n + j] = s;
                    }
                }
            }
        }
    }

    /** Number of work items of {@link #transpose}: (batch, block of destination rows). */
    static int transposeItems(int batch, int cols) {
        return batch * ((cols + TRANSPOSE_BLOCK - 1) / TRANSPOSE_BLOCK);
    }

    /**
     * Transposes row-major {@code rows × cols} matrices of {@code src} (one per batch, packed)
     * into {@code cols × rows} matrices of {@code dst}. Item (b, t) writes destination rows
     * {@code 16t … 16t+15} of batch b, walking 16 × 16 blocks so reads and writes stay in cache.
     */
    static void transpose(int lo, int hi, float[] src, float[] dst, int rows, int cols) {
        int blocks = (cols + TRANSPOSE_BLOCK - 1) / TRANSPOSE_BLOCK;
        for (int item = lo; item < hi; item++) {
            int batch = item / blocks;
            int j0 = (item - batch * blocks) * TRANSPOSE_BLOCK;
            int j1 = Math.min(cols, j0 + TRANSPOSE_BLOCK);
            int base = batch * rows * cols;
            for (int i0 = 0; i0 < rows; i0 += TRANSPOSE_BLOCK) {
                int i1 = Math.min(rows, i0 + TRANSPOSE_BLOCK);
                for (int j = j0; j < j1; j++) {
                    int d = base + j * rows;
                    for (int i = i0; i < i1; i++) {
                        dst[d + i] = src[base + i * cols + j];
                    }
                }
            }
        }
    }

    /**
     * A narrow product (n &lt; 16 outputs) on a block of rows, for the fused MLP passes:
     * {@code c[r, j] = f(chain + bias[j])} with the chain of {@link #gemmNarrow},
     * {@code s = fma(a[r, p], w[p, j], s)} from 0 for p = 0, 1, …, k−1, so the bits equal
     * {@link #gemmNarrow}, a separate bias add and a separate {@link #unary} pass. A is row-major
     * with k columns from {@code aOff}; w[p, j] is {@code w[p·wp + j·wj]} (W itself: wp = n,
     * wj = 1; Wᵀ of an n × k matrix: wp = 1, wj = k); C is row-major with n columns from
     * {@code cOff}; {@code bias} may be null; {@code act} is a unary code or negative for none.
     * Eight rows at a time give eight independent chains per column.
     */
    static void narrowLayer(float[] a, int aOff, int k, int m, int n, float[] w, int wp, int wj, float[] c, int cOff,
                            float[] bias, int act) {
        int i = 0;
        for (; i + 8 <= m; i += 8) {
            int x = aOff + i * k;
            for (int j = 0; j < n; j++) {
                float s0 = 0f, s1 = 0f, s2 = 0f, s3 = 0f, s4 = 0f, s5 = 0f, s6 = 0f, s7 = 0f;
                for (int p = 0, q = j * wj; p < k; p++, q += wp) {
                    float v = w[q];
                    int xp = x + p;
                    s0 = Math.fma(a[xp], v, s0);
                    s1 = Math.fma(a[xp + k], v, s1);
                    s2 = Math.fma(a[xp + 2 * k], v, s2);
                    s3 = Math.fma(a[xp + 3 * k], v, s3);
                    s4 = Math.fma(a[xp + 4 * k], v, s4);
                    s5 = Math.fma(a[xp + 5 * k], v, s5);
                    s6 = Math.fma(a[xp + 6 * k], v, s6);
                    s7 = Math.fma(a[xp + 7 * k], v, s7);
                }
                int o = cOff + i * n + j;
                if (bias != null) {
                    float b = bias[j];
                    s0 += b;
                    s1 += b;
                    s2 += b;
                    s3 += b;
                    s4 += b;
                    s5 += b;
                    s6 += b;
                    s7 += b;
                }
                c[o] = activate(s0, act);
                c[o + n] = activate(s1, act);
                c[o + 2 * n] = activate(s2, act);
                c[o + 3 * n] = activate(s3, act);
                c[o + 4 * n] = activate(s4, act);
                c[o + 5 * n] = activate(s5, act);
                c[o + 6 * n] = activate(s6, act);
                c[o + 7 * n] = activate(s7, act);
            }
        }
        for (; i < m; i++) {
            int x = aOff + i * k;
            for (int j = 0; j < n; j++) {
                float s = 0f;
                for (int p = 0; p < k; p++) {
                    s = Math.fma(a[x + p], w[p * wp + j * wj], s);
                }
                c[cOff + i * n + j] = activate(bias == null ? s : s + bias[j], act);
            }
        }
    }

    /**
     * {@code c[i, j] = Σ_r a[r, i]·b[r, j]} for a block of m rows (A row-major with k columns from
     * {@code aOff}, B row-major m × n, C row-major k × n from {@code cOff}): the chain
     * {@code s = fma(a[r, i], b[r, j], s)} from 0 for r = 0, 1, …, m−1, as the Vector API's
     * transposed-A tiles compute it. Eight values of i at a time give eight chains. Only the first
     * {@code rows} rows of C (i &lt; rows ≤ k) are computed.
     */
    static void gemmTransA(float[] a, int aOff, int k, int m, float[] b, int n, float[] c, int cOff, int rows) {
        int i = 0;
        for (; i + 8 <= rows; i += 8) {
            for (int j = 0; j < n; j++) {
                float s0 = 0f, s1 = 0f, s2 = 0f, s3 = 0f, s4 = 0f, s5 = 0f, s6 = 0f, s7 = 0f;
                for (int r = 0, x = aOff + i, y = j; r < m; r++, x += k, y += n) {
                    float v = b[y];
                    s0 = Math.fma(a[x], v, s0);
                    s1 = Math.fma(a[x + 1], v, s1);
                    s2 = Math.fma(a[x + 2], v, s2);
                    s3 = Math.fma(a[x + 3], v, s3);
                    s4 = Math.fma(a[x + 4], v, s4);
                    s5 = Math.fma(a[x + 5], v, s5);
                    s6 = Math.fma(a[x + 6], v, s6);
                    s7 = Math.fma(a[x + 7], v, s7);
                }
                int o = cOff + i * n + j;
                c[o] = s0;
                c[o + n] = s1;
                c[o + 2 * n] = s2;
                c[o + 3 * n] = s3;
                c[o + 4 * n] = s4;
                c[o + 5 * n] = s5;
                c[o + 6 * n] = s6;
                c[o + 7 * n] = s7;
            }
        }
        for (; i < rows; i++) {
            // the last rows of C (all of them when A is narrow, as a first layer's 2 or 3 inputs):
            // eight columns at a time, so eight chains are in flight instead of one
            int j = 0;
            for (; j + 8 <= n; j += 8) {
                float s0 = 0f, s1 = 0f, s2 = 0f, s3 = 0f, s4 = 0f, s5 = 0f, s6 = 0f, s7 = 0f;
                for (int r = 0, x = aOff + i, y = j; r < m; r++, x += k, y += n) {
                    float v = a[x];
                    s0 = Math.fma(v, b[y], s0);
                    s1 = Math.fma(v, b[y + 1], s1);
                    s2 = Math.fma(v, b[y + 2], s2);
                    s3 = Math.fma(v, b[y + 3], s3);
                    s4 = Math.fma(v, b[y + 4], s4);
                    s5 = Math.fma(v, b[y + 5], s5);
                    s6 = Math.fma(v, b[y + 6], s6);
                    s7 = Math.fma(v, b[y + 7], s7);
                }
                int o = cOff + i * n + j;
                c[o] = s0;
                c[o + 1] = s1;
                c[o + 2] = s2;
                c[o + 3] = s3;
                c[o + 4] = s4;
                c[o + 5] = s5;
                c[o + 6] = s6;
                c[o + 7] = s7;
            }
            for (; j < n; j++) {
                float s = 0f;
                for (int r = 0; r < m; r++) {
                    s = Math.fma(a[aOff + r * k + i], b[r * n + j], s);
                }
                c[cOff + i * n + j] = s;
            }
        }
    }

    /**
     * Column sums of a block of m rows (B row-major m × n) into {@code dst[off + j]}: row 0, then
     * rows 1, 2, … added in order.
     */
    static void columnSums(float[] b, int m, int n, float[] dst, int off) {
        System.arraycopy(b, 0, dst, off, n);
        for (int r = 1; r < m; r++) {
            for (int j = 0, y = r * n; j < n; j++) {
                dst[off + j] += b[y + j];
            }
        }
    }

    /**
     * {@code out[i] = g[gOff + i]·f'(pre)} for from ≤ i &lt; count, element by element as the op-by-op
     * chain rule computes it (the default {@code Backend.mlpBackward}): ReLU {@code g·step(z)}, SiLU
     * {@link #siluBackward}'s formula, sigmoid {@code g·(y·(−y + 1))}, tanh {@code g·(−y² + 1)}
     * from the layer's output y; a copy of g without an activation ({@link #NONE}); any other code
     * throws. pre, post and sigma are read
     * from {@code off}.
     */
    static void activationBackward(int act, float[] g, int gOff, float[] pre, float[] post, float[] sigma, int off,
                                   int from, int count, float[] out) {
        switch (act) {
            case RELU -> {
                for (int i = from; i < count; i++) {
                    out[i] = g[gOff + i] * Math.signum(Math.max(pre[off + i], 0f));
                }
            }
            case SILU -> {
                for (int i = from; i < count; i++) {
                    float gi = g[gOff + i];
                    float s = sigma[off + i];
                    out[i] = gi * s + (gi * pre[off + i]) * (s * (1f - s));
                }
            }
            case SIGMOID -> {
                for (int i = from; i < count; i++) {
                    float y = post[off + i];
                    out[i] = g[gOff + i] * (y * (-1f * y + 1f));
                }
            }
            case TANH -> {
                for (int i = from; i < count; i++) {
                    float y = post[off + i];
                    out[i] = g[gOff + i] * (-1f * (y * y) + 1f);
                }
            }
            case NONE -> System.arraycopy(g, gOff + from, out, from, count - from);
            // An op without a case would leave out unwritten or pass g through as if linear.
            default -> throw new IllegalStateException("activationBackward: no kernel for activation code " + act);
        }
    }

    /** One element of {@link #unary} for the activations a fused layer applies; negative: none. */
    static float activate(float v, int act) {
        return switch (act) {
            case RELU -> Math.max(v, 0f);
            case SILU -> v * sigmoid(v);
            case SIGMOID -> sigmoid(v);
            case TANH -> (float) Math.tanh(v);
            case NONE -> v;
            default -> throw new IllegalStateException("activate: no kernel for activation code " + act);
        };
    }

    // ------------------------------------------------------------------------------ elementwise

    /** {@code out[i] = op(x[i])}; the switch is outside the loops, one loop per op. */
    static void unary(int lo, int hi, int op, float[] x, float[] out) {
        switch (op) {
            case NEG -> {
                for (int i = lo; i < hi; i++) {
                    out[i] = -x[i];
                }
            }
            case EXP -> {
                for (int i = lo; i < hi; i++) {
                    out[i] = (float) Math.exp(x[i]);
                }
            }
            case LOG -> {
                for (int i = lo; i < hi; i++) {
                    out[i] = (float) Math.log(x[i]);
                }
            }
            case SQRT -> {
                for (int i = lo; i < hi; i++) {
                    out[i] = (float) Math.sqrt(x[i]);
                }
            }
            case SQUARE -> {
                for (int i = lo; i < hi; i++) {
                    float v = x[i];
                    out[i] = v * v;
                }
            }
            case RECIPROCAL -> {
                for (int i = lo; i < hi; i++) {
                    out[i] = 1f / x[i];
                }
            }
            case ABS -> {
                for (int i = lo; i < hi; i++) {
                    out[i] = Math.abs(x[i]);
                }
            }
            case SIGN -> {
                for (int i = lo; i < hi; i++) {
                    out[i] = Math.signum(x[i]);
                }
            }
            case RELU -> {
                for (int i = lo; i < hi; i++) {
                    out[i] = Math.max(x[i], 0f);
                }
            }
            case STEP -> {
                for (int i = lo; i < hi; i++) {
                    // Branch-free, so it vectorises (a data-dependent branch costs 6× here); NaN stays NaN.
                    out[i] = Math.signum(Math.max(x[i], 0f));
                }
            }
            case SIGMOID -> {
                for (int i = lo; i < hi; i++) {
                    out[i] = sigmoid(x[i]);
                }
            }
            case TANH -> {
                for (int i = lo; i < hi; i++) {
                    out[i] = (float) Math.tanh(x[i]);
                }
            }
            case SIN -> {
                for (int i = lo; i < hi; i++) {
                    out[i] = (float) Math.sin(x[i]);
                }
            }
            case COS -> {
                for (int i = lo; i < hi; i++) {
                    out[i] = (float) Math.cos(x[i]);
                }
            }
            case SILU -> {
                for (int i = lo; i < hi; i++) {
                    float v = x[i];
                    out[i] = v * sigmoid(v);
                }
            }
            // An op code without a case would leave out unwritten: fail instead.
            default -> throw new IllegalStateException("unary: no kernel for op code " + op);
        }
    }

    // Float e^t for the logistic function: t clamped to [EXP_LO, EXP_HI] (so 2^k stays a normal
    // float), t = k·ln2 + r with k = round(t/ln2) by the 1.5·2^23 trick and ln2 split in two
    // (Cody and Waite), e^r by its Taylor polynomial of degree 7 (|r| ≤ ln2/2: error below 1e-8,
    // relative). Only +, ·, fma, min, max and bit casts: VectorKernels#sigmoid does the same
    // operations lane by lane, so both paths give the same bits.
    static final float EXP_LO = -87f;
    static final float EXP_HI = 88f;
    static final float LOG2E = 1.44269504f;
    static final float ROUND = 12582912f;            // 1.5·2^23
    static final float LN2_HI = 0.693359375f;        // 8 significant bits: k·LN2_HI is exact
    static final float LN2_LO = -2.12194440e-4f;
    static final float C2 = 1f / 2, C3 = 1f / 6, C4 = 1f / 24, C5 = 1f / 120, C6 = 1f / 720, C7 = 1f / 5040;

    /** The logistic function σ(x) = 1/(1 + e^−x) in float (see the constants above). */
    static float sigmoid(float x) {
        float t = Math.min(Math.max(-x, EXP_LO), EXP_HI);
        float k = (t * LOG2E + ROUND) - ROUND;
        float r = Math.fma(k, -LN2_HI, t);
        r = Math.fma(k, -LN2_LO, r);
        float p = Math.fma(C7, r, C6);
        p = Math.fma(p, r, C5);
        p = Math.fma(p, r, C4);
        p = Math.fma(p, r, C3);
        p = Math.fma(p, r, C2);
        p = Math.fma(p, r, 1f);
        p = Math.fma(p, r, 1f);
        float e = p * Float.intBitsToFloat(((int) k + 127) << 23);
        return 1f / (1f + e);
    }

    /**
     * SiLU in one pass (Elfwing et al. 2018, Eq. 1): {@code sigma[i] = σ(x[i])} with the
     * {@link #SIGMOID} formula, {@code out[i] = x[i]·sigma[i]}; out may be x.
     */
    static void silu(int lo, int hi, float[] x, float[] out, float[] sigma) {
        for (int i = lo; i < hi; i++) {
            float v = x[i];
            float s = sigmoid(v);
            sigma[i] = s;
            out[i] = v * s;
        }
    }

    /**
     * SiLU backward in one pass: {@code g·s + (g·x)·(s·(1−s))}, the same float operations in the
     * same order as the op-by-op chain rule through x·σ(x), so the bits match it.
     */
    static void siluBackward(int lo, int hi, float[] g, float[] x, float[] sigma, float[] out) {
        for (int i = lo; i < hi; i++) {
            float gi = g[i];
            float s = sigma[i];
            out[i] = gi * s + (gi * x[i]) * (s * (1f - s));
        }
    }

    /** {@code out[i] = scale·x[i] + shift}. */
    static void affine(int lo, int hi, float[] x, float scale, float shift, float[] out) {
        for (int i = lo; i < hi; i++) {
            out[i] = scale * x[i] + shift;
        }
    }

    /**
     * {@code out[i] = x[i]^p}: {@code Math.pow} in double, with the exponents the framework uses
     * most (1, 2, 3) as multiplications; x² in double and rounded once equals the float product.
     */
    static void pow(int lo, int hi, float[] x, float p, float[] out) {
        if (p == 1f) {
            System.arraycopy(x, lo, out, lo, hi - lo);
        } else if (p == 2f) {
            for (int i = lo; i < hi; i++) {
                float v = x[i];
                out[i] = v * v;
            }
        } else if (p == 3f) {
            for (int i = lo; i < hi; i++) {
                double v = x[i];
                out[i] = (float) (v * v * v);
            }
        } else {
            double pd = p;
            for (int i = lo; i < hi; i++) {
                out[i] = (float) Math.pow(x[i], pd);
            }
        }
    }

    /**
     * {@code out = a op b} with broadcasting, for the flat output range [lo, hi). Shapes and
     * strides have four entries; output is row-major contiguous. {@code aFull} says a's strides
     * are the output's own (then a's offset equals the output index, and a loop that indexes both
     * by the same variable vectorises); likewise {@code bFull}.
     */
    static void binary(int lo, int hi, int op, float[] a, int[] as, boolean aFull, float[] b, int[] bs,
                       boolean bFull, float[] out, int[] shape) {
        int d1 = shape[1];
        int d2 = shape[2];
        int d3 = shape[3];
        if (aFull && bFull) {
            binaryRow(op, a, lo, 1, true, b, lo, 1, true, out, lo, hi - lo);
            return;
        }
        int idx = lo;
        while (idx < hi) {
            int r = idx / d3;
            int i3 = idx - r * d3;
            int i2 = r % d2;
            r /= d2;
            int i1 = r % d1;
            int i0 = r / d1;
            int len = Math.min(d3 - i3, hi - idx);
            int ao = i0 * as[0] + i1 * as[1] + i2 * as[2] + i3 * as[3];
            int bo = i0 * bs[0] + i1 * bs[1] + i2 * bs[2] + i3 * bs[3];
            binaryRow(op, a, ao, as[3], aFull, b, bo, bs[3], bFull, out, idx, len);
            idx += len;
        }
    }

    /**
     * One output run of {@code len} elements from {@code o}; operands advance by sa and sb. The
     * op is chosen once per run; each op has loops specialised for the stride patterns Tensor
     * produces (0 or 1 innermost), since a run-time stride in the index defeats range-check
     * elimination, and loops indexing all arrays alike for full operands, which vectorise.
     */
    private static void binaryRow(int op, float[] a, int ao, int sa, boolean aFull, float[] b, int bo, int sb,
                                  boolean bFull, float[] out, int o, int len) {
        switch (op) {
            case ADD -> addRow(a, ao, sa, aFull, b, bo, sb, bFull, out, o, len);
            case SUB -> subRow(a, ao, sa, aFull, b, bo, sb, bFull, out, o, len);
            case MUL -> mulRow(a, ao, sa, aFull, b, bo, sb, bFull, out, o, len);
            case DIV -> divRow(a, ao, sa, aFull, b, bo, sb, bFull, out, o, len);
            default -> throw new IllegalStateException("binary: no kernel for op code " + op);
        }
    }

    private static void addRow(float[] a, int ao, int sa, boolean aFull, float[] b, int bo, int sb, boolean bFull,
                               float[] out, int o, int len) {
        int end = o + len;
        if (aFull && bFull) {
            for (int i = o; i < end; i++) {
                out[i] = a[i] + b[i];
            }
        } else if (aFull && sb == 0) {
            float bv = b[bo];
            for (int i = o; i < end; i++) {
                out[i] = a[i] + bv;
            }
        } else if (bFull && sa == 0) {
            float av = a[ao];
            for (int i = o; i < end; i++) {
                out[i] = av + b[i];
            }
        } else if (aFull && sb == 1) {
            int d = bo - o;   // out and a share the index: the loop stays cheap even though b's offset differs
            for (int i = o; i < end; i++) {
                out[i] = a[i] + b[i + d];
            }
        } else if (bFull && sa == 1) {
            int d = ao - o;
            for (int i = o; i < end; i++) {
                out[i] = a[i + d] + b[i];
            }
        } else if (sa == 1 && sb == 1) {
            for (int t = 0; t < len; t++) {
                out[o + t] = a[ao + t] + b[bo + t];
            }
        } else if (sa == 1 && sb == 0) {
            float bv = b[bo];
            for (int t = 0; t < len; t++) {
                out[o + t] = a[ao + t] + bv;
            }
        } else if (sa == 0 && sb == 1) {
            float av = a[ao];
            for (int t = 0; t < len; t++) {
                out[o + t] = av + b[bo + t];
            }
        } else {
            for (int t = 0; t < len; t++) {
                out[o + t] = a[ao + t * sa] + b[bo + t * sb];
            }
        }
    }

    private static void subRow(float[] a, int ao, int sa, boolean aFull, float[] b, int bo, int sb, boolean bFull,
                               float[] out, int o, int len) {
        int end = o + len;
        if (aFull && bFull) {
            for (int i = o; i < end; i++) {
                out[i] = a[i] - b[i];
            }
        } else if (aFull && sb == 0) {
            float bv = b[bo];
            for (int i = o; i < end; i++) {
                out[i] = a[i] - bv;
            }
        } else if (bFull && sa == 0) {
            float av = a[ao];
            for (int i = o; i < end; i++) {
                out[i] = av - b[i];
            }
        } else if (aFull && sb == 1) {
            int d = bo - o;   // out and a share the index: the loop stays cheap even though b's offset differs
            for (int i = o; i < end; i++) {
                out[i] = a[i] - b[i + d];
            }
        } else if (bFull && sa == 1) {
            int d = ao - o;
            for (int i = o; i < end; i++) {
                out[i] = a[i + d] - b[i];
            }
        } else if (sa == 1 && sb == 1) {
            for (int t = 0; t < len; t++) {
                out[o + t] = a[ao + t] - b[bo + t];
            }
        } else if (sa == 1 && sb == 0) {
            float bv = b[bo];
            for (int t = 0; t < len; t++) {
                out[o + t] = a[ao + t] - bv;
            }
        } else if (sa == 0 && sb == 1) {
            float av = a[ao];
            for (int t = 0; t < len; t++) {
                out[o + t] = av - b[bo + t];
            }
        } else {
            for (int t = 0; t < len; t++) {
                out[o + t] = a[ao + t * sa] - b[bo + t * sb];
            }
        }
    }

    private static void mulRow(float[] a, int ao, int sa, boolean aFull, float[] b, int bo, int sb, boolean bFull,
                               float[] out, int o, int len) {
        int end = o + len;
        if (aFull && bFull) {
            for (int i = o; i < end; i++) {
                out[i] = a[i] * b[i];
            }
        } else if (aFull && sb == 0) {
            float bv = b[bo];
            for (int i = o; i < end; i++) {
                out[i] = a[i] * bv;
            }
        } else if (bFull && sa == 0) {
            float av = a[ao];
            for (int i = o; i < end; i++) {
                out[i] = av * b[i];
            }
        } else if (aFull && sb == 1) {
            int d = bo - o;   // out and a share the index: the loop stays cheap even though b's offset differs
            for (int i = o; i < end; i++) {
                out[i] = a[i] * b[i + d];
            }
        } else if (bFull && sa == 1) {
            int d = ao - o;
            for (int i = o; i < end; i++) {
                out[i] = a[i + d] * b[i];
            }
        } else if (sa == 1 && sb == 1) {
            for (int t = 0; t < len; t++) {
                out[o + t] = a[ao + t] * b[bo + t];
            }
        } else if (sa == 1 && sb == 0) {
            float bv = b[bo];
            for (int t = 0; t < len; t++) {
                out[o + t] = a[ao + t] * bv;
            }
        } else if (sa == 0 && sb == 1) {
            float av = a[ao];
            for (int t = 0; t < len; t++) {
                out[o + t] = av * b[bo + t];
            }
        } else {
            for (int t = 0; t < len; t++) {
                out[o + t] = a[ao + t * sa] * b[bo + t * sb];
            }
        }
    }

    private static void divRow(float[] a, int ao, int sa, boolean aFull, float[] b, int bo, int sb, boolean bFull,
                               float[] out, int o, int len) {
        int end = o + len;
        if (aFull && bFull) {
            for (int i = o; i < end; i++) {
                out[i] = a[i] / b[i];
            }
        } else if (aFull && sb == 0) {
            float bv = b[bo];
            for (int i = o; i < end; i++) {
                out[i] = a[i] / bv;
            }
        } else if (bFull && sa == 0) {
            float av = a[ao];
            for (int i = o; i < end; i++) {
                out[i] = av / b[i];
            }
        } else if (aFull && sb == 1) {
            int d = bo - o;   // out and a share the index: the loop stays cheap even though b's offset differs
            for (int i = o; i < end; i++) {
                out[i] = a[i] / b[i + d];
            }
        } else if (bFull && sa == 1) {
            int d = ao - o;
            for (int i = o; i < end; i++) {
                out[i] = a[i + d] / b[i];
            }
        } else if (sa == 1 && sb == 1) {
            for (int t = 0; t < len; t++) {
                out[o + t] = a[ao + t] / b[bo + t];
            }
        } else if (sa == 1 && sb == 0) {
            float bv = b[bo];
            for (int t = 0; t < len; t++) {
                out[o + t] = a[ao + t] / bv;
            }
        } else if (sa == 0 && sb == 1) {
            float av = a[ao];
            for (int t = 0; t < len; t++) {
                out[o + t] = av / b[bo + t];
            }
        } else {
            for (int t = 0; t < len; t++) {
                out[o + t] = a[ao + t * sa] / b[bo + t * sb];
            }
        }
    }

    // ------------------------------------------------------------------------------- reductions

    /**
     * Sums of fixed-length blocks of rows: {@code rows} rows of {@code rowLen} contiguous floats,
     * each cut into {@code blocksPerRow} blocks of {@code blockLen}; item {@code r·blocksPerRow + b}
     * writes the sum of block b of row r to {@code dst[item]}.
     */
    static void sumSegments(int lo, int hi, float[] x, int rowLen, int blocksPerRow, int blockLen, float[] dst) {
        for (int item = lo; item < hi; item++) {
            int r = item / blocksPerRow;
            int blk = item - r * blocksPerRow;
            int rowStart = r * rowLen;
            int start = rowStart + blk * blockLen;
            int end = Math.min(rowStart + rowLen, start + blockLen);
            dst[item] = sumRange(x, start, end);
        }
    }

    /** Sum of x[start, end) with eight interleaved partial sums combined in a fixed tree. */
    static float sumRange(float[] x, int start, int end) {
        float s0 = 0f;
        float s1 = 0f;
        float s2 = 0f;
        float s3 = 0f;
        float s4 = 0f;
        float s5 = 0f;
        float s6 = 0f;
        float s7 = 0f;
        int i = start;
        for (; i + 7 < end; i += 8) {
            s0 += x[i];
            s1 += x[i + 1];
            s2 += x[i + 2];
            s3 += x[i + 3];
            s4 += x[i + 4];
            s5 += x[i + 5];
            s6 += x[i + 6];
            s7 += x[i + 7];
        }
        float tail = 0f;
        for (; i < end; i++) {
            tail += x[i];
        }
        return ((s0 + s1) + (s2 + s3)) + ((s4 + s5) + (s6 + s7)) + tail;
    }

    /** {@code out[r] = Σ_b partials[r·blocks + b]}, b in increasing order. */
    static void combineSegments(int lo, int hi, float[] partials, int blocks, float[] out) {
        for (int r = lo; r < hi; r++) {
            int base = r * blocks;
            float s = partials[base];
            for (int b = 1; b < blocks; b++) {
                s += partials[base + b];
            }
            out[r] = s;
        }
    }

    /**
     * Column sums of blocks of rows of a row-major {@code rows × cols} matrix: item
     * {@code rb·tiles + t} writes {@code dst[rb·cols + j] = Σ x[r·cols + j]} over the rows r of
     * block rb (in increasing order) and the columns j of tile t.
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
            int first = r0 * cols;
            for (int j = j0; j < j1; j++) {
                dst[d + j] = x[first + j];
            }
            for (int r = r0 + 1; r < r1; r++) {
                int xr = r * cols;
                for (int j = j0; j < j1; j++) {
                    dst[d + j] += x[xr + j];
                }
            }
        }
    }

    /** {@code out[j] = Σ_b partials[b·cols + j]}, b in increasing order, for columns [lo, hi). */
    static void combineColumnBlocks(int lo, int hi, float[] partials, int blocks, int cols, float[] out) {
        System.arraycopy(partials, lo, out, lo, hi - lo);
        for (int b = 1; b < blocks; b++) {
            int base = b * cols;
            for (int j = lo; j < hi; j++) {
                out[j] += partials[base + j];
            }
        }
    }

    /**
     * Sum over the dimensions among 0..2 where {@code keep} is false, of a contiguous 4-D input
     * {@code s0 × s1 × s2 × s3} whose last dimension is kept. Output row {@code row} (row-major
     * over the kept dimensions among 0..2) is written for rows [lo, hi); the reduced indices are
     * visited in row-major order.
     */
    static void sumKeptInner(int lo, int hi, float[] x, int s0, int s1, int s2, int s3, boolean keep0,
                             boolean keep1, boolean keep2, float[] out) {
        for (int row = lo; row < hi; row++) {
            int r = row;
            int c2 = 0;
            int c1 = 0;
            if (keep2) {
                c2 = r % s2;
                r /= s2;
            }
            if (keep1) {
                c1 = r % s1;
                r /= s1;
            }
            int c0 = keep0 ? r : 0;
            int lo0 = keep0 ? c0 : 0;
            int hi0 = keep0 ? c0 + 1 : s0;
            int lo1 = keep1 ? c1 : 0;
            int hi1 = keep1 ? c1 + 1 : s1;
            int lo2 = keep2 ? c2 : 0;
            int hi2 = keep2 ? c2 + 1 : s2;
            int o = row * s3;
            Arrays.fill(out, o, o + s3, 0f);
            for (int i0 = lo0; i0 < hi0; i0++) {
                for (int i1 = lo1; i1 < hi1; i1++) {
                    for (int i2 = lo2; i2 < hi2; i2++) {
                        int xo = ((i0 * s1 + i1) * s2 + i2) * s3;
                        for (int j = 0; j < s3; j++) {
                            out[o + j] += x[xo + j];
                        }
                    }
                }
            }
        }
    }

    // ------------------------------------------------------------------------------ data movement

    /** {@code dst[r, dstStart + j] = src[r, srcStart + j]} for rows [lo, hi), j &lt; width. */
    static void copyColumns(int lo, int hi, float[] src, int srcCols, int srcStart, float[] dst, int dstCols,
                            int dstStart, int width) {
        for (int r = lo; r < hi; r++) {
            System.arraycopy(src, r * srcCols + srcStart, dst, r * dstCols + dstStart, width);
        }
    }

    /** {@code dst[r, :] = src[indices[r], :]} for rows [lo, hi). */
    static void gatherRows(int lo, int hi, float[] src, int cols, int[] indices, float[] dst) {
        for (int r = lo; r < hi; r++) {
            System.arraycopy(src, indices[r] * cols, dst, r * cols, cols);
        }
    }

    // ------------------------------------------------------------------------------------ random

    /**
     * Standard normals for flat elements [lo, hi) of a {@code rows × cols} matrix: element (r, c)
     * is {@link Rng#normal(long, long) Rng.normal(rowKeys[r], counter + c)} rounded to float.
     */
    static void fillNormal(int lo, int hi, float[] out, int cols, long[] rowKeys, long counter) {
        int idx = lo;
        while (idx < hi) {
            int r = idx / cols;
            int end = Math.min(hi, (r + 1) * cols);
            long key = rowKeys[r];
            long ctr = counter + (idx - r * cols);
            for (; idx < end; idx++, ctr++) {
                out[idx] = (float) Rng.normal(key, ctr);
            }
        }
    }

    /**
     * Uniforms in [0, 1) as {@link #fillNormal}: {@link Rng#uniform(long, long)} rounded to float,
     * except that the rare values rounding up to 1 become the largest float below 1.
     */
    static void fillUniform(int lo, int hi, float[] out, int cols, long[] rowKeys, long counter) {
        int idx = lo;
        while (idx < hi) {
            int r = idx / cols;
            int end = Math.min(hi, (r + 1) * cols);
            long key = rowKeys[r];
            long ctr = counter + (idx - r * cols);
            for (; idx < end; idx++, ctr++) {
                // Rounding a double just below 1 to float can give 1f; keep the interval half-open.
                out[idx] = Math.min((float) Rng.uniform(key, ctr), 0x1.fffffep-1f);
            }
        }
    }

    // ------------------------------------------------------------------------------- optimisers

    /**
     * One Adam step with decoupled weight decay on [lo, hi) (Kingma and Ba 2015, Algorithm 1;
     * Loshchilov and Hutter 2019): {@code m = β1 m + (1−β1) g}, {@code v = β2 v + (1−β2) g²},
     * {@code p −= lr·((m/c1) / (√(v/c2) + ε) + wd·p)} with the bias corrections
     * {@code c1 = 1−β1^t}, {@code c2 = 1−β2^t} given by the caller.
     */
    static void adamStep(int lo, int hi, float[] p, float[] g, float[] m, float[] v, float lr, float beta1,
                         float beta2, float eps, float weightDecay, float biasCorrection1, float biasCorrection2) {
        float oneMinusBeta1 = 1f - beta1;
        float oneMinusBeta2 = 1f - beta2;
        for (int i = lo; i < hi; i++) {
            float gi = g[i];
            float mi = beta1 * m[i] + oneMinusBeta1 * gi;
            float vi = beta2 * v[i] + oneMinusBeta2 * (gi * gi);
            m[i] = mi;
            v[i] = vi;
            float mHat = mi / biasCorrection1;
            float vHat = vi / biasCorrection2;
            float pi = p[i];
            p[i] = pi - lr * (mHat / ((float) Math.sqrt(vHat) + eps) + weightDecay * pi);
        }
    }

    /** Exponential moving average {@code ema = decay·ema + (1−decay)·param} on [lo, hi). */
    static void emaUpdate(int lo, int hi, float[] ema, float[] param, float decay) {
        float rest = 1f - decay;
        for (int i = lo; i < hi; i++) {
            ema[i] = decay * ema[i] + rest * param[i];
        }
    }
}
