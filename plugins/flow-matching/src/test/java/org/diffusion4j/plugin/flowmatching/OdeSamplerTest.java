package org.diffusion4j.plugin.flowmatching;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CancellationException;
import org.diffusion4j.api.Kind;
import org.diffusion4j.api.Model;
import org.diffusion4j.api.Sampler;
import org.diffusion4j.api.StepListener;
import org.diffusion4j.api.View;
import org.diffusion4j.api.tensor.Backend;
import org.diffusion4j.api.tensor.Rng;
import org.diffusion4j.api.tensor.Tensor;
import org.diffusion4j.runtime.oracle.ComponentStats;
import org.diffusion4j.runtime.oracle.GaussianMixture;
import org.diffusion4j.runtime.oracle.GaussianMixtureOracle;
import org.diffusion4j.api.NoiseStreams;
import org.diffusion4j.runtime.testing.StepCountingBackend;
import org.junit.jupiter.api.Test;

/**
 * Euler, Heun and RK4 driven by the exact velocity of Gaussian mixtures: the discretisation error
 * against a very fine reference solution from the same starting points falls as steps grow, at
 * the rate of each method's order, and the sample distribution reaches the mixture.
 */
class OdeSamplerTest {

    private static final int N = 2000;

    private final Backend backend = TestSupport.backend();

    private Sampler sampler(String name, int steps) {
        return TestSupport.create(Kind.SAMPLER, name, Map.of("steps", steps), TestSupport.context(backend, 1, 2));
    }

    private float[] run(String name, int steps, Model model, Tensor start) {
        return sampler(name, steps).sample(model, start, null, StepListener.NONE).toArray();
    }

    @Test
    void discretisationErrorFallsWithStepsAtEachMethodsOrderOnTheBlogsTwoBlobs() {
        Model model = TestSupport.oracleModel(TestSupport.twoBlobs());
        Tensor start = Tensor.randn(backend, new Rng(11), N, 2);
        float[] reference = run("flow-matching.rk4", 1000, model, start);
        int[] ks = {5, 10, 20, 40};
        double[][] err = errors(model, start, reference, ks);
        print("two blobs: RMS distance to RK4 with 1000 steps, same starting points", ks, err);
        for (int m = 0; m < 3; m++) {
            for (int i = 1; i < ks.length; i++) {
                assertThat(err[m][i]).as("method %d, K=%d vs %d", m, ks[i], ks[i - 1]).isLessThan(err[m][i - 1]);
            }
        }
        for (int i = 0; i < ks.length; i++) {
            assertThat(err[1][i]).as("Heun better than Euler at K=%d", ks[i]).isLessThan(err[0][i] / 4);
            assertThat(err[2][i]).as("RK4 better than Heun at K=%d", ks[i]).isLessThan(err[1][i]);
        }
        // Euler is first order: doubling the steps halves the error.
        for (int i = 1; i < ks.length; i++) {
            assertThat(err[0][i] / err[0][i - 1]).isBetween(0.4, 0.6);
        }
        // Heun at least second order-ish (ratio ≤ 0.36 where 0.25 is the asymptote), RK4 faster still.
        assertThat(err[1][3] / err[1][2]).isLessThan(0.36);
        assertThat(err[2][2] / err[2][1]).isLessThan(0.15);
        assertThat(err[2][3]).isLessThan(1e-4);
    }

    @Test
    void discretisationErrorFallsWithStepsOnAHarderThreeComponentMixture() {
        Model model = TestSupport.oracleModel(TestSupport.threeComponents());
        Tensor start = Tensor.randn(backend, new Rng(12), N, 2);
        float[] reference = run("flow-matching.rk4", 1000, model, start);
        int[] ks = {5, 20, 80};
        double[][] err = errors(model, start, reference, ks);
        print("three components: RMS distance to RK4 with 1000 steps, same starting points", ks, err);
        for (int m = 0; m < 3; m++) {
            for (int i = 1; i < ks.length; i++) {
                assertThat(err[m][i]).as("method %d, K=%d vs %d", m, ks[i], ks[i - 1]).isLessThan(err[m][i - 1]);
            }
        }
        for (int i = 0; i < ks.length; i++) {
            assertThat(err[1][i]).as("Heun better than Euler at K=%d", ks[i]).isLessThan(err[0][i]);
            assertThat(err[2][i]).as("RK4 better than Heun at K=%d", ks[i]).isLessThan(err[1][i]);
        }
        assertThat(err[2][2]).isLessThan(1e-4);
    }

    @Test
    void samplesReachTheMixtureAndTheDistanceFallsWithSteps() {
        for (GaussianMixture mixture : List.of(TestSupport.twoBlobs(), TestSupport.threeComponents())) {
            Model model = TestSupport.oracleModel(mixture);
            Tensor start = Tensor.randn(backend, new Rng(13), N, 2);
            float[] exact = mixture.sample(backend, new Rng(14), N).toArray();
            float[] exact2 = mixture.sample(backend, new Rng(15), N).toArray();
            double floor = Math.abs(TestSupport.energyDistance(exact2, exact, 2));
            int[] ks = {2, 5, 10, 20};
            double[] energy = new double[ks.length];
            StringBuilder line = new StringBuilder();
            for (int i = 0; i < ks.length; i++) {
                energy[i] = TestSupport.energyDistance(run("flow-matching.euler", ks[i], model, start), exact, 2);
                line.append(String.format(" K=%d %.2e", ks[i], energy[i]));
            }
            float[] rk4 = run("flow-matching.rk4", 20, model, start);
            double rk4Energy = TestSupport.energyDistance(rk4, exact, 2);
            ComponentStats stats = ComponentStats.of(mixture, rk4);
            System.out.printf("ODE %d components, energy distance to %d exact draws (floor %.1e): Euler%s; RK4 K=20 %.2e, %s%n",
                    mixture.components(), N, floor, line, rk4Energy, stats);
            for (int i = 1; i < ks.length; i++) {
                assertThat(energy[i]).isLessThan(energy[i - 1]);
            }
            assertThat(energy[0]).isGreaterThan(0.1);
            assertThat(rk4Energy).isLessThan(5 * floor + 2e-3);
            assertThat(stats.error(mixture)).isLessThan(0.12);   // 2000 draws: a share alone has a standard error of 0.011
            assertThat(stats.maxStdError(mixture)).isLessThan(0.02);
        }
    }

    @Test
    void listenerSeesEveryGridTimeWithTheDenoiserEstimateAndCanCancel() {
        Model model = TestSupport.oracleModel(TestSupport.twoBlobs());
        Tensor start = Tensor.randn(backend, new Rng(3), 8, 2);
        for (String name : List.of("flow-matching.euler", "flow-matching.heun", "flow-matching.rk4")) {
            List<Double> times = new ArrayList<>();
            List<Integer> steps = new ArrayList<>();
            float[][] lastX = new float[1][];   // copied: the step's tensors are recycled after the call
            Tensor out = sampler(name, 4).sample(model, start, null, (step, total, t, x, x0Hat) -> {
                steps.add(step);
                times.add(t);
                assertThat(total).isEqualTo(4);
                assertThat(x0Hat).isNotNull();
                assertThat(x0Hat.shape()).containsExactly(8, 2);
                lastX[0] = x.toArray();
            });
            assertThat(steps).containsExactly(0, 1, 2, 3);
            assertThat(times).containsExactly(0.75, 0.5, 0.25, 0.0);
            assertThat(lastX[0]).containsExactly(out.toArray());
            StepListener cancel = (step, total, t, x, x0Hat) -> {
                if (step == 1) {
                    throw new CancellationException("stop");
                }
            };
            assertThatThrownBy(() -> sampler(name, 4).sample(model, start, null, cancel))
                    .isInstanceOf(CancellationException.class);
        }
    }

    @Test
    void firstDenoiserEstimateFromPureNoiseIsTheDataMean() {
        Model model = TestSupport.oracleModel(TestSupport.twoBlobs());
        Tensor start = Tensor.randn(backend, new Rng(4), 5, 2);
        float[][] first = new float[1][];
        sampler("flow-matching.euler", 10).sample(model, start, null, (step, total, t, x, x0Hat) -> {
            if (step == 0) {
                first[0] = x0Hat.toArray();
            }
        });
        float[] x0 = first[0];
        for (int r = 0; r < 5; r++) {
            assertThat(x0[2 * r]).isCloseTo(4f, within(1e-4f));
            assertThat(x0[2 * r + 1]).isCloseTo(0f, within(1e-4f));
        }
    }

    @Test
    void samplersAreStatelessAndDeterministic() {
        Model model = TestSupport.oracleModel(TestSupport.threeComponents());
        Tensor start = Tensor.randn(backend, new Rng(5), 64, 2);
        for (String name : List.of("flow-matching.euler", "flow-matching.heun", "flow-matching.rk4")) {
            Sampler s = sampler(name, 7);
            float[] a = s.sample(model, start, null, StepListener.NONE).toArray();
            float[] b = s.sample(model, start, null, StepListener.NONE).toArray();
            assertThat(a).containsExactly(b);
            assertThat(s.refuse(model)).isNull();
        }
    }

    @Test
    void refusesAModelWhoseVelocityIsUndeterminedOnTheGrid() {
        // An ε model on the linear interpolant cannot give x0 (hence v) at t = 1, where α = 0.
        var schedule = new LinearInterpolantSchedule();
        var eps = TestSupport.predicting(View.EPSILON);
        Model model = new Model(new GaussianMixtureOracle(TestSupport.twoBlobs(), schedule, eps), schedule, eps);
        for (String name : List.of("flow-matching.euler", "flow-matching.heun", "flow-matching.rk4")) {
            assertThat(sampler(name, 10).refuse(model)).contains(name).contains("t = 1.0").contains("VELOCITY");
        }
        // An x0 model gives v everywhere except at t = 0 (σ = 0: ε is undetermined). Euler never
        // evaluates there; Heun and RK4 end every run with an evaluation at t = 0.
        var x0 = TestSupport.predicting(View.X0);
        Model x0Model = new Model(new GaussianMixtureOracle(TestSupport.twoBlobs(), schedule, x0), schedule, x0);
        assertThat(sampler("flow-matching.euler", 10).refuse(x0Model)).isNull();
        assertThat(sampler("flow-matching.heun", 10).refuse(x0Model)).contains("t = 0.0");
        assertThat(sampler("flow-matching.rk4", 10).refuse(x0Model)).contains("t = 0.0");
    }

    private double[][] errors(Model model, Tensor start, float[] reference, int[] ks) {
        String[] names = {"flow-matching.euler", "flow-matching.heun", "flow-matching.rk4"};
        double[][] err = new double[3][ks.length];
        for (int m = 0; m < 3; m++) {
            for (int i = 0; i < ks.length; i++) {
                err[m][i] = TestSupport.rms(run(names[m], ks[i], model, start), reference, 2);
            }
        }
        return err;
    }

    private static void print(String title, int[] ks, double[][] err) {
        StringBuilder b = new StringBuilder(title).append('\n');
        String[] names = {"euler", "heun ", "rk4  "};
        for (int m = 0; m < 3; m++) {
            b.append("  ").append(names[m]);
            for (int i = 0; i < ks.length; i++) {
                b.append(String.format("  K=%-4d %.3e", ks[i], err[m][i]));
            }
            b.append('\n');
        }
        System.out.print(b);
    }

    @Test
    void everyStepsStorageIsRecycled() {
        Model model = TestSupport.oracleModel(TestSupport.twoBlobs());
        StepCountingBackend counting = new StepCountingBackend();
        Tensor start = Tensor.randn(counting, new Rng(6), 16, 2);
        StepListener reads = (step, total, t, x, x0Hat) -> x0Hat.toArray();
        for (String name : List.of("flow-matching.euler", "flow-matching.heun", "flow-matching.rk4")) {
            counting.assertStepsRecycle(steps -> sampler(name, steps).sample(model, start, null, reads), 3, 12);
        }
        counting.assertStepsRecycle(steps -> TestSupport.<Sampler>create(Kind.SAMPLER, "flow-matching.sde",
                Map.of("steps", steps), TestSupport.context(counting)).sample(model, start,
                new NoiseStreams(counting, new Rng(7), 0, 16, 2), reads), 3, 12);
    }
}
