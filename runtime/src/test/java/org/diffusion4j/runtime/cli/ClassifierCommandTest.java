package org.diffusion4j.runtime.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.diffusion4j.api.Dataset;
import org.diffusion4j.api.PointSet;
import org.diffusion4j.api.Split;
import org.diffusion4j.runtime.UserException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The {@code classifier} command's refusals: each one line, exit 2, before any work, nothing written. */
class ClassifierCommandTest {

    private record Result(int status, String out, String err) {
    }

    private static Result run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = Main.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Result(status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    private static Dataset dataset(int labels, int... shape) {
        return new Dataset() {
            public int dimension() {
                int d = 1;
                for (int s : shape) {
                    d *= s;
                }
                return d;
            }

            public int[] sampleShape() {
                return shape.clone();
            }

            public int labelCount() {
                return labels;
            }

            public PointSet load(Split split) {
                throw new AssertionError("not loaded");
            }
        };
    }

    @Test
    void isListedAmongTheCommandsAndHasHelp() {
        assertThat(run("--help").out()).contains("classifier");
        Result help = run("classifier", "--help");
        assertThat(help.status()).isZero();
        assertThat(help.out()).contains("--dataset").contains("--out").contains("--steps").contains("--features")
                .contains("--set");
    }

    @Test
    void anExistingOutputIsRefusedAndLeftAsItWas(@TempDir Path tmp) throws Exception {
        Path out = tmp.resolve("clf.safetensors");
        Files.writeString(out, "keep me");
        Result r = run("classifier", "--dataset", "fashion-mnist", "--out", out.toString(), "--plugins", tmp.toString());
        assertThat(r.status()).isEqualTo(Main.USER_ERROR);
        assertThat(r.err().strip()).contains(out.toString()).contains("already exists").doesNotContain("\n");
        assertThat(Files.readString(out)).isEqualTo("keep me");
    }

    @Test
    void anUnknownDatasetABadOptionOrAForeignSetAreOneLineUserErrors(@TempDir Path tmp) {
        Path out = tmp.resolve("clf.safetensors");
        Path plugins = tmp.resolve("no-plugins");
        plugins.toFile().mkdirs();
        Result unknown = run("classifier", "--dataset", "nope", "--out", out.toString(), "--plugins", plugins.toString());
        assertThat(unknown.status()).isEqualTo(Main.USER_ERROR);
        assertThat(unknown.err().strip()).contains("unknown dataset 'nope'").doesNotContain("\n");
        Result lr = run("classifier", "--dataset", "nope", "--out", out.toString(), "--lr", "-1");
        assertThat(lr.status()).isEqualTo(Main.USER_ERROR);
        assertThat(lr.err()).contains("'lr'").contains("-1");
        Result set = run("classifier", "--dataset", "nope", "--out", out.toString(), "--set", "training.lr=1");
        assertThat(set.status()).isEqualTo(Main.USER_ERROR);
        assertThat(set.err()).contains("dataset.OPTION=VALUE").contains("training.lr=1");
        assertThat(run("classifier", "--out", out.toString()).err()).contains("needs --dataset");
        assertThat(out).doesNotExist();
    }

    @Test
    void datasetsWithoutLabelsOrOfPointsAreRefused() {
        assertThatThrownBy(() -> ClassifierCommand.checkLabelledImages("two-moons", dataset(0, 2)))
                .isInstanceOf(UserException.class).hasMessageContaining("two-moons").hasMessageContaining("no class labels");
        assertThatThrownBy(() -> ClassifierCommand.checkLabelledImages("one", dataset(1, 1, 4, 4)))
                .isInstanceOf(UserException.class).hasMessageContaining("one class");
        assertThatThrownBy(() -> ClassifierCommand.checkLabelledImages("labelled-points", dataset(3, 5)))
                .isInstanceOf(UserException.class).hasMessageContaining("[5]").hasMessageContaining("not images");
        ClassifierCommand.checkLabelledImages("images", dataset(10, 1, 28, 28));
    }
}
