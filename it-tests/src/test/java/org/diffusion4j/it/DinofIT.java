package org.diffusion4j.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.diffusion4j.api.tensor.Rng;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * DiNof through the launcher on two moons: a dinof network (score MLP + flow of x(T_m)) trained
 * jointly at T_m = 0.5, sampled from the flow prior by the PC sampler with 100 steps from T_m,
 * against the VP-SDE baseline of the same size and training sampled with 200 steps from t = 1.
 *
 * <p>The bar, which can fail: DiNof's sliced-W2 to fresh moons at most 1.25 × the baseline's, with
 * half the steps (measured on this spec: 0.24 against 0.32 by {@code eval}). Bad input: T_m outside
 * (0, 1], and the flow prior asked of a checkpoint whose network has no flow — each one line,
 * exit 2, nothing written.
 */
class DinofIT {

    @TempDir
    static Path tmp;

    static Launcher d4j;
    static Path work;
    static Path baseline;
    static Path dinof;

    private static final String COMMON = """
            seed: 1
            dataset:          {name: two-moons, count: 2000}
            schedule:         {name: score-sde.vp}
            parameterization: {name: score-sde.score}
            training:         {lr: 0.003, batch-size: 256, steps: 400, ema-decay: 0.99, checkpoint-every: 400}
            sampling:         {count: 400, weights: ema}
            """;

    @BeforeAll
    static void train() {
        work = tmp.resolve("work");
        d4j = new Launcher(Distribution.copyTo(tmp), work);
        Path base = Specs.write(work.resolve("baseline.yaml"), "name: it-dinof-baseline\n" + COMMON + """
                network:          {name: mlp, width: 64, depth: 2, activation: silu, time-embedding: sinusoidal}
                loss:             {name: score-sde.dsm, weighting: sigma2}
                samplers:
                  pc: {name: score-sde.pc, steps: 200}
                """);
        Path spec = Specs.write(work.resolve("dinof.yaml"), "name: it-dinof\n" + COMMON + """
                network:          {name: dinof, t-m: 0.5, width: 64, depth: 2, activation: silu, flow-steps: 4, flow-hidden: 32}
                loss:             {name: dinof.joint}
                prior:            {name: dinof.flow, t-m: 0.5}
                samplers:
                  pc: {name: score-sde.pc, steps: 100}
                """);
        baseline = work.resolve("baseline-run");
        dinof = work.resolve("dinof-run");
        Checks.succeeded(d4j.run("train", "--spec", base.toString(), "--out", baseline.toString()));
        Checks.succeeded(d4j.run("train", "--spec", spec.toString(), "--out", dinof.toString()));
    }

    @Test
    void dinofFromTmWithHalfTheStepsIsAsCloseToTheMoonsAsTheBaseline() throws Exception {
        Path b = work.resolve("baseline.csv");
        Path d = work.resolve("dinof.csv");
        Checks.succeeded(d4j.run("sample", "--checkpoint", baseline.toString(), "--out", b.toString()));
        Launcher.Result r = Checks.succeeded(d4j.run("sample", "--checkpoint", dinof.toString(), "--out", d.toString()));
        assertThat(r.stderr()).as("the sampler walks 100 steps from T_m").contains("100/100");
        String manifest = Files.readString(work.resolve("dinof.manifest.json"));
        assertThat(manifest).as("the manifest records the prior").contains("dinof.flow");
        double[][] reference = moons(7, 2000);
        double base = slicedW2(points(b), reference);
        double flow = slicedW2(points(d), reference);
        double data = slicedW2(moons(8, 400), reference);
        System.out.printf("[it] two moons sliced-W2: DiNof T_m = 0.5, 100 steps %.4f; VP-SDE baseline, 200 steps %.4f;"
                + " floor (400 fresh moons) %.4f%n", flow, base, data);
        assertThat(flow).as("DiNof against the baseline " + base).isLessThan(1.25 * base);
    }

    @Test
    void tmOutsideTheUnitIntervalIsOneLine() {
        Path out = work.resolve("bad-tm.csv");
        Checks.userError(d4j.run("sample", "--checkpoint", dinof.toString(), "--out", out.toString(), "--set",
                "prior.t-m=1.5"), "t-m", "1.5", "(0, 1]");
        Checks.userError(d4j.run("sample", "--checkpoint", dinof.toString(), "--out", out.toString(), "--set",
                "prior.t-m=0.3"), "t-m = 0.3", "0.5");
        assertThat(out).doesNotExist();
    }

    @Test
    void theFlowPriorOnACheckpointWithoutAFlowIsOneLine() {
        Path out = work.resolve("no-flow.csv");
        Checks.userError(d4j.run("sample", "--checkpoint", baseline.toString(), "--out", out.toString(), "--set",
                "prior.name=dinof.flow"), "dinof.flow", "no flow");
        assertThat(out).doesNotExist();
    }

    // ---------------------------------------------------------------- points and the distance

    /** Two moons as the toy-data plugin makes them (sklearn's make_moons, noise 0.1, mapped by 2x + (−1, −0.2)). */
    private static double[][] moons(long seed, int n) {
        Rng rng = new Rng(seed);
        double[][] x = new double[n][];
        for (int i = 0; i < n; i++) {
            double a = Math.PI * rng.nextDouble();
            boolean upper = i % 2 == 0;
            double u = upper ? Math.cos(a) : 1 - Math.cos(a);
            double v = upper ? Math.sin(a) : 0.5 - Math.sin(a);
            x[i] = new double[]{2 * u - 1 + 0.2 * rng.nextGaussian(), 2 * v - 0.2 + 0.2 * rng.nextGaussian()};
        }
        return x;
    }

    private static double[][] points(Path csv) {
        List<String> rows = Checks.pointsCsv(csv, 400);
        return rows.stream().filter(l -> !l.isBlank() && !l.startsWith("x")).map(l -> {
            String[] p = l.split(",");
            return new double[]{Double.parseDouble(p[0]), Double.parseDouble(p[1])};
        }).toArray(double[][]::new);
    }

    /**
     * Sliced 2-Wasserstein distance over 64 fixed directions: the 1-D W2 of the projections by quantiles
     * (the larger set's projections read at the smaller set's quantile levels), root mean square over directions.
     */
    private static double slicedW2(double[][] a, double[][] b) {
        int directions = 64;
        double total = 0;
        for (int k = 0; k < directions; k++) {
            double angle = Math.PI * k / directions;
            double c = Math.cos(angle);
            double s = Math.sin(angle);
            double[] pa = Arrays.stream(a).mapToDouble(p -> c * p[0] + s * p[1]).sorted().toArray();
            double[] pb = Arrays.stream(b).mapToDouble(p -> c * p[0] + s * p[1]).sorted().toArray();
            double sum = 0;
            for (int i = 0; i < pa.length; i++) {
                double q = (i + 0.5) / pa.length;
                double other = pb[(int) Math.min(pb.length - 1, Math.floor(q * pb.length))];
                sum += (pa[i] - other) * (pa[i] - other);
            }
            total += sum / pa.length;
        }
        return Math.sqrt(total / directions);
    }
}
