package org.diffusion4j.api;

/** The three disjoint draws of a dataset: train, held-out test, and a second held-out set for floors. */
public enum Split {
    TRAIN, TEST, REFERENCE
}
