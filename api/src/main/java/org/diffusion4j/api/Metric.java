package org.diffusion4j.api;

/** A distance between two point clouds (generated samples vs held-out data). */
public interface Metric {

    double compute(PointSet samples, PointSet reference);
}
