package org.diffusion4j.runtime.backend;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.data.Offset.offset;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.diffusion4j.api.tensor.Backend;
import org.diffusion4j.api.tensor.BinaryOp;
import org.diffusion4j.api.tensor.Rng;
import org.diffusion4j.api.tensor.Storage;
import org.diffusion4j.api.tensor.UnaryOp;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The kernels of {@link JavaBackend} against naive reference implementations. */
class JavaBackendKernelTest {

    private static final double U = 0x1.0p-24;   // unit roundoff of float32

    private static JavaBackend backend;

    @BeforeAll
    static void start() {
        backend = new JavaBackend(2);
    }

    @AfterAll
    static void stop() {
        backend.close();
    }

    static float[] random(int n, long seed) {
        Rng rng = new Rng(seed);
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) (2 * rng.nextDouble() - 1);
        }
        return v;
    }

    static float[] get(Storage s) {
        float[] out = new float[s.size()];
        backend.download(s, out);
        return out;
    }

    // ------------------------------------------------------------------------------------ GEMM

    /**
     * (m, n, k) covering every path: tiny, odd sizes (row remainders 1–3 of the four-row blocks,
     * k remainders of the four-step unroll), several column tiles and k blocks, parallel chunks,
     * narrow outputs (n &lt; 16) in the scalar eight-row kernel, the transposed Cᵀ path (narrow
     * outputs with transA; short rows 16 ≤ n &lt; 128 with m ≥ 4n and k ≥ 32, here with ragged
     * 16×16 transpose blocks; but not once op(A) outgrows the cache, as for 2100 × 64), and the
     * MLP's own shapes; with the Vector API, partial 64-column panels, several 128-deep k passes
     * and row blocks.
     */
    static Stream<Arguments> gemmCases() {
        int[][] sizes = {{1, 1, 1}, {5, 7, 3}, {6, 17, 9}, {37, 19, 13}, {64, 64, 64}, {130, 600, 300},
                {512, 2, 64}, {512, 3, 64}, {64, 2, 512}, {3, 64, 512}, {100, 15, 7}, {33, 1, 70}, {2, 40, 1},
                {301, 33, 37}, {2100, 40, 64}, {262, 131, 259}};
        List<Arguments> cases = new ArrayList<>();
        for (int[] s : sizes) {
            for (boolean ta : new boolean[]{false, true}) {
                for (boolean tb : new boolean[]{false, true}) {
                    cases.add(Arguments.of(s[0], s[1], s[2], ta, tb));
                }
            }
        }
        return cases.stream();
    }

    @ParameterizedTest(name = "m={0} n={1} k={2} transA={3} transB={4}")
    @MethodSource("gemmCases")
    void gemmMatchesNaiveProduct(int m, int n, int k, boolean transA, boolean transB) {
        for (int batch : new int[]{1, 3}) {
            for (boolean sharedB : new boolean[]{false, true}) {
                for (boolean accumulate : new boolean[]{false, true}) {
                    checkGemm(batch, m, n, k, transA, transB, false, sharedB, accumulate);
                }
            }
        }
        checkGemm(2, m, n, k, transA, transB, true, false, true);
    }

    private void checkGemm(int batch, int m, int n, int k, boolean transA, boolean transB, boolean sharedA,
                           boolean sharedB, boolean accumulate) {
        String what = String.format("batch=%d m=%d n=%d k=%d tA=%b tB=%b sharedA=%b sharedB=%b acc=%b", batch, m, n,
                k, transA, transB, sharedA, sharedB, accumulate);
        int aStride = sharedA ? 0 : m * k;
        int bStride = sharedB ? 0 : k * n;
        float[] a = random(sharedA ? m * k : batch * m * k, 1);
        float[] b = random(sharedB ? k * n : batch * k * n, 2);
        float[] c0 = random(batch * m * n, 3);
        Storage cs = backend.upload(c0);
        backend.gemm(batch, transA, transB, m, n, k, backend.upload(a), aStride, backend.upload(b), bStride, cs,
                accumulate);
        float[] c = get(cs);
        for (int q = 0; q < batch; q++) {
            for (int i = 0; i < m; i++) {
                for (int j = 0; j < n; j++) {
                    double exact = accumulate ? c0[(q * m + i) * n + j] : 0;
                    double magnitude = Math.abs(exact);
                    float chain = accumulate ? c0[(q * m + i) * n + j] : 0f;
                    for (int p = 0; p < k; p++) {
                        float av = transA ? a[q * aStride + p * m + i] : a[q * aStride + i * k + p];
                        float bv = transB ? b[q * bStride + j * k + p] : b[q * bStride + p * n + j];
                        exact += (double) av * bv;
                        magnitude += Math.abs((double) av * bv);
                        chain = Math.fma(av, bv, chain);
                    }
                    float got = c[(q * m + i) * n + j];
                    // Standard bound for a length-k float dot product: k·u·Σ|a·b|.
                    assertThat(Math.abs(got - exact)).as(what + " C[%d,%d,%d]", q, i, j)
                            .isLessThanOrEqualTo((k + 1) * U * magnitude + 1e-30);
                    // Every path computes the same FMA chain over p in increasing order.
                    assertThat(got).as(what + " C[%d,%d,%d] vs FMA chain", q, i, j).isEqualTo(chain);
                }
            }
        }
    }

    @ParameterizedTest(name = "m={0} n={1} k={2}")
    @MethodSource("gemmCases")
    void gemmBiasIsTheChainPlusTheBias(int m, int n, int k, boolean transA, boolean transB) {
        float[] a = random(m * k, 4);
        float[] b = random(k * n, 5);
        float[] bias = random(n, 6);
        Storage cs = backend.upload(random(m * n, 7));
        backend.gemmBias(transA, transB, m, n, k, backend.upload(a), backend.upload(b), backend.upload(bias), cs);
        float[] c = get(cs);
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                float chain = 0f;
                for (int p = 0; p < k; p++) {
                    float av = transA ? a[p * m + i] : a[i * k + p];
                    float bv = transB ? b[j * k + p] : b[p * n + j];
                    chain = Math.fma(av, bv, chain);
                }
                // The bias is added after the whole product: the bits of gemm followed by an add.
                assertThat(c[i * n + j]).as("C[%d,%d]", i, j).isEqualTo(chain + bias[j]);
            }
        }
    }

    @Test
    void gemmWithEmptyInnerDimensionClearsOrKeepsC() {
        Storage c = backend.upload(new float[]{1, 2, 3, 4});
        backend.gemm(1, false, false, 2, 2, 0, backend.allocate(0), 0, backend.allocate(0), 0, c, true);
        assertThat(get(c)).containsExactly(1, 2, 3, 4);
        backend.gemm(1, false, false, 2, 2, 0, backend.allocate(0), 0, backend.allocate(0), 0, c, false);
        assertThat(get(c)).containsExactly(0, 0, 0, 0);
    }

    // ----------------------------------------------------------------------------- broadcasting

    /** Row-major strides of {@code shape} seen through {@code out}, 0 where broadcast (as Tensor does). */
    static int[] strides(int[] shape, int[] out) {
        int[] s = new int[4];
        int acc = 1;
        for (int d = 3; d >= 0; d--) {
            s[d] = shape[d] == 1 && out[d] != 1 ? 0 : acc;
            acc *= shape[d];
        }
        return s;
    }

    static Stream<Arguments> broadcastCases() {
        List<Arguments> cases = new ArrayList<>();
        int[][] outs = {{1, 1, 3, 4}, {2, 3, 4, 5}, {1, 1, 512, 64}, {1, 1, 300, 1000}, {3, 1, 70, 9}, {1, 1, 1, 1},
                {4, 1, 1, 7}, {1, 1, 1, 70000}};
        for (int[] out : outs) {
            // Every pattern of broadcast dimensions for a, and three for b.
            for (int maskA = 0; maskA < 16; maskA++) {
                for (int maskB : new int[]{0, 15 - maskA, 5}) {
                    int[] as = out.clone();
                    int[] bs = out.clone();
                    for (int d = 0; d < 4; d++) {
                        if ((maskA >> d & 1) != 0) {
                            as[d] = 1;
                        }
                        if ((maskB >> d & 1) != 0) {
                            bs[d] = 1;
                        }
                    }
                    cases.add(Arguments.of(out, as, bs));
                }
            }
        }
        return cases.stream();
    }

    @ParameterizedTest(name = "out={0} a={1} b={2}")
    @MethodSource("broadcastCases")
    void binaryBroadcastsLikeTheNaiveLoop(int[] out, int[] aShape, int[] bShape) {
        float[] a = random(size(aShape), 4);
        float[] b = random(size(bShape), 5);
        for (int i = 0; i < b.length; i++) {
            b[i] = b[i] + Math.copySign(0.5f, b[i]);   // no division by ~0
        }
        int[] sa = strides(aShape, out);
        int[] sb = strides(bShape, out);
        for (BinaryOp op : BinaryOp.values()) {
            Storage o = backend.allocate(size(out));
            backend.binary(op, backend.upload(a), sa, backend.upload(b), sb, o, out);
            float[] got = get(o);
            int idx = 0;
            for (int i0 = 0; i0 < out[0]; i0++) {
                for (int i1 = 0; i1 < out[1]; i1++) {
                    for (int i2 = 0; i2 < out[2]; i2++) {
                        for (int i3 = 0; i3 < out[3]; i3++) {
                            float x = a[i0 * sa[0] + i1 * sa[1] + i2 * sa[2] + i3 * sa[3]];
                            float y = b[i0 * sb[0] + i1 * sb[1] + i2 * sb[2] + i3 * sb[3]];
                            float expected = switch (op) {
                                case ADD -> x + y;
                                case SUB -> x - y;
                                case MUL -> x * y;
                                case DIV -> x / y;
                            };
                            if (got[idx] != expected) {
                                throw new AssertionError(op + " out " + Arrays.toString(out) + " a "
                                        + Arrays.toString(aShape) + " b " + Arrays.toString(bShape) + " at " + idx
                                        + ": " + got[idx] + " != " + expected);
                            }
                            idx++;
                        }
                    }
                }
            }
        }
    }

    static int size(int[] shape) {
        int n = 1;
        for (int d : shape) {
            n *= d;
        }
        return n;
    }

    // ------------------------------------------------------------------------------ reductions

    static Stream<Arguments> reduceCases() {
        List<Arguments> cases = new ArrayList<>();
        int[][] ins = {{2, 3, 4, 5}, {1, 1, 512, 64}, {3, 1, 70, 9}, {1, 1, 5000, 3}, {1, 1, 3, 9000},
                {1, 2, 9000, 1}, {7, 300, 2, 40}, {1, 1, 1, 100_000}, {2, 40000, 1, 3}, {1, 1, 1, 1}, {2, 2, 0, 3}};
        for (int[] in : ins) {
            for (int mask = 0; mask < 16; mask++) {
                int[] out = in.clone();
                for (int d = 0; d < 4; d++) {
                    if ((mask >> d & 1) != 0) {
                        out[d] = 1;
                    }
                }
                cases.add(Arguments.of(in, out));
            }
        }
        return cases.stream();
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @MethodSource("reduceCases")
    void reduceSumMatchesDoubleSums(int[] in, int[] out) {
        float[] x = random(size(in), 6);
        Storage o = backend.upload(random(size(out), 7));   // garbage in out must be overwritten
        backend.reduceSum(backend.upload(x), in, o, out);
        float[] got = get(o);
        double[] exact = new double[size(out)];
        double[] magnitude = new double[size(out)];
        int[] os = strides(out, in);
        int idx = 0;
        for (int i0 = 0; i0 < in[0]; i0++) {
            for (int i1 = 0; i1 < in[1]; i1++) {
                for (int i2 = 0; i2 < in[2]; i2++) {
                    for (int i3 = 0; i3 < in[3]; i3++) {
                        int t = i0 * os[0] + i1 * os[1] + i2 * os[2] + i3 * os[3];
                        exact[t] += x[idx];
                        magnitude[t] += Math.abs(x[idx]);
                        idx++;
                    }
                }
            }
        }
        int terms = size(in) / Math.max(1, size(out));
        for (int t = 0; t < exact.length; t++) {
            // Recursive float summation of n terms errs by at most (n−1)·u·Σ|x|.
            assertThat(Math.abs(got[t] - exact[t])).as("%s -> %s at %d", Arrays.toString(in), Arrays.toString(out), t)
                    .isLessThanOrEqualTo(terms * U * magnitude[t] + 1e-30);
        }
    }

    // ------------------------------------------------------------------------------ elementwise

    @Test
    void unaryOpsMatchTheirDefinitions() {
        float[] x = random(50_000, 8);
        x[0] = 0f;
        x[1] = -0f;
        x[2] = 1e-30f;
        x[3] = -1e-30f;
        for (UnaryOp op : UnaryOp.values()) {
            float[] in = x.clone();
            if (op == UnaryOp.LOG || op == UnaryOp.SQRT) {
                for (int i = 0; i < in.length; i++) {
                    in[i] = Math.abs(in[i]);
                }
            }
            Storage o = backend.allocate(in.length);
            backend.unary(op, backend.upload(in), o, in.length);
            float[] got = get(o);
            for (int i = 0; i < in.length; i++) {
                float v = in[i];
                float expected = switch (op) {
                    case NEG -> -v;
                    case EXP -> (float) Math.exp(v);
                    case LOG -> (float) Math.log(v);
                    case SQRT -> (float) Math.sqrt(v);
                    case SQUARE -> v * v;
                    case RECIPROCAL -> 1f / v;
                    case ABS -> Math.abs(v);
                    case SIGN -> Math.signum(v);
                    case RELU -> v > 0 ? v : 0f;
                    case STEP -> v > 0 ? 1f : 0f;
                    case SIGMOID -> (float) (1 / (1 + Math.exp(-v)));
                    case TANH -> (float) Math.tanh(v);
                    case SIN -> (float) Math.sin(v);
                    case COS -> (float) Math.cos(v);
                    case SILU -> (float) (v / (1 + Math.exp(-v)));
                };
                if (op == UnaryOp.SIGMOID || op == UnaryOp.SILU) {
                    // A float polynomial exp (Kernels.sigmoid), not the rounded double formula.
                    assertThat(got[i]).as("%s(%s)", op, v).isCloseTo(expected, offset(4 * Math.ulp(expected)));
                } else {
                    assertThat(got[i]).as("%s(%s)", op, v).isEqualTo(expected);
                }
            }
        }
    }

    @Test
    void affinePowCopyAndEma() {
        float[] x = random(40_000, 9);
        Storage xs = backend.upload(x);
        Storage o = backend.allocate(x.length);
        backend.affine(xs, 1.5f, -0.25f, o, x.length);
        float[] got = get(o);
        for (int i = 0; i < x.length; i++) {
            assertThat(got[i]).isEqualTo(1.5f * x[i] - 0.25f);
        }
        for (float p : new float[]{1f, 2f, 3f, 0.5f, -1.3f, 0f}) {
            float[] in = p == 0.5f || p == -1.3f ? absolute(x) : x;
            backend.pow(backend.upload(in), p, o, in.length);
            got = get(o);
            for (int i = 0; i < in.length; i++) {
                double expected = Math.pow(in[i], p);
                assertThat((double) got[i]).as("%s^%s", in[i], p)
                        .isCloseTo(expected, offset(2 * U * Math.abs(expected) + 1e-38));
            }
        }
        Storage part = backend.allocate(10);
        backend.copy(xs, 5, part, 2, 6);
        assertThat(get(part)).containsExactly(0, 0, x[5], x[6], x[7], x[8], x[9], x[10], 0, 0);

        float[] ema = random(x.length, 10);
        Storage es = backend.upload(ema);
        backend.emaUpdate(es, xs, x.length, 0.99f);
        got = get(es);
        for (int i = 0; i < x.length; i++) {
            assertThat(got[i]).isEqualTo(0.99f * ema[i] + (1 - 0.99f) * x[i]);
        }
    }

    private static float[] absolute(float[] x) {
        float[] a = new float[x.length];
        for (int i = 0; i < x.length; i++) {
            a[i] = Math.abs(x[i]) + 0.01f;
        }
        return a;
    }

    @Test
    void copyColumnsAndGatherRows() {
        int rows = 300;
        float[] src = random(rows * 7, 11);
        Storage dst = backend.upload(random(rows * 5, 12));
        float[] before = get(dst);
        backend.copyColumns(backend.upload(src), 7, 2, dst, 5, 1, rows, 3);
        float[] got = get(dst);
        for (int r = 0; r < rows; r++) {
            for (int j = 0; j < 5; j++) {
                float expected = j >= 1 && j < 4 ? src[r * 7 + 2 + j - 1] : before[r * 5 + j];
                assertThat(got[r * 5 + j]).isEqualTo(expected);
            }
        }
        int[] idx = {3, 0, 299, 3, 17};
        Storage g = backend.allocate(idx.length * 7);
        backend.gatherRows(backend.upload(src), 7, idx, g);
        got = get(g);
        for (int r = 0; r < idx.length; r++) {
            for (int j = 0; j < 7; j++) {
                assertThat(got[r * 7 + j]).isEqualTo(src[idx[r] * 7 + j]);
            }
        }
    }

    @Test
    void uploadCopiesAndDownloadReturnsTheValues() {
        float[] v = {1, 2, 3};
        Storage s = backend.upload(v);
        v[0] = 9;
        assertThat(get(s)).containsExactly(1, 2, 3);
        assertThat(backend.allocate(4).size()).isEqualTo(4);
        assertThat(get(backend.allocate(4))).containsOnly(0f);
    }

    @Test
    void foreignStorageIsRejectedWithAMessage() {
        Storage foreign = () -> 3;
        assertThatThrownBy(() -> backend.download(foreign, new float[3]))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("java backend");
    }

    // --------------------------------------------------------------------------------- optimiser

    @Test
    void adamStepMatchesAHandComputedUpdate() {
        // Kingma and Ba 2015, Algorithm 1, two steps, with decoupled weight decay.
        float lr = 0.01f;
        float b1 = 0.9f;
        float b2 = 0.999f;
        float eps = 1e-8f;
        float wd = 0.1f;
        float[] p = {0.5f, -1.0f, 2.0f, 0f};
        float[][] grads = {{0.1f, -0.2f, 0.0f, 1.0f}, {-0.3f, 0.4f, 0.5f, 1.0f}};
        Storage ps = backend.upload(p);
        Storage ms = backend.allocate(4);
        Storage vs = backend.allocate(4);
        double[] pd = {0.5, -1.0, 2.0, 0};
        double[] md = new double[4];
        double[] vd = new double[4];
        for (int t = 1; t <= 2; t++) {
            float c1 = (float) (1 - Math.pow(b1, t));
            float c2 = (float) (1 - Math.pow(b2, t));
            backend.adamStep(ps, backend.upload(grads[t - 1]), ms, vs, 4, lr, b1, b2, eps, wd, c1, c2);
            for (int i = 0; i < 4; i++) {
                // In double, with the float hyperparameters the kernel receives.
                double g = grads[t - 1][i];
                md[i] = (double) b1 * md[i] + (1 - (double) b1) * g;
                vd[i] = (double) b2 * vd[i] + (1 - (double) b2) * g * g;
                double mHat = md[i] / (1 - Math.pow(b1, t));
                double vHat = vd[i] / (1 - Math.pow(b2, t));
                pd[i] -= (double) lr * (mHat / (Math.sqrt(vHat) + eps) + (double) wd * pd[i]);
            }
        }
        float[] got = get(ps);
        float[] m = get(ms);
        float[] v = get(vs);
        for (int i = 0; i < 4; i++) {
            // A handful of float roundings per step: relative error ≲ 10 u.
            assertThat((double) got[i]).as("p[%d]", i).isCloseTo(pd[i], offset(1e-6));
            assertThat((double) m[i]).as("m[%d]", i).isCloseTo(md[i], offset(10 * U * Math.abs(md[i])));
            assertThat((double) v[i]).as("v[%d]", i).isCloseTo(vd[i], offset(10 * U * Math.abs(vd[i])));
        }
        // A constant gradient makes both bias-corrected moments exactly g and g², so each step moves
        // p by lr·(1 + wd·p): a closed form independent of the formula above.
        double closedForm = -0.01 - 0.01 * (1 + 0.1 * -0.01);
        assertThat((double) get(ps)[3]).isCloseTo(closedForm, offset(1e-7));
    }

    @Test
    void providerCreatesTheJavaBackend() {
        JavaBackendProvider provider = new JavaBackendProvider();
        assertThat(provider.name()).isEqualTo("java");
        assertThat(provider.available()).isTrue();
        try (Backend b = provider.create(3)) {
            assertThat(b.name()).isEqualTo("java");
            assertThat(b.threads()).isEqualTo(3);
        }
        assertThatThrownBy(() -> new JavaBackend(0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("0");
    }

    @Test
    void fullFillsEveryElementWithTheExactBits() {
        for (float v : new float[]{0f, -0f, 1.5f, -3.25e-7f, Float.NaN, Float.NEGATIVE_INFINITY}) {
            float[] got = org.diffusion4j.api.tensor.Tensor.full(backend, v, 1003, 3).toArray();
            assertThat(got).hasSize(3009);
            for (float g : got) {
                assertThat(Float.floatToRawIntBits(g)).isEqualTo(Float.floatToRawIntBits(v));
            }
        }
        Storage s = backend.upload(random(10, 3));
        backend.fill(s, 2f, 6);   // only the first n
        assertThat(get(s)).startsWith(2f, 2f, 2f, 2f, 2f, 2f).doesNotContain(0f);
        assertThat(get(s)[6]).isNotEqualTo(2f);
    }
}
