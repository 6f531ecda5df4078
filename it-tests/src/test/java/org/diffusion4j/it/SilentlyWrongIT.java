package org.diffusion4j.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What used to go wrong without a word, through the built launcher: a CSV without a header, a
 * {@code --set} that switches a component, options without effect, samples that blow up, x0
 * clipping to a range the data does not have, annealed Langevin on a DDPM chain, and a sweep over a
 * sampler that is not DDIM. Two tiny runs (20 and 30 training steps) serve every test.
 */
class SilentlyWrongIT {

    static final ObjectMapper JSON = new ObjectMapper();
    /** Points in each of the headerless CSV files of the flow-matching run. */
    static final int POINTS = 400;

    @TempDir
    static Path tmp;

    static Launcher d4j;
    /** A DDPM ε-model on two moons, cosine schedule (T = 1000) reached by switching the spec's linear one. */
    static Path ddpm;
    static Launcher.Result ddpmTraining;
    /** A flow-matching model trained on headerless CSV points. */
    static Path flow;
    static Launcher.Result flowTraining;
    static Path trainCsv;

    @BeforeAll
    static void runs() throws IOException {
        d4j = new Launcher(Distribution.built(), tmp.resolve("work"));
        Path spec = Specs.write(tmp.resolve("ddpm.yaml"), """
                name: it-silent-ddpm
                seed: 3
                dataset:          {name: two-moons, count: 1000}
                schedule:         {name: ddpm.linear, steps: 100, beta-start: 0.0001, beta-end: 0.02}
                parameterization: {name: ddpm.epsilon}
                network:          {name: mlp, width: 32, depth: 2}
                loss:             {name: ddpm.simple}
                training:         {lr: 0.002, batch-size: 128, steps: 20, checkpoint-every: 20}
                samplers:
                  ddim: {name: ddim, steps: 10}
                sampling:         {count: 300}
                """);
        ddpm = tmp.resolve("ddpm");
        ddpmTraining = d4j.run("train", "--spec", spec.toString(), "--out", ddpm.toString(),
                "--set", "schedule.steps=1000", "--set", "schedule.name=ddpm.cosine");

        trainCsv = headerlessCsv("train.csv", 1);
        Path flowSpec = Specs.write(tmp.resolve("flow.yaml"), """
                name: it-silent-flow
                seed: 5
                dataset:          {name: points, train: %s, test: %s, reference: %s}
                schedule:         {name: flow-matching.linear}
                parameterization: {name: flow-matching.velocity}
                network:          {name: mlp, width: 32, depth: 2}
                loss:             {name: flow-matching.cfm}
                training:         {lr: 0.002, batch-size: 128, steps: 30, checkpoint-every: 30}
                samplers:
                  sde: {name: flow-matching.sde, steps: 20}
                sampling:         {count: 200}
                """.formatted(trainCsv, headerlessCsv("test.csv", 2), headerlessCsv("reference.csv", 3)));
        flow = tmp.resolve("flow");
        flowTraining = d4j.run("train", "--spec", flowSpec.toString(), "--out", flow.toString());
    }

    /** {@value #POINTS} points of two blobs, one per line, no header: the first line is a point. */
    private static Path headerlessCsv(String name, int seed) throws IOException {
        java.util.Random r = new java.util.Random(seed);
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < POINTS; i++) {
            double centre = i % 2 == 0 ? 2 : -2;
            b.append(String.format(Locale.ROOT, "%.4f,%.4f%n", centre + 0.3 * r.nextGaussian(), 0.3 * r.nextGaussian()));
        }
        return Files.writeString(tmp.resolve(name), b.toString());
    }

    @Test
    void aCsvWithoutHeaderKeepsItsFirstPointAndTheLogSaysWhatWasRead() throws IOException {
        Checks.succeeded(flowTraining);
        assertThat(flowTraining.stderr()).as(flowTraining.describe())
                .contains("read " + POINTS + " points of dimension 2 from " + trainCsv + " (no header");
        // the same file with a header line: the same points, and the header named
        Path withHeader = Files.writeString(tmp.resolve("with-header.csv"), "x,y\n" + Files.readString(trainCsv));
        Launcher.Result r = Checks.succeeded(d4j.run("eval", "--samples", trainCsv.toString(), "--reference",
                withHeader.toString(), "--metrics", "energy"));
        assertThat(r.stderr()).as(r.describe())
                .contains("read " + POINTS + " points of dimension 2 from " + trainCsv + " (no header")
                .contains("read " + POINTS + " points of dimension 2 from " + withHeader + " (header: x,y)");
        // a word further down is an error naming the file and the line, not a second header
        Path bad = Files.writeString(tmp.resolve("bad.csv"), "1,2\n3,4\nx,y\n");
        Checks.userError(d4j.run("eval", "--samples", bad.toString(), "--reference", withHeader.toString()),
                "bad.csv", "line 3", "'x' is not a number");
    }

    @Test
    void switchingAComponentWithSetDropsTheOldOnesOptions() throws IOException {
        Checks.succeeded(ddpmTraining);
        assertThat(ddpmTraining.stderr()).as(ddpmTraining.describe())
                .contains("schedule: switched ddpm.linear → ddpm.cosine; dropped its options beta-start, beta-end;"
                        + " kept steps (given with --set)");
        JsonNode schedule = JSON.readTree(ddpm.resolve("manifest.json").toFile()).get("spec").get("schedule");
        assertThat(schedule.get("name").asText()).isEqualTo("ddpm.cosine");
        assertThat(schedule.get("steps").asInt()).isEqualTo(1000);
        assertThat(schedule.has("beta-start")).isFalse();
        Launcher.Result help = Checks.succeeded(d4j.run("train", "--help"));
        assertThat(help.stdout().replaceAll("\\s+", " ")).contains("drops the old one's options");
    }

    @Test
    void optionsWithoutEffectAreRefusedWithTheReason() {
        Path hybrid = d4j.home().resolve("examples/ddpm-two-moons-hybrid.yaml");
        Checks.userError(d4j.run("train", "--spec", hybrid.toString(), "--out", tmp.resolve("vlb").toString(),
                        "--set", "loss.objective=vlb"),
                "option 'lambda' has no effect with objective: vlb", "remove it or use objective: hybrid");
        assertThat(tmp.resolve("vlb")).doesNotExist();
        Checks.succeeded(ddpmTraining);
        Checks.userError(d4j.run("sample", "--checkpoint", ddpm.toString(), "--out", tmp.resolve("rk45.csv").toString(),
                        "--sampler", "ode", "--set", "samplers.ode.name=score-sde.ode", "--set", "samplers.ode.steps=20"),
                "option 'steps' has no effect with solver: rk45");
    }

    @Test
    void aSamplerThatBlowsUpIsReportedWithTheOptionThatHelps() throws IOException {
        Checks.succeeded(ddpmTraining);
        // trailing spacing starts DDIM at t = 999 of the cosine schedule, where x0 = (x − σ·ε)/√ᾱ, √ᾱ ≈ 5e-5
        Path out = tmp.resolve("trailing.csv");
        Launcher.Result r = Checks.succeeded(d4j.run("sample", "--checkpoint", ddpm.toString(), "--out", out.toString(),
                "--set", "samplers.ddim.spacing=trailing"));
        assertThat(r.stderr()).as(r.describe())
                .contains("warning: sampler 'ddim' blew up", "the training data's largest |x|",
                        "--set samplers.ddim.clip=static");
        assertThat(maxAbs(out)).isGreaterThan(100);
        JsonNode manifest = JSON.readTree(tmp.resolve("trailing.manifest.json").toFile());
        assertThat(manifest.get("warning").asText()).contains("blew up");
    }

    @Test
    void clippingFollowsTheDataRangeAndIsRefusedForDataWithoutOne() throws IOException {
        Checks.succeeded(ddpmTraining);
        // two moons declares no range: clip: static without clip-range is refused, not clipped to [-1, 1]
        Path refused = tmp.resolve("clip-default.csv");
        Checks.userError(d4j.run("sample", "--checkpoint", ddpm.toString(), "--out", refused.toString(),
                "--set", "samplers.ddim.clip=static"), "clip: static needs the data's range", "clip-range");
        assertThat(refused).doesNotExist();
        // with a range the data has, samples outside [-1, 1] survive, within the range (unclipped, by default,
        // the trailing samples of the blow-up test reach far beyond)
        Path out = tmp.resolve("clip4.csv");
        Checks.succeeded(d4j.run("sample", "--checkpoint", ddpm.toString(), "--out", out.toString(),
                "--set", "samplers.ddim.clip=static", "--set", "samplers.ddim.clip-range=4"));
        assertThat(maxAbs(out)).isGreaterThan(1.0).isLessThanOrEqualTo(4.0);
    }

    @Test
    void annealedLangevinRefusesADdpmChain() {
        Checks.succeeded(ddpmTraining);
        Checks.userError(d4j.run("sample", "--checkpoint", ddpm.toString(), "--out", tmp.resolve("ald.csv").toString(),
                        "--sampler", "ald", "--set", "samplers.ald.name=ncsn.annealed-langevin"),
                "ncsn.annealed-langevin needs a noise-conditional score model", "ddpm.cosine", "use ddpm.ancestral or ddim");
    }

    @Test
    void sweepOfAFlowSamplerHasItsOwnDefaultsAndReportsARefusedCell() throws IOException {
        Checks.succeeded(flowTraining);
        Path table = tmp.resolve("sde-sweep.json");
        Launcher.Result r = Checks.succeeded(d4j.run("sweep", "--checkpoint", flow.toString(), "--out", table.toString(),
                "--metrics", "sliced-w2", "--set", "sampling.count=100"));
        JsonNode json = JSON.readTree(table.toFile());
        assertThat(json.get("columns").toString()).as(r.describe()).contains("steps=10", "steps=1000");
        assertThat(json.get("rows")).hasSize(1);
        for (JsonNode cell : json.get("scores").get("sliced-w2").get(0)) {
            assertThat(cell.isNumber()).as(json.toString()).isTrue();
        }

        Path mixed = tmp.resolve("mixed.json");
        Launcher.Result m = Checks.succeeded(d4j.run("sweep", "--checkpoint", flow.toString(), "--out", mixed.toString(),
                "--metrics", "sliced-w2", "--row", "eta=0.5", "--row", "scale=0.5", "--column", "steps=10", "--set",
                "sampling.count=100"));
        JsonNode scored = JSON.readTree(mixed.toFile());
        assertThat(scored.get("refused").get(0).get(0).asText()).as(m.describe()).contains("unknown option 'eta'");
        assertThat(scored.get("refused").get(1).get(0).isNull()).isTrue();
        assertThat(scored.get("scores").get("sliced-w2").get(0).get(0).isNull()).isTrue();
        assertThat(scored.get("scores").get("sliced-w2").get(1).get(0).isNumber()).isTrue();
        assertThat(m.stdout()).contains("| eta=0.5 | refused |");
        assertThat(m.stderr()).contains("refused: sampler 'flow-matching.sde': unknown option 'eta'");
    }

    private static double maxAbs(Path csv) throws IOException {
        double max = 0;
        for (String line : Files.readAllLines(csv).subList(1, Files.readAllLines(csv).size())) {
            for (String v : line.split(",")) {
                max = Math.max(max, Math.abs(Double.parseDouble(v)));
            }
        }
        return max;
    }
}
