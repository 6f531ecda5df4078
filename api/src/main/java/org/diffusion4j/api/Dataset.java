package org.diffusion4j.api;

/** A source of data: a synthetic distribution, a user's point file, an image set. */
public interface Dataset {

    /** Number of values in one sample (2 for the toy datasets, 784 for a 28×28 grey image). */
    int dimension();

    /**
     * The shape of one sample: {@code [dimension]} for points, {@code [channels, height, width]}
     * for images. Its product is {@link #dimension()}.
     *
     * @since SPI 1.3
     */
    default int[] sampleShape() {
        return new int[]{dimension()};
    }

    /**
     * How many class labels the samples carry (labels 0 .. n−1), 0 for unlabelled data.
     *
     * @since SPI 1.3
     */
    default int labelCount() {
        return 0;
    }

    /**
     * The names of the classes, label by label ({@code labelCount()} of them), for people: grid rows,
     * logs. Empty when the classes have no names (the default).
     *
     * @since SPI 1.3
     */
    default java.util.List<String> classNames() {
        return java.util.List.of();
    }

    /**
     * The bound R of the data, every coordinate of every sample in [−R, R], when the dataset
     * guarantees one: 1 for images scaled to [−1, 1], 4 for the checkerboard on [−4, 4]². Empty (the
     * default) for data without a bound (Gaussian blobs, noisy shapes, a user's points). Samplers
     * that clip their estimate of x0 take it as their default range, and the launcher warns when
     * samples land far outside it.
     *
     * @since SPI 1.4
     */
    default java.util.OptionalDouble range() {
        return java.util.OptionalDouble.empty();
    }

    /**
     * The samples of one split. Synthetic datasets draw each split from its own seeded stream;
     * file datasets read their files.
     *
     * @throws IllegalArgumentException (with a message naming the file and problem) when the data cannot be read
     */
    PointSet load(Split split);
}
