package org.diffusion4j.plugin.tornadovm;

import uk.ac.manchester.tornado.api.KernelContext;
import uk.ac.manchester.tornado.api.math.TornadoMath;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;
import uk.ac.manchester.tornado.api.types.arrays.IntArray;

/**
 * The device twins of the Java backend's flat-array kernels, written for TornadoVM's kernel API:
 * every method is one OpenCL/PTX kernel with one work item per output element, reading and writing
 * the backend's device arena {@code h} at offsets. The arguments that change from call to call
 * (offsets, sizes, op codes, scalars) travel in the small parameter arrays {@code ip} and
 * {@code fp}, so each kernel is compiled once and its task graph reused for every call: a task
 * graph captures scalar arguments when it is built. {@code ip[0]} is always the number of work
 * items; the global size is rounded up, so every kernel checks its index against it.
 *
 * <p>Each output element is computed by one work item in a fixed order, so results are the same
 * from run to run on one device; they are not bit-identical to the Java backend's (other
 * summation orders, the device's exp and log), which the conformance suite's tolerances state.
 */
final class DeviceKernels {

    private DeviceKernels() {
    }

    // Unary op codes (the order of UnaryOp).
    static final int NEG = 0, EXP = 1, LOG = 2, SQRT = 3, SQUARE = 4, RECIPROCAL = 5, ABS = 6, SIGN = 7, RELU = 8,
            STEP = 9, SIGMOID = 10, TANH = 11, SIN = 12, COS = 13, SILU = 14;
    // Binary op codes (the order of BinaryOp).
    static final int ADD = 0, SUB = 1, MUL = 2, DIV = 3;

    /** Zeroes the arena's first words; the graph that first puts the arena on the device. */
    static void init(KernelContext kc, FloatArray h, IntArray ip, FloatArray fp) {
        int i = kc.globalIdx;
        if (i < ip.get(0)) {
            h.set(ip.get(1) + i, 0f);
        }
    }

    /** ip: n, offset; fp: value. */
    static void fill(KernelContext kc, FloatArray h, IntArray ip, FloatArray fp) {
        int i = kc.globalIdx;
        if (i < ip.get(0)) {
            h.set(ip.get(1) + i, fp.get(0));
        }
    }

    /** ip: n, src, dst (the regions may not overlap). */
    static void copy(KernelContext kc, FloatArray h, IntArray ip, FloatArray fp) {
        int i = kc.globalIdx;
        if (i < ip.get(0)) {
            h.set(ip.get(2) + i, h.get(ip.get(1) + i));
        }
    }

    /** Host → device: ip: n, dst; the staged values in s. */
    static void fromStage(KernelContext kc, FloatArray h, IntArray ip, FloatArray s) {
        int i = kc.globalIdx;
        if (i < ip.get(0)) {
            h.set(ip.get(1) + i, s.get(i));
        }
    }

    /** Device → host: ip: n, src; the values into s. */
    static void toStage(KernelContext kc, FloatArray h, IntArray ip, FloatArray s) {
        int i = kc.globalIdx;
        if (i < ip.get(0)) {
            s.set(i, h.get(ip.get(1) + i));
        }
    }

    /** The logistic function 1/(1 + e^−x). */
    private static float sigmoid(float x) {
        return 1f / (1f + TornadoMath.exp(-x));
    }

    /** ip: n, op, x, out. */
    static void unary(KernelContext kc, FloatArray h, IntArray ip, FloatArray fp) {
        int i = kc.globalIdx;
        if (i < ip.get(0)) {
            int op = ip.get(1);
            float v = h.get(ip.get(2) + i);
            float r;
            if (op == NEG) {
                r = -v;
            } else if (op == EXP) {
                r = TornadoMath.exp(v);
            } else if (op == LOG) {
                r = TornadoMath.log(v);
            } else if (op == SQRT) {
                r = TornadoMath.sqrt(v);
            } else if (op == SQUARE) {
                r = v * v;
            } else if (op == RECIPROCAL) {
                r = 1f / v;
            } else if (op == ABS) {
                r = TornadoMath.abs(v);
            } else if (op == SIGN) {
                r = v > 0f ? 1f : (v < 0f ? -1f : v);
            } else if (op == RELU) {
                r = TornadoMath.max(v, 0f);
            } else if (op == STEP) {
                r = v > 0f ? 1f : (v != v ? v : 0f);
            } else if (op == SIGMOID) {
                r = sigmoid(v);
            } else if (op == TANH) {
                r = TornadoMath.tanh(v);
            } else if (op == SIN) {
                r = TornadoMath.sin(v);
            } else if (op == COS) {
                r = TornadoMath.cos(v);
            } else {
                r = v * sigmoid(v);
            }
            h.set(ip.get(3) + i, r);
        }
    }

    /** SiLU forward (Elfwing et al. 2018, Eq. 1): ip: n, x, out, sigma. */
    static void silu(KernelContext kc, FloatArray h, IntArray ip, FloatArray fp) {
        int i = kc.globalIdx;
        if (i < ip.get(0)) {
            float v = h.get(ip.get(1) + i);
            float s = sigmoid(v);
            h.set(ip.get(3) + i, s);
            h.set(ip.get(2) + i, v * s);
        }
    }

    /** SiLU backward, {@code g·s + (g·x)·(s·(1−s))}: ip: n, g, x, sigma, out. */
    static void siluBackward(KernelContext kc, FloatArray h, IntArray ip, FloatArray fp) {
        int i = kc.globalIdx;
        if (i < ip.get(0)) {
            float g = h.get(ip.get(1) + i);
            float s = h.get(ip.get(3) + i);
            h.set(ip.get(4) + i, g * s + (g * h.get(ip.get(2) + i)) * (s * (1f - s)));
        }
    }

    /** ip: n, x, out; fp: scale, shift. */
    static void affine(KernelContext kc, FloatArray h, IntArray ip, FloatArray fp) {
        int i = kc.globalIdx;
        if (i < ip.get(0)) {
            h.set(ip.get(2) + i, fp.get(0) * h.get(ip.get(1) + i) + fp.get(1));
        }
    }

    /** x^p (not named pow: that is an OpenCL built-in): ip: n, x, out; fp: p. Exponents 1, 2, 3 as products. */
    static void power(KernelContext kc, FloatArray h, IntArray ip, FloatArray fp) {
        int i = kc.globalIdx;
        if (i < ip.get(0)) {
            float v = h.get(ip.get(1) + i);
            float p = fp.get(0);
            float r;
            if (p == 1f) {
                r = v;
            } else if (p == 2f) {
                r = v * v;
            } else if (p == 3f) {
                r = v * v * v;
            } else {
                r = TornadoMath.pow(v, p);
            }
            h.set(ip.get(2) + i, r);
        }
    }

    /**
     * Broadcasting {@code out = a op b} over a row-major 4-D output: ip: n, op, a, b, out,
     * shape[4] (5..8), a strides (9..12), b strides (13..16).
     */
    static void binary(KernelContext kc, FloatArray h, IntArray ip, FloatArray fp) {
        int i = kc.globalIdx;
        if (i < ip.get(0)) {
            int d1 = ip.get(6);
            int d2 = ip.get(7);
            int d3 = ip.get(8);
            int i3 = i % d3;
            int r = i / d3;
            int i2 = r % d2;
            r = r / d2;
            int i1 = r % d1;
            int i0 = r / d1;
            int ao = ip.get(2) + i0 * ip.get(9) + i1 * ip.get(10) + i2 * ip.get(11) + i3 * ip.get(12);
            int bo = ip.get(3) + i0 * ip.get(13) + i1 * ip.get(14) + i2 * ip.get(15) + i3 * ip.get(16);
            float a = h.get(ao);
            float b = h.get(bo);
            int op = ip.get(1);
            float v;
            if (op == ADD) {
                v = a + b;
            } else if (op == SUB) {
                v = a - b;
            } else if (op == MUL) {
                v = a * b;
            } else {
                v = a / b;
            }
            h.set(ip.get(4) + i, v);
        }
    }

    /**
     * Sum over the dimensions where the output has size 1: one work item per output element,
     * summing its inputs in row-major order. ip: n, x, out, in shape (3..6), reduced flags (7..10).
     */
    static void reduceSum(KernelContext kc, FloatArray h, IntArray ip, FloatArray fp) {
        int o = kc.globalIdx;
        if (o < ip.get(0)) {
            int s0 = ip.get(3);
            int s1 = ip.get(4);
            int s2 = ip.get(5);
            int s3 = ip.get(6);
            // Output extents (1 where reduced) and the element's output coordinates.
            int e0 = ip.get(7) == 1 ? 1 : s0;
            int e1 = ip.get(8) == 1 ? 1 : s1;
            int e2 = ip.get(9) == 1 ? 1 : s2;
            int e3 = ip.get(10) == 1 ? 1 : s3;
            int c3 = o % e3;
            int rest = o / e3;
            int c2 = rest % e2;
            rest = rest / e2;
            int c1 = rest % e1;
            int c0 = rest / e1;
            int r0 = ip.get(7) == 1 ? s0 : 1;
            int r1 = ip.get(8) == 1 ? s1 : 1;
            int r2 = ip.get(9) == 1 ? s2 : 1;
            int r3 = ip.get(10) == 1 ? s3 : 1;
            int x = ip.get(1);
            float sum = 0f;
            for (int j0 = 0; j0 < r0; j0++) {
                for (int j1 = 0; j1 < r1; j1++) {
                    for (int j2 = 0; j2 < r2; j2++) {
                        for (int j3 = 0; j3 < r3; j3++) {
                            int a0 = c0 + j0;
                            int a1 = c1 + j1;
                            int a2 = c2 + j2;
                            int a3 = c3 + j3;
                            sum += h.get(x + ((a0 * s1 + a1) * s2 + a2) * s3 + a3);
                        }
                    }
                }
            }
            h.set(ip.get(2) + o, sum);
        }
    }

    /**
     * Batched {@code C[b] (+)= op(A[b])·op(B[b])}, one work item per element of C: ip: n (batch·m·n),
     * a, b, c, m, n, k, a batch stride, b batch stride, A's row and inner steps, B's inner and
     * column steps, accumulate.
     */
    static void gemm(KernelContext kc, FloatArray h, IntArray ip, FloatArray fp) {
        int idx = kc.globalIdx;
        if (idx < ip.get(0)) {
            int m = ip.get(4);
            int n = ip.get(5);
            int k = ip.get(6);
            int j = idx % n;
            int rest = idx / n;
            int i = rest % m;
            int b = rest / m;
            int aBase = ip.get(1) + b * ip.get(7) + i * ip.get(9);
            int ap = ip.get(10);
            int bBase = ip.get(2) + b * ip.get(8) + j * ip.get(12);
            int bp = ip.get(11);
            float sum = 0f;
            for (int p = 0; p < k; p++) {
                sum += h.get(aBase + p * ap) * h.get(bBase + p * bp);
            }
            int c = ip.get(3) + idx;
            if (ip.get(13) == 1) {
                sum = h.get(c) + sum;
            }
            h.set(c, sum);
        }
    }

    /**
     * The same product with a 4×4 block of C per work item: each loaded element of op(A) and op(B)
     * serves four multiply-adds instead of one (register blocking), which is what makes GEMM fast on
     * CPU OpenCL devices and helps GPUs too. Edge blocks read clamped indices and write only inside
     * C. Each element's sum runs over p in order, as in {@link #gemm}. ip as {@link #gemm}, with
     * ip[0] = batch·⌈m/4⌉·⌈n/4⌉.
     */
    static void gemmTiled(KernelContext kc, FloatArray h, IntArray ip, FloatArray fp) {
        int idx = kc.globalIdx;
        if (idx < ip.get(0)) {
            int m = ip.get(4);
            int n = ip.get(5);
            int k = ip.get(6);
            int tn = (n + 3) / 4;
            int tm = (m + 3) / 4;
            int jt = idx % tn;
            int rest = idx / tn;
            int it = rest % tm;
            int b = rest / tm;
            int i0 = it * 4;
            int j0 = jt * 4;
            int aRow = ip.get(9);
            int ap = ip.get(10);
            int bp = ip.get(11);
            int bCol = ip.get(12);
            int aBase = ip.get(1) + b * ip.get(7);
            int bBase = ip.get(2) + b * ip.get(8);
            int a0 = aBase + TornadoMath.min(i0, m - 1) * aRow;
            int a1 = aBase + TornadoMath.min(i0 + 1, m - 1) * aRow;
            int a2 = aBase + TornadoMath.min(i0 + 2, m - 1) * aRow;
            int a3 = aBase + TornadoMath.min(i0 + 3, m - 1) * aRow;
            int b0 = bBase + TornadoMath.min(j0, n - 1) * bCol;
            int b1 = bBase + TornadoMath.min(j0 + 1, n - 1) * bCol;
            int b2 = bBase + TornadoMath.min(j0 + 2, n - 1) * bCol;
            int b3 = bBase + TornadoMath.min(j0 + 3, n - 1) * bCol;
            float c00 = 0f, c01 = 0f, c02 = 0f, c03 = 0f;
            float c10 = 0f, c11 = 0f, c12 = 0f, c13 = 0f;
            float c20 = 0f, c21 = 0f, c22 = 0f, c23 = 0f;
            float c30 = 0f, c31 = 0f, c32 = 0f, c33 = 0f;
            for (int p = 0; p < k; p++) {
                int pa = p * ap;
                int pb = p * bp;
                float x0 = h.get(a0 + pa);
                float x1 = h.get(a1 + pa);
                float x2 = h.get(a2 + pa);
                float x3 = h.get(a3 + pa);
                float y0 = h.get(b0 + pb);
                float y1 = h.get(b1 + pb);
                float y2 = h.get(b2 + pb);
                float y3 = h.get(b3 + pb);
                c00 += x0 * y0;
                c01 += x0 * y1;
                c02 += x0 * y2;
                c03 += x0 * y3;
                c10 += x1 * y0;
                c11 += x1 * y1;
                c12 += x1 * y2;
                c13 += x1 * y3;
                c20 += x2 * y0;
                c21 += x2 * y1;
                c22 += x2 * y2;
                c23 += x2 * y3;
                c30 += x3 * y0;
                c31 += x3 * y1;
                c32 += x3 * y2;
                c33 += x3 * y3;
            }
            int c = ip.get(3) + b * m * n;
            boolean acc = ip.get(13) == 1;
            storeRow(h, c, i0, j0, m, n, acc, c00, c01, c02, c03);
            storeRow(h, c, i0 + 1, j0, m, n, acc, c10, c11, c12, c13);
            storeRow(h, c, i0 + 2, j0, m, n, acc, c20, c21, c22, c23);
            storeRow(h, c, i0 + 3, j0, m, n, acc, c30, c31, c32, c33);
        }
    }

    /** Writes (or adds) up to four values of row i of C from column j0, inside the m×n matrix. */
    private static void storeRow(FloatArray h, int c, int i, int j0, int m, int n, boolean acc, float v0, float v1,
                                 float v2, float v3) {
        if (i < m) {
            int row = c + i * n + j0;
            storeOne(h, row, j0 < n, acc, v0);
            storeOne(h, row + 1, j0 + 1 < n, acc, v1);
            storeOne(h, row + 2, j0 + 2 < n, acc, v2);
            storeOne(h, row + 3, j0 + 3 < n, acc, v3);
        }
    }

    private static void storeOne(FloatArray h, int at, boolean inside, boolean acc, float v) {
        if (inside) {
            if (acc) {
                h.set(at, h.get(at) + v);
            } else {
                h.set(at, v);
            }
        }
    }

    /** ip: n (rows·width), src, srcCols, srcStart, dst, dstCols, dstStart, width. */
    static void copyColumns(KernelContext kc, FloatArray h, IntArray ip, FloatArray fp) {
        int i = kc.globalIdx;
        if (i < ip.get(0)) {
            int width = ip.get(7);
            int r = i / width;
            int j = i % width;
            h.set(ip.get(4) + r * ip.get(5) + ip.get(6) + j, h.get(ip.get(1) + r * ip.get(2) + ip.get(3) + j));
        }
    }

    /** {@code dst[r, :] = src[idx[r], :]}: ip: n (rows·cols), src, dst, cols; the indices in ix. */
    static void gatherRows(KernelContext kc, FloatArray h, IntArray ip, IntArray ix) {
        int i = kc.globalIdx;
        if (i < ip.get(0)) {
            int cols = ip.get(3);
            int r = i / cols;
            int c = i % cols;
            h.set(ip.get(2) + i, h.get(ip.get(1) + ix.get(r) * cols + c));
        }
    }

    /**
     * {@code dst[idx[r], c] += src[r, c]} for r in order, one work item per column (so repeated
     * indices add up in a fixed order): ip: n (cols), src, dst, rows; the indices in ix.
     */
    static void indexAdd(KernelContext kc, FloatArray h, IntArray ip, IntArray ix) {
        int c = kc.globalIdx;
        int cols = ip.get(0);
        if (c < cols) {
            int rows = ip.get(3);
            for (int r = 0; r < rows; r++) {
                int d = ip.get(2) + ix.get(r) * cols + c;
                h.set(d, h.get(d) + h.get(ip.get(1) + r * cols + c));
            }
        }
    }

    /**
     * Adam with decoupled weight decay (Kingma and Ba 2015, Algorithm 1; Loshchilov and Hutter 2019):
     * ip: n, p, g, m, v; fp: lr, β1, β2, ε, wd, c1, c2.
     */
    static void adamStep(KernelContext kc, FloatArray h, IntArray ip, FloatArray fp) {
        int i = kc.globalIdx;
        if (i < ip.get(0)) {
            float beta1 = fp.get(1);
            float beta2 = fp.get(2);
            int pi = ip.get(1) + i;
            int mi = ip.get(3) + i;
            int vi = ip.get(4) + i;
            float g = h.get(ip.get(2) + i);
            float m = beta1 * h.get(mi) + (1f - beta1) * g;
            float v = beta2 * h.get(vi) + (1f - beta2) * (g * g);
            h.set(mi, m);
            h.set(vi, v);
            float mHat = m / fp.get(5);
            float vHat = v / fp.get(6);
            float p = h.get(pi);
            h.set(pi, p - fp.get(0) * (mHat / (TornadoMath.sqrt(vHat) + fp.get(3)) + fp.get(4) * p));
        }
    }

    /** {@code ema = decay·ema + (1−decay)·param}: ip: n, ema, param; fp: decay. */
    static void emaUpdate(KernelContext kc, FloatArray h, IntArray ip, FloatArray fp) {
        int i = kc.globalIdx;
        if (i < ip.get(0)) {
            float decay = fp.get(0);
            int e = ip.get(1) + i;
            h.set(e, decay * h.get(e) + (1f - decay) * h.get(ip.get(2) + i));
        }
    }

    /** Numerically stable softmax of each row, one work item per row: ip: n (rows), x, out, cols. */
    static void softmaxRows(KernelContext kc, FloatArray h, IntArray ip, FloatArray fp) {
        int r = kc.globalIdx;
        if (r < ip.get(0)) {
            int cols = ip.get(3);
            int x = ip.get(1) + r * cols;
            int o = ip.get(2) + r * cols;
            float max = h.get(x);
            for (int j = 1; j < cols; j++) {
                max = TornadoMath.max(max, h.get(x + j));
            }
            float sum = 0f;
            for (int j = 0; j < cols; j++) {
                float e = TornadoMath.exp(h.get(x + j) - max);
                h.set(o + j, e);
                sum += e;
            }
            for (int j = 0; j < cols; j++) {
                h.set(o + j, h.get(o + j) / sum);
            }
        }
    }

    /**
     * 2-D convolution (PyTorch's conv2d, zero padding), one work item per output element:
     * ip: n, x, w, bias (−1: none), out, cin, h, w, cout, kh, kw, stride, pad, ho, wo.
     */
    static void conv2d(KernelContext kc, FloatArray h, IntArray ip, FloatArray fp) {
        int idx = kc.globalIdx;
        if (idx < ip.get(0)) {
            int cin = ip.get(5);
            int height = ip.get(6);
            int width = ip.get(7);
            int cout = ip.get(8);
            int kh = ip.get(9);
            int kw = ip.get(10);
            int stride = ip.get(11);
            int pad = ip.get(12);
            int ho = ip.get(13);
            int wo = ip.get(14);
            int ox = idx % wo;
            int rest = idx / wo;
            int oy = rest % ho;
            rest = rest / ho;
            int o = rest % cout;
            int b = rest / cout;
            int x = ip.get(1);
            int w = ip.get(2);
            float sum = 0f;
            for (int c = 0; c < cin; c++) {
                int xPlane = x + (b * cin + c) * height * width;
                int wBase = w + (o * cin + c) * kh * kw;
                for (int i = 0; i < kh; i++) {
                    int iy = oy * stride - pad + i;
                    if (iy >= 0 && iy < height) {
                        for (int j = 0; j < kw; j++) {
                            int ix = ox * stride - pad + j;
                            if (ix >= 0 && ix < width) {
                                sum += h.get(wBase + i * kw + j) * h.get(xPlane + iy * width + ix);
                            }
                        }
                    }
                }
            }
            if (ip.get(3) >= 0) {
                sum = sum + h.get(ip.get(3) + o);
            }
            h.set(ip.get(4) + idx, sum);
        }
    }

    /**
     * The input gradient of {@link #conv2d}, one work item per input element, summing over the
     * output positions that read it: ip: n, gradOut, w, gradInput, cin, h, w, cout, kh, kw, stride,
     * pad, ho, wo.
     */
    static void conv2dBackwardInput(KernelContext kc, FloatArray h, IntArray ip, FloatArray fp) {
        int idx = kc.globalIdx;
        if (idx < ip.get(0)) {
            int cin = ip.get(4);
            int height = ip.get(5);
            int width = ip.get(6);
            int cout = ip.get(7);
            int kh = ip.get(8);
            int kw = ip.get(9);
            int stride = ip.get(10);
            int pad = ip.get(11);
            int ho = ip.get(12);
            int wo = ip.get(13);
            int x = idx % width;
            int rest = idx / width;
            int y = rest % height;
            rest = rest / height;
            int c = rest % cin;
            int b = rest / cin;
            int g = ip.get(1);
            int w = ip.get(2);
            float sum = 0f;
            for (int o = 0; o < cout; o++) {
                int gPlane = g + (b * cout + o) * ho * wo;
                int wBase = w + (o * cin + c) * kh * kw;
                for (int i = 0; i < kh; i++) {
                    int ty = y + pad - i;
                    if (ty >= 0 && ty % stride == 0 && ty / stride < ho) {
                        int oy = ty / stride;
                        for (int j = 0; j < kw; j++) {
                            int tx = x + pad - j;
                            if (tx >= 0 && tx % stride == 0 && tx / stride < wo) {
                                sum += h.get(gPlane + oy * wo + tx / stride) * h.get(wBase + i * kw + j);
                            }
                        }
                    }
                }
            }
            h.set(ip.get(3) + idx, sum);
        }
    }

    /**
     * The weight gradient of {@link #conv2d}, one work item per weight, summing over batch and
     * output positions in order: ip: n, x, gradOut, gradWeight, batch, cin, h, w, cout, kh, kw,
     * stride, pad, ho, wo.
     */
    static void conv2dBackwardWeight(KernelContext kc, FloatArray h, IntArray ip, FloatArray fp) {
        int idx = kc.globalIdx;
        if (idx < ip.get(0)) {
            int batch = ip.get(4);
            int cin = ip.get(5);
            int height = ip.get(6);
            int width = ip.get(7);
            int cout = ip.get(8);
            int kh = ip.get(9);
            int kw = ip.get(10);
            int stride = ip.get(11);
            int pad = ip.get(12);
            int ho = ip.get(13);
            int wo = ip.get(14);
            int j = idx % kw;
            int rest = idx / kw;
            int i = rest % kh;
            rest = rest / kh;
            int c = rest % cin;
            int o = rest / cin;
            int x = ip.get(1);
            int g = ip.get(2);
            float sum = 0f;
            for (int b = 0; b < batch; b++) {
                int gPlane = g + (b * cout + o) * ho * wo;
                int xPlane = x + (b * cin + c) * height * width;
                for (int oy = 0; oy < ho; oy++) {
                    int iy = oy * stride - pad + i;
                    if (iy >= 0 && iy < height) {
                        for (int ox = 0; ox < wo; ox++) {
                            int ix = ox * stride - pad + j;
                            if (ix >= 0 && ix < width) {
                                sum += h.get(gPlane + oy * wo + ox) * h.get(xPlane + iy * width + ix);
                            }
                        }
                    }
                }
            }
            h.set(ip.get(3) + idx, sum);
        }
    }

    /**
     * Group norm statistics (Wu and He 2018), one work item per (batch, group): the mean and
     * 1/√(biased variance + ε) of its channels·spatial/groups values. ip: n, x, mean, rstd, group
     * size; fp: ε.
     */
    static void groupNormStats(KernelContext kc, FloatArray h, IntArray ip, FloatArray fp) {
        int item = kc.globalIdx;
        if (item < ip.get(0)) {
            int len = ip.get(4);
            int start = ip.get(1) + item * len;
            float sum = 0f;
            for (int j = 0; j < len; j++) {
                sum += h.get(start + j);
            }
            float m = sum / len;
            float sq = 0f;
            for (int j = 0; j < len; j++) {
                float d = h.get(start + j) - m;
                sq += d * d;
            }
            float var = sq / len;
            h.set(ip.get(2) + item, m);
            h.set(ip.get(3) + item, 1f / TornadoMath.sqrt(var + fp.get(0)));
        }
    }

    /**
     * {@code out = (x − μ)·rstd·gamma[c] + beta[c]}, one work item per element: ip: n, x, out, mean,
     * rstd, gamma (−1: none), beta (−1: none), channels, spatial, groups.
     */
    static void groupNormApply(KernelContext kc, FloatArray h, IntArray ip, FloatArray fp) {
        int i = kc.globalIdx;
        if (i < ip.get(0)) {
            int channels = ip.get(7);
            int spatial = ip.get(8);
            int groups = ip.get(9);
            int bc = i / spatial;
            int c = bc % channels;
            int b = bc / channels;
            int item = b * groups + c / (channels / groups);
            float rs = h.get(ip.get(4) + item);
            float scale = ip.get(5) >= 0 ? rs * h.get(ip.get(5) + c) : rs;
            float shift = ip.get(6) >= 0 ? h.get(ip.get(6) + c) : 0f;
            h.set(ip.get(2) + i, (h.get(ip.get(1) + i) - h.get(ip.get(3) + item)) * scale + shift);
        }
    }

    /**
     * Per (batch, channel) sums of gradOut and of gradOut·x̂, the pieces of the group norm backward
     * pass: ip: n (batch·channels), x, gradOut, mean, rstd, sumG, sumGx, channels, spatial, groups.
     */
    static void groupNormChannelSums(KernelContext kc, FloatArray h, IntArray ip, FloatArray fp) {
        int bc = kc.globalIdx;
        if (bc < ip.get(0)) {
            int channels = ip.get(7);
            int spatial = ip.get(8);
            int groups = ip.get(9);
            int c = bc % channels;
            int b = bc / channels;
            int item = b * groups + c / (channels / groups);
            float m = h.get(ip.get(3) + item);
            float rs = h.get(ip.get(4) + item);
            int o = bc * spatial;
            float sg = 0f;
            float sgx = 0f;
            for (int j = 0; j < spatial; j++) {
                float g = h.get(ip.get(2) + o + j);
                sg += g;
                sgx += g * ((h.get(ip.get(1) + o + j) - m) * rs);
            }
            h.set(ip.get(5) + bc, sg);
            h.set(ip.get(6) + bc, sgx);
        }
    }

    /**
     * {@code gradX = rstd·(ĝ − mean(ĝ) − x̂·mean(ĝ·x̂))} with ĝ = gradOut·gamma, one work item per
     * element: ip: n, x, gradOut, mean, rstd, sumG, sumGx, gamma (−1: none), gradX, channels,
     * spatial, groups.
     */
    static void groupNormGradX(KernelContext kc, FloatArray h, IntArray ip, FloatArray fp) {
        int i = kc.globalIdx;
        if (i < ip.get(0)) {
            int channels = ip.get(9);
            int spatial = ip.get(10);
            int groups = ip.get(11);
            int cg = channels / groups;
            int bc = i / spatial;
            int c = bc % channels;
            int b = bc / channels;
            int g0 = c / cg;
            int item = b * groups + g0;
            float a = 0f;
            float bb = 0f;
            for (int cc = 0; cc < cg; cc++) {
                int ch = g0 * cg + cc;
                float gm = ip.get(7) >= 0 ? h.get(ip.get(7) + ch) : 1f;
                a += gm * h.get(ip.get(5) + b * channels + ch);
                bb += gm * h.get(ip.get(6) + b * channels + ch);
            }
            int n = cg * spatial;
            a = a / n;
            bb = bb / n;
            float m = h.get(ip.get(3) + item);
            float rs = h.get(ip.get(4) + item);
            float gm = ip.get(7) >= 0 ? h.get(ip.get(7) + c) : 1f;
            float xh = (h.get(ip.get(1) + i) - m) * rs;
            h.set(ip.get(8) + i, rs * (h.get(ip.get(2) + i) * gm - a - xh * bb));
        }
    }

    /** {@code out[c] = Σ_b partial[b, c]} in batch order: ip: n (channels), partial, out, batch. */
    static void sumOverBatch(KernelContext kc, FloatArray h, IntArray ip, FloatArray fp) {
        int c = kc.globalIdx;
        int channels = ip.get(0);
        if (c < channels) {
            float s = 0f;
            for (int b = 0; b < ip.get(3); b++) {
                s += h.get(ip.get(1) + b * channels + c);
            }
            h.set(ip.get(2) + c, s);
        }
    }
}
