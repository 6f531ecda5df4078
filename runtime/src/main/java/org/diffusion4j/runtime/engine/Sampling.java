package org.diffusion4j.runtime.engine;

import java.util.function.IntFunction;
import org.diffusion4j.api.Conditioning;
import org.diffusion4j.api.Model;
import org.diffusion4j.api.NoiseStreams;
import org.diffusion4j.api.NonFiniteOutputException;
import org.diffusion4j.api.PointSet;
import org.diffusion4j.api.Prior;
import org.diffusion4j.api.Schedule;
import org.diffusion4j.api.config.ConfigException;
import org.diffusion4j.api.Sampler;
import org.diffusion4j.api.SamplerSteps;
import org.diffusion4j.api.StepListener;
import org.diffusion4j.api.tensor.Backend;
import org.diffusion4j.api.tensor.Rng;
import org.diffusion4j.api.tensor.Tensor;
import org.diffusion4j.runtime.io.Progress;

/**
 * Draws samples in batches. Sample k starts from the prior's state for z_k (the Gaussian prior's
 * x_T = σ(tMax)·z_k unless the spec names another {@link Prior}) and takes all its noise from
 * child stream k of the run's sampling stream, so the samples do not depend on the batch size, and
 * two samplers of one run start from the same x_T (their results compare point by point). A prior
 * that starts at an earlier time hands the sampler a schedule truncated there
 * ({@link #startingAt}).
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
        return sample(backend, model, Prior.gaussian(), sampler, sampleShape, seed, count, batchSize, labels, guidance,
                watch, progress);
    }

    /** As above, starting from {@code prior} (at its start time) instead of the Gaussian at tMax. */
    public static PointSet sample(Backend backend, Model model, Prior prior, Sampler sampler, int[] sampleShape,
                                  long seed, int count, int batchSize, int[] labels, Guidance guidance,
                                  StepListener watch, IntFunction<Progress> progress) {
        if (labels != null && labels.length != count) {
            throw new IllegalArgumentException(labels.length + " labels for " + count + " samples");
        }
        return withFrozenWeights(model, () -> draw(backend, model, prior, sampler, sampleShape, seed, 0, count, batchSize,
                labels, guidance, watch, progress));
    }

    /**
     * Samples {@code from} (inclusive) to {@code to} (exclusive) of a run of {@code count}: what
     * {@link #sample(Backend, Model, Prior, Sampler, int[], long, int, int, int[], Guidance, StepListener,
     * IntFunction)} would give for those indices, bit for bit. The range must start a batch of the run
     * and end one (or end the run), so this part walks the very batches the whole run walks: a sampler whose step looks at the
     * whole batch (the Langevin corrector's batch-mean norms) then gives the same bits too. This is
     * how a run is split across machines.
     *
     * @param labels the labels of all {@code count} samples (null: unconditional); the result carries its part
     */
    public static PointSet sampleRange(Backend backend, Model model, Prior prior, Sampler sampler, int[] sampleShape,
                                       long seed, int from, int to, int count, int batchSize, int[] labels,
                                       Guidance guidance, IntFunction<Progress> progress) {
        if (from < 0 || to > count || from >= to || from % batchSize != 0 || (to != count && to % batchSize != 0)) {
            throw new IllegalArgumentException("range [" + from + ", " + to + ") of " + count + " samples in batches of "
                    + batchSize + " does not start a batch or does not end one");
        }
        if (labels != null && labels.length != count) {
            throw new IllegalArgumentException(labels.length + " labels for " + count + " samples");
        }
        return withFrozenWeights(model, () -> draw(backend, model, prior, sampler, sampleShape, seed, from, to, batchSize,
                labels, guidance, StepListener.NONE, progress));
    }

    /**
     * The model a sampler walks when sampling starts from {@code prior}: the model itself for a
     * prior that starts at tMax, else the same network on the schedule truncated at the prior's
     * start time ({@link Schedule#truncatedAt}).
     *
     * @throws ConfigException for a start time outside (tMin, tMax], or an earlier start on a
     *                         discrete-time schedule, whose samplers walk the fixed training grid from its end
     */
    public static Model startingAt(Model model, Prior prior) {
        Schedule s = model.schedule();
        double start = prior.startTime(s);
        if (start == s.tMax()) {
            return model;
        }
        if (!(start > s.tMin() && start < s.tMax())) {
            throw new ConfigException("prior " + prior + " starts at t = " + start + ", outside the schedule's ("
                    + s.tMin() + ", " + s.tMax() + "] (schedule " + s + ")");
        }
        if (s.trainingTimes().length > 0) {
            throw new ConfigException("prior " + prior + " starts at t = " + start + " < tMax = " + s.tMax()
                    + ", but the schedule " + s + " is discrete-time: its samplers walk the training grid from its end;"
                    + " use a continuous-time schedule (score-sde.vp, score-sde.ve, score-sde.sub-vp)");
        }
        return new Model(model.network(), Schedule.truncatedAt(s, start), model.parameterization());
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

    /** Samples {@code from} to {@code to} (exclusive), in batches of {@code batchSize} starting at {@code from}. */
    private static PointSet draw(Backend backend, Model model, Prior prior, Sampler sampler, int[] sampleShape, long seed,
                                 int from, int to, int batchSize, int[] labels, Guidance guidance, StepListener watch,
                                 IntFunction<Progress> progress) {
        Model started = startingAt(model, prior);
        int dimension = java.util.Arrays.stream(sampleShape).reduce(1, Math::multiplyExact);
        Rng rng = new Rng(seed).split("sampling");
        int count = to - from;
        int batches = (count + batchSize - 1) / batchSize;
        float[] out = batches == 1 ? null : new float[count * dimension];   // one batch: its values are the result
        Progress[] bar = new Progress[1];
        for (int b = 0; b < batches; b++) {
            int first = from + b * batchSize;
            int n = Math.min(batchSize, to - first);
            int batchIndex = b;
            NoiseStreams noise = new NoiseStreams(backend, rng, first, n, dimension);
            // x at the prior's start (Gaussian: σ(tMax)·z): z and the prior's work made in a step
            // (recycled), the start kept in one buffer.
            Tensor xT = Tensor.wrap(backend, backend.allocatePersistent(n * dimension), n, dimension);
            SamplerSteps.scoped(backend, () -> {
                xT.copyFrom(prior.start(model, noise.next()));
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
            Model batchModel = labels == null ? started
                    : guidance.apply(started, Conditioning.labels(java.util.Arrays.copyOfRange(labels, first, first + n)));
            Tensor x = sampler.sample(batchModel, xT, noise, listener);
            float[] values = x.toArray();
            requireFinite(values, first, dimension);
            if (out == null) {
                out = values;
            } else {
                System.arraycopy(values, 0, out, (first - from) * dimension, n * dimension);
            }
        }
        if (bar[0] != null) {
            bar[0].finish();
        }
        return new PointSet(sampleShape, out,
                labels == null || count == labels.length ? labels : java.util.Arrays.copyOfRange(labels, from, to));
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
