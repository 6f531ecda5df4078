package org.diffusion4j.plugin.dinof;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.assertj.core.data.Offset;
import org.diffusion4j.api.tensor.Backend;
import org.diffusion4j.api.tensor.Rng;
import org.diffusion4j.api.tensor.Tensor;
import org.diffusion4j.runtime.testing.PluginTestSupport;
import org.junit.jupiter.api.Test;

/**
 * The image flow's layers (squeeze, per-channel actnorm, invertible 1×1 convolution, convolutional
 * affine coupling) and the multi-scale flow are invertible and their log-determinants exact: round
 * trips to float tolerance, log|det J| of the autograd Jacobian (computed in double from the float
 * Jacobian), and a flow fitted to a correlated Gaussian on 4×4 images recovers its entropy.
 */
class ImageFlowTest {

    private final Backend backend = PluginTestSupport.backend();

    private static void perturb(Map<String, Tensor> parameters, Rng rng, double scale) {
        for (Tensor p : parameters.values()) {
            float[] v = p.toArray();
            for (int i = 0; i < v.length; i++) {
                v[i] += (float) (scale * rng.nextGaussian());
            }
            p.load(v);
        }
    }

    private Tensor images(long seed, int n, int c, int h, int w) {
        return Tensor.randn(backend, new Rng(seed), n, c * h * w).mul(1.5).add(0.3).reshape(n, c, h, w);
    }

    private List<FlowLayer> layers(int c) {
        return List.of(new Squeeze(), new ChannelActNorm(backend, c), new InvertibleLinear(backend, c, "invconv"),
                new ConvAffineCoupling(backend, new Rng(7), c, 8));
    }

    @Test
    void everyLayerRoundTripsToFloatTolerance() {
        for (int c : new int[]{2, 3, 4}) {
            Tensor x = images(1, 16, c, 4, 6);
            for (FlowLayer layer : layers(c)) {
                layer.forward(x);   // actnorm's data-dependent initialisation
                perturb(layer.parameters(), new Rng(3), 0.3);
                assertRoundTrip(x, t -> layer.forward(t).z(), layer::inverse, layer.kind() + " C=" + c);
            }
        }
    }

    @Test
    void theMultiScaleFlowRoundTripsAndItsZHasTheDataSize() {
        for (int levels : new int[]{1, 2}) {
            ImageFlow flow = new ImageFlow(backend, new Rng(5), new int[]{1, 8, 4}, levels, 2, 8);
            Tensor x = images(2, 32, 1, 8, 4).reshape(32, 32);
            flow.forward(x);
            perturb(flow.parameters(), new Rng(4), 0.2);
            Tensor z = flow.forward(x).z();
            assertThat(z.shape()).containsExactly(32, 32);
            assertRoundTrip(x, t -> flow.forward(t).z(), flow::inverse, "flow L=" + levels);
        }
    }

    @Test
    void squeezeMovesEachTwoByTwoBlockIntoFourChannels() {
        float[] v = new float[16];
        for (int i = 0; i < 16; i++) {
            v[i] = i;
        }
        // one 4×4 channel: the block at (0, 0) is 0, 1, 4, 5
        float[] z = new Squeeze().forward(Tensor.of(backend, v, 1, 1, 4, 4)).z().toArray();
        assertThat(z).containsExactly(0, 2, 8, 10, 1, 3, 9, 11, 4, 6, 12, 14, 5, 7, 13, 15);
    }

    private static void assertRoundTrip(Tensor x, Function<Tensor, Tensor> f, Function<Tensor, Tensor> inv,
                                        String what) {
        Tensor z = f.apply(x);
        float[] back = inv.apply(z).toArray();
        float[] orig = x.toArray();
        float[] zs = z.toArray();
        double moved = 0;
        for (int i = 0; i < orig.length; i++) {
            assertThat((double) back[i]).as(what + " value " + i)
                    .isCloseTo(orig[i], Offset.offset(5e-5 * (1 + Math.abs(orig[i]))));
            moved = Math.max(moved, Math.abs(zs[i] - orig[i]));
        }
        assertThat(moved).as(what + " is not the identity").isGreaterThan(1e-3);
    }

    @Test
    void logDeterminantsEqualLogAbsDetOfTheAutogradJacobian() {
        for (int c : new int[]{2, 4}) {
            Tensor x0 = images(2, 3, c, 2, 4);
            for (FlowLayer layer : layers(c)) {
                layer.forward(images(9, 32, c, 2, 4));
                perturb(layer.parameters(), new Rng(11), 0.4);
                assertLogDet(x0, t -> {
                    FlowLayer.Transformed r = layer.forward(t.reshape(x0.shape()));
                    return new FlowLayer.Transformed(r.z().reshape(t.dim(0), t.dim(1)), r.logDet());
                }, layer.kind() + " C=" + c);
            }
        }
        ImageFlow flow = new ImageFlow(backend, new Rng(5), new int[]{2, 4, 4}, 2, 2, 8);
        flow.forward(images(9, 32, 2, 4, 4).reshape(32, 32));
        perturb(flow.parameters(), new Rng(12), 0.1);
        assertLogDet(images(3, 3, 2, 4, 4), flow::forward, "multi-scale flow");
    }

    /** Compares the layer's log-determinant of each sample with log|det| of its Jacobian, by autograd. */
    private void assertLogDet(Tensor x0, Function<Tensor, FlowLayer.Transformed> f, String what) {
        int n = x0.dim(0);
        int d = x0.size() / n;
        Tensor x = Tensor.of(backend, x0.toArray(), n, d).requiresGrad(true);
        FlowLayer.Transformed t = f.apply(x);
        double[][][] jac = new double[n][d][d];
        for (int j = 0; j < d; j++) {
            float[] g = Tensor.grad(t.z().columns(j, 1).sum(), List.of(x), false).get(0).toArray();
            for (int r = 0; r < n; r++) {
                for (int i = 0; i < d; i++) {
                    jac[r][j][i] = g[r * d + i];
                }
            }
        }
        float[] logDet = t.logDet().toArray();
        assertThat(logDet).hasSize(n);
        for (int r = 0; r < n; r++) {
            assertThat((double) logDet[r]).as(what + " sample " + r)
                    .isCloseTo(FlowTest.logAbsDet(jac[r]), Offset.offset(2e-4 * d));
        }
    }

    @Test
    void aFlowFittedToACorrelatedGaussianOnImagesRecoversItsEntropy() {
        // 4×4 images: in each row y, pixel pairs (x, x+1), x even: a = m + s_y·e1, b = 0.8·a + 0.6·s_y·e2 − 0.5,
        // with s_y = 0.5 on even rows and 2 on odd rows. A linear map of white noise, so the entropy is
        // 8·(log s + log 0.6·s) summed per row + (16/2)·log(2πe).
        double logDet = 0;
        for (int y = 0; y < 4; y++) {
            double s = y % 2 == 0 ? 0.5 : 2.0;
            logDet += 2 * (Math.log(s) + Math.log(0.6 * s));
        }
        double entropy = 8 * Math.log(2 * Math.PI * Math.E) + logDet;
        ImageFlow flow = new ImageFlow(backend, new Rng(1), new int[]{1, 4, 4}, 2, 2, 8);
        Tensor test = correlated(new Rng(99), 4000);
        FlowTest.Adam adam = new FlowTest.Adam(flow.parameters(), 0.01);
        Rng data = new Rng(2);
        Tensor first = correlated(data.split(-1), 256);
        flow.forward(first);   // data-dependent initialisation
        double before = -flow.logProb(test).mean().item();
        for (int step = 0; step < 200; step++) {
            adam.step(flow.logProb(correlated(data.split(step), 64)).mean().neg());
        }
        double after = -flow.logProb(test).mean().item();
        System.out.printf("[ImageFlowTest] correlated Gaussian on 4x4 images: NLL %.4f before, %.4f after fitting,"
                + " entropy %.4f%n", before, after, entropy);
        // the sample entropy of 4000 draws of 16 values scatters by about 4/√4000 ≈ 0.06 nats
        assertThat(after).as("NLL after fitting, entropy " + entropy + ", before " + before)
                .isCloseTo(entropy, Offset.offset(0.15));
        assertThat(before - entropy).as("actnorm's initialisation alone is not already the answer")
                .isGreaterThan(1.5);
    }

    private Tensor correlated(Rng rng, int n) {
        float[] e = Tensor.randn(backend, rng, n, 16).toArray();
        float[] v = new float[16 * n];
        for (int i = 0; i < n; i++) {
            for (int y = 0; y < 4; y++) {
                double s = y % 2 == 0 ? 0.5 : 2.0;
                for (int x = 0; x < 4; x += 2) {
                    int k = i * 16 + y * 4 + x;
                    double a = 1.0 + s * e[k];
                    v[k] = (float) a;
                    v[k + 1] = (float) (0.8 * a + 0.6 * s * e[k + 1] - 0.5);
                }
            }
        }
        return Tensor.of(backend, v, n, 16);
    }

    @Test
    void aShapeThatTheLevelsCannotHalveIsRefused() {
        assertThatThrownBy(() -> new ImageFlow(backend, new Rng(1), new int[]{1, 28, 28}, 3, 1, 8))
                .hasMessageContaining("divisible by 8").hasMessageContaining("[1, 28, 28]");
    }
}
