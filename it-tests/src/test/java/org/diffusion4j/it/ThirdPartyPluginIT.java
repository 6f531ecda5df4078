package org.diffusion4j.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A plugin built by a third party against the api jar alone, dropped into a new folder under the
 * distribution's {@code plugins/}: {@code list} shows it, and a pipeline that uses it trains and
 * samples. Each test works on its own copy of the distribution.
 */
class ThirdPartyPluginIT {

    @TempDir
    Path tmp;

    @Test
    void modularPluginIsListedDescribedAndUsable() {
        Path home = Distribution.copyTo(tmp);
        Path jar = ThirdPartyPlugins.install(ThirdPartyPlugins.modularCosine("thirdparty.cosine"), home,
                tmp.resolve("build"), "thirdparty", "thirdparty-cosine-1.0.jar");
        assertThat(jar).isRegularFile();
        trainAndSampleWithTheCosineSchedule(new Launcher(home, tmp.resolve("work")), "thirdparty.cosine");
    }

    @Test
    void plainJarPluginWithServicesFileWorksToo() {
        Path home = Distribution.copyTo(tmp);
        ThirdPartyPlugins.install(ThirdPartyPlugins.plainCosine(), home, tmp.resolve("build"), "thirdparty-plain",
                "cosine-plain.jar");
        // A plain jar becomes an automatic module named after the jar file.
        trainAndSampleWithTheCosineSchedule(new Launcher(home, tmp.resolve("work")), "cosine.plain");
    }

    @Test
    void withoutThePluginTheScheduleIsUnknown() {
        Launcher d4j = new Launcher(Distribution.copyTo(tmp), tmp.resolve("work"));
        Launcher.Result r = Checks.succeeded(d4j.run("list", "schedule"));
        assertThat(r.stdout()).as(r.describe()).doesNotContain(ThirdPartyPlugins.COSINE);
    }

    @Test
    void pluginsFolderCanBeGivenOnTheCommandLine() {
        Path home = Distribution.copyTo(tmp);
        Path extra = tmp.resolve("extra-plugins");
        ThirdPartyPlugins.modularCosine("thirdparty.cosine").build(Distribution.apiJar(home), tmp.resolve("build"),
                extra.resolve("thirdparty").resolve("cosine.jar"));
        Launcher d4j = new Launcher(home, tmp.resolve("work"));
        Launcher.Result r = Checks.succeeded(d4j.run("list", "schedule", "--plugins", extra.toString()));
        assertThat(r.stdout()).as(r.describe()).contains(ThirdPartyPlugins.COSINE);
    }

    private static void trainAndSampleWithTheCosineSchedule(Launcher d4j, String pluginName) {
        Launcher.Result list = Checks.succeeded(d4j.run("list"));
        assertThat(list.stdout()).as(list.describe()).containsPattern("(?m)^\\s+" + ThirdPartyPlugins.COSINE.replace(".", "\\.")
                + "\\s.*cos\\(pi t / 2\\).*" + pluginName.replace(".", "\\."));
        // the built-in plugins are still there
        assertThat(list.stdout()).as(list.describe()).contains("flow-matching.linear", "flow-matching.euler", "mlp");

        Launcher.Result describe = Checks.succeeded(d4j.run("describe", "schedule", ThirdPartyPlugins.COSINE));
        assertThat(describe.stdout()).as(describe.describe()).contains(ThirdPartyPlugins.COSINE, pluginName,
                "options: none");

        Path spec = Specs.write(d4j.workDir().resolve("cosine.yaml"),
                Specs.tiny(ThirdPartyPlugins.COSINE, 200, 100, 500));
        Path run = d4j.workDir().resolve("run-cosine");
        Checks.succeeded(d4j.run("train", "--spec", spec.toString(), "--out", run.toString()));
        assertThat(run.resolve("checkpoint.safetensors")).isRegularFile();
        SafetensorsReader.File ck = SafetensorsReader.read(run.resolve("checkpoint.safetensors"));
        assertThat(ck.metadata().get("step")).isEqualTo("200");
        assertThat(ck.metadata().get("spec")).contains(ThirdPartyPlugins.COSINE);

        Path samples = d4j.workDir().resolve("cosine-samples.csv");
        Launcher.Result sample = Checks.succeeded(d4j.run("sample", "--checkpoint", run.toString(), "--out",
                samples.toString()));
        assertThat(samples).as(sample.describe()).isRegularFile();
        Checks.pointsCsv(samples, 500);
        Path manifest = d4j.workDir().resolve("cosine-samples.manifest.json");
        assertThat(manifest).as(sample.describe()).isRegularFile();
        assertThat(readString(manifest)).as("the manifest records the third-party component")
                .contains(ThirdPartyPlugins.COSINE);
    }

    private static String readString(Path p) {
        try {
            return Files.readString(p);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
