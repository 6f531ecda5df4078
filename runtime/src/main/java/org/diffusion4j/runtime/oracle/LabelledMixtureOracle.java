package org.diffusion4j.runtime.oracle;

import java.util.Map;
import java.util.Objects;
import org.diffusion4j.api.Conditioning;
import org.diffusion4j.api.Model;
import org.diffusion4j.api.Network;
import org.diffusion4j.api.Parameterization;
import org.diffusion4j.api.Schedule;
import org.diffusion4j.api.View;
import org.diffusion4j.api.tensor.Tensor;

/**
 * The exact class-conditional denoiser of a Gaussian mixture whose components carry class labels:
 * p(x|y) is the mixture of the components labelled y (weights renormalised), p(x) the whole mixture.
 * As a {@link Network} with {@link #labelCount()} classes it answers label y with the exact output
 * of p_t(x|y) and the null label (or no conditioning) with that of p_t(x), so the guided score
 * (1 − s)·∇log p_t(x) + s·∇log p_t(x|y) of classifier-free guidance is exact too: the oracle test of
 * guidance, independent of training noise.
 */
public final class LabelledMixtureOracle implements Network {

    private final GaussianMixtureOracle all;
    private final GaussianMixtureOracle[] perClass;
    private final GaussianMixture[] classMixtures;

    /**
     * @param mixture the data mixture
     * @param labels  the class of each component, in 0 .. classes − 1, every class used at least once
     * @param classes the number of classes
     */
    public LabelledMixtureOracle(GaussianMixture mixture, int[] labels, int classes, Schedule schedule,
                                 Parameterization parameterization) {
        Objects.requireNonNull(mixture, "mixture");
        if (labels.length != mixture.components()) {
            throw new IllegalArgumentException(labels.length + " labels for " + mixture.components() + " components");
        }
        all = new GaussianMixtureOracle(mixture, schedule, parameterization);
        perClass = new GaussianMixtureOracle[classes];
        classMixtures = new GaussianMixture[classes];
        for (int y = 0; y < classes; y++) {
            int label = y;
            int[] members = java.util.stream.IntStream.range(0, labels.length).filter(k -> labels[k] == label).toArray();
            if (members.length == 0) {
                throw new IllegalArgumentException("class " + y + " has no component");
            }
            double[][] means = new double[members.length][];
            double[] stds = new double[members.length];
            double[] weights = new double[members.length];
            for (int i = 0; i < members.length; i++) {
                means[i] = mixture.means()[members[i]];
                stds[i] = mixture.stds()[members[i]];
                weights[i] = mixture.weights()[members[i]];
            }
            classMixtures[y] = new GaussianMixture(means, stds, weights);
            perClass[y] = new GaussianMixtureOracle(classMixtures[y], schedule, parameterization);
        }
    }

    /** The exact model of this labelled mixture. */
    public static Model model(GaussianMixture mixture, int[] labels, int classes, Schedule schedule,
                              Parameterization parameterization) {
        return new Model(new LabelledMixtureOracle(mixture, labels, classes, schedule, parameterization), schedule,
                parameterization);
    }

    /** p(x|y): the components of class y. */
    public GaussianMixture classMixture(int y) {
        return classMixtures[y];
    }

    /** The exact {@code view} of p_t(x|y) at x (y = {@link #labelCount()}: of p_t(x)), in double precision. */
    public double[] view(View view, int y, double[] x, double t) {
        return (y == perClass.length ? all : perClass[y]).view(view, x, t);
    }

    @Override
    public Tensor forward(Tensor x, Tensor t) {
        return all.forward(x, t);
    }

    @Override
    public Tensor forward(Tensor x, Tensor t, Conditioning c) {
        if (c == null || c.isEmpty()) {
            return all.forward(x, t);
        }
        int[] labels = c.labels();
        int rows = x.dim(0);
        int d = x.dim(1);
        if (labels.length != rows) {
            throw new IllegalArgumentException(labels.length + " labels for a batch of " + rows);
        }
        float[] xs = x.toArray();
        float[] ts = t.toArray();
        float[] out = new float[rows * d];
        double[] point = new double[d];
        for (int r = 0; r < rows; r++) {
            if (labels[r] < 0 || labels[r] > perClass.length) {
                throw new IllegalArgumentException("label " + labels[r] + " is not in [0, " + perClass.length + "]");
            }
            for (int j = 0; j < d; j++) {
                point[j] = xs[r * d + j];
            }
            GaussianMixtureOracle o = labels[r] == perClass.length ? all : perClass[labels[r]];
            double[] v = o.output(point, ts[r]);
            for (int j = 0; j < d; j++) {
                out[r * d + j] = (float) v[j];
            }
        }
        return Tensor.of(x.backend(), out, rows, d);
    }

    @Override
    public int labelCount() {
        return perClass.length;
    }

    @Override
    public Map<String, Tensor> parameters() {
        return Map.of();
    }

    @Override
    public String toString() {
        return "LabelledMixtureOracle(" + perClass.length + " classes)";
    }
}
