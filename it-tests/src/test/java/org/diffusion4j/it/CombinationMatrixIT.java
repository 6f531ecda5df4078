package org.diffusion4j.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;
import org.diffusion4j.api.Kind;
import org.diffusion4j.api.Likelihood;
import org.diffusion4j.api.Model;
import org.diffusion4j.api.NoiseStreams;
import org.diffusion4j.api.Sampler;
import org.diffusion4j.api.config.ConfigSpec;
import org.diffusion4j.api.tensor.Rng;
import org.diffusion4j.api.tensor.Tensor;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicContainer;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * The combination matrix of the built distribution: every sampler of every plugin present × every
 * schedule × every parameterization, each a test of its own, driven by the exact Gaussian-mixture
 * oracle ({@link OracleMatrix}: the network of a perfectly trained model, no training).
 *
 * <p>Per combination: if the sampler refuses the model ({@link Sampler#refuse}), the refusal must
 * say why, naming the sampler and the schedule it cannot work with, and the sampler is not run.
 * Otherwise it draws {@value #POINTS} points at a coarse and at a fine setting of its resolution
 * option (steps, steps per level, or the adaptive solver's tolerance, read from its declared config)
 * from the same x_T; every value must be finite, the fine error
 * ({@link org.diffusion4j.runtime.oracle.GaussianMixture#sampleError}) must not exceed the coarse
 * one by more than the Monte-Carlo slack {@value #SLACK}, and must be below {@value #BOUND}.
 *
 * <p>Why {@value #BOUND}: exact draws of {@value #POINTS} points from the mixture score up to 0.056
 * ({@link #exactDrawsScoreAtTheNoiseFloor}); at the fine settings 285 combinations run and score
 * 0.009–0.131, the worst being Euler with steps uniform in t on the VE SDE (σ geometric from 50 to
 * 0.01: 0.131 at 100 steps, 4.19 at 5) and the ODE solvers on NCSN's geometric levels, whose prior
 * N(0, σ_1² = 1) is not the true marginal at σ_1 (a floor near 0.075 that more steps cannot lower,
 * hence the slack). Equal shares instead of 0.5/0.3/0.2 would score 0.33 from the weights alone.
 *
 * <p>Every likelihood present ({@link Likelihood}, SPI 1.1) is checked the same way against the
 * mixture's analytic −log p at a few points: an exact estimate within {@value #NLL_TOLERANCE} nats,
 * a bound above it (less the same tolerance); both tolerances widened by how far the schedule's
 * prior N(0, σ(tMax)²) is from the true marginal at tMax ({@link OracleMatrix#priorMismatch}), which
 * no likelihood of this model can see past. Their model's network is
 * {@link org.diffusion4j.runtime.oracle.DifferentiableMixtureOracle}: the divergence of the flow needs gradients in x.
 *
 * <p>{@code -Dmatrix.only=REGEX} restricts the run to the combinations "sampler schedule
 * parameterization" the regular expression matches (for a quick look at one row).
 */
class CombinationMatrixIT {

    static final int POINTS = 2000;
    static final long SEED = 20261124L;
    /** Largest admissible error at the fine setting (see the class comment for the figures). */
    static final double BOUND = 0.15;
    /** How much the fine error may exceed the coarse one where both are at the noise floor. */
    static final double SLACK = 0.01;
    /** Nats by which a likelihood may miss the analytic value (exact) or fall below it (bound). */
    static final double NLL_TOLERANCE = 0.1;
    /** Independent estimates averaged per point for a (stochastic) bound. */
    static final int REPLICATES = 64;

    static OracleMatrix matrix;

    @BeforeAll
    static void load() {
        matrix = OracleMatrix.load(Distribution.built());
    }

    /** The CPU time the matrix took (a figure for the log, not a test: the machine may be shared). */
    @AfterAll
    static void cpuTime() {
        if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
            System.out.printf(Locale.ROOT, "[matrix] JVM CPU time %.1f s%n", os.getProcessCpuTime() / 1e9);
        }
    }

    /** The reference the bound is set against: what perfect samples of the same size score. */
    @Test
    void exactDrawsScoreAtTheNoiseFloor() {
        double worst = 0;
        for (int seed = 0; seed < 4; seed++) {
            float[] x = matrix.exactDraws(POINTS, seed);
            worst = Math.max(worst, OracleMatrix.MIXTURE.sampleError(x));
        }
        System.out.printf(Locale.ROOT, "[matrix] exact draws of %d points: worst error over 4 seeds %.4f%n", POINTS, worst);
        assertThat(worst).isLessThan(BOUND / 2);
    }

    /** The likelihoods' model: its tensor-op network must give the runtime oracle's output. */
    @Test
    void differentiableNetworkAgreesWithTheOracle() {
        float[] v = matrix.exactDraws(64, 99);
        for (int i = 0; i < v.length; i++) {
            v[i] *= 1.5f; // off the data too
        }
        Tensor x = Tensor.of(matrix.backend(), v, 64, 2);
        for (String schedule : matrix.names(Kind.SCHEDULE)) {
            for (String param : matrix.names(Kind.PARAMETERIZATION)) {
                Model host = matrix.model(schedule, param, false);
                Model tensor = matrix.model(schedule, param, true);
                for (double t : new double[]{0.05, 0.3, 0.7, 0.95}) {
                    x.requiresGrad(true); // else it answers with the host oracle itself
                    float[] want = host.output(x.detach(), t).toArray();
                    float[] got = tensor.output(x, t).toArray();
                    for (int i = 0; i < want.length; i++) {
                        assertThat((double) got[i]).as("%s %s t = %s, value %d", schedule, param, t, i)
                                .isCloseTo(want[i], org.assertj.core.data.Offset.offset(1e-3 * (1 + Math.abs(want[i]))));
                    }
                }
            }
        }
    }

    @Test
    void everyKindTheMatrixNeedsIsPresent() {
        assertThat(matrix.names(Kind.SAMPLER)).isNotEmpty();
        assertThat(matrix.names(Kind.SCHEDULE)).isNotEmpty();
        assertThat(matrix.names(Kind.PARAMETERIZATION)).isNotEmpty();
    }

    @TestFactory
    Stream<DynamicNode> samplers() {
        return matrix(Kind.SAMPLER, CombinationMatrixIT::sampling);
    }

    @TestFactory
    Stream<DynamicNode> likelihoods() {
        return matrix(Kind.LIKELIHOOD, CombinationMatrixIT::likelihood);
    }

    /** One container per component of the kind, one test per schedule × parameterization in it. */
    private static Stream<DynamicNode> matrix(Kind kind, Check check) {
        return matrix.names(kind).stream()
                .map(name -> DynamicContainer.dynamicContainer(name, combinations(name, check)));
    }

    interface Check {
        void run(String component, String schedule, String parameterization);
    }

    private static List<DynamicNode> combinations(String component, Check check) {
        String only = System.getProperty("matrix.only", "");
        List<DynamicNode> tests = new ArrayList<>();
        for (String schedule : matrix.names(Kind.SCHEDULE)) {
            for (String param : matrix.names(Kind.PARAMETERIZATION)) {
                if (!only.isBlank() && !(component + " " + schedule + " " + param).matches(only)) {
                    continue;
                }
                tests.add(DynamicTest.dynamicTest(component + " × " + schedule + " × " + param,
                        () -> check.run(component, schedule, param)));
            }
        }
        return tests;
    }

    /** A sampler's resolution option and its coarse and fine values for one model. */
    record Resolution(String option, Object coarse, Object fine) {

        Map<String, Object> options(Object value) {
            Map<String, Object> o = new LinkedHashMap<>();
            o.put(option, value);
            if (option.equals("rtol")) {
                o.put("atol", value);
            }
            return o;
        }
    }

    /**
     * From the sampler's declared config: an adaptive solver (rtol and a solver choice) gets a loose
     * and its default tolerance; a sampler with steps per noise level gets 30 and 1000 Langevin steps
     * in all (at least one per level; DDPM's 1000-step chains are refused, they are no ladder of levels); any
     * other sampler 5 and 100 steps.
     */
    static Resolution resolution(ConfigSpec spec, Model model) {
        if (spec.option("rtol") != null && spec.option("solver") != null) {
            return new Resolution("rtol", 1e-2, spec.option("rtol").defaultValue());
        }
        if (spec.option("steps-per-level") != null) {
            int levels = Math.max(1, model.schedule().trainingTimes().length);
            return new Resolution("steps-per-level", Math.max(1, 30 / levels), Math.max(1, 1000 / levels));
        }
        if (spec.option("steps") != null) {
            return new Resolution("steps", 5, 100);
        }
        return null;
    }

    private static void sampling(String samplerName, String schedule, String param) {
        Model model = matrix.model(schedule, param, false);
        String label = samplerName + " | " + schedule + " | " + param;
        if (samplerName.startsWith("dinof.")) {
            // The flow alone samples a dinof network's flow and takes no steps: an oracle model is refused for
            // having no flow, whatever the schedule (DinofImageTest and DinofImagesIT sample real ones)
            String why = matrix.<Sampler>create(Kind.SAMPLER, samplerName, Map.of()).refuse(model);
            System.out.println("[matrix] " + label + " | refused: " + why);
            assertThat(why).as("refusal of %s", samplerName).contains(samplerName).contains("no flow");
            return;
        }
        Resolution r = resolution(matrix.config(Kind.SAMPLER, samplerName), model);
        if (r == null) {
            fail(samplerName + " declares none of the options the matrix turns (steps, steps-per-level, rtol with a "
                    + "solver); teach CombinationMatrixIT.resolution its resolution option");
        }
        Sampler coarse = matrix.create(Kind.SAMPLER, samplerName, r.options(r.coarse()));
        Sampler fine = matrix.create(Kind.SAMPLER, samplerName, r.options(r.fine()));
        String why = refusal(coarse, fine, model);
        if (why != null) {
            System.out.println("[matrix] " + label + " | refused: " + why);
            assertRefusalSaysWhy(why, samplerName, schedule);
            return;
        }
        long t0 = System.nanoTime();
        double eCoarse = error(label, r.option() + " " + r.coarse(), model, coarse);
        double eFine = r.coarse().equals(r.fine()) ? eCoarse : error(label, r.option() + " " + r.fine(), model, fine);
        System.out.printf(Locale.ROOT, "[matrix] %s | %s %s → %.4f, %s → %.4f | %d ms%n", label, r.option(), r.coarse(),
                eCoarse, r.fine(), eFine, (System.nanoTime() - t0) / 1_000_000);
        assertThat(eFine).as("%s: error at %s %s vs %s %s (%.4f)", label, r.option(), r.fine(), r.option(), r.coarse(), eCoarse)
                .isLessThanOrEqualTo(eCoarse + SLACK);
        assertThat(eFine).as("%s: error at %s %s", label, r.option(), r.fine()).isLessThan(BOUND);
    }

    /** The refusal of either setting (a grid can be refusable at one step count only), or null. */
    private static String refusal(Sampler coarse, Sampler fine, Model model) {
        String why = coarse.refuse(model);
        return why != null ? why : fine.refuse(model);
    }

    private static void assertRefusalSaysWhy(String why, String component, String schedule) {
        assertThat(why).as("refusal of %s for schedule %s", component, schedule).isNotBlank()
                .contains(component).contains(schedule);
    }

    private static double error(String label, String setting, Model model, Sampler sampler) {
        float[] x;
        try {
            x = matrix.sample(model, sampler, POINTS, SEED);
        } catch (RuntimeException e) {
            throw new AssertionError(label + " at " + setting + " was not refused but crashed: " + e, e);
        }
        int bad = 0;
        for (float v : x) {
            if (!Float.isFinite(v)) {
                bad++;
            }
        }
        assertThat(bad).as("%s at %s: non-finite values among %d (not refused, so they must be finite)", label, setting,
                x.length).isZero();
        return OracleMatrix.MIXTURE.sampleError(x);
    }

    /** Points where −log p is compared: the three component means and two points between them. */
    static final double[][] NLL_POINTS = {{-0.6, 0.0}, {0.45, 0.5}, {0.4, -0.55}, {-0.5, 0.1}, {0.4, 0.0}};

    private static void likelihood(String name, String schedule, String param) {
        Model model = matrix.model(schedule, param, true);
        Likelihood likelihood = matrix.create(Kind.LIKELIHOOD, name, Map.of());
        String label = name + " | " + schedule + " | " + param;
        String why = likelihood.refuse(model);
        if (why != null) {
            System.out.println("[matrix] " + label + " | refused: " + why);
            if (name.startsWith("dinof.")) {
                // DiNof's likelihood needs its own network (score and flow): an oracle model is refused
                // for having no flow, whatever the schedule (DinofSamplingTest scores a real one)
                assertThat(why).as("refusal of %s", name).contains(name).contains("no flow");
            } else {
                assertRefusalSaysWhy(why, name, schedule);
            }
            return;
        }
        // A bound is estimated from one draw of x_t per term: average REPLICATES independent
        // estimates per point (one noise stream each) and allow three standard errors.
        int reps = likelihood.isBound() ? REPLICATES : 1;
        int m = NLL_POINTS.length;
        float[] v = new float[m * reps * 2];
        for (int i = 0; i < m * reps; i++) {
            v[2 * i] = (float) NLL_POINTS[i % m][0];
            v[2 * i + 1] = (float) NLL_POINTS[i % m][1];
        }
        Tensor x = Tensor.of(matrix.backend(), v, m * reps, 2);
        NoiseStreams noise = new NoiseStreams(matrix.backend(), new Rng(SEED).split("likelihood"), 0, m * reps, 2);
        double[] nll;
        try {
            nll = likelihood.negativeLogLikelihood(model, x, noise);
        } catch (RuntimeException e) {
            throw new AssertionError(label + " was not refused but crashed: " + e, e);
        }
        assertThat(nll).as("%s: one value per point", label).hasSize(m * reps);
        double tolerance = NLL_TOLERANCE + OracleMatrix.priorMismatch(model.schedule());
        double[] mean = new double[m];
        double[] stderr = new double[m];
        double[] exact = new double[m];
        StringBuilder line = new StringBuilder();
        for (int i = 0; i < m; i++) {
            double sum = 0;
            double sq = 0;
            for (int r = 0; r < reps; r++) {
                double value = nll[r * m + i];
                assertThat(value).as("%s at point %d", label, i).isFinite();
                sum += value;
                sq += value * value;
            }
            mean[i] = sum / reps;
            stderr[i] = reps > 1 ? Math.sqrt(Math.max(0, sq / reps - mean[i] * mean[i]) / (reps - 1)) : 0;
            exact[i] = -OracleMatrix.MIXTURE.logDensity(NLL_POINTS[i]);
            line.append(String.format(Locale.ROOT, " %.3f%s/%.3f", mean[i],
                    reps > 1 ? String.format(Locale.ROOT, "±%.3f", stderr[i]) : "", exact[i]));
        }
        System.out.printf(Locale.ROOT, "[matrix] %s | nll/exact%s%s | tolerance %.3f%n", label, line,
                likelihood.isBound() ? " (bound, mean ± s.e. of " + reps + ")" : "", tolerance);
        for (int i = 0; i < m; i++) {
            if (likelihood.isBound()) {
                assertThat(mean[i]).as("%s at point %d: a bound on −log p = %.4f (mean of %d, s.e. %.3f)", label, i,
                        exact[i], reps, stderr[i]).isGreaterThanOrEqualTo(exact[i] - tolerance - 3 * stderr[i]);
            } else {
                assertThat(mean[i]).as("%s at point %d: an estimate of −log p = %.4f (tolerance %.3f)", label, i,
                        exact[i], tolerance).isBetween(exact[i] - tolerance, exact[i] + tolerance);
            }
        }
    }
}
