package org.diffusion4j.runtime.backend;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/**
 * The op-code dispatch of the scalar kernels: an op code without a kernel fails naming the code
 * instead of leaving the output unwritten (or passing values through as if there were no op), and
 * "no activation" still means the identity.
 */
class KernelDispatchTest {

    private static final int UNMAPPED = 99;

    @Test
    void unaryWithAnUnmappedOpThrowsNamingIt() {
        float[] x = {1, 2, 3};
        float[] out = new float[3];
        assertThatThrownBy(() -> Kernels.unary(0, 3, UNMAPPED, x, out))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("op code " + UNMAPPED);
    }

    @Test
    void binaryWithAnUnmappedOpThrowsNamingIt() {
        float[] a = {1, 2, 3, 4};
        float[] b = {5, 6, 7, 8};
        float[] out = new float[4];
        int[] strides = {0, 0, 0, 1};
        int[] shape = {1, 1, 1, 4};
        assertThatThrownBy(() -> Kernels.binary(0, 4, UNMAPPED, a, strides, true, b, strides, true, out, shape))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("op code " + UNMAPPED);
        // a mapped op still computes
        Kernels.binary(0, 4, Kernels.ADD, a, strides, true, b, strides, true, out, shape);
        assertThat(out).containsExactly(6, 8, 10, 12);
    }

    @Test
    void activationsWithAnUnmappedCodeThrowNamingIt() {
        assertThatThrownBy(() -> Kernels.activate(1f, Kernels.EXP))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("code " + Kernels.EXP);
        float[] g = {1, 2};
        float[] pre = {0.5f, -0.5f};
        float[] out = new float[2];
        assertThatThrownBy(() -> Kernels.activationBackward(UNMAPPED, g, 0, pre, pre, pre, 0, 0, 2, out))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("code " + UNMAPPED);
    }

    @Test
    void noActivationIsTheIdentity() {
        assertThat(Kernels.activate(-2.5f, Kernels.NONE)).isEqualTo(-2.5f);
        assertThat(Kernels.activate(-2.5f, Kernels.RELU)).isEqualTo(0f);
        float[] g = {1, 2};
        float[] out = new float[2];
        Kernels.activationBackward(Kernels.NONE, g, 0, null, null, null, 0, 0, 2, out);
        assertThat(out).containsExactly(1, 2);
    }
}
