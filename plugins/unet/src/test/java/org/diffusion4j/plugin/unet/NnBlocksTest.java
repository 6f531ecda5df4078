package org.diffusion4j.plugin.unet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import org.diffusion4j.api.nn.Conv2d;
import org.diffusion4j.api.nn.Embedding;
import org.diffusion4j.api.nn.GroupNorm;
import org.diffusion4j.api.nn.Sequential;
import org.diffusion4j.api.nn.Upsample;
import org.diffusion4j.api.tensor.Backend;
import org.diffusion4j.api.tensor.Rng;
import org.diffusion4j.api.tensor.Tensor;
import org.junit.jupiter.api.Test;

/**
 * The api's image blocks as the U-Net uses them (their kernels are tested in runtime): PyTorch's
 * names, layouts and default initialisation, and the shapes they produce. Here because a plugin
 * is their first user and api has no backend of its own to test with.
 */
class NnBlocksTest {

    private final Backend backend = UNetTestSupport.backend();

    @Test
    void conv2dHasPyTorchsLayoutAndDefaultInit() {
        Conv2d c = new Conv2d(backend, new Rng(1), 3, 5, 3, 2, 1);
        assertThat(c.parameters().keySet()).containsExactly("weight", "bias");
        assertThat(c.weight().shape()).containsExactly(5, 3, 3, 3);
        assertThat(c.bias().shape()).containsExactly(5);
        double bound = 1 / Math.sqrt(3 * 3 * 3);
        for (float v : c.weight().toArray()) {
            assertThat((double) Math.abs(v)).isLessThanOrEqualTo(bound * (1 + 1e-6));   // float rounding
        }
        for (float v : c.bias().toArray()) {
            assertThat((double) Math.abs(v)).isLessThanOrEqualTo(bound * (1 + 1e-6));   // float rounding
        }
        Tensor x = Tensor.randn(backend, new Rng(2), 2, 3 * 8 * 6).reshape(2, 3, 8, 6);
        assertThat(c.forward(x).shape()).containsExactly(2, 5, 4, 3);   // stride 2, padding 1
        Conv2d z = Conv2d.zeroInitialised(backend, 3, 5, 1, 1, 0);
        assertThat(z.weight().toArray()).containsOnly(0f);
        assertThat(z.forward(x).toArray()).containsOnly(0f);
        assertThatThrownBy(() -> c.forward(Tensor.zeros(backend, 2, 4, 8, 8)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("[2, 4, 8, 8]");
    }

    @Test
    void groupNormStartsAsPlainNormalisation() {
        GroupNorm n = new GroupNorm(backend, 2, 4);
        assertThat(n.parameters().keySet()).containsExactly("weight", "bias");
        assertThat(n.parameters().get("weight").toArray()).containsExactly(1f, 1f, 1f, 1f);
        assertThat(n.parameters().get("bias").toArray()).containsExactly(0f, 0f, 0f, 0f);
        Tensor x = Tensor.randn(backend, new Rng(3), 1, 4 * 9).mul(3).add(5).reshape(1, 4, 3, 3);
        float[] y = n.forward(x).toArray();
        for (int g = 0; g < 2; g++) {   // each group of 2 channels × 9 positions: mean 0, variance ≈ 1
            double mean = 0;
            double sq = 0;
            for (int i = g * 18; i < g * 18 + 18; i++) {
                mean += y[i] / 18.0;
                sq += y[i] * y[i] / 18.0;
            }
            assertThat(mean).isCloseTo(0, within(1e-5));
            assertThat(sq - mean * mean).isCloseTo(1, within(1e-3));
        }
        assertThatThrownBy(() -> new GroupNorm(backend, 3, 4)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void embeddingLooksUpStandardNormalRows() {
        Embedding e = new Embedding(backend, new Rng(4), 5, 3);
        assertThat(e.parameters().keySet()).containsExactly("weight");
        float[] table = e.weight().toArray();
        float[] rows = e.forward(4, 0, 4).toArray();
        assertThat(rows).containsExactly(table[12], table[13], table[14], table[0], table[1], table[2],
                table[12], table[13], table[14]);
        assertThatThrownBy(() -> e.forward(5)).isInstanceOf(IndexOutOfBoundsException.class);
    }

    @Test
    void upsampleRepeatsEachValueInABlockAndComposesWithAConv() {
        Tensor x = Tensor.of(backend, new float[]{1, 2, 3, 4}, 1, 1, 2, 2);
        assertThat(new Upsample(2).forward(x).toArray())
                .containsExactly(1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4);
        Sequential up = new Sequential(List.of(new Upsample(2), new Conv2d(backend, new Rng(5), 1, 2, 3, 1, 1)));
        assertThat(up.parameters().keySet()).containsExactly("1.weight", "1.bias");
        assertThat(up.forward(x).shape()).containsExactly(1, 2, 4, 4);
    }
}
