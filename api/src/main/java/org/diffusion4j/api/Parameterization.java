package org.diffusion4j.api;

/**
 * What the network predicts. Every view the SPI knows (ε, x0, score, velocity, v) is linear in
 * (x0, ε) at a fixed t, so a parameterization is fully described by its training target
 * {@code a(t)·x0 + b(t)·ε}; the conversion of a network output into any other view follows by
 * solving the 2×2 system {x_t = α·x0 + σ·ε, out = a·x0 + b·ε} ("Unified Perspective", Eq. 23–27).
 * Written this way the conversions stay finite where a naive formula divides by α = 0 (the
 * velocity model at t = 1).
 */
public interface Parameterization {

    /** The view the network's output is trained to match. */
    View predicts();

    /** Coefficients (a, b) of the training target a·x0 + b·ε at time t. */
    default Affine target(Schedule s, double t) {
        return coefficients(predicts(), s, t);
    }

    /**
     * Coefficients (cx, cout) with {@code view = cx·x_t + cout·output} at time t.
     *
     * @throws IllegalArgumentException where the view is not determined (e.g. x0 from ε at α = 0)
     */
    default Affine view(View view, Schedule s, double t) {
        double alpha = s.alpha(t);
        double sigma = s.sigma(t);
        Affine target = target(s, t);
        double det = alpha * target.q() - sigma * target.p();
        if (det == 0 || !Double.isFinite(det)) {
            throw new IllegalArgumentException(predicts() + " prediction does not determine " + view + " at t = " + t);
        }
        // x0 = (b·x − σ·out)/det, ε = (−a·x + α·out)/det; the view is p·x0 + q·ε.
        Affine want = coefficients(view, s, t);
        double cx = (want.p() * target.q() - want.q() * target.p()) / det;
        double cout = (-want.p() * sigma + want.q() * alpha) / det;
        return new Affine(cx, cout);
    }

    /** Coefficients (p, q) of a view as p·x0 + q·ε along the schedule's path. */
    static Affine coefficients(View view, Schedule s, double t) {
        return switch (view) {
            case EPSILON -> new Affine(0, 1);
            case X0 -> new Affine(1, 0);
            case SCORE -> new Affine(0, -1 / s.sigma(t));
            case VELOCITY -> new Affine(s.alphaDot(t), s.sigmaDot(t));
            case V -> new Affine(-s.sigma(t), s.alpha(t));
        };
    }
}
