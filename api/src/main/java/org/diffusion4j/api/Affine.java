package org.diffusion4j.api;

/** The pair (p, q) of a quantity p·u + q·w linear in two others; used for targets and view conversions. */
public record Affine(double p, double q) {
}
