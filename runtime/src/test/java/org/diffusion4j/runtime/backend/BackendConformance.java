package org.diffusion4j.runtime.backend;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Function;
import org.diffusion4j.api.Parameterization;
import org.diffusion4j.api.View;
import org.diffusion4j.api.tensor.Backend;
import org.diffusion4j.api.tensor.BinaryOp;
import org.diffusion4j.api.tensor.Rng;
import org.diffusion4j.api.tensor.Storage;
import org.diffusion4j.api.tensor.Tensor;
import org.diffusion4j.api.tensor.UnaryOp;
import org.diffusion4j.runtime.oracle.DifferentiableMixtureOracle;
import org.diffusion4j.runtime.oracle.GaussianMixture;
import org.diffusion4j.runtime.testing.PluginTestSupport;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The backend conformance suite: what every {@link Backend} must do, checked against the Java
 * backend (the reference). A backend's test extends this class and says how to make the backend
 * ({@link #create}); the Java backend's own run is {@link JavaBackendConformanceTest} (always, in
 * CI), the TornadoVM backend's is in its plugin (where TornadoVM is installed).
 *
 * <p><b>Tolerances.</b> A device backend is not bit-identical to the Java one: it sums in another
 * order and has its own exp, log, tanh. Elementwise kernels: {@code |got − want| ≤ 1e-5·(1 + |want|)}
 * (a few float ulps of O(1) values, plus the device's transcendental functions, accurate to a few
 * ulps in OpenCL). Sums of k terms (GEMM, convolutions, reductions, norms, softmax): a float sum in any
 * order is within k·2⁻²⁴·Σ|terms| of the exact one; with k ≤ 300 terms of size ≤ 1 that is ≤ 2e-5·k/300,
 * so we accept {@code 1e-4·(1 + |want|)}. A wrong index, stride, transpose or missing term gives O(1)
 * errors at these random inputs. The random fills use the counter-based streams of {@link Rng}: equal
 * to the float, on every backend. Results must be bit-identical between two runs on one device.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
public abstract class BackendConformance {

    static final double ELEMENTWISE = 1e-5;
    static final double SUMS = 1e-4;

    private Backend ref;
    private Backend dut;

    /** The backend under test. */
    protected abstract Backend create();

    @BeforeAll
    void start() {
        ref = new JavaBackend(2);
        dut = create();
    }

    @AfterAll
    void stop() {
        ref.close();
        dut.close();
    }

    // ------------------------------------------------------------------------------ helpers

    private static float[] random(long seed, int n, double lo, double hi) {
        Rng rng = new Rng(seed);
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) (lo + (hi - lo) * rng.nextDouble());
        }
        return v;
    }

    private static float[] download(Backend b, Storage s) {
        float[] out = new float[s.size()];
        b.download(s, out);
        return out;
    }

    private static void assertClose(String what, float[] got, float[] want, double tol) {
        assertThat(got.length).as(what + ": length").isEqualTo(want.length);
        for (int i = 0; i < want.length; i++) {
            double err = Math.abs((double) got[i] - want[i]);
            boolean bothNaN = Float.isNaN(got[i]) && Float.isNaN(want[i]);
            if (!bothNaN && !(err <= tol * (1 + Math.abs(want[i])))) {
                throw new AssertionError(what + ": element " + i + " is " + got[i] + ", the Java backend gives "
                        + want[i] + " (tolerance " + tol + "·(1 + |want|))");
            }
        }
    }

    /** Runs {@code kernel} on both backends with the same inputs; compares every output buffer. */
    private void compare(String what, double tol, float[][] inputs, int[] outputSizes, Kernel kernel) {
        float[][] want = run(ref, inputs, outputSizes, kernel);
        float[][] got = run(dut, inputs, outputSizes, kernel);
        for (int i = 0; i < want.length; i++) {
            assertClose(what + " output " + i, got[i], want[i], tol);
        }
    }

    private static float[][] run(Backend b, float[][] inputs, int[] outputSizes, Kernel kernel) {
        Storage[] in = new Storage[inputs.length];
        for (int i = 0; i < inputs.length; i++) {
            in[i] = b.upload(inputs[i]);
        }
        Storage[] out = new Storage[outputSizes.length];
        for (int i = 0; i < out.length; i++) {
            // Outputs start non-zero, so a kernel that forgets to overwrite (or accumulates by mistake) shows.
            out[i] = b.upload(random(99 + i, outputSizes[i], -1, 1));
        }
        kernel.run(b, in, out);
        float[][] result = new float[out.length][];
        for (int i = 0; i < out.length; i++) {
            result[i] = download(b, out[i]);
        }
        return result;
    }

    @FunctionalInterface
    interface Kernel {
        void run(Backend b, Storage[] in, Storage[] out);
    }

    // ------------------------------------------------------------------------------ storage

    @Test
    public void storageRoundTripsAndAllocatesZeros() {
        float[] data = random(1, 70_001, -5, 5);
        Storage s = dut.upload(data);
        assertThat(download(dut, s)).containsExactly(data);
        assertThat(download(dut, dut.allocate(300))).containsOnly(0f);
        assertThat(download(dut, dut.allocatePersistent(17))).containsOnly(0f);
        Storage t = dut.allocate(100);
        dut.copy(s, 5, t, 10, 50);
        float[] got = download(dut, t);
        assertThat(Arrays.copyOfRange(got, 10, 60)).containsExactly(Arrays.copyOfRange(data, 5, 55));
        assertThat(Arrays.copyOfRange(got, 60, 100)).containsOnly(0f);
        // Overlapping ranges of one buffer behave as memmove.
        float[] small = random(2, 64, -1, 1);
        Storage o = dut.upload(small);
        dut.copy(o, 0, o, 8, 40);
        float[] expected = small.clone();
        System.arraycopy(small, 0, expected, 8, 40);
        assertThat(download(dut, o)).containsExactly(expected);
        dut.fill(o, 2.5f, 10);
        assertThat(Arrays.copyOfRange(download(dut, o), 0, 10)).containsOnly(2.5f);
    }

    // ---------------------------------------------------------------------------------- GEMM

    @Test
    public void gemmInEveryLayoutBatchedAndAccumulating() {
        int m = 7, n = 19, k = 33, batch = 3;
        for (boolean ta : new boolean[]{false, true}) {
            for (boolean tb : new boolean[]{false, true}) {
                for (boolean acc : new boolean[]{false, true}) {
                    for (int bStride : new int[]{0, k * n}) {
                        int bs = bStride;
                        compare("gemm transA=" + ta + " transB=" + tb + " acc=" + acc + " bStride=" + bs, SUMS,
                                new float[][]{random(3, batch * m * k, -1, 1), random(4, batch * k * n, -1, 1)},
                                new int[]{batch * m * n}, (b, in, out) -> b.gemm(batch, ta, tb, m, n, k, in[0], m * k,
                                        in[1], bs, out[0], acc));
                    }
                }
            }
        }
        compare("gemm narrow", SUMS, new float[][]{random(5, 40 * 6, -1, 1), random(6, 6 * 3, -1, 1)},
                new int[]{40 * 3}, (b, in, out) -> b.gemm(1, false, false, 40, 3, 6, in[0], 0, in[1], 0, out[0], false));
        compare("gemm k=0", SUMS, new float[][]{new float[0], new float[0]}, new int[]{12},
                (b, in, out) -> b.gemm(1, false, false, 3, 4, 0, in[0], 0, in[1], 0, out[0], false));
        compare("gemmBias", SUMS, new float[][]{random(7, 9 * 20, -1, 1), random(8, 20 * 24, -1, 1),
                random(9, 24, -1, 1)}, new int[]{9 * 24},
                (b, in, out) -> b.gemmBias(false, false, 9, 24, 20, in[0], in[1], in[2], out[0]));
    }

    @Test
    public void fusedMlpForwardAndBackward() {
        int rows = 37;
        int[] widths = {3, 32, 32, 2};
        UnaryOp[] act = {UnaryOp.SILU, UnaryOp.TANH, null};
        float[][] inputs = {random(10, rows * 3, -2, 2), random(11, 3 * 32, -0.5, 0.5), random(12, 32 * 32, -0.2, 0.2),
                random(13, 32 * 2, -0.3, 0.3), random(14, 32, -0.1, 0.1), random(15, 32, -0.1, 0.1),
                random(16, 2, -0.1, 0.1), random(17, rows * 2, -1, 1)};
        compare("mlpForward", SUMS, inputs, new int[]{rows * 2}, (b, in, out) -> b.mlpForward(rows, widths, in[0],
                new Storage[]{in[1], in[2], in[3]}, new Storage[]{in[4], in[5], in[6]}, act, out[0]));
        compare("mlpForwardTrain + mlpBackward", SUMS, inputs,
                new int[]{rows * 32, rows * 32, rows * 32, rows * 32, rows * 2, 3 * 32, 32 * 32, 32 * 2, 32, 32, 2,
                        rows * 3}, (b, in, out) -> {
                    Storage[] pre = {out[0], out[2], out[4]};
                    Storage[] post = {out[1], out[3], out[4]};
                    Storage[] sigma = {b.allocate(rows * 32), null, null};
                    Storage[] w = {in[1], in[2], in[3]};
                    b.mlpForwardTrain(rows, widths, in[0], w, new Storage[]{in[4], in[5], in[6]}, act, pre, post,
                            sigma);
                    b.mlpBackward(rows, widths, in[0], w, act, pre, post, sigma, in[7],
                            new Storage[]{out[5], out[6], out[7]}, new Storage[]{out[8], out[9], out[10]}, out[11]);
                });
    }

    // ---------------------------------------------------------------------------- elementwise

    @Test
    public void unaryAffinePowAndSilu() {
        int n = 1000;
        for (UnaryOp op : UnaryOp.values()) {
            boolean positive = op == UnaryOp.LOG || op == UnaryOp.SQRT;
            float[] x = random(20 + op.ordinal(), n, positive ? 0.01 : -4, 4);
            compare("unary " + op, ELEMENTWISE, new float[][]{x}, new int[]{n},
                    (b, in, out) -> b.unary(op, in[0], out[0], n));
        }
        float[] x = random(40, n, -3, 3);
        compare("affine", ELEMENTWISE, new float[][]{x}, new int[]{n}, (b, in, out) -> b.affine(in[0], -1.5f, 0.25f,
                out[0], n));
        for (float p : new float[]{1f, 2f, 3f, 0.5f, -1.5f}) {
            compare("pow " + p, ELEMENTWISE, new float[][]{random(41, n, 0.1, 3)}, new int[]{n},
                    (b, in, out) -> b.pow(in[0], p, out[0], n));
        }
        compare("silu", ELEMENTWISE, new float[][]{x}, new int[]{n, n}, (b, in, out) -> b.silu(in[0], out[0], out[1],
                n));
        compare("siluBackward", ELEMENTWISE, new float[][]{random(42, n, -1, 1), x, random(43, n, 0, 1)},
                new int[]{n}, (b, in, out) -> b.siluBackward(in[0], in[1], in[2], out[0], n));
    }

    @Test
    public void binaryWithBroadcastingAndReductions() {
        int[] shape = {2, 3, 5, 7};
        int[] full = {105, 35, 7, 1};
        int[] row = {0, 0, 0, 1};           // a [7] vector
        int[] col = {15, 5, 1, 0};          // a [2, 3, 5, 1] tensor
        int[] mid = {0, 1, 0, 0};           // a [3, 1, 1] tensor
        for (BinaryOp op : BinaryOp.values()) {
            compare("binary " + op + " full/full", ELEMENTWISE,
                    new float[][]{random(50, 210, -2, 2), random(51, 210, 0.5, 2)}, new int[]{210},
                    (b, in, out) -> b.binary(op, in[0], full, in[1], full, out[0], shape));
            compare("binary " + op + " row/col", ELEMENTWISE,
                    new float[][]{random(52, 7, -2, 2), random(53, 30, 0.5, 2)}, new int[]{210},
                    (b, in, out) -> b.binary(op, in[0], row, in[1], col, out[0], shape));
            compare("binary " + op + " mid/full", ELEMENTWISE,
                    new float[][]{random(54, 3, -2, 2), random(55, 210, 0.5, 2)}, new int[]{210},
                    (b, in, out) -> b.binary(op, in[0], mid, in[1], full, out[0], shape));
        }
        float[] x = random(56, 210, -1, 1);
        int[][] outs = {{1, 1, 1, 1}, {2, 1, 1, 1}, {1, 3, 1, 7}, {2, 3, 5, 1}, {1, 1, 5, 7}, {2, 3, 5, 7}};
        for (int[] o : outs) {
            int size = o[0] * o[1] * o[2] * o[3];
            compare("reduceSum to " + Arrays.toString(o), SUMS, new float[][]{x}, new int[]{size},
                    (b, in, out) -> b.reduceSum(in[0], shape, out[0], o));
        }
        compare("reduceSum of 100,000", SUMS, new float[][]{random(57, 100_000, 0, 1)}, new int[]{1},
                (b, in, out) -> b.reduceSum(in[0], new int[]{1, 1, 1, 100_000}, out[0], new int[]{1, 1, 1, 1}));
    }

    @Test
    public void columnsGatherAndIndexAdd() {
        compare("copyColumns", ELEMENTWISE, new float[][]{random(60, 6 * 9, -1, 1)}, new int[]{6 * 5},
                (b, in, out) -> b.copyColumns(in[0], 9, 2, out[0], 5, 1, 6, 4));
        int[] idx = {3, 0, 3, 1, 4, 4, 4, 2};
        compare("gatherRows", ELEMENTWISE, new float[][]{random(61, 5 * 6, -1, 1)}, new int[]{8 * 6},
                (b, in, out) -> b.gatherRows(in[0], 6, idx, out[0]));
        compare("indexAdd", ELEMENTWISE, new float[][]{random(62, 8 * 6, -1, 1)}, new int[]{5 * 6},
                (b, in, out) -> b.indexAdd(8, 6, idx, in[0], out[0], 5));
    }

    // --------------------------------------------------------------------------------- images

    @Test
    public void convolutionsAndTheirGradients() {
        int[][] cases = {{2, 3, 6, 5, 4, 3, 3, 1, 1}, {1, 2, 7, 7, 3, 3, 3, 2, 0}, {2, 4, 5, 5, 2, 1, 1, 1, 0},
                {1, 2, 6, 8, 3, 2, 3, 2, 1}};
        for (int[] c : cases) {
            int batch = c[0], cin = c[1], h = c[2], w = c[3], cout = c[4], kh = c[5], kw = c[6], s = c[7], p = c[8];
            int ho = (h + 2 * p - kh) / s + 1;
            int wo = (w + 2 * p - kw) / s + 1;
            String name = Arrays.toString(c);
            float[][] in = {random(70, batch * cin * h * w, -1, 1), random(71, cout * cin * kh * kw, -1, 1),
                    random(72, cout, -1, 1), random(73, batch * cout * ho * wo, -1, 1)};
            compare("conv2d " + name, SUMS, in, new int[]{batch * cout * ho * wo, batch * cout * ho * wo},
                    (b, x, out) -> {
                        b.conv2d(batch, cin, h, w, cout, kh, kw, s, p, x[0], x[1], x[2], out[0]);
                        b.conv2d(batch, cin, h, w, cout, kh, kw, s, p, x[0], x[1], null, out[1]);
                    });
            compare("conv2d backward " + name, SUMS, in, new int[]{batch * cin * h * w, cout * cin * kh * kw},
                    (b, x, out) -> {
                        b.conv2dBackwardInput(batch, cin, h, w, cout, kh, kw, s, p, x[3], x[1], out[0]);
                        b.conv2dBackwardWeight(batch, cin, h, w, cout, kh, kw, s, p, x[0], x[3], out[1]);
                    });
        }
    }

    @Test
    public void softmaxAndGroupNorm() {
        compare("softmaxRows", SUMS, new float[][]{random(80, 9 * 31, -6, 6)}, new int[]{9 * 31},
                (b, in, out) -> b.softmaxRows(9, 31, in[0], out[0]));
        int batch = 3, channels = 6, spatial = 10, groups = 2;
        int n = batch * channels * spatial;
        float[][] in = {random(81, n, -2, 3), random(82, channels, 0.5, 1.5), random(83, channels, -1, 1),
                random(84, n, -1, 1)};
        for (boolean affine : new boolean[]{true, false}) {
            compare("groupNorm affine=" + affine, SUMS, in,
                    new int[]{n, batch * groups, batch * groups, n, channels, channels}, (b, x, out) -> {
                        Storage gamma = affine ? x[1] : null;
                        b.groupNormForward(batch, channels, spatial, groups, 1e-5f, x[0], gamma, affine ? x[2] : null,
                                out[0], out[1], out[2]);
                        b.groupNormBackward(batch, channels, spatial, groups, x[0], gamma, out[1], out[2], x[3],
                                out[3], out[4], out[5]);
                    });
        }
    }

    // ----------------------------------------------------------------------- random, optimiser

    @Test
    public void randomFillsFollowTheCounterBasedStreams() {
        long[] keys = {11L, -3L, 1L << 40};
        compare("fillNormal", 1e-7, new float[0][], new int[]{3 * 50}, (b, in, out) -> b.fillNormal(out[0], 3, 50, keys,
                123));
        compare("fillUniform", 1e-7, new float[0][], new int[]{3 * 50}, (b, in, out) -> b.fillUniform(out[0], 3, 50,
                keys, 7));
    }

    @Test
    public void adamAndEma() {
        int n = 500;
        float[][] in = {random(90, n, -1, 1), random(91, n, -1, 1), random(92, n, -0.1, 0.1), random(93, n, 0, 0.01)};
        compare("adamStep", ELEMENTWISE, in, new int[]{n, n, n}, (b, x, out) -> {
            b.copy(x[0], 0, out[0], 0, n);
            b.copy(x[2], 0, out[1], 0, n);
            b.copy(x[3], 0, out[2], 0, n);
            b.adamStep(out[0], x[1], out[1], out[2], n, 1e-3f, 0.9f, 0.999f, 1e-8f, 0.01f, 0.1f, 0.001f);
        });
        compare("emaUpdate", ELEMENTWISE, in, new int[]{n}, (b, x, out) -> {
            b.copy(x[0], 0, out[0], 0, n);
            b.emaUpdate(out[0], x[1], n, 0.999f);
        });
    }

    // ------------------------------------------------------------------------ gradient checks

    /** Reverse-mode gradients of composite ops on the backend under test, against central differences. */
    @Test
    public void gradientChecks() {
        GradientCheck check = new GradientCheck(dut);
        List<Function<List<Tensor>, Tensor>> fs = new ArrayList<>();
        List<String> names = new ArrayList<>();
        List<GradientCheck.Inputs> inputs = new ArrayList<>();
        names.add("tanh(x·W + b).silu");
        fs.add(xs -> xs.get(0).linear(xs.get(1), xs.get(2)).tanh().silu());
        inputs.add(inputs(new int[]{4, 3}, new int[]{3, 5}, new int[]{5}));
        names.add("conv2d → groupNorm → softmax");
        fs.add(xs -> xs.get(0).conv2d(xs.get(1), xs.get(2), 1, 1).groupNorm(2, xs.get(3), xs.get(4), 1e-5)
                .reshape(2 * 4, 9).softmax());
        inputs.add(inputs(new int[]{2, 2, 3, 3}, new int[]{4, 2, 3, 3}, new int[]{4}, new int[]{4}, new int[]{4}));
        names.add("indexSelect (embedding lookup), sum over rows, exp");
        fs.add(xs -> xs.get(0).indexSelect(new int[]{2, 0, 2, 1}).sum(0).exp());
        inputs.add(inputs(new int[]{3, 4}));
        for (int i = 0; i < fs.size(); i++) {
            check.checkFirstOrder(names.get(i), fs.get(i), inputs.get(i), 17 + i);
        }
    }

    private static GradientCheck.Inputs inputs(int[]... shapes) {
        List<float[]> values = new ArrayList<>();
        List<int[]> shapeList = new ArrayList<>();
        long seed = 100;
        for (int[] s : shapes) {
            int n = Arrays.stream(s).reduce(1, (a, b) -> a * b);
            float[] v = random(seed++, n, 0.3, 1.2);
            Rng signs = new Rng(seed * 31);
            for (int i = 0; i < n; i++) {
                v[i] = signs.nextDouble() < 0.5 ? -v[i] : v[i];
            }
            values.add(v);
            shapeList.add(s);
        }
        return new GradientCheck.Inputs(values, shapeList);
    }

    // ------------------------------------------------------------------------ end to end

    /**
     * The probability-flow ODE of a Gaussian mixture under the linear interpolant, with the exact
     * velocity computed by tensor ops on the backend ({@link DifferentiableMixtureOracle}), 50 Euler
     * steps from noise: the samples match the Java backend's, and the mixture (its per-component
     * shares, means and spreads) within the discretisation and Monte-Carlo error the Java backend
     * itself has, plus 0.05.
     */
    @Test
    public void gaussianMixtureOracleSampling() {
        GaussianMixture mixture = new GaussianMixture(new double[][]{{-2, 0.5}, {1.5, 1.5}, {1, -2}},
                new double[]{0.3, 0.6, 0.25}, new double[]{0.2, 0.5, 0.3});
        float[] want = oracleOde(ref, mixture);
        float[] got = oracleOde(dut, mixture);
        assertClose("oracle ODE samples", got, want, 1e-3);
        double refError = mixture.sampleError(want);
        assertThat(mixture.sampleError(got)).isLessThan(refError + 0.05);
        assertThat(refError).as("the Java backend's own sample").isLessThan(0.3);
    }

    private static float[] oracleOde(Backend b, GaussianMixture mixture) {
        int n = 2000;
        int steps = 50;
        Parameterization velocity = () -> View.VELOCITY;
        DifferentiableMixtureOracle oracle = new DifferentiableMixtureOracle(mixture,
                PluginTestSupport.linearInterpolant(), velocity);
        long[] keys = new long[n];
        for (int r = 0; r < n; r++) {
            keys[r] = 1000 + r;
        }
        Tensor x = Tensor.randn(b, keys, 0, 2);
        double dt = 1.0 / steps;
        for (int s = 0; s < steps; s++) {
            double t = 1.0 - s * dt;
            Tensor v = oracle.forward(x, Tensor.full(b, (float) t, n, 1));
            x = x.sub(v.mul(dt));
        }
        return x.toArray();
    }

    /** A small regression MLP trained with Adam: the loss curve follows the Java backend's. */
    @Test
    public void shortTrainingRunFollowsTheJavaBackend() {
        double[] want = train(ref);
        double[] got = train(dut);
        for (int i = 0; i < want.length; i++) {
            assertThat(got[i]).as("loss at step %d", i + 1).isCloseTo(want[i], org.assertj.core.data.Offset.offset(
                    1e-3 * (1 + want[i])));
        }
        assertThat(want[want.length - 1]).as("the run learns").isLessThan(0.5 * want[0]);
    }

    /** Two identical runs on the backend under test give bit-identical losses and weights. */
    @Test
    public void deterministicOnOneDevice() {
        assertThat(train(dut)).containsExactly(train(dut));
        GaussianMixture mixture = GaussianMixture.twoBlobs();
        assertThat(oracleOde(dut, mixture)).containsExactly(oracleOde(dut, mixture));
    }

    private static double[] train(Backend b) {
        int rows = 64;
        int steps = 40;
        int[] widths = {2, 32, 32, 1};
        UnaryOp[] act = {UnaryOp.SILU, UnaryOp.SILU, null};
        Tensor[] w = new Tensor[3];
        Tensor[] bias = new Tensor[3];
        Tensor[] m = new Tensor[6];
        Tensor[] v = new Tensor[6];
        for (int l = 0; l < 3; l++) {
            double scale = 1 / Math.sqrt(widths[l]);
            w[l] = Tensor.of(b, random(200 + l, widths[l] * widths[l + 1], -scale, scale), widths[l], widths[l + 1])
                    .requiresGrad(true);
            bias[l] = Tensor.zeros(b, widths[l + 1]).requiresGrad(true);
        }
        for (int i = 0; i < 6; i++) {
            int size = (i < 3 ? w[i] : bias[i - 3]).size();
            m[i] = Tensor.zeros(b, size);
            v[i] = Tensor.zeros(b, size);
        }
        float[] xs = random(300, rows * 2, -1, 1);
        float[] ys = new float[rows];
        for (int r = 0; r < rows; r++) {
            ys[r] = (float) (Math.sin(3 * xs[2 * r]) * xs[2 * r + 1]);
        }
        Tensor x = Tensor.of(b, xs, rows, 2);
        Tensor y = Tensor.of(b, ys, rows, 1);
        double[] losses = new double[steps];
        for (int s = 0; s < steps; s++) {
            b.beginStep();
            Tensor loss = x.mlp(w, bias, act).sub(y).square().mean();
            List<Tensor> params = new ArrayList<>(List.of(w));
            params.addAll(List.of(bias));
            List<Tensor> grads = Tensor.grad(loss, params, false);
            losses[s] = loss.item();
            float c1 = (float) (1 - Math.pow(0.9, s + 1));
            float c2 = (float) (1 - Math.pow(0.999, s + 1));
            for (int i = 0; i < 6; i++) {
                Tensor p = params.get(i);
                b.adamStep(p.storage(), grads.get(i).storage(), m[i].storage(), v[i].storage(), p.size(), 1e-2f, 0.9f,
                        0.999f, 1e-8f, 0f, c1, c2);
            }
            b.endStep();
        }
        return losses;
    }
}
