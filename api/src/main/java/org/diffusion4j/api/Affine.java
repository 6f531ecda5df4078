package org.diffusion4j.api;

import org.diffusion4j.api.tensor.Tensor;

/** The pair (p, q) of a quantity p·u + q·w linear in two others; used for targets and view conversions. */
public record Affine(double p, double q) {

    /** {@code p·u + q·w}, skipping a term whose coefficient is 0 and a multiplication by 1. */
    public Tensor apply(Tensor u, Tensor w) {
        if (p == 0) {
            return q == 1 ? w : w.mul(q);
        }
        if (q == 0) {
            return p == 1 ? u : u.mul(p);
        }
        return u.mul(p).add(w.mul(q));
    }
}
