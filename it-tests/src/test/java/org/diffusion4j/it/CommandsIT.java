package org.diffusion4j.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** {@code list}, {@code describe} and {@code --help} of the built distribution. */
class CommandsIT {

    static final List<String> COMMANDS = List.of("list", "describe", "train", "sample", "eval", "quickstart");

    @TempDir
    static Path tmp;

    static Launcher d4j;

    @BeforeAll
    static void distribution() {
        d4j = new Launcher(Distribution.copyTo(tmp), tmp.resolve("work"));
    }

    @Test
    void listShowsTheBuiltInComponentsAndTheJavaBackend() {
        Launcher.Result r = Checks.succeeded(d4j.run("list"));
        for (String kind : List.of("schedule", "parameterization", "network", "loss", "sampler", "dataset", "metric",
                "backend")) {
            assertThat(r.stdout()).as("a heading for the %ss\n%s", kind, r.describe())
                    .containsPattern("(?m)^" + kind + "s?:$");
        }
        List<String> components = List.of(
                "flow-matching.linear", "flow-matching.velocity", "flow-matching.cfm",
                "flow-matching.euler", "flow-matching.heun", "flow-matching.rk4", "flow-matching.sde",
                "mlp", "two-gaussians", "two-moons", "points", "sliced-w2", "mmd2", "energy");
        for (String c : components) {
            assertThat(r.stdout()).as("list names '%s'\n%s", c, r.describe()).containsPattern("(?m)^\\s+" + Pattern.quote(c) + "\\s");
        }
        java.util.regex.Matcher heading = Pattern.compile("(?m)^backends?:$").matcher(r.stdout());
        assertThat(heading.find()).as(r.describe()).isTrue();
        String backends = r.stdout().substring(heading.start());
        List<String> java = backends.lines().filter(l -> l.matches("\\s+java\\s.*")).toList();
        assertThat(java).as("one java backend line\n%s", r.describe()).hasSize(1);
        assertThat(java.get(0)).as(r.describe()).doesNotContain("not available");
    }

    @Test
    void listOfOneKindShowsOnlyThatKind() {
        Launcher.Result r = Checks.succeeded(d4j.run("list", "sampler"));
        assertThat(r.stdout()).as(r.describe()).contains("flow-matching.euler", "flow-matching.sde")
                .doesNotContain("two-gaussians", "mlp ").doesNotContainPattern("(?m)^backends?:$");
    }

    @Test
    void describePrintsTheOptionsOfASampler() {
        Launcher.Result r = Checks.succeeded(d4j.run("describe", "sampler", "flow-matching.euler"));
        assertThat(r.stdout()).as(r.describe())
                .contains("flow-matching.euler", "options:")
                .containsPattern("(?m)^\\s+steps\\s+int\\S*\\s+default 100\\b")
                .contains("[1, 100000]");
    }

    @Test
    void describePrintsTheOptionsOfTheSdeSamplerWithTheirChoices() {
        Launcher.Result r = Checks.succeeded(d4j.run("describe", "sampler", "flow-matching.sde"));
        assertThat(r.stdout()).as(r.describe()).contains("steps", "diffusion", "one of sigma, g2, constant", "scale");
    }

    @Test
    void describeOfAComponentWithoutOptionsSaysSo() {
        Launcher.Result r = Checks.succeeded(d4j.run("describe", "schedule", "flow-matching.linear"));
        assertThat(r.stdout()).as(r.describe()).contains("flow-matching.linear", "options: none");
    }

    @Test
    void describeSettings() {
        Launcher.Result r = Checks.succeeded(d4j.run("describe", "settings", "training"));
        assertThat(r.stdout()).as(r.describe()).contains("lr", "batch-size", "steps", "checkpoint-every");
    }

    @Test
    void helpListsEveryCommand() {
        Launcher.Result r = Checks.succeeded(d4j.run("--help"));
        for (String c : COMMANDS) {
            assertThat(r.stdout()).as(r.describe()).containsPattern("(?m)^\\s+" + c + "\\s");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"list", "describe", "train", "sample", "eval", "quickstart"})
    void everyCommandHasHelp(String command) {
        Launcher.Result r = Checks.succeeded(d4j.run(command, "--help"));
        assertThat(r.stdout()).as(r.describe()).contains("usage: diffusion4j " + command).contains("--help");
        assertThat(r.stderr()).as(r.describe()).isBlank();
    }

    @Test
    void helpOfTrainNamesItsOptions() {
        Launcher.Result r = Checks.succeeded(d4j.run("train", "--help"));
        assertThat(r.stdout()).as(r.describe()).contains("--spec", "--out", "--resume", "--set", "--threads");
    }
}
