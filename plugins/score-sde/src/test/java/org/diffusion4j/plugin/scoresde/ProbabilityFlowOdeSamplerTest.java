package org.diffusion4j.plugin.scoresde;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.diffusion4j.api.Kind;
import org.diffusion4j.api.Model;
import org.diffusion4j.api.Schedule;
import org.diffusion4j.api.StepListener;
import org.diffusion4j.api.View;
import org.diffusion4j.api.tensor.Backend;
import org.diffusion4j.api.tensor.Rng;
import org.diffusion4j.api.tensor.Tensor;
import org.diffusion4j.runtime.oracle.GaussianMixture;
import org.diffusion4j.runtime.testing.StepCountingBackend;
import org.junit.jupiter.api.Test;

/**
 * The probability-flow ODE with the exact score: RK45's NFE falls as rtol rises while its samples
 * stay on the mixture, Heun beats Euler, per-sample step control makes a sample independent of its
 * batch, and a velocity model is integrated through its velocity view.
 */
class ProbabilityFlowOdeSamplerTest {

    private final Backend backend = TestSupport.backend();

    private ProbabilityFlowOdeSampler ode(Map<String, Object> options) {
        return TestSupport.create(Kind.SAMPLER, "score-sde.ode", options, TestSupport.context(backend));
    }

    private Tensor start(Schedule s, int n, long seed) {
        return Tensor.randn(backend, new Rng(seed), n, 2).mul(s.sigma(s.tMax()));
    }

    @Test
    void rk45NfeFallsAsRtolRisesAndTheSamplesStayOnTheMixture() {
        GaussianMixture mixture = TestSupport.threeComponents();
        StringBuilder b = new StringBuilder("RK45 on the probability-flow ODE, exact score, 2000 samples\n");
        for (Schedule s : TestSupport.sdes()) {
            Model model = TestSupport.scoreOracle(mixture, s);
            Tensor x = start(s, 2000, 5);
            double[] rtols = {1e-6, 1e-4, 1e-2};
            double[] nfe = new double[rtols.length];
            ProbabilityFlowOdeSampler.Solution reference = null;
            for (int i = 0; i < rtols.length; i++) {
                ProbabilityFlowOdeSampler.Solution sol = ode(Map.of("rtol", rtols[i], "atol", rtols[i]))
                        .solve(model, x, StepListener.NONE);
                nfe[i] = sol.meanEvaluations();
                float[] y = sol.x().toArray();
                TestSupport.assertFinite(y);
                double err = TestSupport.mixtureError(mixture, y);
                double gap = reference == null ? 0 : TestSupport.rms(reference.x().toArray(), y);
                if (reference == null) {
                    reference = sol;
                }
                b.append(String.format("  %-55s rtol %.0e  NFE mean %.1f max %d  mixture error %.4f  rms to rtol 1e-6 %.2e%n",
                        s, rtols[i], nfe[i], sol.maxEvaluations(), err, gap));
                if (rtols[i] <= 1e-4) {
                    // rtol 1e-2 is deliberately too loose for good samples: only its NFE is checked.
                    assertThat(err).as("%s rtol %s", s, rtols[i]).isLessThan(0.1);
                }
            }
            assertThat(nfe[1]).as("%s", s).isLessThan(nfe[0]);
            assertThat(nfe[2]).as("%s", s).isLessThan(nfe[1]);
        }
        System.out.print(b);
    }

    @Test
    void fixedStepHeunConvergesFasterThanEuler() {
        GaussianMixture mixture = TestSupport.twoBlobs();
        Schedule s = new VariancePreservingSde(0.1, 20, 1e-3);
        Model model = TestSupport.scoreOracle(mixture, s);
        Tensor x = start(s, 500, 6);
        float[] exact = ode(Map.of("rtol", 1e-7, "atol", 1e-7)).sample(model, x, null, StepListener.NONE).toArray();
        StringBuilder b = new StringBuilder("fixed-step ODE solvers, VP, rms distance to RK45 at 1e-7\n");
        double[][] err = new double[2][];
        String[] solvers = {"euler", "heun"};
        int[] steps = {20, 80};
        for (int k = 0; k < 2; k++) {
            err[k] = new double[steps.length];
            for (int i = 0; i < steps.length; i++) {
                err[k][i] = TestSupport.rms(ode(Map.of("solver", solvers[k], "steps", steps[i]))
                        .sample(model, x, null, StepListener.NONE).toArray(), exact);
                b.append(String.format("  %-5s steps %-3d rms %.2e%n", solvers[k], steps[i], err[k][i]));
            }
        }
        System.out.print(b);
        // Euler is first order (×4 steps → error ÷ ~4), Heun second order (÷ ~16).
        assertThat(err[0][1]).isLessThan(err[0][0] / 2.5);
        assertThat(err[1][1]).isLessThan(err[1][0] / 8);
        assertThat(err[1][1]).isLessThan(err[0][1]);
    }

    @Test
    void aSampleAndItsNfeDoNotDependOnItsBatch() {
        Model model = TestSupport.scoreOracle(TestSupport.threeComponents(), new SubVariancePreservingSde(0.1, 20, 1e-3));
        Tensor x = start(model.schedule(), 12, 7);
        ProbabilityFlowOdeSampler s = ode(Map.of());
        ProbabilityFlowOdeSampler.Solution whole = s.solve(model, x, StepListener.NONE);
        int[] rows = {3, 4, 5};
        ProbabilityFlowOdeSampler.Solution part = s.solve(model, x.gatherRows(rows), StepListener.NONE);
        float[] w = whole.x().toArray();
        float[] p = part.x().toArray();
        for (int r = 0; r < rows.length; r++) {
            assertThat(p[2 * r]).isEqualTo(w[2 * rows[r]]);
            assertThat(p[2 * r + 1]).isEqualTo(w[2 * rows[r] + 1]);
            assertThat(part.evaluations()[r]).isEqualTo(whole.evaluations()[rows[r]]);
        }
    }

    @Test
    void theListenerCountsNetworkEvaluations() {
        Model model = TestSupport.scoreOracle(TestSupport.twoBlobs(), new VariancePreservingSde(0.1, 20, 1e-3));
        Tensor x = start(model.schedule(), 50, 8);
        List<Integer> counts = new ArrayList<>();
        List<Double> times = new ArrayList<>();
        ProbabilityFlowOdeSampler.Solution sol = ode(Map.of("rtol", 1e-3, "atol", 1e-3)).solve(model, x,
                (step, steps, t, y, x0) -> {
                    assertThat(steps).isZero();
                    counts.add(step + 1);
                    times.add(t);
                });
        assertThat(counts).isSorted();
        assertThat(counts.getLast()).isEqualTo(sol.maxEvaluations());
        assertThat(times.getLast()).isEqualTo(model.schedule().tMin());
    }

    @Test
    void integratesAVelocityModelThroughItsVelocityView() {
        GaussianMixture mixture = TestSupport.twoBlobs();
        Schedule linear = TestSupport.linearInterpolant();
        Model velocity = TestSupport.oracle(mixture, linear, TestSupport.predicting(View.VELOCITY));
        ProbabilityFlowOdeSampler s = ode(Map.of());
        assertThat(s.refuse(velocity)).isNull();
        ProbabilityFlowOdeSampler.Solution sol = s.solve(velocity, start(linear, 2000, 9), StepListener.NONE);
        double err = TestSupport.mixtureError(mixture, sol.x().toArray());
        System.out.printf("velocity model by RK45: error %.4f, NFE mean %.1f%n", err, sol.meanEvaluations());
        assertThat(err).isLessThan(0.06);
        // A score model has no velocity where α = 0: refused with the reason.
        Model scoreOnLinear = TestSupport.oracle(mixture, linear, new ScoreParameterization());
        assertThat(s.refuse(scoreOnLinear)).contains("score-sde.ode").contains("VELOCITY");
    }

    @Test
    void aNetworkThatReturnsNanFailsNamingTheSamplerAndTheTime() {
        Schedule vp = new VariancePreservingSde(0.1, 20, 1e-3);
        Model diverged = TestSupport.nanWhere(TestSupport.scoreOracle(TestSupport.twoBlobs(), vp), t -> t < 0.5);
        assertThatThrownBy(() -> ode(Map.of()).solve(diverged, start(vp, 16, 3), StepListener.NONE))
                .isInstanceOf(org.diffusion4j.api.NonFiniteOutputException.class)
                // integrating down from tMax = 1, the first time the network answers NaN is just below 0.5
                .hasMessageMatching("score-sde\\.ode: the model's output is not finite \\(NaN\\) at t = 0\\.4\\d* "
                        + "for sample \\d+, .*")
                .hasMessageNotContaining("outside");
    }

    @Test
    void everyStepsAndStagesStorageIsRecycled() {
        Model model = TestSupport.scoreOracle(TestSupport.twoBlobs(), new VariancePreservingSde(0.1, 20, 1e-3));
        StepCountingBackend counting = new StepCountingBackend();
        Tensor start = Tensor.randn(counting, new Rng(6), 16, 2);
        for (String solver : new String[]{"euler", "heun"}) {
            counting.assertStepsRecycle(steps -> TestSupport.<ProbabilityFlowOdeSampler>create(Kind.SAMPLER,
                    "score-sde.ode", Map.of("solver", solver, "steps", steps), TestSupport.context(counting))
                    .sample(model, start, null, (step, total, t, x, x0) -> x0.toArray()), 3, 12);
        }
        // RK45: tolerance 10^-k, so more stages (each a scoped network call) for larger k
        counting.assertStepsRecycle(k -> ode(Map.of("rtol", Math.pow(10, -k), "atol", Math.pow(10, -k)))
                .solve(model, start, StepListener.NONE), 2, 5);
    }
}
