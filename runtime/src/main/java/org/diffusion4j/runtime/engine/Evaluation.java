package org.diffusion4j.runtime.engine;

import java.util.LinkedHashMap;
import java.util.Map;
import org.diffusion4j.api.Likelihood;
import org.diffusion4j.api.Metric;
import org.diffusion4j.api.Model;
import org.diffusion4j.api.NoiseStreams;
import org.diffusion4j.api.PointSet;
import org.diffusion4j.api.tensor.Backend;
import org.diffusion4j.api.tensor.Rng;
import org.diffusion4j.api.tensor.Tensor;
import org.diffusion4j.runtime.UserException;
import org.diffusion4j.runtime.io.Progress;

/** Scores point clouds with a pipeline's metrics, and held-out data with a model's likelihoods. */
public final class Evaluation {

    private Evaluation() {
    }

    /** Every metric of {@code samples} against {@code reference}, by metric name. */
    public static Map<String, Double> score(Map<String, Metric> metrics, PointSet samples, PointSet reference) {
        if (samples.dimension() != reference.dimension()) {
            throw new UserException("cannot compare " + samples.dimension() + "-D samples with "
                    + reference.dimension() + "-D reference points");
        }
        Map<String, Double> out = new LinkedHashMap<>();
        metrics.forEach((name, m) -> out.put(name, m.compute(samples, reference)));
        return out;
    }

    /**
     * A likelihood's summary over a point set.
     *
     * @param nats         mean −log p(x) per point, in nats (an upper bound when {@code bound})
     * @param standardError standard error of that mean over the points
     * @param bitsPerDim   {@code nats / (dimension · ln 2)}
     * @param bound        whether the values bound −log p(x) from above
     * @param points       number of points evaluated
     */
    public record LikelihoodScore(double nats, double standardError, double bitsPerDim, boolean bound, int points) {
    }

    /**
     * Evaluates −log p(x) for every point of {@code data} in batches. Point k takes its randomness
     * from child stream k of the run's "likelihood" stream, so the values do not depend on the batch
     * size.
     */
    public static LikelihoodScore likelihood(Backend backend, Model model, Likelihood likelihood, PointSet data,
                                             long seed, int batchSize) {
        return likelihood(backend, model, likelihood, data, seed, batchSize, null);
    }

    /**
     * {@link #likelihood(Backend, Model, Likelihood, PointSet, long, int)}, reporting the points done
     * after each batch to {@code progress} (null: none), whose total should be {@code data.count()}.
     */
    public static LikelihoodScore likelihood(Backend backend, Model model, Likelihood likelihood, PointSet data,
                                             long seed, int batchSize, Progress progress) {
        double[] nll = Sampling.withFrozenWeights(model,
                () -> perPoint(backend, model, likelihood, data, seed, batchSize, progress));
        if (progress != null) {
            progress.finish();
        }
        double sum = 0;
        for (double v : nll) {
            if (!Double.isFinite(v)) {
                throw new UserException("the likelihood is not finite for some held-out points (" + v
                        + "); the model may have diverged");
            }
            sum += v;
        }
        int n = nll.length;
        double mean = sum / n;
        double squares = 0;
        for (double v : nll) {
            squares += (v - mean) * (v - mean);
        }
        double standardError = n > 1 ? Math.sqrt(squares / (n - 1) / n) : Double.NaN;
        return new LikelihoodScore(mean, standardError, mean / (data.dimension() * Math.log(2)), likelihood.isBound(), n);
    }

    private static double[] perPoint(Backend backend, Model model, Likelihood likelihood, PointSet data, long seed,
                                     int batchSize, Progress progress) {
        int n = data.count();
        int d = data.dimension();
        Rng rng = new Rng(seed).split("likelihood");
        double[] out = new double[n];
        float[] values = data.values();
        // no line before the first batch is done: a likelihood that refuses the model at its first
        // batch then ends with its one-line error alone
        for (int first = 0; first < n; first += batchSize) {
            int m = Math.min(batchSize, n - first);
            float[] batch = new float[m * d];
            System.arraycopy(values, first * d, batch, 0, m * d);
            Tensor x = Tensor.of(backend, batch, m, d);
            double[] v = likelihood.negativeLogLikelihood(model, x, new NoiseStreams(backend, rng, first, m, d));
            if (v.length != m) {
                throw new IllegalStateException(likelihood.getClass().getName() + " returned " + v.length
                        + " values for " + m + " points");
            }
            System.arraycopy(v, 0, out, first, m);
            if (progress != null) {
                progress.update(first + m);
            }
        }
        return out;
    }
}
