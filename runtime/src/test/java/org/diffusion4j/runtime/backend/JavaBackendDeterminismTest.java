package org.diffusion4j.runtime.backend;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.diffusion4j.api.tensor.Backend;
import org.diffusion4j.api.tensor.BinaryOp;
import org.diffusion4j.api.tensor.Rng;
import org.diffusion4j.api.tensor.Storage;
import org.diffusion4j.api.tensor.Tensor;
import org.junit.jupiter.api.Test;

/**
 * The Java backend's guarantee: the same computation gives bit-identical results with any number
 * of threads, and again when repeated; its random fills are exactly the api's counter-based
 * streams.
 */
class JavaBackendDeterminismTest {

    /** Everything a few training steps produce: per-step losses and the final parameters. */
    private static List<float[]> train(Backend backend) {
        MlpStepBench.Trainer trainer = new MlpStepBench.Trainer(backend, 7);
        float[] losses = new float[5];
        for (int i = 0; i < losses.length; i++) {
            losses[i] = trainer.step();
        }
        List<float[]> out = new ArrayList<>();
        out.add(losses);
        for (Tensor p : trainer.params) {
            out.add(p.toArray());
        }
        return out;
    }

    /** Large kernels that are cut into parallel chunks: reductions to few outputs, fills, GEMM. */
    private static List<float[]> bigKernels(Backend backend) {
        Rng rng = new Rng(99);
        List<float[]> out = new ArrayList<>();
        Tensor x = Tensor.randn(backend, rng, 700, 1000);
        out.add(x.toArray());
        out.add(Tensor.rand(backend, rng, 300, 333).toArray());
        out.add(x.sum().toArray());
        out.add(x.sum(0).toArray());
        out.add(x.sum(1).toArray());
        out.add(x.reshape(7, 100, 1000).sumTo(new int[]{1, 100, 1}).toArray());
        Tensor w = Tensor.randn(backend, rng, 1000, 300);
        out.add(x.matmul(w).toArray());
        out.add(x.matmul(w.columns(0, 5)).toArray());
        out.add(x.matmul(x, true, false).toArray());
        out.add(x.tanh().mul(x.columns(0, 1)).add(x.sum(0)).toArray());
        Storage s = backend.allocate(7 * 100_000);
        backend.binary(BinaryOp.MUL, x.storage(), new int[]{0, 0, 0, 1}, x.storage(), new int[]{0, 0, 1, 0}, s,
                new int[]{1, 1, 700, 1000});
        float[] host = new float[s.size()];
        backend.download(s, host);
        out.add(host);
        return out;
    }

    private static void assertBitIdentical(List<float[]> expected, List<float[]> actual, String what) {
        assertThat(actual).hasSameSizeAs(expected);
        for (int i = 0; i < expected.size(); i++) {
            float[] e = expected.get(i);
            float[] a = actual.get(i);
            assertThat(a.length).as(what + " item " + i).isEqualTo(e.length);
            for (int j = 0; j < e.length; j++) {
                if (Float.floatToRawIntBits(e[j]) != Float.floatToRawIntBits(a[j])) {
                    throw new AssertionError(what + ": item " + i + " element " + j + " is " + a[j] + ", expected "
                            + e[j] + " bit for bit");
                }
            }
        }
    }

    @Test
    void trainingIsBitIdenticalForOneTwoAndThreeThreadsAndWhenRepeated() {
        List<float[]> one;
        try (JavaBackend b = new JavaBackend(1)) {
            one = train(b);
        }
        try (JavaBackend b = new JavaBackend(2)) {
            assertBitIdentical(one, train(b), "2 threads vs 1");
            assertBitIdentical(one, train(b), "2 threads, second run");
        }
        try (JavaBackend b = new JavaBackend(3)) {
            assertBitIdentical(one, train(b), "3 threads vs 1");
        }
        // And training did something: the loss went down.
        assertThat(one.get(0)[4]).isLessThan(one.get(0)[0]);
    }

    @Test
    void largeParallelKernelsAreBitIdenticalForAnyThreadCount() {
        List<float[]> one;
        try (JavaBackend b = new JavaBackend(1)) {
            one = bigKernels(b);
            assertBitIdentical(one, bigKernels(b), "1 thread, second run");
        }
        for (int threads : new int[]{2, 4}) {
            try (JavaBackend b = new JavaBackend(threads)) {
                assertBitIdentical(one, bigKernels(b), threads + " threads vs 1");
            }
        }
    }

    @Test
    void fillNormalAndFillUniformAreTheApiStreams() {
        long[] keys = new Rng(5).rowKeys(37);
        int cols = 1001;
        long counter = 123_456_789L;
        try (JavaBackend b = new JavaBackend(2)) {
            Storage n = b.allocate(keys.length * cols);
            Storage u = b.allocate(keys.length * cols);
            b.fillNormal(n, keys.length, cols, keys, counter);
            b.fillUniform(u, keys.length, cols, keys, counter);
            float[] normals = new float[n.size()];
            float[] uniforms = new float[u.size()];
            b.download(n, normals);
            b.download(u, uniforms);
            for (int r = 0; r < keys.length; r++) {
                for (int c = 0; c < cols; c++) {
                    assertThat(normals[r * cols + c]).isEqualTo((float) Rng.normal(keys[r], counter + c));
                    float expected = (float) Rng.uniform(keys[r], counter + c);
                    assertThat(uniforms[r * cols + c]).isEqualTo(expected < 1f ? expected : Math.nextDown(1f));
                    assertThat(uniforms[r * cols + c]).isGreaterThanOrEqualTo(0f).isLessThan(1f);
                }
            }
        }
    }

    @Test
    void normalSamplesHaveZeroMeanAndUnitVariance() {
        int rows = 1000;
        int cols = 1000;
        int n = rows * cols;
        try (JavaBackend b = new JavaBackend(2)) {
            float[] v = Tensor.randn(b, new Rng(2024), rows, cols).toArray();
            double sum = 0;
            double sumSq = 0;
            for (float x : v) {
                sum += x;
                sumSq += (double) x * x;
            }
            double mean = sum / n;
            double var = sumSq / n - mean * mean;
            // Standard errors: 1/√n for the mean, √(2/n) for the variance of a normal sample;
            // five of them bound a false failure to ≈ 6e-7.
            assertThat(Math.abs(mean)).isLessThan(5 / Math.sqrt(n));
            assertThat(Math.abs(var - 1)).isLessThan(5 * Math.sqrt(2.0 / n));
            // Tails: P(|x| > 3) = 0.0027 for a standard normal; its count is binomial.
            long beyond3 = 0;
            for (float x : v) {
                if (Math.abs(x) > 3) {
                    beyond3++;
                }
            }
            double expected = 0.0026998 * n;
            assertThat(Math.abs(beyond3 - expected)).isLessThan(5 * Math.sqrt(expected));
        }
    }
}
