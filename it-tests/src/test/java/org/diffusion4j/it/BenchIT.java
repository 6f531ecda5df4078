package org.diffusion4j.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@code bench} command as a user runs it, in its {@code --quick} smoke mode: every workload
 * (the speed workloads of the points models and the U-Net rows) is present in the JSON with positive, finite figures (speed is never asserted: a benchmark, not a
 * timed test), the PyTorch side works where torch is installed, and bad inputs are user errors.
 */
class BenchIT {

    /** The bench's workloads, as it names them, in its order. */
    static final List<String> WORKLOADS = List.of("seed-quickstart-train", "gemm-1024", "gemm-4096", "gemm-512x64x64",
            "gemm-10000x128x128", "seed-train-b512", "seed-train-b4096", "ddpm-train-b512", "seed-sample-euler100",
            "ddpm-sample-1000", "unet16-train-b128", "unet16-sample-b256", "unet32-train-b128", "unet32-sample-b256");
    /** Workloads that run training or sampling steps, so report allocation per step. */
    static final List<String> STEPPED = List.of("seed-quickstart-train", "seed-train-b512", "seed-train-b4096",
            "ddpm-train-b512", "seed-sample-euler100", "ddpm-sample-1000", "unet16-train-b128", "unet16-sample-b256",
            "unet32-train-b128", "unet32-sample-b256");
    /** The U-Net rows' parameter counts: the peer's ref-unet-s at base 16 / 1 block and base 32 / 2 blocks. */
    static final Map<String, Long> UNET_PARAMS = Map.of("unet16-train-b128", 280_177L,
            "unet16-sample-b256", 280_177L, "unet32-train-b128", 1_623_169L, "unet32-sample-b256", 1_623_169L);

    @TempDir
    static Path tmp;

    static Launcher d4j;
    static Launcher.Result quick;
    static Path quickJson;

    @BeforeAll
    static void runQuickBench() {
        d4j = new Launcher(Distribution.copyTo(tmp), tmp.resolve("work"));
        quickJson = tmp.resolve("work").resolve("bench.json");
        // a time limit for a loaded CI machine, not a speed assertion
        quick = d4j.run(Duration.ofMinutes(20), "bench", "--quick", "--no-peer", "--out", quickJson.toString());
    }

    @Test
    void quickRunReportsEveryWorkloadWithPositiveFiniteFigures() throws IOException {
        Checks.succeeded(quick);
        JsonNode report = new ObjectMapper().readTree(quickJson.toFile());
        String all = report.toPrettyString() + "\n" + quick.describe();
        assertThat(report.get("quick").asBoolean()).as(all).isTrue();
        assertThat(report.get("peer").get("available").asBoolean()).as(all).isFalse();
        List<String> names = new ArrayList<>();
        for (JsonNode w : report.get("workloads")) {
            String name = w.get("name").asText();
            names.add(name);
            positiveFinite(w.get("diffusion4j"), name + ".diffusion4j", all);
            assertThat(w.get("pytorch").isNull()).as("%s has no PyTorch figure with --no-peer\n%s", name, all).isTrue();
            JsonNode java = w.get("java");
            positiveFinite(java.get("value"), name + ".java.value", all);
            positiveFinite(java.get("peak_rss_mib"), name + ".java.peak_rss_mib", all);
            for (JsonNode s : java.get("block_seconds")) {
                positiveFinite(s, name + ".java.block_seconds[]", all);
            }
            if (STEPPED.contains(name)) {
                positiveFinite(java.get("alloc_bytes_per_step"), name + ".java.alloc_bytes_per_step", all);
            }
            assertThat(w.get("plan").get("name").asText()).as(all).isEqualTo(name);
            if (UNET_PARAMS.containsKey(name)) {
                assertThat(java.get("params").asLong()).as("%s parameters\n%s", name, all)
                        .isEqualTo(UNET_PARAMS.get(name));
            }
        }
        assertThat(names).as(all).containsExactlyElementsOf(WORKLOADS);
    }

    @Test
    void quickRunPrintsTheTable() {
        Checks.succeeded(quick);
        assertThat(quick.stdout()).as(quick.describe())
                .contains("| workload | measure | diffusion4j | PyTorch | ratio | target | met? |")
                .contains("PyTorch column empty: --no-peer")
                .contains("peak RSS MiB", "alloc B/step");
        for (String w : WORKLOADS) {
            assertThat(quick.stdout()).as(quick.describe()).contains("| " + w + " |");
        }
    }

    /** One workload of each kind beside the PyTorch script, where the machine has torch. */
    @Test
    void peerColumnWhereTorchIsInstalled() throws Exception {
        Assumptions.assumeTrue(torchImportable(), "/usr/bin/python3 cannot import torch");
        Path json = tmp.resolve("work").resolve("peer.json");
        Launcher.Result r = Checks.succeeded(d4j.run(Duration.ofMinutes(20), "bench", "--quick", "--threads", "1",
                "--only", "seed-quickstart-train,gemm-512x64x64,seed-train-b512,ddpm-sample-1000,unet16-sample-b256",
                "--out", json.toString()));
        JsonNode report = new ObjectMapper().readTree(json.toFile());
        String all = report.toPrettyString() + "\n" + r.describe();
        assertThat(report.get("peer").get("available").asBoolean()).as(all).isTrue();
        assertThat(report.get("workloads")).as(all).hasSize(5);
        for (JsonNode w : report.get("workloads")) {
            if (UNET_PARAMS.containsKey(w.get("name").asText())) {
                // the PyTorch script's ref-unet-s is the network the unet plugin builds, by parameter count
                assertThat(w.get("torch").get("t1").get("params").asLong()).as(all)
                        .isEqualTo(w.get("java").get("params").asLong());
            }
            positiveFinite(w.get("pytorch"), w.get("name").asText() + ".pytorch", all);
            positiveFinite(w.get("ratio"), w.get("name").asText() + ".ratio", all);
            assertThat(w.get("pytorch_threads").asInt()).as(all).isEqualTo(1);
        }
    }

    @Test
    void unknownWorkloadIsAUserErrorListingTheNames() {
        Launcher.Result r = d4j.run("bench", "--only", "gemm-1024,gemm-999", "--no-peer");
        Checks.userError(r, "gemm-999", String.join(", ", WORKLOADS));
        assertThat(r.stdout()).as(r.describe()).doesNotContain("| workload |");
    }

    @Test
    void existingOutputIsNeverOverwritten() throws IOException {
        Path existing = Files.writeString(tmp.resolve("work").resolve("mine.json"), "{\"mine\": true}\n");
        Launcher.Result r = d4j.run("bench", "--quick", "--no-peer", "--only", "gemm-512x64x64", "--out",
                existing.toString());
        Checks.userError(r, existing.toString(), "already exists");
        assertThat(Files.readString(existing)).isEqualTo("{\"mine\": true}\n");
    }

    private static void positiveFinite(JsonNode v, String what, String all) {
        assertThat(v).as("%s is present\n%s", what, all).isNotNull();
        assertThat(v.isNumber()).as("%s is a number\n%s", what, all).isTrue();
        double d = v.asDouble();
        assertThat(Double.isFinite(d) && d > 0).as("%s = %s is positive and finite\n%s", what, d, all).isTrue();
    }

    private static boolean torchImportable() throws IOException, InterruptedException {
        if (!Files.isExecutable(Path.of("/usr/bin/python3"))) {
            return false;
        }
        Process p = new ProcessBuilder("/usr/bin/python3", "-c", "import torch").redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        return p.waitFor(2, TimeUnit.MINUTES) && p.exitValue() == 0;
    }
}
