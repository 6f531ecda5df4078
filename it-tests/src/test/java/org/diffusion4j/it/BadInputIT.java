package org.diffusion4j.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.diffusion4j.api.SpiVersion;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Bad inputs: each ends with exit status 2 and one line on stderr that names the problem (and what is
 * allowed), without a stack trace, and leaves existing outputs exactly as they were.
 */
class BadInputIT {

    @TempDir
    static Path shared;

    /** The distribution copy shared by the tests that add no plugin. */
    static Launcher d4j;
    /** A valid run folder with a checkpoint from a tiny training run. */
    static Path validRun;

    @TempDir
    Path tmp;

    /** A run folder given as --out; it exists, holds a file of the user's, and must stay so. */
    Path out;

    @BeforeAll
    static void trainATinyRun() {
        d4j = new Launcher(Distribution.copyTo(shared), shared.resolve("work"));
        Path spec = Specs.write(shared.resolve("work").resolve("tiny.yaml"), Specs.tiny(200, 100, 500));
        validRun = shared.resolve("work").resolve("valid-run");
        Checks.succeeded(d4j.run("train", "--spec", spec.toString(), "--out", validRun.toString()));
        assertThat(validRun.resolve("checkpoint.safetensors")).isRegularFile();
    }

    @BeforeEach
    void outputFolder() throws IOException {
        out = Files.createDirectories(tmp.resolve("out"));
        Files.writeString(out.resolve("notes.txt"), "a file of the user's in the output folder\n");
    }

    /** Runs the launcher, checks it is a user error naming {@code mentions} and that {@code watched} is unchanged. */
    private static String failsLeaving(Path watched, Launcher launcher, String[] args, String... mentions) {
        Snapshot before = Snapshot.of(watched);
        Launcher.Result r = launcher.run(args);
        String line = Checks.userError(r, mentions);
        assertThat(Snapshot.of(watched)).as("the command must leave %s untouched\n%s", watched, r.describe())
                .isEqualTo(before);
        return line;
    }

    private String trainFails(String specText, String... mentions) {
        Path spec = Specs.write(tmp.resolve("spec.yaml"), specText);
        return failsLeaving(tmp, d4j, new String[]{"train", "--spec", spec.toString(), "--out", out.toString()},
                mentions);
    }

    // ------------------------------------------------------------------ specs

    @Test
    void unknownScheduleNameListsTheKnownOnes() {
        trainFails(Specs.tiny("no-such-schedule", 100, 100, 100), "no-such-schedule", "flow-matching.linear");
    }

    @Test
    void unknownSamplerNameListsTheKnownOnes() {
        trainFails(Specs.tiny(100, 100, 100).replace("name: flow-matching.euler", "name: flow-matching.eulr"),
                "flow-matching.eulr", "flow-matching.euler", "flow-matching.heun", "flow-matching.rk4");
    }

    @Test
    void unknownOptionNamesComponentAndOption() {
        trainFails(Specs.tiny(100, 100, 100).replace("{name: flow-matching.euler, steps: 20}",
                "{name: flow-matching.euler, stepz: 20}"), "flow-matching.euler", "stepz", "steps");
    }

    @Test
    void unknownOptionFromSetNamesComponentAndOption() {
        Path spec = Specs.write(tmp.resolve("spec.yaml"), Specs.tiny(100, 100, 100));
        failsLeaving(tmp, d4j, new String[]{"train", "--spec", spec.toString(), "--out", out.toString(), "--set",
                "network.widht=16"}, "mlp", "widht", "width");
    }

    @Test
    void unknownTrainingSettingNamesIt() {
        trainFails(Specs.tiny(100, 100, 100).replace("lr: 0.002", "learning-rate: 0.002"), "training",
                "learning-rate", "lr");
    }

    @Test
    void valueOutOfRangeNamesOptionAndRange() {
        trainFails(Specs.tiny(100, 100, 100).replace("{name: flow-matching.euler, steps: 20}",
                "{name: flow-matching.euler, steps: 0}"), "flow-matching.euler", "steps", "0", "[1, 100000]");
    }

    @Test
    void negativeLearningRateIsOutOfRange() {
        trainFails(Specs.tiny(100, 100, 100).replace("lr: 0.002", "lr: -0.5"), "lr", "-0.5");
    }

    @Test
    void wrongTypeNamesOptionAndType() {
        trainFails(Specs.tiny(100, 100, 100).replace("{name: flow-matching.euler, steps: 20}",
                "{name: flow-matching.euler, steps: many}"), "flow-matching.euler", "steps", "many", "integer");
    }

    @Test
    void wrongChoiceListsTheChoices() {
        trainFails(Specs.tiny(100, 100, 100).replace("{name: flow-matching.sde, steps: 50}",
                "{name: flow-matching.sde, steps: 50, diffusion: loud}"), "diffusion", "loud", "sigma, g2, constant");
    }

    @Test
    void malformedYamlNamesTheFile() {
        String line = trainFails(Specs.tiny(100, 100, 100).replace("network:          {name: mlp, width: 32, depth: 2}",
                "network:          {name: mlp, width: [32, depth: 2"), "spec.yaml", "YAML");
        assertThat(line).contains("line");
    }

    @Test
    void unknownSpecSectionListsTheSections() {
        trainFails(Specs.tiny(100, 100, 100) + "optimiser: {name: adam}\n", "optimiser", "training", "samplers");
    }

    @Test
    void missingSpecFileNamesIt() {
        Path missing = tmp.resolve("no-such-spec.yaml");
        failsLeaving(tmp, d4j, new String[]{"train", "--spec", missing.toString(), "--out", out.toString()},
                "no-such-spec.yaml");
    }

    @Test
    void missingDataFileNamesIt() {
        Path missing = tmp.resolve("no-such-points.csv");
        trainFails(Specs.tiny(100, 100, 100).replace("{name: two-gaussians, count: 1000}",
                "{name: points, train: " + missing + "}"), "no-such-points.csv");
    }

    // ------------------------------------------------------------------ checkpoints

    private String sampleFails(Path checkpoint, String... mentions) {
        Path samples = out.resolve("samples.csv");
        String line = failsLeaving(tmp, d4j, new String[]{"sample", "--checkpoint", checkpoint.toString(), "--out",
                samples.toString()}, mentions);
        assertThat(samples).doesNotExist();
        return line;
    }

    private Path copyOfValidCheckpoint(String name) throws IOException {
        return Files.copy(validRun.resolve("checkpoint.safetensors"), tmp.resolve(name));
    }

    @Test
    void corruptCheckpointHeaderIsNamed() throws IOException {
        Path bad = copyOfValidCheckpoint("corrupt.safetensors");
        byte[] b = Files.readAllBytes(bad);
        Arrays.fill(b, 8, 40, (byte) '#'); // garbage where the JSON header starts
        Files.write(bad, b);
        sampleFails(bad, "corrupt.safetensors");
    }

    @Test
    void checkpointWithImpossibleHeaderLengthIsNamed() throws IOException {
        Path bad = copyOfValidCheckpoint("huge-header.safetensors");
        try (RandomAccessFile f = new RandomAccessFile(bad.toFile(), "rw")) {
            f.write(new byte[]{(byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, 0x0f, 0, 0, 0});
        }
        sampleFails(bad, "huge-header.safetensors");
    }

    @Test
    void truncatedCheckpointIsNamed() throws IOException {
        Path bad = copyOfValidCheckpoint("truncated.safetensors");
        long size = Files.size(bad);
        try (RandomAccessFile f = new RandomAccessFile(bad.toFile(), "rw")) {
            f.setLength(size - Math.max(8, (size - headerEnd(bad)) / 2)); // header whole, data cut
        }
        sampleFails(bad, "truncated.safetensors");
    }

    @Test
    void checkpointThatIsNotSafetensorsIsNamed() throws IOException {
        Path bad = Files.writeString(tmp.resolve("notes.safetensors"), "just some text, not a checkpoint\n");
        sampleFails(bad, "notes.safetensors");
    }

    @Test
    void missingCheckpointIsNamed() {
        sampleFails(tmp.resolve("no-such-run"), "no-such-run");
    }

    @Test
    void resumeFromADamagedCheckpointIsNamed() throws IOException {
        Path run = Files.createDirectories(tmp.resolve("damaged-run"));
        Path ck = Files.copy(validRun.resolve("checkpoint.safetensors"), run.resolve("checkpoint.safetensors"));
        try (RandomAccessFile f = new RandomAccessFile(ck.toFile(), "rw")) {
            f.setLength(f.length() / 2);
        }
        failsLeaving(tmp, d4j, new String[]{"train", "--resume", run.toString()}, "checkpoint.safetensors");
    }

    private static long headerEnd(Path safetensors) throws IOException {
        byte[] b = Files.readAllBytes(safetensors);
        long n = 0;
        for (int i = 7; i >= 0; i--) {
            n = (n << 8) | (b[i] & 0xff);
        }
        return 8 + n;
    }

    // ------------------------------------------------------------------ plugins

    @Test
    void pluginWithADuplicateComponentNameNamesBothPlugins() {
        Path home = Distribution.copyTo(tmp.resolve("dist"));
        ThirdPartyPlugins.install(ThirdPartyPlugins.modularSampler("thirdparty.dup", "flow-matching.euler"), home,
                tmp.resolve("build"), "dup", "dup.jar");
        Launcher launcher = new Launcher(home, tmp.resolve("work"));
        failsLeaving(out, launcher, new String[]{"list"}, "flow-matching.euler", "org.diffusion4j.plugin.flowmatching",
                "thirdparty.dup");
        // and any command that needs the components, not only list
        Path spec = Specs.write(tmp.resolve("spec.yaml"), Specs.tiny(100, 100, 100));
        failsLeaving(tmp, launcher, new String[]{"train", "--spec", spec.toString(), "--out", out.toString()},
                "flow-matching.euler", "org.diffusion4j.plugin.flowmatching", "thirdparty.dup");
    }

    /**
     * A plugin that cannot be loaded is skipped: {@code list} works and warns in one line naming it and
     * {@code mentions}; a command that needs its component fails with exit 2 and says why.
     */
    private void skippedPlugin(Launcher launcher, String folder, String... mentions) {
        Snapshot before = Snapshot.of(out);
        Launcher.Result list = launcher.run("list");
        assertThat(list.exitCode()).as("the other plugins still work\n%s", list.describe()).isZero();
        assertThat(list.stdout()).as(list.describe()).contains("flow-matching.euler");
        assertThat(list.stderrLines()).as("one warning line\n%s", list.describe()).hasSize(1);
        assertThat(list.stderrLines().get(0)).as(list.describe()).startsWith("warning: plugin '" + folder + "'")
                .contains(mentions);
        Launcher.Result needs = launcher.run("describe", "schedule", ThirdPartyPlugins.COSINE);
        assertThat(needs.exitCode()).as(needs.describe()).isEqualTo(Checks.USER_ERROR);
        assertThat(needs.stderr()).as(needs.describe()).doesNotContain("\tat ").doesNotContain("internal error");
        assertThat(needs.stderrLines().getLast()).as(needs.describe()).startsWith("error: ")
                .contains(ThirdPartyPlugins.COSINE, "plugin '" + folder + "'").contains(mentions);
        assertThat(Snapshot.of(out)).isEqualTo(before);
    }

    @Test
    void pluginBuiltForANewerSpiIsSkippedNamingBothVersions() {
        Path home = Distribution.copyTo(tmp.resolve("dist"));
        ThirdPartyPlugins.install(ThirdPartyPlugins.modularCosine("thirdparty.future").spiVersion("2.0"), home,
                tmp.resolve("build"), "future", "future.jar");
        skippedPlugin(new Launcher(home, tmp.resolve("work")), "future", "thirdparty.future", "2.0",
                SpiVersion.CURRENT.toString());
    }

    @Test
    void pluginWithoutSpiVersionIsSkipped() {
        Path home = Distribution.copyTo(tmp.resolve("dist"));
        ThirdPartyPlugins.install(ThirdPartyPlugins.modularCosine("thirdparty.unversioned").spiVersion(null), home,
                tmp.resolve("build"), "unversioned", "unversioned.jar");
        skippedPlugin(new Launcher(home, tmp.resolve("work")), "unversioned", "thirdparty.unversioned",
                SpiVersion.MANIFEST_ATTRIBUTE);
    }

    // ------------------------------------------------------------------ outputs are never overwritten

    @Test
    void trainIntoAFolderThatHoldsARunIsRefused() throws IOException {
        Path run = tmp.resolve("existing-run");
        Distribution.copyTree(validRun, run);
        Path spec = Specs.write(tmp.resolve("spec.yaml"), Specs.tiny(100, 100, 100));
        failsLeaving(tmp, d4j, new String[]{"train", "--spec", spec.toString(), "--out", run.toString()},
                run.toString(), "--resume");
    }

    @Test
    void sampleToAnExistingFileIsRefused() throws IOException {
        Path existing = Files.writeString(out.resolve("samples.csv"), "x,y\n1,2\n", StandardCharsets.UTF_8);
        failsLeaving(tmp, d4j, new String[]{"sample", "--checkpoint", validRun.toString(), "--out", existing.toString()},
                "samples.csv", "exists");
    }

    @Test
    void evalToAnExistingFileIsRefused() throws IOException {
        Path existing = Files.writeString(out.resolve("scores.json"), "{}\n");
        Path a = Files.writeString(tmp.resolve("a.csv"), "x,y\n0,0\n1,1\n2,2\n");
        failsLeaving(tmp, d4j, new String[]{"eval", "--samples", a.toString(), "--reference", a.toString(), "--out",
                existing.toString()}, "scores.json");
    }

    @Test
    void evalOfACheckpointWithoutLikelihoodsSaysHowToAddOne() {
        failsLeaving(tmp, d4j, new String[]{"eval", "--checkpoint", validRun.toString()},
                "no likelihoods", "--set likelihoods.nll.name=");
    }

    @Test
    void evalWithAnUnknownLikelihoodComponentListsTheKnownOnes() {
        failsLeaving(tmp, d4j, new String[]{"eval", "--checkpoint", validRun.toString(), "--set",
                "likelihoods.nll.name=frobnicate"}, "unknown likelihood 'frobnicate'", "known likelihoods");
    }

    @Test
    void evalOptionsOfTheTwoModesDoNotMix() {
        Path a = tmp.resolve("a.csv");
        failsLeaving(tmp, d4j, new String[]{"eval", "--checkpoint", validRun.toString(), "--samples", a.toString()},
                "either --samples FILE and --reference FILE, or --checkpoint PATH");
        failsLeaving(tmp, d4j, new String[]{"eval", "--checkpoint", validRun.toString(), "--count", "0"},
                "--count must be a positive integer");
    }

    @Test
    void quickstartIntoANonEmptyFolderIsRefused() {
        failsLeaving(tmp, d4j, new String[]{"quickstart", "--out", out.toString()}, out.toString());
    }

    // ------------------------------------------------------------------ command line

    @Test
    void unknownCommandListsTheCommands() {
        failsLeaving(tmp, d4j, new String[]{"frobnicate"}, "frobnicate", "train", "sample", "list");
    }

    @Test
    void unknownFlagIsNamed() {
        failsLeaving(tmp, d4j, new String[]{"list", "--frobnicate"}, "--frobnicate");
        Path spec = Specs.write(tmp.resolve("spec.yaml"), Specs.tiny(100, 100, 100));
        failsLeaving(tmp, d4j, new String[]{"train", "--spec", spec.toString(), "--out", out.toString(), "--epochs",
                "5"}, "--epochs");
    }

    @Test
    void missingRequiredFlagsAreNamed() {
        failsLeaving(tmp, d4j, new String[]{"train", "--out", out.toString()}, "--spec");
        failsLeaving(tmp, d4j, new String[]{"sample", "--checkpoint", validRun.toString()}, "--out");
    }

    @Test
    void unknownComponentInDescribeListsTheKnownOnes() {
        failsLeaving(tmp, d4j, new String[]{"describe", "sampler", "ddim-9000"}, "ddim-9000", "flow-matching.euler");
        failsLeaving(tmp, d4j, new String[]{"describe", "smapler", "flow-matching.euler"}, "smapler", "sampler",
                "schedule");
    }

    @Test
    void badThreadCountIsNamed() {
        Path spec = Specs.write(tmp.resolve("spec.yaml"), Specs.tiny(100, 100, 100));
        failsLeaving(tmp, d4j, new String[]{"train", "--spec", spec.toString(), "--out", out.toString(), "--threads",
                "0"}, "--threads", "0");
    }

    @Test
    void unknownBackendListsTheKnownOnes() {
        Path spec = Specs.write(tmp.resolve("spec.yaml"), Specs.tiny(100, 100, 100));
        failsLeaving(tmp, d4j, new String[]{"train", "--spec", spec.toString(), "--out", out.toString(), "--backend",
                "cuda-9000"}, "cuda-9000", "java");
    }

    /** The launcher runs without TORNADOVM_HOME (see {@link Launcher}), as on a machine without TornadoVM. */
    @Test
    void tornadovmWithoutTornadoVmSaysHowToInstallIt() {
        Path spec = Specs.write(tmp.resolve("spec.yaml"), Specs.tiny(100, 100, 100));
        failsLeaving(tmp, d4j, new String[]{"train", "--spec", spec.toString(), "--out", out.toString(), "--backend",
                "tornadovm"}, "tornadovm", "TORNADOVM_HOME", "install TornadoVM", "java");
        failsLeaving(tmp, d4j, new String[]{"sample", "--checkpoint", out.toString(), "--out",
                tmp.resolve("s.csv").toString(), "--backend=tornadovm"}, "tornadovm", "TORNADOVM_HOME");
    }

    @Test
    void setWithoutEqualsSignIsNamed() {
        Path spec = Specs.write(tmp.resolve("spec.yaml"), Specs.tiny(100, 100, 100));
        failsLeaving(tmp, d4j, new String[]{"train", "--spec", spec.toString(), "--out", out.toString(), "--set",
                "training.lr"}, "training.lr", "path=value");
    }

    @Test
    void resumeWithSetIsRefused() {
        Path run = tmp.resolve("existing-run");
        Distribution.copyTree(validRun, run);
        failsLeaving(tmp, d4j, new String[]{"train", "--resume", run.toString(), "--set", "training.lr=0.1"},
                "--resume", "--set");
    }
}
