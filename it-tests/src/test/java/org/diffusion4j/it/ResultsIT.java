package org.diffusion4j.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Seeing and judging results: the end-of-training metrics, {@code eval --reference run}, {@code export}
 * of a run's held-out split, the picture beside every sample file, {@code plot}, and the progress of a
 * likelihood evaluation.
 */
class ResultsIT {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** Samples drawn by the tiny run (its spec's sampling.count). */
    private static final int COUNT = 300;

    @TempDir
    static Path tmp;

    static Launcher d4j;
    static Path work;
    static Path run;
    static Launcher.Result trained;

    @BeforeAll
    static void trainATinyRun() {
        d4j = new Launcher(Distribution.copyTo(tmp), tmp.resolve("work"));
        work = d4j.workDir();
        Path spec = Specs.write(work.resolve("tiny.yaml"), Specs.tiny(100, 100, COUNT));
        run = work.resolve("run");
        trained = Checks.succeeded(d4j.run("train", "--spec", spec.toString(), "--out", run.toString()));
        Checks.succeeded(d4j.run("sample", "--checkpoint", run.toString(), "--out", "s.csv"));
    }

    @Test
    void trainEndsWithTheMetricsOfItsDefaultSampleAndTheFloor() throws IOException {
        JsonNode m = JSON.readTree(run.resolve("metrics.json").toFile());
        String all = m.toPrettyString();
        assertThat(m.get("sampler").asText()).as(all).isEqualTo("ode");
        assertThat(m.get("count").asInt()).as(all).isEqualTo(COUNT);
        assertThat(m.get("floor-count").asInt()).as(all).isEqualTo(COUNT);
        for (String metric : List.of("sliced-w2", "mmd2", "energy")) {
            assertThat(m.get("samples").get(metric).isNumber()).as("samples.%s\n%s", metric, all).isTrue();
            assertThat(m.get("floor").get(metric).isNumber()).as("floor.%s\n%s", metric, all).isTrue();
        }
        assertThat(m.get("floor").get("sliced-w2").asDouble()).as("held-out data is closer to itself than a 100-step"
                + " model's samples\n%s", all).isLessThan(m.get("samples").get("sliced-w2").asDouble());
        assertThat(trained.stdout()).as(trained.describe()).contains("sliced-w2", "floor", "samples");

        // the same numbers as the run's default sample scored by eval against the run's test split
        JsonNode eval = stdoutJson(d4j.run("eval", "--samples", "s.csv", "--reference", "run"));
        for (String metric : List.of("sliced-w2", "mmd2", "energy")) {
            assertThat(eval.get(metric).asDouble()).as(metric).isEqualTo(m.get("samples").get(metric).asDouble());
            assertThat(eval.get("floor").get(metric).asDouble()).as(metric).isEqualTo(m.get("floor").get(metric).asDouble());
        }
    }

    @Test
    void trainWithNoEvalWritesNoMetrics() {
        Path spec = Specs.write(work.resolve("tiny-no-eval.yaml"), Specs.tiny(5, 5, COUNT));
        Path quiet = work.resolve("no-eval");
        Launcher.Result r = Checks.succeeded(d4j.run("train", "--spec", spec.toString(), "--out", quiet.toString(),
                "--no-eval"));
        assertThat(quiet.resolve("checkpoint.safetensors")).isRegularFile();
        assertThat(quiet.resolve("metrics.json")).as(r.describe()).doesNotExist();
        assertThat(r.stdout()).as(r.describe()).doesNotContain("floor");
    }

    @Test
    void aPointCloudWithoutTestDataTrainsAndSamplesWithoutTheExtras() throws IOException {
        StringBuilder csv = new StringBuilder("x,y\n");
        for (int i = 0; i < 200; i++) {
            csv.append(Math.cos(i * 0.0314)).append(',').append(Math.sin(i * 0.0314)).append('\n');
        }
        Files.writeString(work.resolve("mine.csv"), csv);
        Path spec = Specs.write(work.resolve("mine.yaml"), Specs.tiny(5, 5, 50)
                .replace("{name: two-gaussians, count: 1000}", "{name: points, train: mine.csv}"));
        Launcher.Result r = Checks.succeeded(d4j.run("train", "--spec", spec.toString(), "--out", "mine"));
        assertThat(r.stderr()).as(r.describe()).contains("no end-of-training metrics", "no test split");
        assertThat(work.resolve("mine/metrics.json")).doesNotExist();
        Launcher.Result s = Checks.succeeded(d4j.run("sample", "--checkpoint", "mine", "--out", "mine-s.csv"));
        Checks.pointsCsv(work.resolve("mine-s.csv"), 50);
        assertThat(pngSize(work.resolve("mine-s.png"))).as("the samples alone\n%s", s.describe())
                .containsExactly(480, 480);
    }

    @Test
    void evalAgainstTheRunEqualsEvalAgainstItsExportedTestSplit() throws IOException {
        Launcher.Result export = Checks.succeeded(d4j.run("export", "--checkpoint", run.toString(), "--split", "test",
                "--out", "test.csv"));
        JsonNode metrics = JSON.readTree(run.resolve("metrics.json").toFile());
        int testCount = metrics.get("test-count").asInt();
        Checks.pointsCsv(work.resolve("test.csv"), testCount);
        assertThat(export.stderr()).as(export.describe()).contains("test split", testCount + " points");

        JsonNode byName = stdoutJson(d4j.run("eval", "--samples", "s.csv", "--reference", "run"));
        JsonNode byFolder = stdoutJson(d4j.run("eval", "--samples", "s.csv", "--reference", "run:" + run));
        JsonNode byFile = stdoutJson(d4j.run("eval", "--samples", "s.csv", "--reference", "test.csv"));
        for (String metric : List.of("sliced-w2", "mmd2", "energy")) {
            assertThat(byName.get(metric).asDouble()).as(metric).isEqualTo(byFile.get(metric).asDouble());
            assertThat(byFolder.get(metric).asDouble()).as(metric).isEqualTo(byFile.get(metric).asDouble());
        }
        assertThat(byName.get("floor-count").asInt()).as("the floor: as many reference points as samples")
                .isEqualTo(COUNT);
        assertThat(byFile.has("floor")).as("a file has no second held-out set").isFalse();

        // the run's split is the dataset built from the run's spec: its options (count 1000, not the default
        // 10000) and its seed
        Checks.succeeded(d4j.run("export", "--dataset", "two-gaussians", "--set", "dataset.count=1000", "--set",
                "seed=7", "--out", "same.csv"));
        assertThat(Files.readString(work.resolve("same.csv"))).isEqualTo(Files.readString(work.resolve("test.csv")));

        Checks.userError(d4j.run("export", "--checkpoint", run.toString(), "--split", "validation", "--out", "v.csv"),
                "validation", "train, test and reference");
        assertThat(work.resolve("v.csv")).doesNotExist();
    }

    @Test
    void sampleWritesAScatterBesideThePoints() throws IOException {
        assertThat(work.resolve("s.csv")).isRegularFile();
        int[] size = pngSize(work.resolve("s.png"));
        assertThat(size).as("two 480-pixel panels: held-out data and samples").containsExactly(960, 480);

        Launcher.Result r = d4j.run("sample", "--checkpoint", run.toString(), "--out", "x.png");
        Checks.userError(r, "x.png", ".csv", ".npy", "x.csv");
        assertThat(work.resolve("x.png")).doesNotExist();
    }

    @Test
    void plotDrawsPointsImagesAndLossCurves() throws IOException {
        Checks.succeeded(d4j.run("plot", "s.csv", "--reference", "run", "--out", "points.png"));
        assertThat(pngSize(work.resolve("points.png"))).as("held-out data and one sample file").containsExactly(960, 480);

        Checks.succeeded(d4j.run("plot", run.resolve("losses.csv").toString(), "--out", "loss.png"));
        assertThat(pngSize(work.resolve("loss.png"))).containsExactly(800, 500);

        writeImagesNpy(work.resolve("images.npy"), 12, 8);
        Checks.succeeded(d4j.run("plot", "images.npy", "--out", "grid.png"));
        int[] grid = pngSize(work.resolve("grid.png"));
        assertThat(grid[0]).as("a row of 10 tiles is wider than 10 images").isGreaterThan(10 * 8);
        assertThat(grid[1]).as("two rows").isGreaterThan(2 * 8);

        Checks.userError(d4j.run("plot", "tiny.yaml", "--out", "spec.png"), "tiny.yaml", ".yaml", "losses.csv");
        assertThat(work.resolve("spec.png")).doesNotExist();
        Checks.userError(d4j.run("plot", "s.csv", "--out", "points.png"), "points.png", "already exists");
    }

    @Test
    void likelihoodEvaluationShowsProgress() {
        Path spec = Specs.write(work.resolve("ddpm.yaml"), """
                name: it-ddpm
                seed: 3
                dataset:          {name: two-moons, count: 1000}
                schedule:         {name: ddpm.linear, steps: 50}
                parameterization: {name: ddpm.epsilon}
                network:          {name: mlp, width: 32, depth: 2, time-embedding: sinusoidal, time-scale: 50}
                loss:             {name: ddpm.simple}
                training:         {lr: 0.002, batch-size: 128, steps: 20, checkpoint-every: 20}
                samplers:
                  ddim: {name: ddim, steps: 10}
                sampling:         {count: 100}
                likelihoods:
                  vlb: {name: ddpm.vlb}
                """);
        Path ddpm = work.resolve("ddpm");
        Checks.succeeded(d4j.run("train", "--spec", spec.toString(), "--out", ddpm.toString(), "--no-eval"));
        Launcher.Result r = Checks.succeeded(d4j.run("eval", "--checkpoint", ddpm.toString(), "--count", "300"));
        assertThat(r.stderr()).as(r.describe()).containsPattern("likelihood vlb: [1-9][0-9]*/300 \\(")
                .contains("likelihood vlb: done 300/300");
        assertThat(r.stdout()).as(r.describe()).contains("\"vlb\"");
    }

    @Test
    void theNewCommandsAreListedAndHaveHelp() {
        Launcher.Result help = Checks.succeeded(d4j.run("--help"));
        for (String c : List.of("export", "plot")) {
            assertThat(help.stdout()).as(help.describe()).containsPattern("(?m)^\\s+" + c + "\\s");
        }
        Launcher.Result plot = Checks.succeeded(d4j.run("plot", "--help"));
        assertThat(plot.stdout()).as(plot.describe()).contains("usage: diffusion4j plot", "--reference", "run:DIR");
        Launcher.Result train = Checks.succeeded(d4j.run("train", "--help"));
        assertThat(train.stdout()).as(train.describe()).contains("--no-eval");
    }

    // ---------------------------------------------------------------- helpers

    private static JsonNode stdoutJson(Launcher.Result r) throws IOException {
        Checks.succeeded(r);
        return JSON.readTree(r.stdout());
    }

    /** Width and height from a PNG's IHDR chunk, after checking its signature. */
    private static int[] pngSize(Path png) throws IOException {
        byte[] b = Files.readAllBytes(png);
        byte[] signature = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
        assertThat(b.length).as("%s", png).isGreaterThan(24);
        for (int i = 0; i < signature.length; i++) {
            assertThat(b[i]).as("PNG signature of %s", png).isEqualTo(signature[i]);
        }
        assertThat(new String(b, 12, 4, StandardCharsets.US_ASCII)).as("IHDR of %s", png).isEqualTo("IHDR");
        ByteBuffer bb = ByteBuffer.wrap(b).order(ByteOrder.BIG_ENDIAN);
        return new int[]{bb.getInt(16), bb.getInt(20)};
    }

    /** {@code n} grey {@code side}×{@code side} images [n, 1, side, side] as float32 .npy, values in [-1, 1]. */
    private static void writeImagesNpy(Path file, int n, int side) throws IOException {
        String dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (" + n + ", 1, " + side + ", " + side + "), }";
        int unpadded = 10 + dict.length() + 1;
        String header = dict + " ".repeat((64 - unpadded % 64) % 64) + "\n";
        ByteBuffer bb = ByteBuffer.allocate(10 + header.length() + 4 * n * side * side).order(ByteOrder.LITTLE_ENDIAN);
        bb.put((byte) 0x93).put("NUMPY".getBytes(StandardCharsets.US_ASCII)).put((byte) 1).put((byte) 0);
        bb.putShort((short) header.length()).put(header.getBytes(StandardCharsets.US_ASCII));
        for (int i = 0; i < n * side * side; i++) {
            bb.putFloat((float) Math.sin(i * 0.37));
        }
        Files.write(file, bb.array());
    }
}
