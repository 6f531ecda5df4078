package org.diffusion4j.api;

import java.util.Arrays;
import org.diffusion4j.api.tensor.Backend;
import org.diffusion4j.api.tensor.Tensor;

/** An immutable set of points, row-major {@code [count, dimension]} on the host. */
public final class PointSet {

    private final int dimension;
    private final float[] values;

    public PointSet(int dimension, float[] values) {
        if (dimension <= 0 || values.length % dimension != 0) {
            throw new IllegalArgumentException(values.length + " values are not a whole number of "
                    + dimension + "-D points");
        }
        this.dimension = dimension;
        this.values = values.clone();
    }

    public static PointSet of(Tensor t) {
        if (t.rank() != 2) {
            throw new IllegalArgumentException("points must be [count, dimension], got rank " + t.rank());
        }
        return new PointSet(t.dim(1), t.toArray());
    }

    public int dimension() {
        return dimension;
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

    /** The first {@code n} points. */
    public PointSet head(int n) {
        return new PointSet(dimension, Arrays.copyOf(values, Math.min(n, count()) * dimension));
    }

    public Tensor toTensor(Backend backend) {
        return Tensor.of(backend, values, count(), dimension);
    }
}
