package org.diffusion4j.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's first command, {@code quickstart}, run with its real defaults (seed 000's flow
 * matching on two Gaussians, 200 epochs): it must meet the quality bar and write every file the
 * README lists.
 */
class QuickstartIT {

    /** The quality bar on MMD² to held-out data. */
    static final double ODE_MMD2_MAX = 0.01;
    static final double SDE_MMD2_MAX = 0.025;
    /** Sliced-W2 of the PyTorch peer (the blog's code with the same setup): no worse than these. */
    static final double ODE_SLICED_W2_PEER = 0.65;
    static final double SDE_SLICED_W2_PEER = 0.87;

    @TempDir
    static Path tmp;

    static Path out;
    static Launcher.Result run;

    @BeforeAll
    static void runQuickstart() {
        Launcher d4j = new Launcher(Distribution.copyTo(tmp), tmp.resolve("work"));
        out = tmp.resolve("work").resolve("qs");
        // A time limit, not a speed assertion: the quickstart takes about a minute on a laptop.
        run = d4j.run(Duration.ofMinutes(20), "quickstart", "--out", out.toString());
    }

    @Test
    void exitsWithZero() {
        Checks.succeeded(run);
        assertThat(run.stdout()).as(run.describe()).contains("metrics", "outputs: " + out.toAbsolutePath());
    }

    @Test
    void meetsTheQualityBar() throws IOException {
        Checks.succeeded(run);
        JsonNode m = new ObjectMapper().readTree(out.resolve("metrics.json").toFile());
        String all = m.toPrettyString() + "\n" + run.describe();
        for (String label : List.of("ode", "sde", "floor")) {
            assertThat(m.has(label)).as("metrics.json has '%s'\n%s", label, all).isTrue();
            for (String metric : List.of("sliced-w2", "mmd2", "energy")) {
                assertThat(m.get(label).has(metric)).as("metrics.json has %s.%s\n%s", label, metric, all).isTrue();
                assertThat(m.get(label).get(metric).isNumber()).as("%s.%s is a number\n%s", label, metric, all).isTrue();
            }
        }
        assertThat(m.get("ode").get("mmd2").asDouble()).as("ode mmd2\n%s", all).isLessThanOrEqualTo(ODE_MMD2_MAX);
        assertThat(m.get("sde").get("mmd2").asDouble()).as("sde mmd2\n%s", all).isLessThanOrEqualTo(SDE_MMD2_MAX);
        assertThat(m.get("ode").get("sliced-w2").asDouble()).as("ode sliced-w2 vs the PyTorch peer's %s\n%s",
                ODE_SLICED_W2_PEER, all).isLessThanOrEqualTo(ODE_SLICED_W2_PEER);
        assertThat(m.get("sde").get("sliced-w2").asDouble()).as("sde sliced-w2 vs the PyTorch peer's %s\n%s",
                SDE_SLICED_W2_PEER, all).isLessThanOrEqualTo(SDE_SLICED_W2_PEER);
        // The floor (held-out vs held-out) is what a perfect model scores: the samples cannot beat it by much.
        assertThat(m.get("floor").get("mmd2").asDouble()).as("floor mmd2\n%s", all).isLessThanOrEqualTo(ODE_MMD2_MAX);
    }

    @Test
    void writesEveryFileTheReadmeLists() throws IOException {
        Checks.succeeded(run);
        for (String f : List.of("samples-ode.csv", "samples-sde.csv", "samples.png", "loss.png", "losses.csv",
                "metrics.json", "checkpoint.safetensors", "manifest.json", "samples-ode.manifest.json",
                "samples-sde.manifest.json")) {
            Path p = out.resolve(f);
            assertThat(p).as("%s\n%s", f, run.describe()).isRegularFile();
            assertThat(Files.size(p)).as("%s is not empty", f).isPositive();
        }
        for (String png : List.of("samples.png", "loss.png")) {
            byte[] b = Checks.bytes(out.resolve(png));
            assertThat(b).as("%s is a PNG", png).startsWith((byte) 0x89, (byte) 'P', (byte) 'N', (byte) 'G');
        }
    }

    @Test
    void sampleFilesHoldTenThousandPoints() {
        Checks.succeeded(run);
        Checks.pointsCsv(out.resolve("samples-ode.csv"), 10_000);
        Checks.pointsCsv(out.resolve("samples-sde.csv"), 10_000);
    }

    @Test
    void checkpointHoldsWeightsEmaAndTheResolvedSpec() {
        Checks.succeeded(run);
        SafetensorsReader.File ck = SafetensorsReader.read(out.resolve("checkpoint.safetensors"));
        assertThat(ck.tensors().keySet()).as("%s", ck.tensors().keySet())
                .anyMatch(n -> n.startsWith("model."))
                .anyMatch(n -> n.startsWith("ema."));
        assertThat(ck.metadata().get("spec")).as("%s", ck.metadata()).contains("two-gaussians", "flow-matching.euler");
        assertThat(Long.parseLong(ck.metadata().get("step"))).as("%s", ck.metadata()).isPositive();
    }

    @Test
    void lossCurveHasOneLinePerStep() throws IOException {
        Checks.succeeded(run);
        List<String> lines = Files.readAllLines(out.resolve("losses.csv"));
        assertThat(lines.get(0)).isEqualTo("step,loss");
        SafetensorsReader.File ck = SafetensorsReader.read(out.resolve("checkpoint.safetensors"));
        long steps = Long.parseLong(ck.metadata().get("step"));
        assertThat(lines.stream().skip(1).filter(l -> !l.isBlank())).hasSize((int) steps);
    }
}
