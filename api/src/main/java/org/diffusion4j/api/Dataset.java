package org.diffusion4j.api;

/** A source of data points: a synthetic distribution or a user's file. */
public interface Dataset {

    /** Dimension of one point. */
    int dimension();

    /**
     * The points of one split. Synthetic datasets draw each split from its own seeded stream;
     * file datasets read their files.
     *
     * @throws IllegalArgumentException (with a message naming the file and problem) when the data cannot be read
     */
    PointSet load(Split split);
}
