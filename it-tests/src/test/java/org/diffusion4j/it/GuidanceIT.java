package org.diffusion4j.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.diffusion4j.api.Kind;
import org.diffusion4j.api.Model;
import org.diffusion4j.api.Parameterization;
import org.diffusion4j.api.PointSet;
import org.diffusion4j.api.Sampler;
import org.diffusion4j.api.Schedule;
import org.diffusion4j.runtime.engine.Guidance;
import org.diffusion4j.runtime.engine.Sampling;
import org.diffusion4j.runtime.oracle.GaussianMixture;
import org.diffusion4j.runtime.oracle.LabelledMixtureOracle;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Classifier-free guidance with every sampler of the distribution, driven by the exact labelled
 * mixture oracle ({@link LabelledMixtureOracle}): the mixture's left component is class 0, its two
 * right ones class 1.
 * <ul>
 *   <li>At s = 1 (the conditional model) every sampler, unchanged, draws from p(x|y): nearly all
 *       samples land in class y's components, against the unconditional model's share (the floor,
 *       measured in the same test: the class's weight).</li>
 *   <li>For s ≠ 1 the guided dynamics do not sample a known distribution, so each deterministic
 *       sampler is compared with a fine-step solution of the same guided ODE: its error falls as
 *       steps grow, and two solvers of the same ODE (Heun and RK4) agree at fine steps.</li>
 * </ul>
 */
class GuidanceIT {

    private static final GaussianMixture MIXTURE = OracleMatrix.MIXTURE;
    private static final int[] COMPONENT_CLASS = {0, 1, 1};
    private static final int COUNT = 200;

    static OracleMatrix matrix;

    @BeforeAll
    static void load() {
        matrix = OracleMatrix.load(Distribution.built());
    }

    @TestFactory
    Stream<DynamicTest> everySamplerAtScaleOneDrawsFromTheClass() {
        List<DynamicTest> tests = new ArrayList<>();
        for (String name : matrix.names(Kind.SAMPLER)) {
            tests.add(DynamicTest.dynamicTest(name, () -> {
                // the flow alone samples the flow of a dinof network, not a guided oracle (DinofImageTest)
                org.junit.jupiter.api.Assumptions.assumeFalse(name.startsWith("dinof."), name + " needs a dinof network");
                Sampler sampler = matrix.create(Kind.SAMPLER, name, Map.of());
                Model model = acceptedModel(sampler);
                for (int y = 0; y < 2; y++) {
                    int[] labels = new int[COUNT];
                    java.util.Arrays.fill(labels, y);
                    PointSet conditional = Sampling.sample(matrix.backend(), model, sampler, new int[] {2}, 3, COUNT,
                            COUNT, labels, Guidance.scale(1), n -> null);
                    PointSet unconditional = Sampling.sample(matrix.backend(), model, sampler, new int[] {2}, 3, COUNT,
                            COUNT, n -> null);
                    double share = classShare(conditional, y);
                    double floor = classShare(unconditional, y);
                    assertThat(conditional.labels()).containsOnly(y);
                    assertThat(share).as("%s: share of class-%d samples in class %d's components (unconditional: %s)",
                            name, y, y, floor).isGreaterThanOrEqualTo(0.95).isGreaterThan(floor + 0.3);
                }
            }));
        }
        return tests.stream();
    }

    @TestFactory
    Stream<DynamicTest> guidedOdeSolutionsConvergeToTheFineStepSolution() {
        List<DynamicTest> tests = new ArrayList<>();
        for (String name : List.of("ddim", "flow-matching.euler", "flow-matching.heun", "flow-matching.rk4")) {
            tests.add(DynamicTest.dynamicTest(name, () -> {
                Model model = acceptedModel(matrix.create(Kind.SAMPLER, name, Map.of("steps", 10)));
                float[] reference = guided(model, name, name.equals("ddim") ? 1000 : 512);
                double[] errors = new double[3];
                int[] steps = {8, 32, 128};
                for (int i = 0; i < steps.length; i++) {
                    errors[i] = rms(guided(model, name, steps[i]), reference);
                }
                assertThat(errors[1]).as("%s at s = 3: RMS error to the fine solution, 8 / 32 / 128 steps: %s", name,
                        java.util.Arrays.toString(errors)).isLessThan(errors[0]);
                assertThat(errors[2]).as("%s: %s", name, java.util.Arrays.toString(errors))
                        .isLessThan(errors[1]).isLessThan(0.5 * errors[0]);
            }));
        }
        tests.add(DynamicTest.dynamicTest("heun and rk4 solve the same guided ODE", () -> {
            Model model = acceptedModel(matrix.create(Kind.SAMPLER, "flow-matching.heun", Map.of()));
            double apart = rms(guided(model, "flow-matching.heun", 512), guided(model, "flow-matching.rk4", 512));
            assertThat(apart).as("RMS between Heun and RK4 at 512 steps").isLessThan(1e-3);
        }));
        return tests.stream();
    }

    /** COUNT samples guided at s = 3, half of each class. */
    private static float[] guided(Model model, String sampler, int steps) {
        Sampler s = matrix.create(Kind.SAMPLER, sampler, Map.of("steps", steps));
        int[] labels = new int[COUNT];
        for (int i = 0; i < COUNT; i++) {
            labels[i] = i % 2;
        }
        return Sampling.sample(matrix.backend(), model, s, new int[] {2}, 5, COUNT, COUNT, labels, Guidance.scale(3),
                n -> null).values();
    }

    /** The labelled oracle under the first schedule × parameterization the sampler accepts. */
    private static Model acceptedModel(Sampler sampler) {
        for (String s : matrix.names(Kind.SCHEDULE)) {
            for (String p : matrix.names(Kind.PARAMETERIZATION)) {
                Schedule schedule = matrix.create(Kind.SCHEDULE, s, Map.of());
                Parameterization param = matrix.create(Kind.PARAMETERIZATION, p, Map.of());
                Model m = LabelledMixtureOracle.model(MIXTURE, COMPONENT_CLASS, 2, schedule, param);
                if (sampler.refuse(m) == null) {
                    return m;
                }
            }
        }
        throw new AssertionError("no schedule and parameterization are accepted by " + sampler);
    }

    /** Share of samples whose most likely component (under the data mixture) belongs to class y. */
    private static double classShare(PointSet samples, int y) {
        int in = 0;
        for (int i = 0; i < samples.count(); i++) {
            double best = Double.NEGATIVE_INFINITY;
            int arg = -1;
            for (int k = 0; k < MIXTURE.components(); k++) {
                double dx = samples.get(i, 0) - MIXTURE.means()[k][0];
                double dy = samples.get(i, 1) - MIXTURE.means()[k][1];
                double s2 = MIXTURE.stds()[k] * MIXTURE.stds()[k];
                double logp = Math.log(MIXTURE.weights()[k]) - (dx * dx + dy * dy) / (2 * s2) - Math.log(s2);
                if (logp > best) {
                    best = logp;
                    arg = k;
                }
            }
            in += COMPONENT_CLASS[arg] == y ? 1 : 0;
        }
        return (double) in / samples.count();
    }

    private static double rms(float[] a, float[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += (a[i] - b[i]) * (double) (a[i] - b[i]);
        }
        return Math.sqrt(s / a.length);
    }
}
