package org.diffusion4j.plugin.scoresde;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import org.diffusion4j.api.Kind;
import org.diffusion4j.api.Model;
import org.diffusion4j.api.NoiseStreams;
import org.diffusion4j.api.Sampler;
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
 * The PC sampler driven by the exact score of a Gaussian mixture under each SDE: with the corrector
 * it beats predictor-only sampling at equal steps, every predictor converges as steps grow, and a
 * flow-matching velocity model is sampled through its score view.
 */
class PredictorCorrectorSamplerTest {

    private static final int N = 4000;

    private final Backend backend = TestSupport.backend();

    private Sampler pc(Map<String, Object> options) {
        return TestSupport.create(Kind.SAMPLER, "score-sde.pc", options, TestSupport.context(backend));
    }

    private float[] run(Sampler s, Model model, long seed) {
        Schedule sch = model.schedule();
        Rng rng = new Rng(seed);
        NoiseStreams noise = new NoiseStreams(backend, rng, 0, N, 2);
        Tensor start = noise.next().mul(sch.sigma(sch.tMax()));
        float[] y = s.sample(model, start, noise, StepListener.NONE).toArray();
        TestSupport.assertFinite(y);
        return y;
    }

    /**
     * Song et al.'s comparison (Table 1: P1000 vs PC1000) at a budget where the discretisation error is
     * visible: 50 steps, the paper's Langevin corrector (M = 1, snr 0.16) after the reverse-diffusion
     * predictor (Algorithms 2–3) and after the ancestral one. Three seeds of 4000 samples each keep the
     * Monte-Carlo noise of the error (≈ 0.01) below the measured gaps (0.02–0.045). With the
     * Euler–Maruyama predictor the corrector's gain at this budget is within that noise (printed, not
     * asserted).
     */
    @Test
    void correctorBeatsPredictorOnlyAtEqualStepsUnderEachSde() {
        GaussianMixture mixture = TestSupport.threeComponents();
        StringBuilder b = new StringBuilder("PC vs predictor-only, exact score, three components, 3 x " + N
                + " samples, 50 steps\n");
        for (Schedule s : TestSupport.sdes()) {
            Model model = TestSupport.scoreOracle(mixture, s);
            for (String predictor : List.of("reverse-diffusion", "ancestral", "euler-maruyama")) {
                int steps = 50;
                double pOnly = 0;
                double pc = 0;
                for (long seed : new long[]{1, 2, 3}) {
                    pOnly += TestSupport.mixtureError(mixture, run(pc(Map.of("steps", steps, "predictor", predictor,
                            "corrector", "none")), model, seed)) / 3;
                    pc += TestSupport.mixtureError(mixture, run(pc(Map.of("steps", steps, "predictor", predictor)),
                            model, seed)) / 3;
                }
                b.append(String.format("  %-55s %-18s P %.4f  PC %.4f%n", s, predictor, pOnly, pc));
                if (!predictor.equals("euler-maruyama")) {
                    assertThat(pc).as("%s %s", s, predictor).isLessThan(pOnly);
                }
            }
        }
        System.out.print(b);
    }

    @Test
    void everyPredictorConvergesAsStepsGrow() {
        GaussianMixture mixture = TestSupport.twoBlobs();
        StringBuilder b = new StringBuilder("predictor-only error vs steps, two blobs\n");
        for (Schedule s : TestSupport.sdes()) {
            Model model = TestSupport.scoreOracle(mixture, s);
            for (String predictor : List.of("euler-maruyama", "reverse-diffusion", "ancestral")) {
                double coarse = TestSupport.mixtureError(mixture, run(pc(Map.of("steps", 5, "predictor", predictor,
                        "corrector", "none")), model, 3));
                double fine = TestSupport.mixtureError(mixture, run(pc(Map.of("steps", 200, "predictor", predictor,
                        "corrector", "none")), model, 3));
                b.append(String.format("  %-45s %-18s N=5 %.4f  N=200 %.4f%n", s, predictor, coarse, fine));
                assertThat(fine).as("%s %s", s, predictor).isLessThan(coarse).isLessThan(0.08);
            }
        }
        System.out.print(b);
    }

    @Test
    void samplesAFlowMatchingVelocityModelThroughItsScoreView() {
        GaussianMixture mixture = TestSupport.twoBlobs();
        Schedule linear = TestSupport.linearInterpolant();
        Model velocity = TestSupport.oracle(mixture, linear, TestSupport.predicting(View.VELOCITY));
        StringBuilder b = new StringBuilder("velocity model (α(1) = 0) sampled by score-sde.pc\n");
        for (String predictor : List.of("euler-maruyama", "ancestral", "reverse-diffusion")) {
            Sampler s = pc(Map.of("steps", 200, "predictor", predictor));
            assertThat(s.refuse(velocity)).isNull();
            double err = TestSupport.mixtureError(mixture, run(s, velocity, 4));
            b.append(String.format("  %-18s N=200 error %.4f%n", predictor, err));
            assertThat(err).as(predictor).isLessThan(0.1);
        }
        System.out.print(b);
    }

    @Test
    void eachSampleDrawsFromItsOwnStreamWhateverTheBatch() {
        Model model = TestSupport.scoreOracle(TestSupport.threeComponents(), new VariancePreservingSde(0.1, 20, 1e-3));
        Tensor start = Tensor.randn(backend, new Rng(61), 20, 2);
        Rng run = new Rng(62);
        // The annealed-Langevin corrector's step is per sample, and so is the Langevin one with
        // per-sample norms; with batch norms sample k depends on the others.
        int[] rows = {5, 6, 7, 8, 9};
        List<Map<String, Object>> independent = List.of(
                Map.of("steps", 30, "corrector-steps", 2, "corrector", "annealed-langevin"),
                Map.of("steps", 30, "corrector-steps", 2, "langevin-norms", "sample"));
        for (Map<String, Object> options : independent) {
            Sampler s = pc(options);
            float[] whole = s.sample(model, start, new NoiseStreams(backend, run, 0, 20, 2), StepListener.NONE).toArray();
            float[] part = s.sample(model, start.gatherRows(rows), new NoiseStreams(backend, run, 5, 5, 2),
                    StepListener.NONE).toArray();
            for (int r = 0; r < rows.length; r++) {
                assertThat(part[2 * r]).as("%s", options).isEqualTo(whole[2 * rows[r]]);
                assertThat(part[2 * r + 1]).as("%s", options).isEqualTo(whole[2 * rows[r] + 1]);
            }
        }
        Sampler batch = pc(Map.of("steps", 30, "corrector-steps", 2, "langevin-norms", "batch"));
        float[] whole = batch.sample(model, start, new NoiseStreams(backend, run, 0, 20, 2), StepListener.NONE).toArray();
        float[] part = batch.sample(model, start.gatherRows(rows), new NoiseStreams(backend, run, 5, 5, 2),
                StepListener.NONE).toArray();
        assertThat(part[0]).as("batch norms: the step depends on the batch").isNotEqualTo(whole[2 * rows[0]]);
    }

    /**
     * The Langevin corrector's step-size norms, batch means (the paper's code, the default) against
     * each sample's own, on the oracle comparison above (three components, 50 steps, M = 1, snr 0.16,
     * 3 seeds), beside the batch-independent annealed-Langevin corrector and no corrector. Per-sample
     * norms are far worse — in D = 2 a sample near a mode has ‖s‖ ≈ 0 and takes a huge step — which is
     * why the default stays "batch"; the assertion keeps that reason true.
     */
    @Test
    void langevinStepNormsBatchVersusPerSample() {
        GaussianMixture mixture = TestSupport.threeComponents();
        StringBuilder b = new StringBuilder("Langevin corrector, exact score, three components, 3 x " + N
                + " samples, 50 steps: mixture error\n");
        List<Map<String, Object>> variants = List.of(Map.of("langevin-norms", "batch"), Map.of("langevin-norms", "sample"),
                Map.of("corrector", "annealed-langevin"), Map.of("corrector", "none"));
        for (Schedule s : TestSupport.sdes()) {
            Model model = TestSupport.scoreOracle(mixture, s);
            for (String predictor : List.of("reverse-diffusion", "ancestral", "euler-maruyama")) {
                double[] err = new double[variants.size()];
                for (int k = 0; k < err.length; k++) {
                    Map<String, Object> options = new java.util.HashMap<>(variants.get(k));
                    options.put("steps", 50);
                    options.put("predictor", predictor);
                    for (long seed : new long[]{1, 2, 3}) {
                        err[k] += TestSupport.mixtureError(mixture, run(pc(options), model, seed)) / 3;
                    }
                }
                b.append(String.format("  %-55s %-18s batch %.4f  sample %.4f  annealed %.4f  none %.4f%n", s, predictor,
                        err[0], err[1], err[2], err[3]));
                assertThat(err[0]).as("%s %s, batch norms", s, predictor).isLessThan(0.1).isLessThan(err[1] / 3);
            }
        }
        System.out.print(b);
    }

    @Test
    void refusesAModelWhoseScoreIsUndeterminedAndBadOptions() {
        // An x0 model on the linear interpolant has no score at t = 0... and a score model no x0 at α = 0.
        Model scoreOnLinear = TestSupport.oracle(TestSupport.twoBlobs(), TestSupport.linearInterpolant(),
                new ScoreParameterization());
        assertThat(pc(Map.of("steps", 10, "predictor", "ancestral")).refuse(scoreOnLinear)).contains("X0")
                .contains("score-sde.pc");
        assertThatThrownBy(() -> pc(Map.of("snr", 0.0))).hasMessageContaining("score-sde.pc").hasMessageContaining("snr");
        assertThatThrownBy(() -> pc(Map.of("predictor", "heun"))).hasMessageContaining("euler-maruyama, reverse-diffusion");
        assertThatThrownBy(() -> pc(Map.of("predictor", "none", "corrector", "none")))
                .hasMessageContaining("nothing");
    }

    @Test
    void everyStepsStorageIsRecycled() {
        Model model = TestSupport.scoreOracle(TestSupport.threeComponents(), new VariancePreservingSde(0.1, 20, 1e-3));
        StepCountingBackend counting = new StepCountingBackend();
        Tensor start = Tensor.randn(counting, new Rng(6), 16, 2);
        for (String predictor : new String[]{"euler-maruyama", "reverse-diffusion", "ancestral"}) {
            counting.assertStepsRecycle(steps -> TestSupport.<Sampler>create(Kind.SAMPLER, "score-sde.pc",
                    Map.of("steps", steps, "predictor", predictor), TestSupport.context(counting)).sample(model, start,
                    new NoiseStreams(counting, new Rng(7), 0, 16, 2), (step, total, t, x, x0) -> x0.toArray()), 3, 12);
        }
    }
}
