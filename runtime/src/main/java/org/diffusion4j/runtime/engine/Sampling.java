package org.diffusion4j.runtime.engine;

import java.util.function.IntFunction;
import org.diffusion4j.api.Conditioning;
import org.diffusion4j.api.Model;
import org.diffusion4j.api.NoiseStreams;
import org.diffusion4j.api.NonFiniteOutputException;
import org.diffusion4j.api.PointSet;
import org.diffusion4j.api.Sampler;
import org.diffusion4j.api.SamplerSteps;
import org.diffusion4j.api.StepListener;
import org.diffusion4j.api.tensor.Backend;
import org.diffusion4j.api.tensor.Rng;
import org.diffusion4j.api.tensor.Tensor;
import org.diffusion4j.runtime.io.Progress;

/**
 * Draws samples in batches. Sample k starts from x_T = σ(tMax)·z_k and takes all its noise from
 * child stream k of the run's sampling stream, so the samples do not depend on the batch size, and
 * two samplers of one run start from the same x_T (their results compare point by point).
 */
public final class Sampling {

    private Sampling() {
    }

    /**
     * @param progress made on the first step, once the sampler has said how many steps it takes; may return null
     */
    public static PointSet sample(Backend backend, Model model, Sampler sampler, int dimension, long seed, int count,
                                  int batchSize, IntFunction<Progress> progress) {
        return sample(backend, model, sampler, new int[]{dimension}, seed, count, batchSize, progress);
    }

    /**
     * Samples of {@code sampleShape} (the dataset's): the sampler works on flat rows, the result
     * carries the shape (for .npy files and image grids).
     */
    public static PointSet sample(Backend backend, Model model, Sampler sampler, int[] sampleShape, long seed, int count,
                                  int batchSize, IntFunction<Progress> progress) {
        return sample(backend, model, sampler, sampleShape, seed, count, batchSize, null, Guidance.NONE, progress);
    }

    /**
     * Class-conditional samples: sample k is conditioned on {@code labels[k]} (null: unconditional)
     * through {@code guidance}, and the result carries the labels. The noise of sample k does not
     * depend on its label, so samples of different classes or guidance scales compare one to one.
     */
    public static PointSet sample(Backend backend, Model model, Sampler sampler, int[] sampleShape, long seed, int count,
                                  int batchSize, int[] labels, Guidance guidance, IntFunction<Progress> progress) {
        return sample(backend, model, sampler, sampleShape, seed, count, batchSize, labels, guidance, StepListener.NONE,
                progress);
    }

    /** As above, with {@code watch} called after every step of the first batch (previews). */
    public static PointSet sample(Backend backend, Model model, Sampler sampler, int[] sampleShape, long seed, int count,
                                  int batchSize, int[] labels, Guidance guidance, StepListener watch,
                                  IntFunction<Progress> progress) {
        if (labels != null && labels.length != count) {
            throw new IllegalArgumentException(labels.length + " labels for " + count + " samples");
        }
        return withFrozenWeights(model, () -> draw(backend, model, sampler, sampleShape, seed, count, batchSize,
                labels, guidance, watch, progress));
    }

    /**
     * Runs {@code work} with the weights' gradients off: sampling and evaluation need none, and
     * without this every network op would record a graph.
     */
    static <T> T withFrozenWeights(Model model, java.util.function.Supplier<T> work) {
        var parameters = model.network().parameters().values();
        parameters.forEach(p -> p.requiresGrad(false));
        try {
            return work.get();
        } finally {
            parameters.forEach(p -> p.requiresGrad(true));
        }
    }

    private static PointSet draw(Backend backend, Model model, Sampler sampler, int[] sampleShape, long seed, int count,
                                 int batchSize, int[] labels, Guidance guidance, StepListener watch,
                                 IntFunction<Progress> progress) {
        int dimension = java.util.Arrays.stream(sampleShape).reduce(1, Math::multiplyExact);
        Rng rng = new Rng(seed).split("sampling");
        int batches = (count + batchSize - 1) / batchSize;
        float[] out = batches == 1 ? null : new float[count * dimension];   // one batch: its values are the result
        Progress[] bar = new Progress[1];
        for (int b = 0; b < batches; b++) {
            int first = b * batchSize;
            int n = Math.min(batchSize, count - first);
            int batchIndex = b;
            NoiseStreams noise = new NoiseStreams(backend, rng, first, n, dimension);
            // x_T = σ(tMax)·z: z and the product made in a step (recycled), x_T kept in one buffer.
            Tensor xT = Tensor.wrap(backend, backend.allocatePersistent(n * dimension), n, dimension);
            SamplerSteps.scoped(backend, () -> {
                xT.copyFrom(noise.next().mul(model.schedule().sigma(model.schedule().tMax())));
                return xT;
            });
            StepListener listener = (step, steps, t, x, x0Hat) -> {
                if (bar[0] == null) {
                    bar[0] = progress.apply(steps * batches);
                }
                if (bar[0] != null) {
                    bar[0].update((long) batchIndex * steps + step + 1, String.format(java.util.Locale.ROOT, "t %.3f", t));
                }
                if (batchIndex == 0) {
                    watch.onStep(step, steps, t, x, x0Hat);
                }
            };
            Model batchModel = labels == null ? model
                    : guidance.apply(model, Conditioning.labels(java.util.Arrays.copyOfRange(labels, first, first + n)));
            Tensor x = sampler.sample(batchModel, xT, noise, listener);
            float[] values = x.toArray();
            requireFinite(values, first, dimension);
            if (out == null) {
                out = values;
            } else {
                System.arraycopy(values, 0, out, first * dimension, n * dimension);
            }
        }
        if (bar[0] != null) {
            bar[0].finish();
        }
        return new PointSet(sampleShape, out, labels);
    }

    /** A NaN or infinite sample is reported, never written: it means the model or the sampler's settings diverged. */
    private static void requireFinite(float[] values, int first, int dimension) {
        for (int i = 0; i < values.length; i++) {
            if (!Float.isFinite(values[i])) {
                throw new NonFiniteOutputException("sample " + (first + i / dimension) + " is not finite (" + values[i]
                        + "): the model has diverged or the sampler needs more steps; nothing was written");
            }
        }
    }


}
