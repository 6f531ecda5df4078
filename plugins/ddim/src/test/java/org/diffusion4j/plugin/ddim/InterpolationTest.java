package org.diffusion4j.plugin.ddim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.diffusion4j.api.Interpolation;
import org.diffusion4j.api.tensor.Backend;
import org.diffusion4j.api.tensor.Rng;
import org.diffusion4j.api.tensor.Tensor;
import org.junit.jupiter.api.Test;

/**
 * The api's {@link Interpolation} (here because the api module's tests have no backend): both ends
 * exact to the bit, slerp keeps the norm of equal-norm latents where the straight line shrinks it,
 * and DDIM's own {@code slerp} is the shared one.
 */
class InterpolationTest {

    private final Backend backend = TestSupport.backend();

    @Test
    void endsAreTheEndLatentsBitForBit() {
        Tensor a = Tensor.randn(backend, new Rng(1), 5, 64);
        Tensor b = Tensor.randn(backend, new Rng(2), 5, 64);
        for (Interpolation.Method m : Interpolation.Method.values()) {
            assertThat(Interpolation.interpolate(m, a, b, 0).toArray()).containsExactly(a.toArray());
            assertThat(Interpolation.interpolate(m, a, b, 1).toArray()).containsExactly(b.toArray());
        }
        assertThat(DdimSampler.slerp(a, b, 0.3).toArray()).containsExactly(Interpolation.slerp(a, b, 0.3).toArray());
    }

    @Test
    void slerpKeepsTheNormAndTheLineShrinksIt() {
        Tensor u = Tensor.of(backend, new float[]{1, 0}, 1, 2);
        Tensor v = Tensor.of(backend, new float[]{0, 1}, 1, 2);
        float[] s = Interpolation.slerp(u, v, 0.5).toArray();
        float[] l = Interpolation.linear(u, v, 0.5).toArray();
        assertThat(Math.hypot(s[0], s[1])).isCloseTo(1.0, within(1e-6));
        assertThat((double) s[0]).isCloseTo(Math.sqrt(0.5), within(1e-6));
        assertThat(l).containsExactly(0.5f, 0.5f);
        assertThat(Interpolation.Method.parse("linear")).isEqualTo(Interpolation.Method.LINEAR);
        assertThatThrownBy(() -> Interpolation.Method.parse("cubic")).hasMessage(
                "unknown interpolation method 'cubic'; allowed: slerp, linear");
        assertThatThrownBy(() -> Interpolation.slerp(u, v, 1.5)).hasMessage("slerp: lambda must be in [0, 1], got 1.5");
    }
}
