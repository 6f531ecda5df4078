package org.diffusion4j.runtime.quality;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.diffusion4j.api.PointSet;
import org.diffusion4j.api.config.Config;
import org.diffusion4j.api.config.ConfigSpec;
import org.diffusion4j.api.tensor.Backend;
import org.diffusion4j.api.tensor.Rng;
import org.diffusion4j.api.tensor.Tensor;
import org.diffusion4j.runtime.UserException;

/**
 * Trains a {@link FeatureClassifier} on labelled images: minibatches drawn as
 * {@link org.diffusion4j.runtime.engine.Trainer} draws them (epochs over a fresh permutation, the
 * last batch of an epoch possibly smaller), softmax cross-entropy, Adam (Kingma and Ba 2015,
 * Algorithm 1, β = (0.9, 0.999), ε = 10⁻⁸) through the backend's Adam kernel, and a cosine decay of
 * the learning rate from {@code lr} to 0 over the run (Loshchilov and Hutter, "SGDR", ICLR 2017,
 * Eq. 5 without restarts), which gains a little accuracy at the end of a short run.
 *
 * <p>The loss is {@code −(1/B) Σ_i log softmax(z_i)[y_i]} with the log-softmax formed stably: the row
 * maximum, a constant without gradient, is subtracted before {@code exp}, so
 * {@code log Σ_k exp(z_ik − max_i)} never overflows and the log of the chosen class never sees 0.
 *
 * <p>Deterministic: the weights come from {@code new Rng(seed).split("classifier").split("init")},
 * the permutation of epoch e from the {@code "shuffle"} child's stream e; every kernel of the Java
 * backend gives the same bits whatever the thread count, so a seed gives the same weights, bit for
 * bit.
 */
public final class ClassifierTraining {

    /** Adam's β1, β2 and ε: the paper's defaults. */
    private static final float BETA1 = 0.9f;
    private static final float BETA2 = 0.999f;
    private static final float EPS = 1e-8f;

    /** The options, declared like a component's, so errors name the option and its range. */
    public static final ConfigSpec OPTIONS = ConfigSpec.builder()
            .integer("steps", 800, 1, 10_000_000, "Adam steps")
            .integer("batch-size", 128, 1, 1 << 16, "images per step")
            .number("lr", 2e-3, 1e-8, 1.0, "peak learning rate, decayed to 0 along a cosine")
            .integer("base-width", 32, 1, 4096, "channels of the first convolution (the others have twice as many)")
            .integer("features", 128, 1, 65536, "length of the feature vectors (the penultimate layer) that frechet and kid compare")
            .integer("seed", 0, 0, Integer.MAX_VALUE, "seed of the initial weights and the batch order")
            .build();

    /**
     * The training options.
     *
     * @param steps     Adam steps (≥ 1)
     * @param batchSize images per step (≥ 1)
     * @param lr        peak learning rate (> 0)
     * @param baseWidth channels of the first convolution
     * @param features  length of the feature vectors
     * @param seed      seed of the initial weights and the batch order
     */
    public record Options(int steps, int batchSize, double lr, int baseWidth, int features, long seed) {

        public Options {
            if (steps < 1 || batchSize < 1 || !(lr > 0) || !Double.isFinite(lr) || baseWidth < 1 || features < 1) {
                throw new IllegalArgumentException("classifier training needs steps >= 1, batch-size >= 1, lr > 0, "
                        + "base-width >= 1 and features >= 1, got steps " + steps + ", batch-size " + batchSize + ", lr "
                        + lr + ", base-width " + baseWidth + ", features " + features);
            }
        }

        /** The defaults of {@link #OPTIONS}. */
        public static Options defaults() {
            return of(OPTIONS.resolve("classifier", Map.of()));
        }

        /** From options resolved against {@link #OPTIONS}. */
        public static Options of(Config c) {
            return new Options(c.getInt("steps"), c.getInt("batch-size"), c.getDouble("lr"), c.getInt("base-width"),
                    c.getInt("features"), c.getInt("seed"));
        }
    }

    /** Told after every step. */
    public interface ProgressListener {
        void afterStep(int step, int total, float loss);
    }

    private ClassifierTraining() {
    }

    /**
     * Trains a classifier for {@code classes} classes on {@code train}'s images (samples of shape
     * {@code [C, H, W]}) and labels.
     *
     * @param listener told after each step, may be null
     * @throws UserException if the images carry no labels, a label is outside {@code [0, classes)},
     *                       the samples are not images, or the loss stops being finite
     */
    public static FeatureClassifier train(Backend backend, PointSet train, int classes, Options options,
                                          ProgressListener listener) {
        int[] labels = train.labels();
        if (labels == null) {
            throw new UserException("the classifier needs labelled images, but the " + train.count()
                    + " training samples carry no labels");
        }
        for (int i = 0; i < labels.length; i++) {
            if (labels[i] < 0 || labels[i] >= classes) {
                throw new UserException("training sample " + i + " has label " + labels[i] + ", outside the dataset's "
                        + classes + " classes [0, " + (classes - 1) + "]");
            }
        }
        if (train.count() == 0) {
            throw new UserException("the classifier needs at least one training image, the training split is empty");
        }
        FeatureClassifier.Architecture arch;
        try {
            arch = FeatureClassifier.Architecture.of(train.sampleShape(), classes, options.baseWidth(),
                    options.features());
        } catch (IllegalArgumentException e) {
            throw new UserException(e.getMessage());
        }
        Rng root = new Rng(options.seed()).split("classifier");
        FeatureClassifier model = FeatureClassifier.create(backend, arch, root.split("init"));
        Rng shuffle = root.split("shuffle");

        List<Tensor> params = new ArrayList<>(model.parameters().values());
        List<Tensor> m = new ArrayList<>();
        List<Tensor> v = new ArrayList<>();
        for (Tensor p : params) {
            m.add(Tensor.zeros(backend, p.shape()));
            v.add(Tensor.zeros(backend, p.shape()));
        }
        Tensor data = train.toTensor(backend);
        int n = train.count();
        int bs = Math.min(options.batchSize(), n);
        int perEpoch = (n + bs - 1) / bs;
        int[] permutation = null;
        long permutationEpoch = -1;
        for (int s = 0; s < options.steps(); s++) {
            long epoch = s / perEpoch;
            int b = s % perEpoch;
            if (epoch != permutationEpoch) {
                permutation = shuffle.split(epoch).permutation(n);
                permutationEpoch = epoch;
            }
            int[] idx = Arrays.copyOfRange(permutation, b * bs, Math.min(n, (b + 1) * bs));
            int k = s + 1;
            float lr = (float) (options.lr() * 0.5 * (1.0 + Math.cos(Math.PI * s / options.steps())));
            float c1 = (float) (1 - Math.pow(BETA1, k));
            float c2 = (float) (1 - Math.pow(BETA2, k));
            backend.beginStep();
            float value;
            try {
                Tensor x = data.gatherRows(idx).reshape(idx.length, arch.channels(), arch.height(), arch.width());
                Tensor loss = crossEntropy(model.logits(x), batchLabels(labels, idx), classes);
                value = loss.item();
                if (!Float.isFinite(value)) {
                    throw new UserException("classifier training diverged: the loss is " + value + " at step " + k
                            + " (try a lower --lr)");
                }
                List<Tensor> grads = Tensor.grad(loss, params, false);
                for (int i = 0; i < params.size(); i++) {
                    Tensor p = params.get(i);
                    backend.adamStep(p.storage(), grads.get(i).storage(), m.get(i).storage(), v.get(i).storage(),
                            p.size(), lr, BETA1, BETA2, EPS, 0f, c1, c2);
                }
            } finally {
                backend.endStep();
            }
            if (listener != null) {
                listener.afterStep(k, options.steps(), value);
            }
        }
        return model;
    }

    private static int[] batchLabels(int[] labels, int[] idx) {
        int[] out = new int[idx.length];
        for (int i = 0; i < idx.length; i++) {
            out[i] = labels[idx[i]];
        }
        return out;
    }

    /**
     * Mean softmax cross-entropy of logits {@code [B, K]} against integer labels:
     * {@code −(1/B) Σ_i (z_i,y_i − max_i − log Σ_k exp(z_ik − max_i))}, the row maximum taken on the
     * host as a constant (its gradient would cancel anyway: log-softmax is shift-invariant).
     */
    static Tensor crossEntropy(Tensor logits, int[] labels, int classes) {
        int b = logits.dim(0);
        float[] z = logits.toArray();
        float[] max = new float[b];
        float[] oneHot = new float[b * classes];
        for (int i = 0; i < b; i++) {
            float mx = Float.NEGATIVE_INFINITY;
            for (int c = 0; c < classes; c++) {
                mx = Math.max(mx, z[i * classes + c]);
            }
            max[i] = mx;
            oneHot[i * classes + labels[i]] = 1f;
        }
        Backend be = logits.backend();
        Tensor shifted = logits.sub(Tensor.of(be, max, b, 1));
        Tensor logSumExp = shifted.exp().sum(-1).log();
        Tensor logSoftmax = shifted.sub(logSumExp);
        return logSoftmax.mul(Tensor.of(be, oneHot, b, classes)).sum().mul(-1.0 / b);
    }
}
