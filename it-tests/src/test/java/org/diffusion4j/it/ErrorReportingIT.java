package org.diffusion4j.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.diffusion4j.api.SpiVersion;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Whose fault an error is, as the launcher reports it: the user's mistakes are one line with exit
 * status 2; a bug inside a plugin is one line naming the plugin and a log file that holds the stack
 * trace, exit status 3; and a plugin folder that cannot be loaded is skipped with one warning line,
 * failing only the commands that need it.
 */
class ErrorReportingIT {

    /** Exit status of internal errors. */
    private static final int INTERNAL_ERROR = 3;

    private static final Pattern LOG_FILE = Pattern.compile("the stack trace is in (\\S+\\.log)$");

    @TempDir
    Path tmp;

    @Test
    void aBugInAPluginIsAnInternalErrorNamingThePluginWithTheStackTraceInALogFile() throws IOException {
        Path home = Distribution.copyTo(tmp);
        ThirdPartyPlugins.install(ThirdPartyPlugins.modularBuggyLoss("thirdparty.buggy", "thirdparty.buggy-loss"),
                home, tmp.resolve("build"), "buggy", "buggy.jar");
        Launcher d4j = new Launcher(home, tmp.resolve("work"));
        Path spec = Specs.write(tmp.resolve("work").resolve("buggy.yaml"), Specs.tiny(20, 20, 50)
                .replace("{name: flow-matching.cfm}", "{name: thirdparty.buggy-loss}"));

        Launcher.Result r = d4j.run("train", "--spec", spec.toString(), "--out", tmp.resolve("work").resolve("run").toString());

        assertThat(r.exitCode()).as("an internal error exits with status 3\n%s", r.describe()).isEqualTo(INTERNAL_ERROR);
        assertThat(r.stderr()).as("no stack trace on the terminal\n%s", r.describe()).doesNotContain("\tat ");
        // Progress lines of the run may come first; the error is the last line, and the only one.
        List<String> lines = r.stderrLines();
        assertThat(lines.stream().filter(l -> l.contains("error"))).as("one line\n%s", r.describe()).hasSize(1);
        String line = lines.getLast();
        assertThat(line).as(r.describe())
                .startsWith("internal error in plugin thirdparty.buggy: ")
                .contains("IllegalArgumentException", "buggy: wrong shape [3, 7]")
                .doesNotStartWith("error:");
        Matcher m = LOG_FILE.matcher(line);
        assertThat(m.find()).as("the line names the log file\n%s", r.describe()).isTrue();
        Path log = Path.of(m.group(1));
        try {
            assertThat(log).as(r.describe()).isRegularFile();
            String trace = Files.readString(log);
            assertThat(trace).contains("java.lang.IllegalArgumentException: buggy: wrong shape [3, 7]")
                    .contains("\tat thirdparty.buggy/thirdparty.buggy.BuggyLoss.compute");
        } finally {
            Files.deleteIfExists(log);
        }
    }

    @Test
    void aUserConfigErrorIsOneLineWithExitTwoAndNoLogFile() {
        Launcher d4j = new Launcher(Distribution.copyTo(tmp), tmp.resolve("work"));
        Path spec = Specs.write(tmp.resolve("work").resolve("bad.yaml"),
                Specs.tiny(20, 20, 50).replace("{name: flow-matching.euler, steps: 20}", "{name: flow-matching.euler, steps: 0}"));
        String line = Checks.userError(d4j.run("train", "--spec", spec.toString(), "--out",
                tmp.resolve("work").resolve("run").toString()), "flow-matching.euler", "steps");
        assertThat(line).startsWith("error: ").doesNotContain("stack trace");
    }

    @Test
    void brokenPluginsAreSkippedWithOneWarningEachAndOnlyTheirComponentsFail() throws IOException {
        Path home = Distribution.copyTo(tmp);
        Path build = tmp.resolve("build");
        Files.createDirectories(home.resolve("plugins").resolve("notzip"));
        Files.writeString(home.resolve("plugins").resolve("notzip").resolve("notzip.jar"), "this is not a zip file\n");
        ThirdPartyPlugins.install(ThirdPartyPlugins.modularThrowingProvider("thirdparty.throwing", "licence file missing"),
                home, build, "throwing", "throwing.jar");
        ThirdPartyPlugins.install(ThirdPartyPlugins.modularCosine("thirdparty.future").spiVersion("2.0"), home, build,
                "future", "future.jar");
        // A plugin built for the previous minor SPI still loads.
        ThirdPartyPlugins.install(ThirdPartyPlugins.modularSampler("thirdparty.older", "thirdparty.older-sampler")
                .spiVersion("1.3"), home, build, "older", "older.jar");
        Launcher d4j = new Launcher(home, tmp.resolve("work"));

        Launcher.Result list = d4j.run("list");
        assertThat(list.exitCode()).as("list works with broken plugins around\n%s", list.describe()).isZero();
        assertThat(list.stdout()).as(list.describe()).contains("flow-matching.euler", "mlp", "ddpm.linear",
                "thirdparty.older-sampler");
        List<String> warnings = warnings(list);
        assertThat(warnings).as("one warning per broken plugin\n%s", list.describe()).hasSize(3);
        assertThat(warnings.stream().filter(w -> w.contains("'notzip'")).findFirst()).as(list.describe()).isPresent();
        assertThat(warnings.stream().filter(w -> w.contains("'throwing'") && w.contains("licence file missing"))
                .findFirst()).as("a throwing constructor's own message is shown\n%s", list.describe()).isPresent();
        assertThat(warnings.stream().filter(w -> w.contains("'future'") && w.contains("2.0")
                && w.contains(SpiVersion.CURRENT.toString())).findFirst()).as(list.describe()).isPresent();

        Launcher.Result describe = d4j.run("describe", "sampler", "flow-matching.euler");
        assertThat(describe.exitCode()).as(describe.describe()).isZero();
        assertThat(describe.stdout()).contains("flow-matching.euler");
        assertThat(warnings(describe)).hasSize(3);

        Path spec = Specs.write(tmp.resolve("work").resolve("tiny.yaml"), Specs.tiny(20, 20, 50));
        Path run = tmp.resolve("work").resolve("run");
        Launcher.Result train = d4j.run("train", "--spec", spec.toString(), "--out", run.toString());
        assertThat(train.exitCode()).as(train.describe()).isZero();
        Path samples = tmp.resolve("work").resolve("samples.csv");
        Launcher.Result sample = d4j.run("sample", "--checkpoint", run.toString(), "--out", samples.toString());
        assertThat(sample.exitCode()).as(sample.describe()).isZero();
        Checks.pointsCsv(samples, 50);

        // The skipped plugin's component: exit 2, naming the plugin and why it was skipped.
        Launcher.Result needs = d4j.run("describe", "schedule", ThirdPartyPlugins.COSINE);
        assertThat(needs.exitCode()).as(needs.describe()).isEqualTo(Checks.USER_ERROR);
        assertThat(needs.stderr()).as(needs.describe()).doesNotContain("\tat ");
        List<String> errors = needs.stderrLines().stream().filter(l -> !l.startsWith("warning: ")).toList();
        assertThat(errors).as(needs.describe()).hasSize(1);
        assertThat(errors.get(0)).as(needs.describe()).startsWith("error: ")
                .contains("unknown schedule '" + ThirdPartyPlugins.COSINE + "'", "plugin 'future'", "2.0");
    }

    private static List<String> warnings(Launcher.Result r) {
        List<String> lines = r.stderrLines();
        assertThat(lines).as("only warnings on stderr\n%s", r.describe()).allMatch(l -> l.startsWith("warning: plugin '"));
        assertThat(r.stderr()).as(r.describe()).doesNotContain("\tat ");
        return lines;
    }
}
