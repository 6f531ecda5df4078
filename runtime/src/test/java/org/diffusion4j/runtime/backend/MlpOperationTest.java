package org.diffusion4j.runtime.backend;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.diffusion4j.api.tensor.Backend;
import org.diffusion4j.api.tensor.Rng;
import org.diffusion4j.api.tensor.Storage;
import org.diffusion4j.api.tensor.Tensor;
import org.diffusion4j.api.tensor.UnaryOp;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@link Tensor#mlp} on the Java backend (the fused forward of {@link VectorKernels#mlpTrain} and
 * the fused backward of {@link FusedMlp}) against the same MLP written op by op
 * ({@link Tensor#linear} and the activations): the forward bits are equal; the gradients of x, W
 * and b agree to float rounding (the fused pass sums rows in groups); they are bit-identical for
 * 1, 2 and 3 threads and with or without the Vector API; the backend's default
 * {@code mlpBackward} is the op-by-op chain rule bit for bit; and gradients of gradients
 * ({@code createGraph}) equal the op-by-op ones.
 */
class MlpOperationTest {

    /** A full-panel MLP (the seed's), one over the GEMM's k block with partial panels, one with a narrow hidden layer. */
    private static final int[][] WIDTHS = {{3, 64, 64, 2}, {34, 130, 128, 2}, {5, 20, 9, 33}};

    static Stream<Arguments> cases() {
        List<Arguments> out = new ArrayList<>();
        for (UnaryOp f : new UnaryOp[]{UnaryOp.RELU, UnaryOp.SILU, UnaryOp.TANH, UnaryOp.SIGMOID, null}) {
            for (int[] w : WIDTHS) {
                out.add(Arguments.of(f, w));
            }
        }
        return out.stream();
    }

    @ParameterizedTest
    @MethodSource("cases")
    void gradientsAreTheOpByOpGradientsAndTheSameForEveryThreadCount(UnaryOp f, int[] widths) {
        float[][] reference = null;
        for (int threads = 1; threads <= 3; threads++) {
            try (JavaBackend backend = new JavaBackend(threads)) {
                for (int rows : new int[]{300, 7}) {
                    Problem p = new Problem(backend, widths, f, rows);
                    float[][] opByOp = p.run(false);
                    float[][] fused = p.run(true);
                    assertThat(fused[0]).as("forward, %s %s rows %d", f, Arrays.toString(widths), rows)
                            .containsExactly(opByOp[0]);
                    for (int i = 1; i < fused.length; i++) {
                        float scale = maxAbs(opByOp[i]);
                        assertThat(scale).as("gradient %d is not all zero", i).isPositive();
                        for (int e = 0; e < fused[i].length; e++) {
                            assertThat(fused[i][e]).as("gradient %d[%d], %s %s rows %d", i, e, f,
                                    Arrays.toString(widths), rows).isCloseTo(opByOp[i][e], within(2e-6f * scale));
                        }
                    }
                    if (rows == 300) {
                        if (reference == null) {
                            reference = fused;
                        } else {
                            for (int i = 0; i < fused.length; i++) {
                                assertThat(fused[i]).as("output %d with %d threads", i, threads)
                                        .containsExactly(reference[i]);
                            }
                        }
                    }
                }
            }
        }
    }

    @ParameterizedTest
    @MethodSource("cases")
    void backendDefaultBackwardIsTheOpByOpChainRule(UnaryOp f, int[] widths) {
        try (JavaBackend backend = new JavaBackend(2)) {
            Backend defaults = defaultsOf(backend);
            Problem p = new Problem(defaults, widths, f, 300);
            float[][] opByOp = p.run(false);
            float[][] viaDefaults = p.run(true);
            for (int i = 0; i < opByOp.length; i++) {
                assertThat(viaDefaults[i]).as("output %d", i).containsExactly(opByOp[i]);
            }
        }
    }

    @Test
    void secondOrderGradientsGoThroughTheOpByOpGraph() {
        try (JavaBackend backend = new JavaBackend(2)) {
            for (UnaryOp f : new UnaryOp[]{UnaryOp.SILU, UnaryOp.TANH}) {
                Problem p = new Problem(backend, new int[]{2, 64, 64, 2}, f, 100);
                float[][] opByOp = p.secondOrder(false);
                float[][] fused = p.secondOrder(true);
                // every parameter but the output bias (which ∂out/∂x does not see) gets a gradient
                for (int i = 0; i < opByOp.length; i++) {
                    assertThat(maxAbs(opByOp[i]) > 0).as("%s, gradient %d nonzero", f, i).isEqualTo(i < opByOp.length - 1);
                    assertThat(fused[i]).as("%s, gradient %d", f, i).containsExactly(opByOp[i]);
                }
            }
        }
    }

    @ParameterizedTest
    @EnumSource(value = UnaryOp.class, names = {"RELU", "SILU", "TANH"})
    void fusedBackwardHasTheSameBitsWithAndWithoutTheVectorApi(UnaryOp f) {
        assumeTrue(JavaBackend.VECTOR, "needs --add-modules jdk.incubator.vector");
        int[] widths = {34, 130, 128, 2};
        int rows = 300;
        int layers = widths.length - 1;
        try (JavaBackend backend = new JavaBackend(1)) {
            Problem p = new Problem(backend, widths, f, rows);
            Storage[] w = new Storage[layers];
            Storage[] b = new Storage[layers];
            Storage[] pre = new Storage[layers];
            Storage[] post = new Storage[layers];
            Storage[] sigma = new Storage[layers];
            UnaryOp[] act = new UnaryOp[layers];
            for (int l = 0; l < layers; l++) {
                w[l] = p.weights[l].storage();
                b[l] = p.biases[l].storage();
                act[l] = l < layers - 1 ? f : null;
                post[l] = backend.allocate(rows * widths[l + 1]);
                pre[l] = act[l] == null ? post[l] : backend.allocate(rows * widths[l + 1]);
                sigma[l] = act[l] == null ? null : backend.allocate(rows * widths[l + 1]);
            }
            backend.mlpForwardTrain(rows, widths, p.x.storage(), w, b, act, pre, post, sigma);

            float[][] wv = new float[layers][];
            float[][] pv = new float[layers][];
            float[][] qv = new float[layers][];
            float[][] sv = new float[layers][];
            int[] codes = new int[layers];
            int[] wtOff = new int[layers];
            int packed = 0;
            for (int l = 0; l < layers; l++) {
                wv[l] = p.weights[l].toArray();
                pv[l] = download(backend, pre[l]);
                qv[l] = download(backend, post[l]);
                sv[l] = sigma[l] == null ? null : download(backend, sigma[l]);
                codes[l] = act[l] == null ? VectorKernels.NONE : switch (f) {
                    case RELU -> Kernels.RELU;
                    case SILU -> Kernels.SILU;
                    default -> Kernels.TANH;
                };
                wtOff[l] = packed;
                packed += VectorKernels.packedSize(widths[l + 1], widths[l]);
            }
            float[] wt = new float[packed];
            for (int l = 0; l < layers; l++) {
                VectorKernels.packB(0, VectorKernels.panels(widths[l]), wv[l], 0, true, widths[l + 1], widths[l], wt,
                        wtOff[l]);
            }
            int[] offsets = FusedMlp.partialOffsets(widths);
            int groups = FusedMlp.groups(rows);
            float[] upstream = p.upstream.toArray();
            float[] x = p.x.toArray();
            float[][] partials = new float[2][groups * offsets[2 * layers]];
            float[][] gx = new float[2][rows * widths[0]];
            for (int v = 0; v < 2; v++) {
                int widest = 130;
                FusedMlp.backward(0, groups, v == 1, 16, rows, widths, x, wv, wt, wtOff, codes, pv, qv, sv, upstream,
                        partials[v], offsets, gx[v], new float[FusedMlp.GROUP * widest],
                        new float[FusedMlp.GROUP * widest], new float[VectorKernels.packedSize(FusedMlp.GROUP, widest)],
                        new float[VectorKernels.A_PAD], new float[VectorKernels.C_PAD]);
            }
            assertThat(maxAbs(partials[0])).isPositive();
            assertThat(partials[1]).containsExactly(partials[0]);
            assertThat(gx[1]).containsExactly(gx[0]);
        }
    }

    // ---------------------------------------------------------------------------------- fixtures

    /** An MLP with random weights, an input and an upstream gradient. */
    private static final class Problem {
        final Backend backend;
        final UnaryOp[] activations;
        final Tensor[] weights;
        final Tensor[] biases;
        final Tensor x;
        final Tensor upstream;

        Problem(Backend backend, int[] widths, UnaryOp f, int rows) {
            this.backend = backend;
            int layers = widths.length - 1;
            Rng rng = new Rng(Arrays.hashCode(widths) + rows);
            activations = new UnaryOp[layers];
            weights = new Tensor[layers];
            biases = new Tensor[layers];
            for (int l = 0; l < layers; l++) {
                // the output layer too gets f when it is not narrow: its derivative must be applied as well
                activations[l] = l < layers - 1 || widths[l + 1] > 2 ? f : null;
                weights[l] = Tensor.randn(backend, rng, widths[l], widths[l + 1]).mul(1.5 / Math.sqrt(widths[l]));
                biases[l] = Tensor.randn(backend, rng, 1, widths[l + 1]).mul(0.5);
            }
            x = Tensor.randn(backend, rng, rows, widths[0]).mul(2);
            upstream = Tensor.randn(backend, rng, rows, widths[layers]);
        }

        /** Output, then the gradients of x, W_0, b_0, W_1, … of sum(out · upstream). */
        float[][] run(boolean fused) {
            List<Tensor> leaves = leaves();
            Tensor out = forward(fused, leaves);
            List<Tensor> g = Tensor.grad(out, upstream, leaves, false);
            float[][] r = new float[1 + g.size()][];
            r[0] = out.toArray();
            for (int i = 0; i < g.size(); i++) {
                r[1 + i] = g.get(i).toArray();
            }
            return r;
        }

        /** Gradients of the weights of sum(∂/∂x sum(out · upstream) · x): a second-order quantity. */
        float[][] secondOrder(boolean fused) {
            List<Tensor> leaves = leaves();
            Tensor out = forward(fused, leaves);
            Tensor gx = Tensor.grad(out, upstream, List.of(leaves.get(0)), true).get(0);
            Tensor loss = gx.mul(leaves.get(0)).sum();
            List<Tensor> g = Tensor.grad(loss, leaves.subList(1, leaves.size()), false);
            return g.stream().map(Tensor::toArray).toArray(float[][]::new);
        }

        private List<Tensor> leaves() {
            List<Tensor> leaves = new ArrayList<>();
            leaves.add(x.detach().requiresGrad(true));
            for (int l = 0; l < weights.length; l++) {
                leaves.add(weights[l].detach().requiresGrad(true));
                leaves.add(biases[l].detach().requiresGrad(true));
            }
            return leaves;
        }

        private Tensor forward(boolean fused, List<Tensor> leaves) {
            int layers = weights.length;
            Tensor[] w = new Tensor[layers];
            Tensor[] b = new Tensor[layers];
            for (int l = 0; l < layers; l++) {
                w[l] = leaves.get(1 + 2 * l);
                b[l] = leaves.get(2 + 2 * l);
            }
            if (fused) {
                return leaves.get(0).mlp(w, b, activations);
            }
            Tensor h = leaves.get(0);
            for (int l = 0; l < layers; l++) {
                h = h.linear(w[l], b[l]);
                if (activations[l] != null) {
                    h = switch (activations[l]) {
                        case RELU -> h.relu();
                        case SILU -> h.silu();
                        case TANH -> h.tanh();
                        case SIGMOID -> h.sigmoid();
                        default -> throw new IllegalStateException();
                    };
                }
            }
            return h;
        }
    }

    /** The backend as seen through only the interface's default methods for the MLP kernels. */
    private static Backend defaultsOf(JavaBackend backend) {
        InvocationHandler h = (proxy, method, args) -> method.isDefault() && method.getName().startsWith("mlp")
                ? InvocationHandler.invokeDefault(proxy, method, args)
                : method.invoke(backend, args);
        return (Backend) Proxy.newProxyInstance(Backend.class.getClassLoader(), new Class<?>[]{Backend.class}, h);
    }

    private static float[] download(Backend backend, Storage s) {
        float[] a = new float[s.size()];
        backend.download(s, a);
        return a;
    }

    private static float maxAbs(float[] v) {
        float m = 0;
        for (float x : v) {
            m = Math.max(m, Math.abs(x));
        }
        return m;
    }
}
