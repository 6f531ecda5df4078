package org.diffusion4j.plugin.unet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.diffusion4j.plugin.unet.UNetTestSupport.count;
import static org.diffusion4j.plugin.unet.UNetTestSupport.perturb;
import static org.diffusion4j.plugin.unet.UNetTestSupport.torchListing;
import static org.diffusion4j.plugin.unet.UNetTestSupport.torchShape;
import static org.diffusion4j.plugin.unet.UNetTestSupport.unet;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.diffusion4j.api.Conditioning;
import org.diffusion4j.api.Network;
import org.diffusion4j.api.config.ConfigException;
import org.diffusion4j.api.tensor.Backend;
import org.diffusion4j.api.tensor.Rng;
import org.diffusion4j.api.tensor.Tensor;
import org.junit.jupiter.api.Test;

class UNetNetworkTest {

    private static final int[] FMNIST = {1, 28, 28};
    private static final int[] SMALL = {1, 8, 8};

    private final Backend backend = UNetTestSupport.backend();

    /** A tiny U-Net on 1×8×8: base 8, two levels (8 and 4 px), one block, attention at 4 px, GroupNorm(2). */
    private static Map<String, Object> tiny(Object... more) {
        Map<String, Object> o = new HashMap<>(Map.of("base-channels", 8, "channel-multipliers", "1,2", "blocks", 1,
                "attention-resolutions", "4", "groups", 2));
        for (int i = 0; i < more.length; i += 2) {
            o.put((String) more[i], more[i + 1]);
        }
        return o;
    }

    private Tensor images(long seed, int batch, int[] shape) {
        int d = shape[0] * shape[1] * shape[2];
        return Tensor.randn(backend, new Rng(seed), batch, d).reshape(batch, shape[0], shape[1], shape[2]);
    }

    private Tensor times(int batch) {
        float[] t = new float[batch];
        for (int i = 0; i < batch; i++) {
            t[i] = (i + 1f) / (batch + 1f);
        }
        return Tensor.of(backend, t, batch, 1);
    }

    @Test
    void parameterCountsAreThePeersDescribe() {
        // python3 peers/unet_fmnist.py --describe [--base 16 --blocks 1]
        assertThat(count(unet(backend, Map.of(), 0, FMNIST, 0, 0))).isEqualTo(1_623_169);
        assertThat(count(unet(backend, Map.of("base-channels", 16, "blocks", 1), 0, FMNIST, 0, 0))).isEqualTo(280_177);
    }

    @Test
    void parameterNamesAndShapesAreThePyTorchStateDict() throws IOException {
        assertSameAsTorch(unet(backend, Map.of(), 0, FMNIST, 0, 0), "ref-unet-s.txt");
        assertSameAsTorch(unet(backend, tiny("classes", 3), 0, SMALL, 3, 0), "small-conditional.txt");
    }

    private static void assertSameAsTorch(Network n, String listing) throws IOException {
        List<UNetTestSupport.TorchParameter> torch = torchListing(listing);
        List<String> names = new ArrayList<>(n.parameters().keySet());
        assertThat(names).containsExactlyElementsOf(torch.stream().map(UNetTestSupport.TorchParameter::name).toList());
        for (UNetTestSupport.TorchParameter p : torch) {
            assertThat(torchShape(p.name(), n.parameters().get(p.name()).shape())).as(p.name()).containsExactly(p.shape());
        }
    }

    @Test
    void initialisationIsPyTorchsDefaultAndZeroLayersAreZero() {
        Map<String, Tensor> p = unet(backend, Map.of(), 3, FMNIST, 0, 0).parameters();
        assertWithinAndSpread(p.get("conv_in.weight").toArray(), 1 / Math.sqrt(1 * 3 * 3));
        assertWithinAndSpread(p.get("conv_in.bias").toArray(), 1 / Math.sqrt(1 * 3 * 3));
        assertWithinAndSpread(p.get("down.0.0.conv1.weight").toArray(), 1 / Math.sqrt(32 * 3 * 3));
        assertWithinAndSpread(p.get("up.0.0.skip.weight").toArray(), 1 / Math.sqrt(128));
        assertWithinAndSpread(p.get("time.0.weight").toArray(), 1 / Math.sqrt(32));
        assertWithinAndSpread(p.get("mid1.emb.bias").toArray(), 1 / Math.sqrt(128));
        assertThat(p.get("down.0.0.norm1.weight").toArray()).containsOnly(1f);
        assertThat(p.get("down.0.0.norm1.bias").toArray()).containsOnly(0f);
        for (String zero : List.of("down.0.0.conv2.weight", "down.0.0.conv2.bias", "mid_attn.proj.weight",
                "mid_attn.proj.bias", "out.2.weight", "out.2.bias", "up.2.1.proj.weight", "up.8.0.conv2.weight")) {
            assertThat(p.get(zero).toArray()).as(zero).containsOnly(0f);
        }
        float[] table = unet(backend, Map.of("classes", 10), 3, FMNIST, 10, 0).parameters().get("label.weight").toArray();
        assertThat(table).hasSize(11 * 128);
        double mean = 0;
        double sq = 0;
        for (float v : table) {
            mean += v / table.length;
            sq += (double) v * v / table.length;
        }
        assertThat(mean).isBetween(-0.1, 0.1);
        assertThat(Math.sqrt(sq - mean * mean)).isBetween(0.9, 1.1);   // N(0, 1)
    }

    private static void assertWithinAndSpread(float[] v, double bound) {
        double max = 0;
        for (float x : v) {
            max = Math.max(max, Math.abs(x));
        }
        assertThat(max).isLessThanOrEqualTo(bound * (1 + 1e-6)).isGreaterThan(0.5 * bound);   // 1e-6: float rounding
    }

    @Test
    void sameSeedSameWeightsBitForBit() {
        Map<String, Tensor> a = unet(backend, tiny("classes", 3), 42, SMALL, 3, 0).parameters();
        Map<String, Tensor> b = unet(backend, tiny("classes", 3), 42, SMALL, 3, 0).parameters();
        Map<String, Tensor> c = unet(backend, tiny("classes", 3), 43, SMALL, 3, 0).parameters();
        boolean anyDiffers = false;
        for (String name : a.keySet()) {
            assertThat(a.get(name).toArray()).as(name).containsExactly(b.get(name).toArray());
            anyDiffers |= !java.util.Arrays.equals(a.get(name).toArray(), c.get(name).toArray());
        }
        assertThat(anyDiffers).isTrue();
    }

    @Test
    void outputHasTheDataShapeAndIsZeroAtInit() {
        Network n = unet(backend, tiny(), 1, SMALL, 0, 0);
        Tensor out = n.forward(images(5, 3, SMALL), times(3));
        assertThat(out.shape()).containsExactly(3, 1, 8, 8);
        assertThat(out.toArray()).containsOnly(0f);   // zero-initialised output convolution
        assertThat(n.labelCount()).isZero();

        // 3 channels, 16×8 (non-square), with the defaults' level count.
        Network rgb = unet(backend, tiny("channel-multipliers", "1,2,2", "attention-resolutions", "16,4"), 1,
                new int[]{3, 16, 8}, 0, 0);
        assertThat(rgb.forward(images(6, 2, new int[]{3, 16, 8}), times(2)).shape()).containsExactly(2, 3, 16, 8);
    }

    @Test
    void extraOutputsBecomeExtraChannels() {
        // A learned variance: one extra value per data value = 64 per 1×8×8 sample → 2 channels.
        Network n = unet(backend, tiny(), 1, SMALL, 0, 64);
        assertThat(n.forward(images(5, 2, SMALL), times(2)).shape()).containsExactly(2, 2, 8, 8);
        // As samplers and losses see it: flat rows in, [batch, D + extra] out.
        Network flat = n.overFlatSamples(SMALL);
        assertThat(flat.forward(Tensor.randn(backend, new Rng(1), 2, 64), times(2)).shape()).containsExactly(2, 128);
        Network rgb = unet(backend, tiny(), 1, new int[]{3, 8, 8}, 0, 3 * 64);
        assertThat(rgb.forward(images(5, 2, new int[]{3, 8, 8}), times(2)).shape()).containsExactly(2, 6, 8, 8);
    }

    @Test
    void conditionalOutputDependsOnTheLabelAndTakesTheNullLabel() {
        Network n = unet(backend, tiny("classes", 3), 1, SMALL, 3, 0);
        assertThat(n.labelCount()).isEqualTo(3);
        perturb(n, 9);
        Tensor x = images(5, 2, SMALL);
        Tensor t = times(2);
        float[] y0 = n.forward(x, t, Conditioning.labels(0, 0)).toArray();
        float[] y1 = n.forward(x, t, Conditioning.labels(1, 1)).toArray();
        float[] yNull = n.forward(x, t, Conditioning.labels(3, 3)).toArray();
        assertThat(y0).isNotEqualTo(y1);
        assertThat(yNull).isNotEqualTo(y0);
        // No conditioning = the null label, bit for bit.
        assertThat(n.forward(x, t, Conditioning.none()).toArray()).containsExactly(yNull);
        assertThat(n.forward(x, t).toArray()).containsExactly(yNull);
        // Each sample sees its own label.
        float[] mixed = n.forward(x, t, Conditioning.labels(0, 1)).toArray();
        int half = mixed.length / 2;
        assertThat(java.util.Arrays.copyOfRange(mixed, 0, half)).containsExactly(java.util.Arrays.copyOfRange(y0, 0, half));
        assertThat(java.util.Arrays.copyOfRange(mixed, half, 2 * half))
                .containsExactly(java.util.Arrays.copyOfRange(y1, half, 2 * half));
        // Through the wrapper samplers see.
        assertThat(n.conditionedOn(Conditioning.labels(1, 1)).forward(x, t).toArray()).containsExactly(y1);
    }

    @Test
    void outputDependsOnTime() {
        Network n = unet(backend, tiny(), 1, SMALL, 0, 0);
        perturb(n, 4);
        Tensor x = images(5, 2, SMALL);
        float[] a = n.forward(x, Tensor.full(backend, 0.1f, 2, 1)).toArray();
        float[] b = n.forward(x, Tensor.full(backend, 0.9f, 2, 1)).toArray();
        assertThat(a).isNotEqualTo(b);
        UNetTestSupport.assertFinite(a);
    }

    @Test
    void labelsOutOfRangeOrOnAnUnconditionalNetworkAreConfigErrors() {
        Network n = unet(backend, tiny("classes", 3), 1, SMALL, 3, 0);
        Tensor x = images(5, 2, SMALL);
        Tensor t = times(2);
        assertThatThrownBy(() -> n.forward(x, t, Conditioning.labels(0, 4)))
                .isInstanceOf(ConfigException.class).hasMessageContaining("label 4").hasMessageContaining("[0, 3]");
        assertThatThrownBy(() -> n.forward(x, t, Conditioning.labels(-1, 0)))
                .isInstanceOf(ConfigException.class).hasMessageContaining("label -1");
        Network u = unet(backend, tiny(), 1, SMALL, 0, 0);
        assertThatThrownBy(() -> u.forward(x, t, Conditioning.labels(0, 1)))
                .isInstanceOf(ConfigException.class).hasMessageContaining("unconditional");
    }

    @Test
    void dataAndOptionsItCannotBuildAreOneLineConfigErrors() {
        assertConfigError(() -> unet(backend, tiny(), 1, new int[]{64}, 0, 0), "[64]", "[channels, height, width]");
        assertConfigError(() -> unet(backend, tiny(), 1, new int[]{1, 8, 8, 2}, 0, 0), "[1, 8, 8, 2]", "[channels, height, width]");
        assertConfigError(() -> unet(backend, Map.of(), 1, new int[]{1, 30, 30}, 0, 0), "[1, 30, 30]", "multiples of 4");
        assertConfigError(() -> unet(backend, tiny(), 1, new int[]{1, 7, 8}, 0, 0), "[1, 7, 8]", "multiples of 2");
        assertConfigError(() -> unet(backend, tiny("attention-resolutions", "7"), 1, SMALL, 0, 0),
                "'attention-resolutions'", "[8, 4]");
        assertConfigError(() -> unet(backend, tiny("attention-resolutions", "4,x"), 1, SMALL, 0, 0),
                "'attention-resolutions'", "positive integers");
        assertConfigError(() -> unet(backend, tiny("channel-multipliers", ""), 1, SMALL, 0, 0),
                "'channel-multipliers'", "positive integers");
        assertConfigError(() -> unet(backend, tiny("channel-multipliers", "1,0"), 1, SMALL, 0, 0),
                "'channel-multipliers'", "positive integers");
        assertConfigError(() -> unet(backend, tiny("groups", 3), 1, SMALL, 0, 0), "'groups'", "base-channels = 8");
        assertConfigError(() -> unet(backend, tiny("base-channels", 9, "groups", 1), 1, SMALL, 0, 0),
                "'base-channels'", "even");
        assertConfigError(() -> unet(backend, tiny("dropout", 0.1), 1, SMALL, 0, 0), "'dropout'", "[0, 0]");
        assertConfigError(() -> unet(backend, tiny("classes", 3), 1, SMALL, 10, 0), "'classes'", "10 classes");
        assertConfigError(() -> unet(backend, tiny(), 1, SMALL, 0, 10), "10 extra outputs", "8×8");
        assertConfigError(() -> unet(backend, tiny("depth", 2), 1, SMALL, 0, 0), "unknown option 'depth'", "blocks");
        // Empty attention resolutions: only the middle attends.
        Network none = unet(backend, tiny("attention-resolutions", ""), 1, SMALL, 0, 0);
        assertThat(none.parameters().keySet()).noneMatch(k -> k.startsWith("down.") && k.contains(".1.qkv"));
        assertThat(none.parameters()).containsKey("mid_attn.qkv.weight");
    }

    private static void assertConfigError(org.assertj.core.api.ThrowableAssert.ThrowingCallable call, String... parts) {
        var a = assertThatThrownBy(call).isInstanceOf(ConfigException.class).hasMessageStartingWith("unet");
        for (String p : parts) {
            a.hasMessageContaining(p);
        }
        a.satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));
    }

    @Test
    void gradientReachesEveryParameter() {
        Network n = unet(backend, tiny("classes", 3), 1, SMALL, 3, 64);
        perturb(n, 11);   // zero layers would otherwise block the gradient of everything before them
        Tensor x = images(5, 2, SMALL);
        Tensor out = n.forward(x, times(2), Conditioning.labels(0, 3));
        Tensor weights = Tensor.randn(backend, new Rng(8), 2, 128).reshape(2, 2, 8, 8);
        out.mul(weights).mean().backward();
        for (Map.Entry<String, Tensor> e : n.parameters().entrySet()) {
            Tensor g = e.getValue().grad();
            assertThat(g).as(e.getKey()).isNotNull();
            assertThat(g.shape()).as(e.getKey()).containsExactly(e.getValue().shape());
            float[] v = g.toArray();
            UNetTestSupport.assertFinite(v);
            double norm = 0;
            for (float f : v) {
                norm += (double) f * f;
            }
            assertThat(norm).as("gradient norm of " + e.getKey()).isGreaterThan(0);
        }
        // Only the looked-up rows of the label table (0 and the null label 3) get a gradient.
        float[] table = n.parameters().get("label.weight").grad().toArray();
        int e = table.length / 4;
        assertThat(java.util.Arrays.copyOfRange(table, e, 3 * e)).containsOnly(0f);
    }
}
