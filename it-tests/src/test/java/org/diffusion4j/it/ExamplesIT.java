package org.diffusion4j.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.diffusion4j.api.PointSet;
import org.diffusion4j.api.io.PointFiles;
import org.junit.jupiter.api.Assumptions;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * What the README shows a user: the example specs shipped in {@code examples/} train and sample,
 * every built-in sampler can be added to a trained run with {@code --set}, {@code eval} scores
 * point files, and {@code quickstart} never reuses an output folder.
 */
class ExamplesIT {

    @TempDir
    static Path tmp;

    static Launcher d4j;
    static Path run;

    @BeforeAll
    static void distribution() {
        d4j = new Launcher(Distribution.copyTo(tmp), tmp.resolve("work"));
        Path spec = Specs.write(tmp.resolve("work").resolve("tiny.yaml"), Specs.tiny(200, 100, 300));
        run = tmp.resolve("work").resolve("run");
        Checks.succeeded(d4j.run("train", "--spec", spec.toString(), "--out", run.toString()));
    }

    static Stream<String> examples() throws IOException {
        try (Stream<Path> s = Files.list(Distribution.built().resolve("examples"))) {
            List<String> names = s.map(p -> p.getFileName().toString())
                    .filter(n -> n.endsWith(".yaml") || n.endsWith(".yml") || n.endsWith(".json")).sorted().toList();
            assertThat(names).as("the distribution ships example specs").contains("quickstart.yaml",
                    "two-moons-flow-matching.yaml", "my-points.yaml");
            return names.stream();
        }
    }

    @ParameterizedTest
    @MethodSource("examples")
    void exampleSpecTrainsAndSamples(String example) throws IOException {
        Path spec = d4j.home().resolve("examples").resolve(example);
        Path out = tmp.resolve("work").resolve("example-" + example.replace('.', '-'));
        boolean images = Files.readString(spec).contains("name: fashion-mnist");
        if (images) {
            Assumptions.assumeTrue(Files.isDirectory(ImagesIT.FMNIST), "dataset-fashion-mnist is not installed");
        }
        String steps = images ? "8" : "60";
        // --no-eval: the examples' end-of-training sample (10,000 points, up to 1,000 steps) would cost more
        // than their 60 steps of training; ResultsIT covers that evaluation
        List<String> args = new ArrayList<>(List.of("train", "--spec", spec.toString(), "--out", out.toString(),
                "--set", "training.steps=" + steps, "--no-eval"));
        if (images) {
            // a U-Net on a few images: the example must run end to end, not learn
            args.addAll(List.of("--set", "dataset.train-subset=64", "--set", "training.batch-size=8"));
        }
        // the spec's own lines, not its comments (fashion-mnist-dinof.yaml's comments mention objective: flow)
        boolean flowOnly = Files.readAllLines(spec).stream().filter(l -> !l.strip().startsWith("#"))
                .anyMatch(l -> l.contains("objective: flow"));
        if (flowOnly) {
            // separate training: only the flow is trained, over the score network of a VP-SDE run
            Path score = tmp.resolve("work").resolve("score-for-" + example.replace('.', '-'));
            Checks.succeeded(d4j.run("train", "--spec", d4j.home().resolve("examples/two-moons-score-sde.yaml").toString(),
                    "--out", score.toString(), "--set", "training.steps=" + steps, "--no-eval"));
            args.addAll(List.of("--init-from", score.toString()));
        }
        if (Files.readString(spec).contains("name: points")) {
            // the user's own point cloud
            StringBuilder csv = new StringBuilder("x,y\n");
            for (int i = 0; i < 400; i++) {
                double a = 2 * Math.PI * i / 400;
                csv.append(String.format(Locale.ROOT, "%.5f,%.5f%n", 3 * Math.cos(a), 3 * Math.sin(a)));
            }
            Path points = Files.writeString(tmp.resolve("work").resolve("circle.csv"), csv);
            args.addAll(List.of("--set", "dataset.train=" + points));
        }
        Checks.succeeded(d4j.run(args.toArray(String[]::new)));
        assertThat(SafetensorsReader.read(out.resolve("checkpoint.safetensors")).metadata().get("step")).isEqualTo(steps);
        Path samples = tmp.resolve("work").resolve("samples-" + example.replace('.', '-') + (images ? ".npy" : ".csv"));
        int count = images ? 4 : 200;
        Checks.succeeded(d4j.run("sample", "--checkpoint", out.toString(), "--out", samples.toString(), "--set",
                "sampling.count=" + count));
        if (images) {
            PointSet x = PointFiles.read(samples);
            assertThat(x.sampleShape()).containsExactly(1, 28, 28);
            assertThat(x.count()).isEqualTo(count);
            assertThat(samples.resolveSibling(samples.getFileName().toString().replace(".npy", ".png"))).isRegularFile();
        } else {
            Checks.pointsCsv(samples, 200);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"flow-matching.euler", "flow-matching.heun", "flow-matching.rk4", "flow-matching.sde"})
    void everySamplerCanBeAddedToATrainedRun(String sampler) {
        String label = sampler.substring(sampler.indexOf('.') + 1) + "-added";
        Path out = tmp.resolve("work").resolve(label + ".csv");
        Launcher.Result r = Checks.succeeded(d4j.run("sample", "--checkpoint", run.toString(), "--sampler", label,
                "--out", out.toString(), "--set", "samplers." + label + ".name=" + sampler, "--set",
                "samplers." + label + ".steps=10"));
        Checks.pointsCsv(out, 300);
        Path manifest = tmp.resolve("work").resolve(label + ".manifest.json");
        assertThat(manifest).as(r.describe()).isRegularFile();
        assertThat(Checks.bytes(manifest)).asString().as("the manifest names the sampler").contains(sampler);
    }

    @Test
    void evalScoresSamplesAgainstAReference() throws IOException {
        Path reference = grid("reference.csv", 0.0);
        Path close = grid("close.csv", 0.01);
        Path far = grid("far.csv", 3.0);
        Path scores = tmp.resolve("work").resolve("scores.json");
        Launcher.Result closeRun = Checks.succeeded(d4j.run("eval", "--samples", close.toString(), "--reference",
                reference.toString(), "--out", scores.toString()));
        Launcher.Result farRun = Checks.succeeded(d4j.run("eval", "--samples", far.toString(), "--reference",
                reference.toString()));
        ObjectMapper json = new ObjectMapper();
        JsonNode c = json.readTree(closeRun.stdout());
        JsonNode f = json.readTree(farRun.stdout());
        for (String metric : List.of("sliced-w2", "mmd2", "energy")) {
            assertThat(c.has(metric)).as("%s in\n%s", metric, closeRun.describe()).isTrue();
            assertThat(f.get(metric).asDouble()).as("%s: far set vs close set\n%s\n%s", metric, closeRun, farRun)
                    .isGreaterThan(c.get(metric).asDouble());
        }
        assertThat(json.readTree(scores.toFile())).as("--out holds what was printed").isEqualTo(c);
    }

    private static Path grid(String name, double shift) throws IOException {
        StringBuilder csv = new StringBuilder("x,y\n");
        for (int i = 0; i < 20; i++) {
            for (int j = 0; j < 20; j++) {
                csv.append(String.format(Locale.ROOT, "%.4f,%.4f%n", i * 0.2 + shift, j * 0.2 - shift));
            }
        }
        return Files.writeString(tmp.resolve("work").resolve(name), csv);
    }

    @Test
    void quickstartNeverReusesItsDefaultOutputFolder() throws IOException {
        Launcher here = new Launcher(d4j.home(), Files.createDirectories(tmp.resolve("qs-default")));
        Checks.succeeded(here.run("quickstart", "--set", "training.epochs=2"));
        Path first = here.workDir().resolve("quickstart-out");
        assertThat(first.resolve("metrics.json")).isRegularFile();
        Snapshot before = Snapshot.of(first);
        Checks.succeeded(here.run("quickstart", "--set", "training.epochs=2"));
        assertThat(here.workDir().resolve("quickstart-out-2").resolve("metrics.json")).isRegularFile();
        assertThat(Snapshot.of(first)).as("the first quickstart's outputs are untouched").isEqualTo(before);
    }
}
