package org.diffusion4j.runtime.engine;

import java.util.Arrays;
import java.util.function.IntFunction;
import org.diffusion4j.api.Conditioning;
import org.diffusion4j.api.InvertibleSampler;
import org.diffusion4j.api.Model;
import org.diffusion4j.api.NoiseStreams;
import org.diffusion4j.api.NonFiniteOutputException;
import org.diffusion4j.api.PointSet;
import org.diffusion4j.api.Sampler;
import org.diffusion4j.api.SamplerSteps;
import org.diffusion4j.api.StepListener;
import org.diffusion4j.api.config.ConfigException;
import org.diffusion4j.api.tensor.Backend;
import org.diffusion4j.api.tensor.Rng;
import org.diffusion4j.api.tensor.Tensor;
import org.diffusion4j.runtime.io.Progress;

/**
 * Data to latents and given latents to data, in batches: what the launcher's {@code invert},
 * {@code interpolate} and {@code sample --latents} run. The latents are states at the start of
 * the sampler's grid (for the launcher's prior, x_T = σ(tMax)·z), in the data's sample shape, so a
 * latent file goes back into {@link #sampleFrom} unchanged. Both directions work on flat rows and
 * freeze the weights' gradients, as {@link Sampling} does; a class-conditional model sees one class
 * per row (null: its unconditional output).
 */
public final class Inversion {

    private Inversion() {
    }

    /**
     * The latents of every row of {@code data} under {@code sampler}.
     *
     * @param labels one class per row, or null
     * @throws ConfigException where the sampler refuses to invert this model
     */
    public static PointSet invert(Backend backend, Model model, InvertibleSampler sampler, PointSet data, int batchSize,
                                  int[] labels, IntFunction<Progress> progress) {
        String why = sampler.refuseInversion(model);
        if (why != null) {
            throw new ConfigException(why);
        }
        return Sampling.withFrozenWeights(model, () -> inBatches(backend, model, data, batchSize, labels, progress,
                "latent", (m, x, noise, listener) -> sampler.invert(m, x, listener), new Rng(0)));
    }

    /**
     * The samples of given starting states: {@code sampler} run from each row of {@code latents}.
     * Any noise the sampler draws comes from child stream k of the run's sampling stream for row k,
     * as in {@link Sampling}; a deterministic sampler draws none that matters.
     */
    public static PointSet sampleFrom(Backend backend, Model model, Sampler sampler, PointSet latents, long seed,
                                      int batchSize, int[] labels, IntFunction<Progress> progress) {
        String why = sampler.refuse(model);
        if (why != null) {
            throw new ConfigException(why);
        }
        Rng rng = new Rng(seed).split("sampling");
        return Sampling.withFrozenWeights(model, () -> inBatches(backend, model, latents, batchSize, labels, progress,
                "sample", (m, x, noise, listener) -> sampler.sample(m, x, noise, listener), rng));
    }

    @FunctionalInterface
    private interface Walk {
        Tensor run(Model model, Tensor x, NoiseStreams noise, StepListener listener);
    }

    private static PointSet inBatches(Backend backend, Model model, PointSet in, int batchSize, int[] labels,
                                      IntFunction<Progress> progress, String what, Walk walk, Rng rng) {
        int count = in.count();
        int d = in.dimension();
        if (labels != null && labels.length != count) {
            throw new IllegalArgumentException(labels.length + " labels for " + count + " rows");
        }
        float[] all = in.values();
        float[] out = new float[all.length];
        int batches = (count + batchSize - 1) / batchSize;
        Progress[] bar = new Progress[1];
        for (int b = 0; b < batches; b++) {
            int first = b * batchSize;
            int n = Math.min(batchSize, count - first);
            int batchIndex = b;
            Tensor x = Tensor.wrap(backend, backend.allocatePersistent(n * d), n, d);
            SamplerSteps.scoped(backend, () -> {
                x.copyFrom(Tensor.of(backend, Arrays.copyOfRange(all, first * d, (first + n) * d), n, d));
                return x;
            });
            StepListener listener = (step, steps, t, state, x0Hat) -> {
                if (bar[0] == null) {
                    bar[0] = progress.apply(steps * batches);
                }
                if (bar[0] != null) {
                    bar[0].update((long) batchIndex * steps + step + 1, String.format(java.util.Locale.ROOT, "t %.3f", t));
                }
            };
            Model batchModel = labels == null ? model
                    : Guidance.NONE.apply(model, Conditioning.labels(Arrays.copyOfRange(labels, first, first + n)));
            float[] values = walk.run(batchModel, x, new NoiseStreams(backend, rng, first, n, d), listener).toArray();
            for (int i = 0; i < values.length; i++) {
                if (!Float.isFinite(values[i])) {
                    throw new NonFiniteOutputException(what + " " + (first + i / d) + " is not finite (" + values[i]
                            + "): the model has diverged or the sampler needs more steps; nothing was written");
                }
            }
            System.arraycopy(values, 0, out, first * d, n * d);
        }
        if (bar[0] != null) {
            bar[0].finish();
        }
        return new PointSet(in.sampleShape(), out, labels);
    }
}
