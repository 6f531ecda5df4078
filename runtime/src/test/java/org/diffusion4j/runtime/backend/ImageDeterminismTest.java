package org.diffusion4j.runtime.backend;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32;
import org.diffusion4j.api.tensor.Backend;
import org.diffusion4j.api.tensor.Rng;
import org.diffusion4j.api.tensor.Tensor;
import org.junit.jupiter.api.Test;

/**
 * The image kernels keep the Java backend's guarantee: convolution (forward, input and weight
 * gradients, on the chunked im2col path, with stride 2 and on the 1×1 GEMM path), group norm
 * (forward and fused backward) and softmax give bit-identical results for 1, 2 and 3 threads, when
 * repeated, and with and without the Vector API (the other setting runs in a child JVM).
 */
class ImageDeterminismTest {

    /** Outputs and gradients of every image kernel on shapes large enough to be cut into parallel chunks. */
    static List<float[]> compute(Backend backend) {
        Rng rng = new Rng(11);
        List<float[]> out = new ArrayList<>();
        // 12 images of 32×32×32 with a 3×3 kernel: im2col in two chunks of images
        conv(backend, rng, new int[]{12, 32, 32, 32}, new int[]{16, 32, 3, 3}, 1, 1, out);
        conv(backend, rng, new int[]{6, 8, 33, 31}, new int[]{24, 8, 3, 3}, 2, 1, out);
        conv(backend, rng, new int[]{40, 64, 16, 16}, new int[]{32, 64, 1, 1}, 1, 0, out);
        conv(backend, rng, new int[]{3, 5, 9, 9}, new int[]{7, 5, 2, 3}, 1, 0, out);
        Tensor x = randn(backend, rng, 6, 64, 24, 24).requiresGrad(true);
        Tensor gamma = randn(backend, rng, 64).requiresGrad(true);
        Tensor beta = randn(backend, rng, 64).requiresGrad(true);
        Tensor y = x.groupNorm(8, gamma, beta, 1e-5);
        out.add(y.toArray());
        for (Tensor g : Tensor.grad(y, randn(backend, rng, y.shape()), List.of(x, gamma, beta), false)) {
            out.add(g.toArray());
        }
        out.add(randn(backend, rng, 300, 700).mul(4).softmax().toArray());
        return out;
    }

    private static void conv(Backend backend, Rng rng, int[] xs, int[] ws, int stride, int pad, List<float[]> out) {
        Tensor x = randn(backend, rng, xs).requiresGrad(true);
        Tensor w = randn(backend, rng, ws).mul(0.1).detach().requiresGrad(true);
        Tensor b = randn(backend, rng, ws[0]).requiresGrad(true);
        Tensor y = x.conv2d(w, b, stride, pad);
        out.add(y.toArray());
        for (Tensor g : Tensor.grad(y, randn(backend, rng, y.shape()), List.of(x, w, b), false)) {
            out.add(g.toArray());
        }
    }

    private static Tensor randn(Backend backend, Rng rng, int... shape) {
        int n = 1;
        for (int d : shape) {
            n *= d;
        }
        return Tensor.randn(backend, rng, 1, n).reshape(shape);
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

    /** One CRC-32 of the raw bits per array, one per line. */
    static String digest(List<float[]> values) {
        StringBuilder sb = new StringBuilder();
        for (float[] v : values) {
            CRC32 crc = new CRC32();
            for (float f : v) {
                int bits = Float.floatToRawIntBits(f);
                crc.update(bits);
                crc.update(bits >>> 8);
                crc.update(bits >>> 16);
                crc.update(bits >>> 24);
            }
            sb.append(v.length).append(':').append(Long.toHexString(crc.getValue())).append('\n');
        }
        return sb.toString();
    }

    @Test
    void imageKernelsAreBitIdenticalForOneTwoAndThreeThreadsAndWhenRepeated() {
        List<float[]> one;
        try (JavaBackend b = new JavaBackend(1)) {
            one = compute(b);
        }
        try (JavaBackend b = new JavaBackend(2)) {
            assertBitIdentical(one, compute(b), "2 threads vs 1");
            assertBitIdentical(one, compute(b), "2 threads, second run");
        }
        try (JavaBackend b = new JavaBackend(3)) {
            assertBitIdentical(one, compute(b), "3 threads vs 1");
        }
        // and the values are not degenerate
        float max = 0;
        for (float v : one.get(1)) {
            max = Math.max(max, Math.abs(v));
        }
        assertThat(max).isPositive();
    }

    @Test
    void imageKernelsHaveTheSameBitsWithAndWithoutTheVectorApi() throws IOException, InterruptedException {
        String here;
        try (JavaBackend b = new JavaBackend(2)) {
            here = digest(compute(b));
        }
        String cp = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> cmd = new ArrayList<>(List.of(java));
        // the other setting than this JVM's
        cmd.add(JavaBackend.VECTOR ? "-Ddiffusion4j.vector=false" : "--add-modules=jdk.incubator.vector");
        cmd.addAll(List.of("-cp", cp, Child.class.getName(), JavaBackend.VECTOR ? "false" : "true"));
        Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        String there = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor()).as("child JVM exit code; its output: " + there).isZero();
        assertThat(there).startsWith("vector=" + !JavaBackend.VECTOR + "\n");
        assertThat(there.substring(there.indexOf('\n') + 1)).isEqualTo(here);
    }

    /** The child JVM: prints whether it uses the Vector API, then the digest of {@link #compute}. */
    static final class Child {
        public static void main(String[] args) {
            try (JavaBackend b = new JavaBackend(2)) {
                System.out.print("vector=" + JavaBackend.VECTOR + "\n" + digest(compute(b)));
            }
        }
    }
}
