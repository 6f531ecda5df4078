package org.diffusion4j.runtime.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.diffusion4j.api.Model;
import org.diffusion4j.api.NoiseStreams;
import org.diffusion4j.api.PointSet;
import org.diffusion4j.api.Prior;
import org.diffusion4j.api.Sampler;
import org.diffusion4j.api.StepListener;
import org.diffusion4j.api.tensor.Backend;
import org.diffusion4j.api.tensor.Tensor;
import org.diffusion4j.runtime.backend.JavaBackend;
import org.diffusion4j.runtime.spec.PipelineSpec;
import org.junit.jupiter.api.Test;

/**
 * {@link Sampling#sampleRange}, the part of a run one cluster task draws: ranges of whole batches
 * put together give the whole run's samples bit for bit, also for a sampler whose step looks at the
 * whole batch (here: it adds the batch mean of its noise, as the Langevin corrector's step size uses
 * batch-mean norms), which is why a range must start and end on batch boundaries.
 */
class SamplingRangeTest {

    /** Two steps of x ← x + model velocity·0.1 + the batch mean of fresh noise: batch-dependent. */
    private static final Sampler BATCH_MEAN = new Sampler() {
        @Override
        public Tensor sample(Model model, Tensor x, NoiseStreams noise, StepListener listener) {
            for (int step = 0; step < 2; step++) {
                Tensor t = Tensor.full(x.backend(), 0.5f, x.dim(0), 1);
                Tensor z = noise.next();
                float[] zs = z.toArray();
                float mean = 0;
                for (float v : zs) {
                    mean += v;
                }
                mean /= zs.length;
                x = x.add(model.network().forward(x, t).mul(0.1f)).add(mean);
            }
            return x;
        }
    };

    @Test
    void rangesOfWholeBatchesPutTogetherAreTheRunBitForBit() {
        try (Backend backend = new JavaBackend(2)) {
            Pipeline p = RunModule.assemble(PipelineSpec.parse(TestComponents.spec(1, 1), "test", false),
                    TestComponents.registry(), backend);
            Model model = p.model();
            int count = 23;
            int batch = 5;
            PointSet whole = Sampling.sample(backend, model, Prior.gaussian(), BATCH_MEAN, new int[]{2}, 9, count, batch,
                    null, Guidance.NONE, StepListener.NONE, n -> null);
            float[] joined = new float[count * 2];
            int[][] ranges = {{0, 10}, {10, 15}, {15, 23}};
            for (int[] r : ranges) {
                PointSet part = Sampling.sampleRange(backend, model, Prior.gaussian(), BATCH_MEAN, new int[]{2}, 9, r[0],
                        r[1], count, batch, null, Guidance.NONE, n -> null);
                assertThat(part.count()).isEqualTo(r[1] - r[0]);
                System.arraycopy(part.values(), 0, joined, r[0] * 2, part.values().length);
            }
            assertThat(joined).as("the parts against the whole run").containsExactly(whole.values());

            // the same samples in other batches differ (the sampler looks at the batch), so a range
            // that does not start a batch of the run is refused rather than drawn differently
            PointSet rebatched = Sampling.sample(backend, model, Prior.gaussian(), BATCH_MEAN, new int[]{2}, 9, count,
                    count, null, Guidance.NONE, StepListener.NONE, n -> null);
            assertThat(rebatched.values()).isNotEqualTo(whole.values());
            assertThatThrownBy(() -> Sampling.sampleRange(backend, model, Prior.gaussian(), BATCH_MEAN, new int[]{2}, 9,
                    3, 10, count, batch, null, Guidance.NONE, n -> null))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("does not start a batch");
            assertThatThrownBy(() -> Sampling.sampleRange(backend, model, Prior.gaussian(), BATCH_MEAN, new int[]{2}, 9,
                    5, 12, count, batch, null, Guidance.NONE, n -> null))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("does not end one");
        }
    }
}
