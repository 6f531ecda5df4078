package org.diffusion4j.runtime.backend;

import static org.assertj.core.api.Assertions.assertThat;

import org.diffusion4j.api.nn.SinusoidalTimeEmbedding;
import org.diffusion4j.api.tensor.Rng;
import org.diffusion4j.api.tensor.Tensor;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The buffered no-gradient pass of {@link SinusoidalTimeEmbedding} (Vaswani et al. 2017 §3.5)
 * against its graph pass: the same bits, the closed form sin/cos(s·t·f_i), and results that later
 * calls (other batch sizes) do not overwrite.
 */
class TimeEmbeddingInferenceTest {

    @ParameterizedTest
    @ValueSource(ints = {1, 3})
    void noGradientPassIsTheGraphPass(int threads) {
        try (JavaBackend backend = new JavaBackend(threads)) {
            SinusoidalTimeEmbedding emb = new SinusoidalTimeEmbedding(backend, 32, 1000);
            Rng rng = new Rng(5);
            Tensor big = Tensor.rand(backend, rng, 3001, 1);
            Tensor small = Tensor.rand(backend, rng, 7, 1);

            float[] graphBig = emb.forward(big.detach().requiresGrad(true)).toArray();
            float[] graphSmall = emb.forward(small.detach().requiresGrad(true)).toArray();
            Tensor fastBig = emb.forward(big);
            Tensor fastSmall = emb.forward(small);

            // a sampler's step: one t for every row (features computed once and copied)
            Tensor shared = Tensor.full(backend, 0.3737f, 2500, 1);
            float[] graphShared = emb.forward(shared.detach().requiresGrad(true)).toArray();
            backend.beginStep();   // first made inside a sampler's recycled step, used after it
            assertThat(emb.forward(shared).toArray()).containsExactly(graphShared);
            backend.endStep();
            assertThat(emb.forward(shared).toArray()).containsExactly(graphShared);
            assertThat(emb.forward(big).toArray()).as("a later call with mixed t").containsExactly(graphBig);

            assertThat(fastBig.shape()).containsExactly(3001, 32);
            assertThat(fastBig.toArray()).containsExactly(graphBig);
            assertThat(fastSmall.toArray()).containsExactly(graphSmall);
            float[] t = small.toArray();
            float[] e = fastSmall.toArray();
            for (int r = 0; r < t.length; r++) {
                for (int i = 0; i < 16; i++) {
                    double angle = 1000 * Math.pow(10000.0, -i / 16.0) * t[r];
                    assertThat((double) e[r * 32 + i]).isCloseTo(Math.sin(angle), org.assertj.core.data.Offset.offset(2e-3));
                    assertThat((double) e[r * 32 + 16 + i]).isCloseTo(Math.cos(angle),
                            org.assertj.core.data.Offset.offset(2e-3));
                }
            }
        }
    }
}
