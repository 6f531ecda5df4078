package org.diffusion4j.api;

import java.util.Arrays;
import org.diffusion4j.api.tensor.Backend;
import org.diffusion4j.api.tensor.Tensor;

/**
 * An immutable set of samples on the host: flat rows {@code [count, dimension]}, each the row-major
 * values of one sample of {@link #sampleShape()} ({@code [dimension]} for points,
 * {@code [channels, height, width]} for images), and optionally one class label per sample.
 */
public final class PointSet {

    private final int[] sampleShape;
    private final int dimension;
    private final float[] values;
    private final int[] labels;

    public PointSet(int dimension, float[] values) {
        this(new int[]{dimension}, values, null);
    }

    /**
     * @param sampleShape shape of one sample (its product is the row length)
     * @param values      row-major, {@code count × product(sampleShape)} values
     * @param labels      one class label per sample, or null
     * @since SPI 1.3
     */
    public PointSet(int[] sampleShape, float[] values, int[] labels) {
        long d = 1;
        for (int s : sampleShape) {
            d *= s;
        }
        if (sampleShape.length == 0 || d <= 0 || d > Integer.MAX_VALUE || values.length % d != 0) {
            throw new IllegalArgumentException(values.length + " values are not a whole number of samples of shape "
                    + Arrays.toString(sampleShape));
        }
        this.sampleShape = sampleShape.clone();
        this.dimension = (int) d;
        this.values = values.clone();
        if (labels != null && labels.length != values.length / dimension) {
            throw new IllegalArgumentException(labels.length + " labels for " + values.length / dimension + " samples");
        }
        this.labels = labels == null ? null : labels.clone();
    }

    public static PointSet of(Tensor t) {
        if (t.rank() != 2) {
            throw new IllegalArgumentException("points must be [count, dimension], got rank " + t.rank());
        }
        return new PointSet(t.dim(1), t.toArray());
    }

    /** Number of values in one sample. */
    public int dimension() {
        return dimension;
    }

    /** Shape of one sample. @since SPI 1.3 */
    public int[] sampleShape() {
        return sampleShape.clone();
    }

    public int count() {
        return values.length / dimension;
    }

    /** Coordinate {@code j} of point {@code i}. */
    public float get(int i, int j) {
        return values[i * dimension + j];
    }

    /** A copy of the values. */
    public float[] values() {
        return values.clone();
    }

    /** A copy of the class labels, one per sample, or null when the samples carry none. @since SPI 1.3 */
    public int[] labels() {
        return labels == null ? null : labels.clone();
    }

    /** The same samples with their labels dropped, or with other labels. @since SPI 1.3 */
    public PointSet withLabels(int[] newLabels) {
        return new PointSet(sampleShape, values, newLabels);
    }

    /** The first {@code n} samples. */
    public PointSet head(int n) {
        int k = Math.min(n, count());
        return new PointSet(sampleShape, Arrays.copyOf(values, k * dimension),
                labels == null ? null : Arrays.copyOf(labels, k));
    }

    /** The samples as flat rows {@code [count, dimension]}. */
    public Tensor toTensor(Backend backend) {
        return Tensor.of(backend, values, count(), dimension);
    }
}
