package org.diffusion4j.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.diffusion4j.api.Kind;
import org.diffusion4j.api.Loss;
import org.diffusion4j.api.Model;
import org.diffusion4j.api.Network;
import org.diffusion4j.api.Parameterization;
import org.diffusion4j.api.PointSet;
import org.diffusion4j.api.Sampler;
import org.diffusion4j.api.Schedule;
import org.diffusion4j.api.tensor.Rng;
import org.diffusion4j.api.tensor.Tensor;
import org.diffusion4j.runtime.engine.Sampling;
import org.diffusion4j.runtime.oracle.GaussianMixture;
import org.diffusion4j.runtime.oracle.GaussianMixtureOracle;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Data of any shape: every sampler and every loss of the distribution, given a model whose network
 * sees images {@code [batch, 1, 4, 4]} (through {@link Network#overFlatSamples}), computes bit for
 * bit what it computes for the same model on flat 16-D points. The network here insists on the
 * image shape, so a component that passed it anything else would fail; and equal bits show that no
 * component looks at the shape. The model is the exact oracle of a 16-D Gaussian mixture.
 */
class AnyShapeIT {

    private static final int[] IMAGE = {1, 4, 4};
    private static final int D = 16;
    private static final int COUNT = 24;

    static OracleMatrix matrix;
    static GaussianMixture mixture;

    @BeforeAll
    static void load() {
        matrix = OracleMatrix.load(Distribution.built());
        Rng rng = new Rng(5);
        double[][] means = new double[3][D];
        for (double[] m : means) {
            for (int j = 0; j < D; j++) {
                m[j] = rng.nextDouble() - 0.5;
            }
        }
        mixture = new GaussianMixture(means, new double[]{0.1, 0.15, 0.2}, new double[]{0.5, 0.3, 0.2});
    }

    /** The oracle, refusing any x that is not {@code [batch, 1, 4, 4]} and answering in that shape. */
    private record ImageOnly(Network flat) implements Network {
        @Override
        public Tensor forward(Tensor x, Tensor t) {
            assertThat(x.shape()).as("what the network is given").containsExactly(x.dim(0), 1, 4, 4);
            Tensor out = flat.forward(x.reshape(x.dim(0), D), t);
            return out.reshape(x.dim(0), out.dim(1) / D, 4, 4);
        }

        @Override
        public Map<String, Tensor> parameters() {
            return Map.of();
        }
    }

    @TestFactory
    Stream<DynamicTest> everySamplerIgnoresTheShape() {
        List<DynamicTest> tests = new ArrayList<>();
        for (String name : matrix.names(Kind.SAMPLER)) {
            tests.add(DynamicTest.dynamicTest(name, () -> {
                // the flow alone samples the flow of a dinof network, not an oracle (DinofImageTest)
                org.junit.jupiter.api.Assumptions.assumeFalse(name.startsWith("dinof."), name + " needs a dinof network");
                Sampler sampler = matrix.create(Kind.SAMPLER, name, fewSteps(Kind.SAMPLER, name), D);
                Model[] pair = acceptedModels(m -> sampler.refuse(m) == null, 0);
                PointSet flat = Sampling.sample(matrix.backend(), pair[0], sampler, new int[]{D}, 3, COUNT, COUNT, n -> null);
                PointSet image = Sampling.sample(matrix.backend(), pair[1], sampler, IMAGE, 3, COUNT, COUNT, n -> null);
                assertThat(image.sampleShape()).containsExactly(IMAGE);
                assertThat(image.values()).as(name).containsExactly(flat.values());
                assertThat(Arrays.stream(toDoubles(flat.values())).allMatch(Double::isFinite)).isTrue();
            }));
        }
        return tests.stream();
    }

    @TestFactory
    Stream<DynamicTest> everyLossIgnoresTheShape() {
        List<DynamicTest> tests = new ArrayList<>();
        for (String name : matrix.names(Kind.LOSS)) {
            tests.add(DynamicTest.dynamicTest(name, () -> {
                // dinof.joint trains the score and the flow of its own network, not an oracle (DinofSamplingTest)
                org.junit.jupiter.api.Assumptions.assumeFalse(name.startsWith("dinof."), name + " needs a dinof network");
                Loss loss = matrix.create(Kind.LOSS, name, Map.of(), D);
                Tensor x0 = mixture.sample(matrix.backend(), new Rng(11), COUNT);
                float[] flatValue = new float[1];
                Model[] pair = acceptedModels(m -> {
                    try {
                        flatValue[0] = loss.compute(m, x0, new Rng(12)).item();
                        return true;
                    } catch (RuntimeException wrongCombination) {
                        return false;
                    }
                }, loss.extraOutputs());
                float flat = flatValue[0];
                float image = loss.compute(pair[1], x0, new Rng(12)).item();
                assertThat(image).as(name).isEqualTo(flat);
                assertThat(Float.isFinite(flat)).isTrue();
            }));
        }
        return tests.stream();
    }

    /** The oracle model on flat points and on images, for the first schedule × parameterization the test accepts. */
    private static Model[] acceptedModels(java.util.function.Predicate<Model> accepts, int extraOutputs) {
        for (String s : matrix.names(Kind.SCHEDULE)) {
            for (String p : matrix.names(Kind.PARAMETERIZATION)) {
                Schedule schedule = matrix.create(Kind.SCHEDULE, s, Map.of(), D);
                Parameterization param = matrix.create(Kind.PARAMETERIZATION, p, Map.of(), D);
                Network oracle = withExtraOutputs(new GaussianMixtureOracle(mixture, schedule, param), extraOutputs);
                Model flat = new Model(oracle, schedule, param);
                if (accepts.test(flat)) {
                    return new Model[]{flat, new Model(new ImageOnly(oracle).overFlatSamples(IMAGE), schedule, param)};
                }
            }
        }
        throw new AssertionError("no schedule and parameterization are accepted");
    }

    /** The oracle followed by {@code extra} zero outputs per sample (a learned variance of zero weight, say). */
    private static Network withExtraOutputs(Network oracle, int extra) {
        if (extra == 0) {
            return oracle;
        }
        return new Network() {
            @Override
            public Tensor forward(Tensor x, Tensor t) {
                Tensor out = oracle.forward(x, t);
                return Tensor.concatColumns(out, Tensor.zeros(x.backend(), x.dim(0), extra));
            }

            @Override
            public Map<String, Tensor> parameters() {
                return Map.of();
            }
        };
    }

    /** The sampler's step option set low (the test compares bits, not quality). */
    private static Map<String, Object> fewSteps(Kind kind, String name) {
        var config = matrix.config(kind, name);
        for (String option : List.of("steps", "steps-per-level")) {
            if (config.options().stream().anyMatch(o -> o.name().equals(option))) {
                // an adaptive solver chooses its own steps (and refuses a step count): a fixed one here
                return config.options().stream().anyMatch(o -> o.name().equals("solver"))
                        ? Map.of(option, 10, "solver", "heun") : Map.of(option, 10);
            }
        }
        return Map.of();
    }

    private static double[] toDoubles(float[] v) {
        double[] d = new double[v.length];
        for (int i = 0; i < v.length; i++) {
            d[i] = v[i];
        }
        return d;
    }
}
