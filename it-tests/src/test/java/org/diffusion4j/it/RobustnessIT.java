package org.diffusion4j.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.diffusion4j.it.Checks.USER_ERROR;
import static org.diffusion4j.it.Checks.succeeded;
import static org.diffusion4j.it.Checks.userError;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Robustness of the launcher against what a second process, a killed process or a damaged input
 * can do: two writers of one run folder or output file (one wins, the other refuses in one line,
 * nothing is mixed), a killed run's lock and temporary files (they block nothing and are cleaned
 * up), an output place that cannot be written (found before any work), values that must not be
 * silently changed (an integer that would wrap, a fractional seed, a key given twice) and malformed
 * or non-finite {@code .npy} data and an oversize spec (one line naming the file and problem).
 */
class RobustnessIT {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path tmp;

    private static Launcher d4j;
    private static Path work;
    private static Path spec;
    /** A finished tiny run, sampled by the tests. */
    private static Path run;

    @BeforeAll
    static void trainOnce() {
        d4j = new Launcher(Distribution.copyTo(tmp), tmp.resolve("work"));
        work = d4j.workDir();
        spec = Specs.write(work.resolve("tiny.yaml"), Specs.tiny(100, 50, 100));
        run = work.resolve("run");
        succeeded(d4j.run("train", "--spec", spec.toString(), "--out", run.toString()));
    }

    @Test
    void ofTwoTrainsIntoOneFolderOneWinsAndTheFolderIsAllItsOwn() throws Exception {
        Path out = work.resolve("contested");
        // two different runs (seed, steps), so the folder's files show whose they are
        Launcher.Running a = d4j.start("train", "--spec", spec.toString(), "--out", out.toString(), "--set", "seed=1",
                "--set", "training.steps=150");
        Launcher.Running b = d4j.start("train", "--spec", spec.toString(), "--out", out.toString(), "--set", "seed=2",
                "--set", "training.steps=100");
        Launcher.Result ra = a.await(Launcher.DEFAULT_TIMEOUT);
        Launcher.Result rb = b.await(Launcher.DEFAULT_TIMEOUT);
        assertThat(List.of(ra.exitCode(), rb.exitCode())).as("exactly one succeeds\n%s\n%s", ra, rb)
                .containsExactlyInAnyOrder(0, USER_ERROR);
        boolean aWon = ra.exitCode() == 0;
        succeeded(aWon ? ra : rb);
        String refusal = userError(aWon ? rb : ra, out.toString());
        assertThat(refusal).containsAnyOf("is in use by another run", "already holds a training run");
        int seed = aWon ? 1 : 2;
        int steps = aWon ? 150 : 100;

        JsonNode manifest = JSON.readTree(out.resolve("manifest.json").toFile());
        assertThat(manifest.get("seed").asLong()).as("manifest's seed").isEqualTo(seed);
        assertThat(manifest.get("step").asLong()).as("manifest's step").isEqualTo(steps);
        SafetensorsReader.File checkpoint = SafetensorsReader.read(out.resolve("checkpoint.safetensors"));
        assertThat(checkpoint.metadata().get("step")).as("checkpoint's step").isEqualTo(Integer.toString(steps));
        assertThat(JSON.readTree(checkpoint.metadata().get("manifest")).get("seed").asLong()).isEqualTo(seed);
        assertThat(Files.readAllLines(out.resolve("losses.csv"))).as("losses.csv: header and one row per step")
                .hasSize(steps + 1);
        assertThat(names(out)).as("no temporary file left").containsExactlyInAnyOrder(".lock", "checkpoint.safetensors",
                "manifest.json", "losses.csv", "loss.png", "metrics.json");
    }

    @Test
    void aRunIsResumedByOneProcessAtATimeAndAKilledOnesLockAndTempFilesBlockNothing() throws Exception {
        Path longSpec = Specs.write(work.resolve("long.yaml"), Specs.tiny(100_000, 50, 100));
        Path out = work.resolve("resumed");
        Path checkpoint = out.resolve("checkpoint.safetensors");
        Launcher.Running first = d4j.start("train", "--spec", longSpec.toString(), "--out", out.toString());
        awaitFile(first, checkpoint);
        first.kill();
        // as a kill during a checkpoint write leaves them, plus a file that is not ours
        Files.writeString(out.resolve(".checkpoint.safetensors.3f9a0c1d.tmp"), "half a checkpoint");
        Files.writeString(out.resolve(".losses.csv.77.tmp"), "step,loss\n1,");
        Files.writeString(out.resolve(".notes.txt.5.tmp"), "the user's");

        Launcher.Running a = d4j.start("train", "--resume", out.toString());
        awaitStderr(a, "resuming");
        // (the kill may have left a temporary file of its own too)
        assertThat(a.stderrSoFar()).containsPattern("removed [23] stale temporary files")
                .contains(".checkpoint.safetensors.3f9a0c1d.tmp").contains(".losses.csv.77.tmp");
        assertThat(names(out)).doesNotContain(".checkpoint.safetensors.3f9a0c1d.tmp", ".losses.csv.77.tmp")
                .contains(".notes.txt.5.tmp");

        // a second resume while the first one trains: refused at once, the folder left to the first
        Launcher.Result second = d4j.run("train", "--resume", out.toString());
        userError(second, out.toString(), "is in use by another run");
        assertThat(a.isAlive()).as("the first resume is still training").isTrue();
        a.kill();

        // the killed run's .lock file is still there, but its lock died with it
        assertThat(out.resolve(".lock")).exists();
        Launcher.Running third = d4j.start("train", "--resume", out.toString());
        awaitStderr(third, "resuming");
        third.kill();
    }

    @Test
    void ofTwoSamplesToOneFileOneWinsAndNothingIsOverwritten() throws Exception {
        Path out = work.resolve("samples").resolve("s.csv");
        Files.createDirectories(out.getParent());
        Launcher.Running a = d4j.start("sample", "--checkpoint", run.toString(), "--out", out.toString(), "--set",
                "seed=1", "--set", "sampling.count=100");
        Launcher.Running b = d4j.start("sample", "--checkpoint", run.toString(), "--out", out.toString(), "--set",
                "seed=2", "--set", "sampling.count=150");
        Launcher.Result ra = a.await(Launcher.DEFAULT_TIMEOUT);
        Launcher.Result rb = b.await(Launcher.DEFAULT_TIMEOUT);
        assertThat(List.of(ra.exitCode(), rb.exitCode())).as("exactly one succeeds\n%s\n%s", ra, rb)
                .containsExactlyInAnyOrder(0, USER_ERROR);
        boolean aWon = ra.exitCode() == 0;
        succeeded(aWon ? ra : rb);
        Launcher.Result loser = aWon ? rb : ra;
        // the loser may have sampled already (its progress lines) before its publish was refused
        List<String> lines = loser.stderrLines();
        assertThat(loser.stderr()).as("no stack trace\n%s", loser).doesNotContain("\tat ").doesNotContain("internal error");
        assertThat(lines.get(lines.size() - 1)).as("%s", loser).startsWith("error: ").contains(out.toString())
                .contains("already exists");
        Checks.pointsCsv(out, aWon ? 100 : 150);
        JsonNode manifest = JSON.readTree(out.resolveSibling("s.manifest.json").toFile());
        assertThat(manifest.get("seed").asLong()).as("the manifest of the samples' own run").isEqualTo(aWon ? 1 : 2);
        assertThat(names(out.getParent())).containsExactlyInAnyOrder("s.csv", "s.manifest.json", "s.png");
    }

    @Test
    void anOutputPlaceThatCannotBeWrittenIsFoundBeforeAnyWork() throws Exception {
        Path file = Files.writeString(work.resolve("afile"), "not a folder");
        List<Launcher.Running> started = new ArrayList<>();
        started.add(d4j.start("sample", "--checkpoint", run.toString(), "--out", file.resolve("s.csv").toString()));
        started.add(d4j.start("train", "--spec", spec.toString(), "--out", file.resolve("sub/run").toString()));
        // the samples file does not exist either: the output place is checked first
        started.add(d4j.start("eval", "--samples", "missing.csv", "--reference", "missing.csv", "--out",
                file.resolve("e.json").toString()));
        started.add(d4j.start("quickstart", "--out", file.resolve("q").toString()));
        boolean proc = Files.isDirectory(Path.of("/proc"));
        if (proc) {
            // even root cannot create files there (the tests may run as root, for whom permission bits do not count)
            started.add(d4j.start("sample", "--checkpoint", run.toString(), "--out", "/proc/d4j-samples.csv"));
        }
        List<Launcher.Result> results = new ArrayList<>();
        for (Launcher.Running r : started) {
            results.add(r.await(Launcher.DEFAULT_TIMEOUT));
        }
        for (Launcher.Result r : results.subList(0, 4)) {
            userError(r, file.toString(), "is a file, not a folder");
            assertThat(r.stdout()).as("no work, no output\n%s", r).isEmpty();
        }
        if (proc) {
            userError(results.get(4), "/proc", "cannot write in");
        }
        assertThat(file).hasContent("not a folder");
    }

    @Test
    void valuesThatWouldBeChangedSilentlyAreRefusedByValue() throws Exception {
        String huge = "18446744073709551621";   // 2^64 + 5: wraps to 5 through a long
        Path inFile = Specs.write(work.resolve("huge-steps.yaml"), Specs.tiny(100, 50, 100)
                .replace("steps: 100,", "steps: " + huge + ","));
        Path dup = Specs.write(work.resolve("dup.yaml"), Specs.tiny(100, 50, 100) + "training: {lr: 0.5}\n");
        Path big = work.resolve("big.yaml");
        Files.writeString(big, Specs.tiny(100, 50, 100) + "#".repeat(2 << 20));
        List<Launcher.Running> started = List.of(
                d4j.start("train", "--spec", spec.toString(), "--out", "v1", "--set", "training.steps=" + huge),
                d4j.start("train", "--spec", inFile.toString(), "--out", "v2"),
                d4j.start("train", "--spec", spec.toString(), "--out", "v3", "--set", "seed=1.5"),
                d4j.start("train", "--spec", dup.toString(), "--out", "v4"),
                d4j.start("train", "--spec", big.toString(), "--out", "v5"));
        List<Launcher.Result> r = new ArrayList<>();
        for (Launcher.Running s : started) {
            r.add(s.await(Launcher.DEFAULT_TIMEOUT));
        }
        userError(r.get(0), "'steps'", huge);
        userError(r.get(1), "'steps'", huge);
        userError(r.get(2), "seed", "1.5");
        userError(r.get(3), "dup.yaml", "Duplicate field 'training'");
        userError(r.get(4), "big.yaml", Long.toString(Files.size(big)), "limit");
        for (String v : List.of("v1", "v2", "v3", "v4", "v5")) {
            assertThat(work.resolve(v)).as("nothing trained").doesNotExist();
        }
    }

    @Test
    void nonFiniteAndMalformedNpyDataAreOneLineNamingTheFile() throws Exception {
        Path reference = work.resolve("reference.csv");
        Files.writeString(reference, "x,y\n0,0\n1,1\n0,1\n");
        String good = "{'descr': '<f4', 'fortran_order': False, 'shape': (3, 2), }";
        String[][] cases = {
                {"nan.npy", good, "non-finite value NaN at index 3"},
                {"unterminated.npy", "{'descr': '<f4', 'fortran_order': False, 'shape': (3, 2", "malformed .npy header"},
                {"negative.npy", good.replace("(3, 2)", "(-3, 2)"), "negative count"},
                {"overflow.npy", good.replace("(3, 2)", "(2147483647, 2147483647, 2147483647, 2147483647)"),
                        "too many values"},
                {"length.npy", good, "header length 4294967295"},
        };
        List<Launcher.Running> started = new ArrayList<>();
        for (String[] c : cases) {
            float[] values = {0, 0, 1, Float.NaN, 0, 1};
            if (!c[0].equals("nan.npy")) {
                values[3] = 1;
            }
            Path f = Files.write(work.resolve(c[0]), npy(c[1], c[0].equals("length.npy"), values));
            started.add(d4j.start("eval", "--samples", f.toString(), "--reference", reference.toString()));
        }
        for (int i = 0; i < cases.length; i++) {
            userError(started.get(i).await(Launcher.DEFAULT_TIMEOUT), cases[i][0], cases[i][2]);
        }
    }

    /** A float32 .npy with {@code header}; version 2 with header length 0xFFFFFFFF when {@code badLength}. */
    private static byte[] npy(String header, boolean badLength, float[] values) {
        byte[] h = header.getBytes(StandardCharsets.ISO_8859_1);
        ByteBuffer b = ByteBuffer.allocate(12 + h.length + 4 * values.length).order(ByteOrder.LITTLE_ENDIAN);
        b.put(new byte[]{(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', (byte) (badLength ? 2 : 1), 0});
        if (badLength) {
            b.putInt(0xFFFFFFFF);
        } else {
            b.putShort((short) h.length);
        }
        b.put(h);
        for (float v : values) {
            b.putFloat(v);
        }
        return java.util.Arrays.copyOf(b.array(), b.position());
    }

    private static List<String> names(Path folder) throws IOException {
        try (Stream<Path> s = Files.list(folder)) {
            return s.map(p -> p.getFileName().toString()).toList();
        }
    }

    private static void awaitFile(Launcher.Running r, Path file) throws InterruptedException {
        long deadline = System.nanoTime() + Launcher.DEFAULT_TIMEOUT.toNanos();
        while (!Files.exists(file) && r.isAlive() && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        assertThat(file).as("%s\n%s", file, r.stderrSoFar()).exists();
    }

    private static void awaitStderr(Launcher.Running r, String text) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
        while (!r.stderrSoFar().contains(text) && r.isAlive() && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertThat(r.stderrSoFar()).as("the launcher should print '%s'", text).contains(text);
    }
}
