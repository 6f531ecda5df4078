package org.diffusion4j.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * DDPM / improved DDPM / DDIM through the launcher: the variational bound reported by
 * {@code eval --checkpoint} ({@code ddpm.vlb}: learned variance, β̃, importance-sampled training),
 * the {@code sweep} command that prints the DDIM η × S table, and the training quality bar against
 * the PyTorch peer (peers/ddpm_2d.py) with the same model, recipe and budget.
 */
class DdpmIT {

    @TempDir
    static Path tmp;

    static Launcher d4j;
    static Path work;
    private static final ObjectMapper JSON = new ObjectMapper();

    @BeforeAll
    static void distribution() {
        work = tmp.resolve("work");
        d4j = new Launcher(Distribution.copyTo(tmp), work);
    }

    private static JsonNode stdoutJson(String... args) throws IOException {
        Launcher.Result r = Checks.succeeded(d4j.run(args));
        JsonNode json = JSON.readTree(r.stdout());
        System.out.println("[it] " + String.join(" ", args) + "\n" + json.toPrettyString());
        return json;
    }

    /** A small improved-DDPM run (learned variance, L_hybrid) on two moons; T = 200 to keep the bound cheap. */
    private static Path hybridRun(String name, int steps, String loss) throws IOException {
        Path spec = Specs.write(work.resolve(name + ".yaml"), """
                name: %s
                seed: 1
                dataset:          {name: two-moons, count: 4000}
                schedule:         {name: ddpm.cosine, steps: 200}
                parameterization: {name: ddpm.epsilon}
                network:          {name: mlp, width: 64, depth: 2, activation: silu, time-embedding: sinusoidal,
                                   time-scale: 200}
                loss:             %s
                training:         {lr: 0.002, batch-size: 256, steps: %d, ema-decay: 0.0, checkpoint-every: %d}
                samplers:
                  ddim: {name: ddim, steps: 20}
                sampling:         {count: 1000}
                likelihoods:
                  vlb:  {name: ddpm.vlb}
                """.formatted(name, loss, steps, steps));
        Path run = work.resolve(name);
        Checks.succeeded(d4j.run("train", "--spec", spec.toString(), "--out", run.toString()));
        return run;
    }

    @Test
    void theVariationalBoundIsReportedByEvalAndFallsWithTraining() throws IOException {
        String hybrid = "{name: ddpm.hybrid, objective: hybrid}";
        Path untrained = hybridRun("vlb-1", 1, hybrid);
        Path trained = hybridRun("vlb-1500", 1500, hybrid);
        JsonNode before = stdoutJson("eval", "--checkpoint", untrained.toString(), "--count", "300").get("vlb");
        JsonNode after = stdoutJson("eval", "--checkpoint", trained.toString(), "--count", "300").get("vlb");
        double nats = after.get("nll-bound-nats").asDouble();
        assertThat(after.get("bound").asBoolean()).isTrue();
        assertThat(after.get("component").asText()).isEqualTo("ddpm.vlb");
        assertThat(after.get("points").asInt()).isEqualTo(300);
        assertThat(after.get("bits-per-dim").asDouble()).isCloseTo(nats / (2 * Math.log(2)), within(1e-9));
        // Training lowers the bound by far more than its standard error (measured under load: 1056 nats at
        // step 1, where the untrained v puts Σ_θ far outside [β̃, β], → 6.17 nats; β̃ instead: 7.53).
        double drop = before.get("nll-bound-nats").asDouble() - nats;
        System.out.printf("[it] two moons, learned variance: VLB %.3f -> %.3f nats after 1500 steps%n",
                before.get("nll-bound-nats").asDouble(), nats);
        assertThat(drop).isGreaterThan(0.5 + 4 * after.get("standard-error-nats").asDouble());
        // The same model with a fixed β̃ instead of its learned variance is a bound too, and a finite one.
        JsonNode fixed = stdoutJson("eval", "--checkpoint", trained.toString(), "--count", "300",
                "--set", "likelihoods.vlb.variance=beta-tilde").get("vlb");
        assertThat(fixed.get("nll-bound-nats").asDouble()).isFinite();
        // L_vlb alone with importance-sampled steps trains through the launcher as well.
        Path importance = hybridRun("vlb-importance", 300, "{name: ddpm.hybrid, objective: vlb, time-sampling: importance}");
        assertThat(stdoutJson("eval", "--checkpoint", importance.toString(), "--count", "100")
                .get("vlb").get("nll-bound-nats").asDouble()).isFinite();
        // A model without the variance outputs cannot be evaluated with variance = learned: one-line user error.
        Path simple = hybridRun("vlb-simple", 1, "{name: ddpm.simple}");
        Checks.userError(d4j.run("eval", "--checkpoint", simple.toString(), "--count", "10", "--set",
                "likelihoods.vlb.variance=learned"), "variance = learned needs a network with 4 outputs");
    }

    @Test
    void sweepPrintsTheDdimTableAndRefusesABadCellUpFront() throws IOException {
        Path run = hybridRun("sweep", 300, "{name: ddpm.simple}");
        Path out = work.resolve("table.json");
        Launcher.Result r = Checks.succeeded(d4j.run("sweep", "--checkpoint", run.toString(), "--sampler", "ddim",
                "--row", "eta=0.0", "--row", "variance=sigma-hat", "--row", "eta=0.0,spacing=trailing,clip=static,clip-range=4",
                "--column", "steps=5", "--column", "steps=20", "--set", "sampling.count=500", "--out", out.toString()));
        System.out.println("[it] sweep\n" + r.stdout());
        assertThat(r.stdout()).contains("| sliced-w2 (floor ", "| eta=0.0 |", "| variance=sigma-hat |", "steps=20 |");
        JsonNode json = JSON.readTree(out.toFile());
        assertThat(json.get("rows")).hasSize(3);
        assertThat(json.get("columns")).hasSize(2);
        for (String metric : new String[]{"sliced-w2", "mmd2"}) {
            assertThat(json.get("floor").get(metric).isNumber()).isTrue();
            for (JsonNode row : json.get("scores").get(metric)) {
                for (JsonNode cell : row) {
                    assertThat(cell.isNumber()).as("%s %s", metric, json.get("scores")).isTrue();
                }
            }
        }
        assertThat(Files.exists(work.resolve("table.md"))).isTrue();
        // a grid whose every cell the sampler refuses, and an existing output: one-line user errors before any
        // sampling (a grid with some cells left is computed, the refused ones reported: SilentlyWrongIT)
        Checks.userError(d4j.run("sweep", "--checkpoint", run.toString(), "--column", "steps=5000",
                "--out", work.resolve("t2.json").toString()), "steps = 5000 is not in [1, 200]", "steps=5000");
        Checks.userError(d4j.run("sweep", "--checkpoint", run.toString(), "--row", "eta=0.0,variance=sigma-hat,eta=0.5",
                "--out", work.resolve("t3.json").toString()), "option 'eta' = 0.5 has no effect with variance = sigma-hat");
        Checks.userError(d4j.run("sweep", "--checkpoint", run.toString(), "--out", out.toString()), "already exists");
    }

    /**
     * The training quality bar: diffusion4j's ε-MLP trained through the launcher with the
     * peer's model and recipe (examples/ddim-study.yaml = peers/ddpm_2d.py: 34 → 128 → 128 → 128 → 2
     * SiLU, L_simple, linear β, Adam 1e-3, batch 512, no EMA) on eight Gaussians, sampled with DDIM
     * η = 0 over S = 20 leading steps (10 000 samples, no clipping, as the peer), must reach a sliced W2
     * to the held-out data within 10% of the peer's (or better). The peer trained 20 000 steps (66 s
     * at 300 steps/s); to keep this test near 90 s on two cores the Java run gets a quarter of that
     * budget, 5 000 steps, which makes the bar stricter, not looser. The data floor (the reference split
     * against the test split) is measured in the same run and must lie below both.
     */
    @Test
    void trainingReachesThePeersSlicedW2OnEightGaussians() throws IOException {
        // peers/results/ddpm_eight_gaussians_linear.json, samplers.ddim_eta0.0_S20.metrics.sw2 (seed 0,
        // 20 000 steps); its floor_test_vs_ref.sw2 is 0.0821.
        double peer = 0.3042242600102342;
        Path run = work.resolve("bar");
        Checks.succeeded(d4j.run("train", "--spec", d4j.home().resolve("examples/ddim-study.yaml").toString(),
                "--out", run.toString(), "--set", "dataset.name=eight-gaussians", "--set", "training.steps=5000",
                "--set", "training.checkpoint-every=5000"));
        Path out = work.resolve("bar.json");
        Checks.succeeded(d4j.run("sweep", "--checkpoint", run.toString(), "--sampler", "ddim", "--row", "eta=0.0",
                "--column", "steps=20", "--metrics", "sliced-w2", "--out", out.toString()));
        JsonNode json = JSON.readTree(out.toFile());
        double ours = json.get("scores").get("sliced-w2").get(0).get(0).asDouble();
        double floor = json.get("floor").get("sliced-w2").asDouble();
        System.out.printf("[it] eight Gaussians, DDIM eta = 0, S = 20: sliced W2 %.4f (peer %.4f), data floor %.4f%n",
                ours, peer, floor);
        assertThat(floor).isLessThan(0.15);
        assertThat(ours).isGreaterThan(floor).isLessThanOrEqualTo(1.1 * peer);
    }
}
