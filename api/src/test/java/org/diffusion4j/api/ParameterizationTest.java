package org.diffusion4j.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The generic conversion of {@link Parameterization#view}: for any target view and any schedule,
 * converting the exact network output (the target evaluated at known x0, ε) must give the exact
 * value of every other view.
 */
class ParameterizationTest {

    /** A VP-like schedule (α² + σ² = 1) with non-trivial derivatives. */
    private static final Schedule VP = new Schedule() {
        public double alpha(double t) {
            return Math.cos(Math.PI / 2 * t);
        }

        public double sigma(double t) {
            return Math.sin(Math.PI / 2 * t);
        }

        public double alphaDot(double t) {
            return -Math.PI / 2 * Math.sin(Math.PI / 2 * t);
        }

        public double sigmaDot(double t) {
            return Math.PI / 2 * Math.cos(Math.PI / 2 * t);
        }
    };

    /** The flow-matching interpolant α = 1 − t, σ = t. */
    private static final Schedule LINEAR = new Schedule() {
        public double alpha(double t) {
            return 1 - t;
        }

        public double sigma(double t) {
            return t;
        }

        public double alphaDot(double t) {
            return -1;
        }

        public double sigmaDot(double t) {
            return 1;
        }
    };

    private static Parameterization predicting(View v) {
        return () -> v;
    }

    private static double exact(View v, Schedule s, double t, double x0, double eps) {
        Affine c = Parameterization.coefficients(v, s, t);
        return c.p() * x0 + c.q() * eps;
    }

    @ParameterizedTest
    @EnumSource(View.class)
    void everyViewFollowsFromEveryPrediction(View predicted) {
        double x0 = 1.7;
        double eps = -0.4;
        for (Schedule s : new Schedule[]{VP, LINEAR}) {
            for (double t : new double[]{0.1, 0.35, 0.8}) {
                double xt = s.alpha(t) * x0 + s.sigma(t) * eps;
                double out = exact(predicted, s, t, x0, eps);
                for (View want : View.values()) {
                    Affine c = predicting(predicted).view(want, s, t);
                    assertThat(c.p() * xt + c.q() * out)
                            .as("%s from %s at t=%s", want, predicted, t)
                            .isCloseTo(exact(want, s, t, x0, eps), within(1e-9));
                }
            }
        }
    }

    @ParameterizedTest
    @ValueSource(doubles = {1.0, 0.999999})
    void velocityModelGivesAFiniteScoreAtPureNoise(double t) {
        // "Unified Perspective" Eq. 25 divides by α = 0 at t = 1; the 2×2 solve does not:
        // for α = 1 − t, σ = t the score is −((1 − t)·v + x)/t.
        Affine c = predicting(View.VELOCITY).view(View.SCORE, LINEAR, t);
        assertThat(c.p()).isCloseTo(-1 / t, within(1e-9));
        assertThat(c.q()).isCloseTo(-(1 - t) / t, within(1e-9));
    }
}
