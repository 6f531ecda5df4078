package org.diffusion4j.api;

import java.util.Arrays;

/**
 * What a network is conditioned on besides (x_t, t), one entry per sample of the batch: class
 * labels today. A label is in [0, classes], where {@code classes} (the network's
 * {@link Network#labelCount()}) is the "null" label of an unconditional prediction, so one network
 * learns p(x|y) and p(x) (Ho and Salimans 2022, "Classifier-Free Diffusion Guidance", §3.2).
 * Other kinds of conditioning (a text embedding, a low-resolution image) are further fields of
 * this class, added without changing the {@link Network} signature.
 *
 * <p>Immutable. Since SPI 1.3.
 */
public final class Conditioning {

    private static final Conditioning NONE = new Conditioning(null);

    private final int[] labels;

    private Conditioning(int[] labels) {
        this.labels = labels;
    }

    /** No conditioning: the network's unconditional prediction. */
    public static Conditioning none() {
        return NONE;
    }

    /** One class label per sample of the batch. */
    public static Conditioning labels(int... labels) {
        return new Conditioning(labels.clone());
    }

    /** True when there is nothing to condition on. */
    public boolean isEmpty() {
        return labels == null;
    }

    /** The class labels, one per sample, or null. */
    public int[] labels() {
        return labels == null ? null : labels.clone();
    }

    /** The conditioning of samples {@code from .. to−1} of the batch (for a sampler that splits batches). */
    public Conditioning rows(int from, int to) {
        return labels == null ? this : new Conditioning(Arrays.copyOfRange(labels, from, to));
    }

    /** The conditioning of the given samples of the batch, in that order (for a sampler that evaluates only some rows). */
    public Conditioning select(int... rows) {
        if (labels == null) {
            return this;
        }
        int[] picked = new int[rows.length];
        for (int i = 0; i < rows.length; i++) {
            picked[i] = labels[rows[i]];
        }
        return new Conditioning(picked);
    }

    @Override
    public String toString() {
        return labels == null ? "none" : "labels" + Arrays.toString(labels);
    }
}
