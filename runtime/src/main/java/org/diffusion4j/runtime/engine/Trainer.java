package org.diffusion4j.runtime.engine;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.diffusion4j.api.Conditioning;
import org.diffusion4j.api.Model;
import org.diffusion4j.api.PointSet;
import org.diffusion4j.api.Split;
import org.diffusion4j.api.config.Config;
import org.diffusion4j.api.tensor.Backend;
import org.diffusion4j.api.tensor.Rng;
import org.diffusion4j.api.tensor.Tensor;
import org.diffusion4j.runtime.UserException;
import org.diffusion4j.runtime.io.Progress;

/**
 * Minibatch training: epochs over a fresh permutation of the training set (the last batch of an
 * epoch may be smaller, as in a PyTorch DataLoader), gradient of the pipeline's loss, optional
 * global-norm clipping, Adam or AdamW (Kingma and Ba 2015, Algorithm 1; Loshchilov and Hutter 2019),
 * and an exponential moving average of the weights.
 *
 * <p>Every random draw is a function of the seed and the step (or epoch) index, so a run resumed
 * from a checkpoint continues with exactly the values an uninterrupted run would have used.
 */
public final class Trainer {

    /** Called after each step; {@link Checkpoints} uses it to save. */
    public interface StepHook {
        void afterStep(TrainingState state) throws Exception;
    }

    private final Pipeline pipeline;

    public Trainer(Pipeline pipeline) {
        this.pipeline = pipeline;
    }

    /** Total optimiser steps the settings ask for. */
    public long totalSteps(int count) {
        Config t = pipeline.training();
        int steps = t.getInt("steps");
        return steps > 0 ? steps : (long) t.getInt("epochs") * batchesPerEpoch(count);
    }

    private int batchesPerEpoch(int count) {
        int bs = pipeline.training().getInt("batch-size");
        return (count + bs - 1) / bs;
    }

    /**
     * Trains from {@code state} until the configured number of steps.
     *
     * @param hook      called after every step (checkpointing)
     * @param progress  progress display, may be null
     */
    public void train(TrainingState state, StepHook hook, Progress progress) throws Exception {
        Backend backend = pipeline.backend();
        Config t = pipeline.training();
        PointSet train = pipeline.dataset().load(Split.TRAIN);
        Tensor data = train.toTensor(backend);
        int n = data.dim(0);
        int[] labels = conditioningLabels(train);
        int bs = Math.min(t.getInt("batch-size"), n);
        int perEpoch = (n + bs - 1) / bs;
        long total = totalSteps(n);
        Rng root = new Rng(pipeline.spec().seed()).split("training");
        Rng shuffle = root.split("shuffle");
        Rng noise = root.split("loss");
        Rng labelDrop = root.split("label-dropout");
        double dropout = t.getDouble("label-dropout");
        List<String> names = new ArrayList<>(state.parameters.keySet());
        List<Tensor> params = names.stream().map(state.parameters::get).toList();

        float beta1 = (float) t.getDouble("beta1");
        float beta2 = (float) t.getDouble("beta2");
        float eps = (float) t.getDouble("eps");
        float lr = (float) t.getDouble("lr");
        float wd = t.getString("optimizer").equals("adamw") ? (float) t.getDouble("weight-decay") : 0f;
        double emaDecay = t.getDouble("ema-decay");
        double clip = t.getDouble("grad-clip");

        int[] permutation = null;
        long permutationEpoch = -1;
        while (state.step < total) {
            long s = state.step;
            long epoch = s / perEpoch;
            int b = (int) (s % perEpoch);
            if (epoch != permutationEpoch) {
                permutation = shuffle.split(epoch).permutation(n);
                permutationEpoch = epoch;
            }
            int from = b * bs;
            int to = Math.min(n, from + bs);
            int[] idx = java.util.Arrays.copyOfRange(permutation, from, to);

            long k = s + 1;
            float value;
            backend.beginStep();
            // The step's storage goes back to the backend also when the step fails (a diverged loss,
            // a component's exception), as the samplers' steps do.
            try {
                Tensor x0 = data.gatherRows(idx);
                Model model = pipeline.model();
                if (labels != null) {
                    model = new Model(model.network().conditionedOn(Conditioning.labels(batchLabels(labels, idx, dropout, labelDrop.split(s)))),
                            model.schedule(), model.parameterization());
                }
                Tensor loss;
                try {
                    loss = pipeline.loss().compute(model, x0, noise.split(s));
                } catch (org.diffusion4j.api.NonFiniteOutputException e) {
                    throw new UserException("training diverged at step " + (s + 1) + ": " + e.getMessage());
                }
                value = loss.item();
                if (!Float.isFinite(value)) {
                    throw new UserException("training diverged: the loss is " + value + " at step " + (s + 1)
                            + "; nothing after the last checkpoint was saved (try a lower training.lr or training.grad-clip)");
                }
                List<Tensor> grads = Tensor.grad(loss, params, false);
                float scale = 1f;
                if (clip > 0) {
                    double sq = 0;
                    for (Tensor g : grads) {
                        sq += g.square().sum().item();
                    }
                    double norm = Math.sqrt(sq);
                    if (!Double.isFinite(norm)) {
                        throw new UserException("training diverged: the gradient norm is " + norm + " at step " + (s + 1));
                    }
                    if (norm > clip) {
                        scale = (float) (clip / norm);
                    }
                }
                // EMA warm-up (the num_updates rule of TensorFlow's ExponentialMovingAverage): early on the
                // average follows the weights, so after K steps it is not still e^(−K(1−decay)) the random init.
                float decay = (float) Math.min(emaDecay, (1.0 + k) / (10.0 + k));
                float c1 = (float) (1 - Math.pow(beta1, k));
                float c2 = (float) (1 - Math.pow(beta2, k));
                for (int i = 0; i < params.size(); i++) {
                    Tensor p = params.get(i);
                    Tensor g = scale == 1f ? grads.get(i) : grads.get(i).mul(scale);
                    String name = names.get(i);
                    backend.adamStep(p.storage(), g.storage(), state.adamM.get(name).storage(),
                            state.adamV.get(name).storage(), p.size(), lr, beta1, beta2, eps, wd, c1, c2);
                    backend.emaUpdate(state.ema.get(name).storage(), p.storage(), p.size(), decay);
                }
            } finally {
                backend.endStep();
            }
            state.losses.add(value);
            state.step = k;
            if (progress != null) {
                StringBuilder line = new StringBuilder(String.format(java.util.Locale.ROOT, "loss %.4f", value));
                pipeline.loss().lastFigures().forEach((name, v) ->
                        line.append(String.format(java.util.Locale.ROOT, ", %s %.4f", name, v)));
                progress.update(k, line.toString());
            }
            hook.afterStep(state);
        }
    }

    /**
     * The training labels a class-conditional network is trained on, or null for an unconditional
     * network (whose data may still carry labels: they are then not used).
     */
    private int[] conditioningLabels(PointSet train) {
        int classes = pipeline.model().network().labelCount();
        if (classes == 0) {
            return null;
        }
        int[] labels = train.labels();
        if (labels == null) {
            throw new UserException("the network is conditioned on " + classes + " classes, but the dataset's samples"
                    + " carry no labels (set network.classes=0 or use a labelled dataset)");
        }
        if (pipeline.dataset().labelCount() > classes) {
            throw new UserException("the dataset has " + pipeline.dataset().labelCount() + " classes, the network only "
                    + classes + " (set network.classes=" + pipeline.dataset().labelCount() + ")");
        }
        return labels;
    }

    /**
     * The labels of one batch, each replaced by the null label (= the class count) with probability
     * {@code dropout}, drawn from the step's own stream (so a resumed run drops the same ones).
     */
    private int[] batchLabels(int[] labels, int[] idx, double dropout, Rng rng) {
        int nullLabel = pipeline.model().network().labelCount();
        int[] out = new int[idx.length];
        for (int i = 0; i < idx.length; i++) {
            out[i] = rng.nextDouble() < dropout ? nullLabel : labels[idx[i]];
        }
        return out;
    }
}
