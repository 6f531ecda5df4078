package org.diffusion4j.runtime.backend;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.diffusion4j.api.tensor.Backend;
import org.diffusion4j.api.tensor.Rng;
import org.diffusion4j.api.tensor.Storage;
import org.diffusion4j.api.tensor.Tensor;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Values of the image ops against naive references in double precision: convolution and its two
 * gradients (on shapes that take the 1×1 GEMM path, the im2col path in one chunk and in several),
 * group norm, softmax, batched matmul, narrow/concat, upsampling, pooling and indexSelect.
 */
class ImageOpsTest {

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

    /** The seven loops of the definition (plus the batch), in double. */
    static double[] naiveConv(float[] x, float[] w, float[] bias, int b, int cin, int h, int wd, int cout, int kh,
                              int kw, int stride, int pad) {
        int ho = (h + 2 * pad - kh) / stride + 1;
        int wo = (wd + 2 * pad - kw) / stride + 1;
        double[] out = new double[b * cout * ho * wo];
        for (int n = 0; n < b; n++) {
            for (int o = 0; o < cout; o++) {
                for (int oy = 0; oy < ho; oy++) {
                    for (int ox = 0; ox < wo; ox++) {
                        double s = bias == null ? 0 : bias[o];
                        for (int c = 0; c < cin; c++) {
                            for (int i = 0; i < kh; i++) {
                                for (int j = 0; j < kw; j++) {
                                    int iy = oy * stride - pad + i;
                                    int ix = ox * stride - pad + j;
                                    if (iy >= 0 && iy < h && ix >= 0 && ix < wd) {
                                        s += (double) w[((o * cin + c) * kh + i) * kw + j]
                                                * x[((n * cin + c) * h + iy) * wd + ix];
                                    }
                                }
                            }
                        }
                        out[((n * cout + o) * ho + oy) * wo + ox] = s;
                    }
                }
            }
        }
        return out;
    }

    /** Input and weight gradients of Σ g ⊙ conv(x, w), by the same loops. */
    static double[][] naiveConvGrads(float[] x, float[] w, float[] g, int b, int cin, int h, int wd, int cout, int kh,
                                     int kw, int stride, int pad) {
        int ho = (h + 2 * pad - kh) / stride + 1;
        int wo = (wd + 2 * pad - kw) / stride + 1;
        double[] gx = new double[x.length];
        double[] gw = new double[w.length];
        for (int n = 0; n < b; n++) {
            for (int o = 0; o < cout; o++) {
                for (int oy = 0; oy < ho; oy++) {
                    for (int ox = 0; ox < wo; ox++) {
                        double go = g[((n * cout + o) * ho + oy) * wo + ox];
                        for (int c = 0; c < cin; c++) {
                            for (int i = 0; i < kh; i++) {
                                for (int j = 0; j < kw; j++) {
                                    int iy = oy * stride - pad + i;
                                    int ix = ox * stride - pad + j;
                                    if (iy >= 0 && iy < h && ix >= 0 && ix < wd) {
                                        int xi = ((n * cin + c) * h + iy) * wd + ix;
                                        int wi = ((o * cin + c) * kh + i) * kw + j;
                                        gx[xi] += go * w[wi];
                                        gw[wi] += go * x[xi];
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        return new double[][]{gx, gw};
    }

    static void assertClose(float[] actual, double[] expected, double tol, String what) {
        assertThat(actual).as(what + " length").hasSize(expected.length);
        double scale = 0;
        for (double e : expected) {
            scale = Math.max(scale, Math.abs(e));
        }
        assertThat(scale).as(what + " is not trivially zero").isPositive();
        for (int i = 0; i < actual.length; i++) {
            if (!(Math.abs(actual[i] - expected[i]) <= tol * (1 + Math.abs(expected[i])))) {
                throw new AssertionError(what + "[" + i + "] = " + actual[i] + ", expected " + expected[i]);
            }
        }
    }

    @ParameterizedTest(name = "x[{0},{1},{2},{3}] w[{4},{1},{5},{6}] stride {7} padding {8}")
    @CsvSource({
        "2, 3, 7, 6, 4, 3, 3, 1, 1",
        "2, 3, 7, 6, 4, 3, 3, 2, 1",
        "3, 2, 8, 8, 5, 3, 3, 2, 0",
        "2, 5, 4, 6, 3, 1, 1, 1, 0",     // 1×1: the GEMM alone
        "2, 4, 5, 5, 3, 1, 1, 2, 0",
        "2, 3, 6, 5, 2, 2, 3, 1, 2",
        "1, 1, 5, 5, 20, 5, 5, 1, 2",
        "12, 32, 32, 32, 8, 3, 3, 1, 1", // im2col in two chunks of images (staged through scratch)
        "40, 64, 16, 16, 16, 1, 1, 1, 0"})
    void convolutionAndItsGradientsMatchTheDefinition(int b, int cin, int h, int w, int cout, int kh, int kw,
                                                      int stride, int pad) {
        float[] xv = random(b * cin * h * w, 1);
        float[] wv = random(cout * cin * kh * kw, 2);
        float[] bv = random(cout, 3);
        Tensor x = Tensor.of(backend, xv, b, cin, h, w).requiresGrad(true);
        Tensor wt = Tensor.of(backend, wv, cout, cin, kh, kw).requiresGrad(true);
        Tensor bt = Tensor.of(backend, bv, cout).requiresGrad(true);
        Tensor y = x.conv2d(wt, bt, stride, pad);
        int ho = (h + 2 * pad - kh) / stride + 1;
        int wo = (w + 2 * pad - kw) / stride + 1;
        assertThat(y.shape()).containsExactly(b, cout, ho, wo);
        double tol = 1e-5 * Math.sqrt(cin * kh * kw);
        assertClose(y.toArray(), naiveConv(xv, wv, bv, b, cin, h, w, cout, kh, kw, stride, pad), tol, "conv2d");
        assertClose(x.conv2d(wt, null, stride, pad).toArray(),
                naiveConv(xv, wv, null, b, cin, h, w, cout, kh, kw, stride, pad), tol, "conv2d without bias");

        float[] gv = random(y.size(), 4);
        List<Tensor> grads = Tensor.grad(y, Tensor.of(backend, gv, y.shape()), List.of(x, wt, bt), false);
        double[][] expected = naiveConvGrads(xv, wv, gv, b, cin, h, w, cout, kh, kw, stride, pad);
        assertClose(grads.get(0).toArray(), expected[0], 1e-5 * Math.sqrt(cout * kh * kw), "input gradient");
        assertClose(grads.get(1).toArray(), expected[1], 1e-5 * Math.sqrt(b * ho * wo), "weight gradient");
        double[] gb = new double[cout];
        for (int i = 0; i < gv.length; i++) {
            gb[(i / (ho * wo)) % cout] += gv[i];
        }
        assertClose(grads.get(2).toArray(), gb, 1e-5 * Math.sqrt(b * ho * wo), "bias gradient");
    }

    @Test
    void convolutionGradientsAreOnlyComputedForInputsThatNeedThem() {
        Tensor x = Tensor.of(backend, random(2 * 3 * 4 * 4, 5), 2, 3, 4, 4);
        Tensor w = Tensor.of(backend, random(2 * 3 * 9, 6), 2, 3, 3, 3).requiresGrad(true);
        List<Tensor> g = Tensor.grad(x.conv2d(w, null, 1, 1).sum(), List.of(x, w), false);
        assertThat(g.get(0).toArray()).containsOnly(0f);        // x needs none: zeros, as for any unused input
        assertThat(g.get(1).shape()).containsExactly(2, 3, 3, 3);
        assertThatThrownBy(() -> x.conv2d(Tensor.of(backend, new float[8], 2, 4, 1, 1), null, 1, 0))
                .isInstanceOf(IllegalArgumentException.class);
    }

    static double[] naiveGroupNorm(float[] x, float[] gamma, float[] beta, int b, int c, int s, int groups,
                                   double eps) {
        double[] out = new double[x.length];
        int cg = c / groups;
        for (int n = 0; n < b; n++) {
            for (int g = 0; g < groups; g++) {
                int start = (n * c + g * cg) * s;
                int len = cg * s;
                double mean = 0;
                for (int i = 0; i < len; i++) {
                    mean += x[start + i];
                }
                mean /= len;
                double var = 0;
                for (int i = 0; i < len; i++) {
                    var += (x[start + i] - mean) * (x[start + i] - mean);
                }
                var /= len;
                for (int i = 0; i < len; i++) {
                    int ch = g * cg + i / s;
                    out[start + i] = (x[start + i] - mean) / Math.sqrt(var + eps) * gamma[ch] + beta[ch];
                }
            }
        }
        return out;
    }

    @Test
    void groupNormMatchesTheDefinition() {
        int b = 3;
        int c = 12;
        int s = 50;
        float[] xv = random(b * c * s, 7);
        for (int i = 0; i < xv.length; i++) {
            xv[i] = xv[i] * 3 + 5;          // a mean far from zero: the variance is taken about it
        }
        float[] gv = random(c, 8);
        float[] bv = random(c, 9);
        for (int groups : new int[]{1, 3, 12}) {
            Tensor y = Tensor.of(backend, xv, b, c, 5, 10).groupNorm(groups, Tensor.of(backend, gv, c),
                    Tensor.of(backend, bv, c), 1e-5);
            assertThat(y.shape()).containsExactly(b, c, 5, 10);
            assertClose(y.toArray(), naiveGroupNorm(xv, gv, bv, b, c, s, groups, 1e-5), 2e-5, "groupNorm " + groups);
        }
        // eps matters where a group is constant: (x − μ) = 0, and eps keeps rstd finite.
        float[] flat = new float[2 * 4 * 3];
        java.util.Arrays.fill(flat, 2f);
        float[] out = Tensor.of(backend, flat, 2, 4, 3).groupNorm(2, null, Tensor.of(backend, new float[]{1, 2, 3, 4}, 4),
                0.1).toArray();
        assertThat(out).containsExactly(1, 1, 1, 2, 2, 2, 3, 3, 3, 4, 4, 4, 1, 1, 1, 2, 2, 2, 3, 3, 3, 4, 4, 4);
    }

    @Test
    void fusedGroupNormBackwardMatchesTheCompositeGraph() {
        int b = 2;
        int c = 6;
        float[] xv = random(b * c * 16, 10);
        float[] gv = random(c, 11);
        float[] bv = random(c, 12);
        float[] up = random(b * c * 16, 13);
        Tensor x = Tensor.of(backend, xv, b, c, 4, 4).requiresGrad(true);
        Tensor gamma = Tensor.of(backend, gv, c).requiresGrad(true);
        Tensor beta = Tensor.of(backend, bv, c).requiresGrad(true);
        Tensor y = x.groupNorm(3, gamma, beta, 1e-5);
        Tensor upstream = Tensor.of(backend, up, b, c, 4, 4);
        List<Tensor> fused = Tensor.grad(y, upstream, List.of(x, gamma, beta), false);
        // createGraph takes the composite path
        List<Tensor> composite = Tensor.grad(x.groupNorm(3, gamma, beta, 1e-5), upstream, List.of(x, gamma, beta),
                true);
        assertThat(composite.get(0).requiresGrad()).isTrue();
        for (int i = 0; i < 3; i++) {
            float[] f = fused.get(i).toArray();
            float[] e = composite.get(i).toArray();
            double[] ed = new double[e.length];
            for (int j = 0; j < e.length; j++) {
                ed[j] = e[j];
            }
            assertClose(f, ed, 1e-5, "gradient " + i);
        }
    }

    @Test
    void softmaxIsStableAndSumsToOne() {
        float[] v = {1000f, 1001f, 1002f, -5f, 0f, 5f};
        float[] y = Tensor.of(backend, v, 2, 3).softmax().toArray();
        double z = Math.exp(-2) + Math.exp(-1) + 1;
        assertClose(y, new double[]{Math.exp(-2) / z, Math.exp(-1) / z, 1 / z, Math.exp(-10) / (Math.exp(-10) + Math.exp(-5) + 1),
            Math.exp(-5) / (Math.exp(-10) + Math.exp(-5) + 1), 1 / (Math.exp(-10) + Math.exp(-5) + 1)}, 1e-6,
                "softmax");
        float[] big = Tensor.of(backend, random(64 * 300, 14), 64, 300).mul(30).softmax().toArray();
        for (int r = 0; r < 64; r++) {
            double s = 0;
            for (int j = 0; j < 300; j++) {
                s += big[r * 300 + j];
            }
            assertThat(s).isCloseTo(1.0, org.assertj.core.data.Offset.offset(1e-5));
        }
    }

    @Test
    void batchedMatmulIsTheMatmulOfEachBatchEntryBitForBit() {
        int batch = 3;
        for (boolean ta : new boolean[]{false, true}) {
            for (boolean tb : new boolean[]{false, true}) {
                int m = 17;
                int k = 40;
                int n = 33;
                float[] av = random(batch * m * k, 15);
                float[] bv = random(batch * k * n, 16);
                Tensor a = Tensor.of(backend, av, batch, ta ? k : m, ta ? m : k);
                Tensor b = Tensor.of(backend, bv, batch, tb ? n : k, tb ? k : n);
                Tensor c = a.matmul(b, ta, tb);
                assertThat(c.shape()).containsExactly(batch, m, n);
                float[] cv = c.toArray();
                for (int i = 0; i < batch; i++) {
                    Tensor ai = a.narrow(0, i, 1).reshape(ta ? k : m, ta ? m : k);
                    Tensor bi = b.narrow(0, i, 1).reshape(tb ? n : k, tb ? k : n);
                    float[] ci = ai.matmul(bi, ta, tb).toArray();
                    assertThat(java.util.Arrays.copyOfRange(cv, i * m * n, (i + 1) * m * n)).containsExactly(ci);
                }
            }
        }
        assertThatThrownBy(() -> Tensor.zeros(backend, 2, 3, 4).matmul(Tensor.zeros(backend, 3, 4, 5)))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void narrowConcatUpsampleAndPoolMoveTheRightValues() {
        float[] v = new float[2 * 3 * 2 * 2];
        for (int i = 0; i < v.length; i++) {
            v[i] = i;
        }
        Tensor x = Tensor.of(backend, v, 2, 3, 2, 2);
        Tensor mid = x.narrow(1, 1, 1);
        assertThat(mid.shape()).containsExactly(2, 1, 2, 2);
        assertThat(mid.toArray()).containsExactly(4, 5, 6, 7, 16, 17, 18, 19);
        Tensor back = Tensor.concat(1, x.narrow(1, 0, 1), mid, x.narrow(1, 2, 1));
        assertThat(back.toArray()).containsExactly(v);
        assertThat(x.narrow(-1, 1, 1).toArray()).containsExactly(1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23);
        Tensor up = Tensor.of(backend, new float[]{1, 2, 3, 4}, 1, 1, 2, 2).upsampleNearest(2);
        assertThat(up.shape()).containsExactly(1, 1, 4, 4);
        assertThat(up.toArray()).containsExactly(1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4);
        assertThat(up.avgPool(2).toArray()).containsExactly(1, 2, 3, 4);
        Tensor pooled = Tensor.of(backend, new float[]{1, 2, 3, 4, 5, 6, 7, 8}, 1, 1, 2, 4).avgPool(2);
        assertThat(pooled.shape()).containsExactly(1, 1, 1, 2);
        assertThat(pooled.toArray()).containsExactly(3.5f, 5.5f);
    }

    @Test
    void indexSelectGathersRowsAndScattersGradientsIntoThem() {
        Tensor table = Tensor.of(backend, new float[]{0, 1, 10, 11, 20, 21}, 3, 2).requiresGrad(true);
        int[] rows = {2, 0, 2, 2};
        Tensor picked = table.indexSelect(rows);
        assertThat(picked.toArray()).containsExactly(20, 21, 0, 1, 20, 21, 20, 21);
        Tensor g = Tensor.of(backend, new float[]{1, 2, 3, 4, 5, 6, 7, 8}, 4, 2);
        float[] grad = Tensor.grad(picked, g, List.of(table), false).get(0).toArray();
        assertThat(grad).containsExactly(3, 4, 0, 0, 1 + 5 + 7, 2 + 6 + 8);
        // The default (a one-hot GEMM) and the Java kernel agree.
        Storage dst = backend.allocate(6);
        Backend plain = new Backend() {
            @Override public String name() { return "plain"; }
            @Override public int threads() { return 1; }
            @Override public Storage allocate(int size) { return backend.allocate(size); }
            @Override public Storage upload(float[] data) { return backend.upload(data); }
            @Override public void download(Storage src, float[] d) { backend.download(src, d); }
            @Override public void copy(Storage s, int so, Storage d, int dOff, int n) { backend.copy(s, so, d, dOff, n); }
            @Override public void gemm(int batch, boolean transA, boolean transB, int m, int n, int k, Storage a,
                                       int as, Storage b, int bs, Storage c, boolean acc) {
                backend.gemm(batch, transA, transB, m, n, k, a, as, b, bs, c, acc);
            }
            @Override public void unary(org.diffusion4j.api.tensor.UnaryOp op, Storage x, Storage out, int n) { }
            @Override public void affine(Storage x, float scale, float shift, Storage out, int n) { }
            @Override public void pow(Storage x, float p, Storage out, int n) { }
            @Override public void binary(org.diffusion4j.api.tensor.BinaryOp op, Storage a, int[] as, Storage b,
                                         int[] bs, Storage out, int[] shape) { }
            @Override public void reduceSum(Storage x, int[] in, Storage out, int[] outShape) { }
            @Override public void copyColumns(Storage s, int sc, int ss, Storage d, int dc, int ds, int r, int w) { }
            @Override public void gatherRows(Storage src, int cols, int[] idx, Storage d) { }
            @Override public void fillNormal(Storage out, int rows, int cols, long[] keys, long counter) { }
            @Override public void fillUniform(Storage out, int rows, int cols, long[] keys, long counter) { }
            @Override public void adamStep(Storage p, Storage g2, Storage m, Storage v, int n, float lr, float b1,
                                           float b2, float eps, float wd, float c1, float c2) { }
            @Override public void emaUpdate(Storage ema, Storage param, int n, float decay) { }
        };
        plain.indexAdd(4, 2, rows, g.storage(), dst, 3);
        float[] viaDefault = new float[6];
        backend.download(dst, viaDefault);
        assertThat(viaDefault).containsExactly(grad);
        assertThatThrownBy(() -> plain.conv2d(1, 1, 1, 1, 1, 1, 1, 1, 0, dst, dst, null, dst))
                .isInstanceOf(UnsupportedOperationException.class).hasMessageContaining("plain")
                .hasMessageContaining("conv2d");
    }
}
