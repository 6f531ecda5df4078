package org.diffusion4j.runtime.backend;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.diffusion4j.api.tensor.Backend;
import org.diffusion4j.api.tensor.Rng;
import org.diffusion4j.api.tensor.Tensor;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The fused SiLU kernels ({@link Tensor#silu}, {@link Backend#silu}, {@link Backend#siluBackward})
 * against SiLU written op by op as x·σ(x) (Elfwing et al. 2018, Eq. 1): the same bits forward and
 * backward, on every thread count and on sizes that split into uneven parallel chunks.
 */
class SiluFusionTest {

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 3})
    void fusedSiluHasTheBitsOfTheOpByOpChain(int threads) {
        try (JavaBackend backend = new JavaBackend(threads)) {
            for (int n : new int[]{1, 17, 4099, 65_537}) {
                Rng rng = new Rng(40 + n);
                Tensor base = Tensor.randn(backend, rng, 1, n).mul(4);   // both tails of σ
                Tensor upstream = Tensor.randn(backend, rng, 1, n);

                Tensor x1 = base.detach().requiresGrad(true);
                Tensor fused = x1.silu();
                Tensor gFused = Tensor.grad(fused, upstream, List.of(x1), false).get(0);

                Tensor x2 = base.detach().requiresGrad(true);
                Tensor chain = x2.mul(x2.sigmoid());
                Tensor gChain = Tensor.grad(chain, upstream, List.of(x2), false).get(0);

                assertThat(fused.toArray()).as("forward, n=%d", n).containsExactly(chain.toArray());
                assertThat(gFused.toArray()).as("backward, n=%d", n).containsExactly(gChain.toArray());
                assertThat(fused.toArray()).isNotEqualTo(base.toArray());
            }
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 3})
    void javaKernelsHaveTheBitsOfTheBackendDefaults(int threads) {
        try (JavaBackend backend = new JavaBackend(threads)) {
            int n = 5000;
            Rng rng = new Rng(7);
            Tensor x = Tensor.randn(backend, rng, 1, n).mul(3);
            Tensor g = Tensor.randn(backend, rng, 1, n);
            // A view of the same backend that only has the interface's default silu methods.
            Backend defaults = (Backend) java.lang.reflect.Proxy.newProxyInstance(Backend.class.getClassLoader(),
                    new Class<?>[]{Backend.class}, (proxy, method, args) -> method.isDefault()
                            ? java.lang.reflect.InvocationHandler.invokeDefault(proxy, method, args)
                            : method.invoke(backend, args));
            float[][] fast = runBoth(backend, x, g, n);
            float[][] slow = runBoth(defaults, x, g, n);
            for (int i = 0; i < fast.length; i++) {
                assertThat(fast[i]).as("output %d", i).containsExactly(slow[i]);
            }
        }
    }

    private static float[][] runBoth(Backend be, Tensor x, Tensor g, int n) {
        var out = be.allocate(n);
        var sigma = be.allocate(n);
        var dx = be.allocate(n);
        var xs = be.upload(x.toArray());
        var gs = be.upload(g.toArray());
        be.silu(xs, out, sigma, n);
        be.siluBackward(gs, xs, sigma, dx, n);
        float[][] r = new float[3][n];
        be.download(out, r[0]);
        be.download(sigma, r[1]);
        be.download(dx, r[2]);
        return r;
    }

    @org.junit.jupiter.api.Test
    void floatSigmoidIsWithinFourUlpsOfTheExactValue() {
        for (int i = -200_000; i <= 200_000; i++) {
            float x = i * 1e-4f * (1 + Math.abs(i) / 60_000f);   // up to ±87, denser near 0
            double exact = 1 / (1 + Math.exp(-(double) x));
            float got = Kernels.sigmoid(x);
            assertThat(Math.abs(got - exact)).as("σ(%s)", x).isLessThanOrEqualTo(4 * Math.ulp((float) exact));
        }
        assertThat(Kernels.sigmoid(0f)).isEqualTo(0.5f);
        assertThat(Kernels.sigmoid(Float.POSITIVE_INFINITY)).isEqualTo(1f);
        assertThat(Kernels.sigmoid(Float.NEGATIVE_INFINITY)).isBetween(0f, 1e-37f);
        assertThat(Kernels.sigmoid(-1000f)).isBetween(0f, 1e-37f);
        assertThat(Kernels.sigmoid(Float.NaN)).isNaN();
    }

    @org.junit.jupiter.api.Test
    void vectorSigmoidAndSiluHaveTheBitsOfTheScalarKernels() {
        org.junit.jupiter.api.Assumptions.assumeTrue(JavaBackend.VECTOR, "Vector API module not present");
        Rng rng = new Rng(3);
        int n = 100_003;
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) ((rng.nextDouble() - 0.5) * (i % 7 == 0 ? 400 : 24));
        }
        float[] special = {0f, -0f, Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, 87f, -87f, 88f,
            -88f, 89f, -89f, 1e-30f, Float.MIN_VALUE, Float.MAX_VALUE, -Float.MAX_VALUE, 0.34657f, -0.34657f};
        System.arraycopy(special, 0, x, 0, special.length);
        float[] vs = new float[n];
        float[] ss = new float[n];
        VectorKernels.sigmoid(0, n, x, vs);
        Kernels.unary(0, n, Kernels.SIGMOID, x, ss);
        float[] vo = new float[n];
        float[] vsig = new float[n];
        float[] so = new float[n];
        float[] ssig = new float[n];
        VectorKernels.silu(1, n, x, vo, vsig);   // odd start: a scalar tail on the vector path
        Kernels.silu(1, n, x, so, ssig);
        for (int i = 0; i < n; i++) {
            assertThat(Float.floatToIntBits(vs[i])).as("σ(%s)", x[i]).isEqualTo(Float.floatToIntBits(ss[i]));
            assertThat(Float.floatToIntBits(vo[i])).as("silu(%s)", x[i]).isEqualTo(Float.floatToIntBits(so[i]));
            assertThat(Float.floatToIntBits(vsig[i])).isEqualTo(Float.floatToIntBits(ssig[i]));
        }
    }
}
