package org.diffusion4j.plugin.scoresde;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.diffusion4j.api.Schedule;
import org.junit.jupiter.api.Test;

/**
 * The three SDEs against the paper's table (Song et al. 2021, Eq. 9, 11, 12): f and g² in closed form,
 * the generic (α, σ) formulas of the api, and the moment equations of a linear SDE, which tie the
 * perturbation kernel (α, σ) to (f, g²) independently of how either was derived.
 */
class SdeCoefficientsTest {

    private static final double[] TIMES = {0.001, 0.01, 0.1, 0.3, 0.5, 0.7, 0.9, 0.999};

    /** The generic coefficients of the api from α, σ, α̇, σ̇ alone. */
    private static Schedule generic(Schedule s) {
        return new Schedule() {
            public double alpha(double t) {
                return s.alpha(t);
            }

            public double sigma(double t) {
                return s.sigma(t);
            }

            public double alphaDot(double t) {
                return s.alphaDot(t);
            }

            public double sigmaDot(double t) {
                return s.sigmaDot(t);
            }
        };
    }

    private static double derivative(java.util.function.DoubleUnaryOperator f, double t) {
        double h = 1e-6;
        return (f.applyAsDouble(t + h) - f.applyAsDouble(t - h)) / (2 * h);
    }

    @Test
    void vpCoefficientsAreThePapersTable() {
        VariancePreservingSde vp = new VariancePreservingSde(0.1, 20, 1e-3);
        for (double t : TIMES) {
            double beta = 0.1 + t * 19.9;
            assertThat(vp.drift(t)).isCloseTo(-0.5 * beta, within(1e-12));
            assertThat(vp.diffusionSquared(t)).isCloseTo(beta, within(1e-12));
            double b = 0.1 * t + 0.5 * 19.9 * t * t;
            assertThat(vp.alpha(t)).isCloseTo(Math.exp(-0.5 * b), within(1e-14));
            assertThat(vp.sigma(t) * vp.sigma(t) + vp.alpha(t) * vp.alpha(t)).isCloseTo(1, within(1e-12));
        }
        assertThat(vp.alpha(1)).isCloseTo(Math.exp(-0.5 * (0.1 + 9.95)), within(1e-15));
    }

    @Test
    void subVpCoefficientsAreThePapersTableAndItsVarianceIsBelowVp() {
        SubVariancePreservingSde sub = new SubVariancePreservingSde(0.1, 20, 1e-3);
        VariancePreservingSde vp = new VariancePreservingSde(0.1, 20, 1e-3);
        for (double t : TIMES) {
            double beta = 0.1 + t * 19.9;
            double b = 0.1 * t + 0.5 * 19.9 * t * t;
            assertThat(sub.drift(t)).isCloseTo(-0.5 * beta, within(1e-12));
            assertThat(sub.diffusionSquared(t)).isCloseTo(beta * (1 - Math.exp(-2 * b)), within(1e-10));
            // The kernel: mean e^{−B/2}·x0 as VP, std 1 − e^{−B} = 1 − α², not √(1 − α²).
            assertThat(sub.alpha(t)).isEqualTo(vp.alpha(t));
            assertThat(sub.sigma(t)).isCloseTo(1 - sub.alpha(t) * sub.alpha(t), within(1e-14));
            assertThat(sub.sigma(t)).isLessThan(vp.sigma(t));
            assertThat(sub.diffusionSquared(t)).isLessThan(vp.diffusionSquared(t));
        }
    }

    @Test
    void veCoefficientsAreThePapersTable() {
        VarianceExplodingSde ve = new VarianceExplodingSde(0.01, 50, 0);
        for (double t : TIMES) {
            double sigma = 0.01 * Math.pow(5000, t);
            assertThat(ve.sigma(t)).isCloseTo(sigma, within(1e-12 * sigma));
            assertThat(ve.drift(t)).isZero();
            // g² = d[σ²]/dt.
            assertThat(ve.diffusionSquared(t)).isCloseTo(derivative(u -> ve.sigma(u) * ve.sigma(u), t),
                    within(1e-6 * ve.diffusionSquared(t)));
        }
        assertThat(ve.sigma(0)).isCloseTo(0.01, within(1e-15));
        assertThat(ve.sigma(1)).isCloseTo(50, within(1e-12));
    }

    @Test
    void closedFormsEqualTheGenericFormulasAndTheDerivativesAreRight() {
        for (Schedule s : TestSupport.sdes()) {
            Schedule g = generic(s);
            for (double t : TIMES) {
                assertThat(s.drift(t)).as("%s f(%s)", s, t).isCloseTo(g.drift(t), within(1e-9 * (1 + Math.abs(s.drift(t)))));
                assertThat(s.diffusionSquared(t)).as("%s g²(%s)", s, t)
                        .isCloseTo(g.diffusionSquared(t), within(1e-9 * (1 + s.diffusionSquared(t))));
                assertThat(s.alphaDot(t)).as("%s α̇(%s)", s, t)
                        .isCloseTo(derivative(s::alpha, t), within(1e-6 * (1 + Math.abs(s.alphaDot(t)))));
                assertThat(s.sigmaDot(t)).as("%s σ̇(%s)", s, t)
                        .isCloseTo(derivative(s::sigma, t), within(1e-5 * (1 + Math.abs(s.sigmaDot(t)))));
            }
        }
    }

    /**
     * For dx = f·x dt + g dW the kernel's mean factor and variance solve α' = f·α and (σ²)' = 2f·σ² + g²
     * (Särkkä and Solin 2019, Eq. 5.50–5.51; Song et al. Eq. 29): checked with the closed-form f, g².
     */
    @Test
    void perturbationKernelsSolveTheMomentEquationsOfEachSde() {
        for (Schedule s : TestSupport.sdes()) {
            for (double t : TIMES) {
                double dAlpha = derivative(s::alpha, t);
                double dVar = derivative(u -> s.sigma(u) * s.sigma(u), t);
                double var = s.sigma(t) * s.sigma(t);
                assertThat(dAlpha).as("%s α' at %s", s, t).isCloseTo(s.drift(t) * s.alpha(t), within(1e-6));
                assertThat(dVar).as("%s (σ²)' at %s", s, t)
                        .isCloseTo(2 * s.drift(t) * var + s.diffusionSquared(t), within(1e-5 * (1 + Math.abs(dVar))));
            }
        }
    }

    @Test
    void badParametersAreRefusedWithTheirValues() {
        assertThatThrownBy(() -> new VarianceExplodingSde(1, 0.5, 0)).hasMessageContaining("score-sde.ve")
                .hasMessageContaining("0.5");
        assertThatThrownBy(() -> new VariancePreservingSde(0.1, 20, 0)).hasMessageContaining("t-min");
        assertThatThrownBy(() -> new SubVariancePreservingSde(-1, 20, 1e-3)).hasMessageContaining("score-sde.sub-vp");
    }
}
