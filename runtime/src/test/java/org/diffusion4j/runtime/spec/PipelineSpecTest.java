package org.diffusion4j.runtime.spec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.diffusion4j.runtime.UserException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PipelineSpecTest {

    private static final String YAML = """
            seed: 3
            dataset: {name: two-moons, count: 500}
            network: {name: mlp, width: 32, activation: silu}
            training: {lr: 0.001, steps: 10}
            samplers:
              ode: {name: flow-matching.euler, steps: 10}
            """;

    @Test
    void yamlAndJsonGiveTheSameComponents() {
        PipelineSpec y = PipelineSpec.parse(YAML, "y", false);
        PipelineSpec j = PipelineSpec.parse(y.toJson(), "j", true);
        assertThat(j.component("network")).isEqualTo(y.component("network"));
        assertThat(y.component("network").options()).containsEntry("width", 32).containsEntry("activation", "silu");
        assertThat(y.samplers()).containsOnlyKeys("ode");
        assertThat(y.seed()).isEqualTo(3);
        assertThat(y.settings("training")).containsEntry("lr", 0.001).containsEntry("steps", 10);
    }

    @Test
    void aComponentInsideAComponentIsAMapOfItsOptionsAndSetReachesIt() {
        PipelineSpec y = PipelineSpec.parse("""
                network:
                  name: dinof
                  t-m: 0.5
                  score: {name: unet, base-channels: 16, blocks: 1}
                """, "y", false);
        assertThat(y.component("network").options()).containsEntry("t-m", 0.5)
                .containsEntry("score", Map.of("name", "unet", "base-channels", 16, "blocks", 1));
        PipelineSpec o = y.with(List.of("network.score.blocks=2"));
        assertThat(o.component("network").options().get("score"))
                .isEqualTo(Map.of("name", "unet", "base-channels", 16, "blocks", 2));
        assertThat(PipelineSpec.parse(o.toJson(), "j", true).component("network")).isEqualTo(o.component("network"));
        // a resolved spec writes a section that was not given as {}
        assertThat(PipelineSpec.parse("network: {name: dinof, score: {}}", "r", false).component("network").options())
                .containsEntry("score", Map.of());
        assertThatThrownBy(() -> PipelineSpec.parse("network: {name: dinof, score: {blocks: 2}}", "y", false)
                .component("network")).isInstanceOf(UserException.class).hasMessageContaining("network.score names no component");
    }

    @Test
    void overridesSetSingleValuesAndLeaveTheOriginalAlone() {
        PipelineSpec y = PipelineSpec.parse(YAML, "y", false);
        PipelineSpec o = y.with(List.of("sampler.steps=50", "network.width=128", "training.lr=3e-4", "seed=9",
                "network.activation=gelu"));
        assertThat(o.samplers().get("ode").options()).containsEntry("steps", 50);
        assertThat(o.component("network").options()).containsEntry("width", 128).containsEntry("activation", "gelu");
        assertThat(o.settings("training")).containsEntry("lr", 3e-4);
        assertThat(o.seed()).isEqualTo(9);
        assertThat(y.component("network").options()).containsEntry("width", 32);
    }

    @Test
    void switchingAComponentDropsTheOldOnesOptionsButKeepsThoseSetInTheSameCommand() {
        PipelineSpec y = PipelineSpec.parse(YAML + "schedule: {name: ddpm.linear, steps: 100, beta-start: 0.0001,"
                + " beta-end: 0.02}\n", "y", false);
        List<String> notes = new java.util.ArrayList<>();
        PipelineSpec o = y.with(List.of("schedule.steps=1000", "schedule.name=ddpm.cosine", "schedule.offset=0.01"),
                notes::add);
        assertThat(o.component("schedule").name()).isEqualTo("ddpm.cosine");
        assertThat(o.component("schedule").options()).containsOnly(Map.entry("steps", 1000), Map.entry("offset", 0.01));
        assertThat(notes).containsExactly("schedule: switched ddpm.linear → ddpm.cosine; dropped its options beta-start,"
                + " beta-end; kept steps (given with --set)");
        // the same name again, a sampler's switch, and a component written as a bare name
        notes.clear();
        PipelineSpec s = y.with(List.of("network.name=mlp", "samplers.ode.name=flow-matching.heun"), notes::add);
        assertThat(s.component("network").options()).containsEntry("width", 32);
        assertThat(s.samplers().get("ode").options()).isEmpty();
        assertThat(notes).containsExactly("samplers.ode: switched flow-matching.euler → flow-matching.heun; dropped its"
                + " options steps");
        PipelineSpec bare = PipelineSpec.parse("loss: ddpm.simple\n", "b", false).with(List.of("loss.reduction=sum"),
                notes::add);
        assertThat(bare.component("loss").options()).containsEntry("reduction", "sum");
    }

    @Test
    void aCheckpointsResolvedOptionsAreNotGivenOnlyThoseSetNow() {
        PipelineSpec written = PipelineSpec.parse(YAML, "y", false);
        assertThat(written.samplers().get("ode").given()).containsExactly("steps");
        PipelineSpec resolved = PipelineSpec.parseResolved(written.toJson(), "checkpoint");
        assertThat(resolved.samplers().get("ode").given()).isEmpty();
        assertThat(resolved.component("network").given()).isEmpty();
        PipelineSpec set = resolved.with(List.of("samplers.ode.steps=5"), n -> { });
        assertThat(set.samplers().get("ode").given()).containsExactly("steps");
        assertThat(set.with(List.of("network.width=8"), n -> { }).samplers().get("ode").given())
                .as("kept through later overrides").containsExactly("steps");
    }

    @Test
    void badOverridesAndSectionsAreUserErrors() {
        PipelineSpec y = PipelineSpec.parse(YAML, "y", false);
        assertThatThrownBy(() -> y.with(List.of("netwrk.width=3"))).isInstanceOf(UserException.class)
                .hasMessageContaining("unknown section 'netwrk'").hasMessageContaining("network");
        assertThatThrownBy(() -> y.with(List.of("width"))).hasMessageContaining("path=value");
        assertThatThrownBy(() -> PipelineSpec.parse("dataset: {name: x}\nfoo: 1\n", "s.yaml", false))
                .hasMessageContaining("unknown section 'foo'");
        assertThatThrownBy(() -> PipelineSpec.parse("dataset: {name: x\n", "bad.yaml", false))
                .isInstanceOf(UserException.class).hasMessageContaining("bad.yaml is not valid YAML")
                .hasMessageContaining("line");
        assertThatThrownBy(() -> PipelineSpec.parse("network: {width: 3}\n", "s.yaml", false))
                .hasMessageContaining("'network' must name a component");
        assertThatThrownBy(() -> PipelineSpec.parse("network: {name: mlp, width: [1, 2]}\n", "s.yaml", false)
                .component("network")).hasMessageContaining("network.width must be a single value");
    }

    @Test
    void readsFilesByExtensionAndReportsMissingOnes(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("p.yml");
        Files.writeString(f, YAML);
        assertThat(PipelineSpec.read(f).component("dataset").name()).isEqualTo("two-moons");
        assertThatThrownBy(() -> PipelineSpec.read(dir.resolve("nope.yaml"))).hasMessageContaining("not found");
        Path txt = dir.resolve("p.txt");
        Files.writeString(txt, YAML);
        assertThatThrownBy(() -> PipelineSpec.read(txt)).hasMessageContaining(".json, .yaml or .yml");
    }

    @Test
    void componentsCanBeNamedByAPlainString() {
        PipelineSpec s = PipelineSpec.parse("schedule: flow-matching.linear\n", "s", false);
        assertThat(s.component("schedule")).isEqualTo(new ComponentRef("schedule", "flow-matching.linear", Map.of()));
    }

    @Test
    void likelihoodsAreLabelledComponentsWithTheirOwnShorthand() {
        PipelineSpec s = PipelineSpec.parse("likelihoods:\n  nll: {name: score-sde.likelihood, probes: 1}\n", "s", false)
                .with(java.util.List.of("likelihood.probes=4"));
        assertThat(s.likelihoods()).containsEntry("nll",
                new ComponentRef("likelihood nll", "score-sde.likelihood", Map.of("probes", 4)));
        PipelineSpec two = PipelineSpec.parse("likelihoods: {a: {name: x}, b: {name: y}}\n", "s", false);
        assertThatThrownBy(() -> two.with(java.util.List.of("likelihood.probes=4")))
                .hasMessageContaining("ambiguous").hasMessageContaining("likelihoods.LABEL.option");
        assertThatThrownBy(() -> PipelineSpec.parse("likelihoods: [a, b]\n", "s", false))
                .hasMessageContaining("'likelihoods' must map labels");
    }

    @Test
    void valuesAreNeverSilentlyChanged() {
        PipelineSpec y = PipelineSpec.parse(YAML, "y", false);
        assertThatThrownBy(() -> y.with(List.of("seed=1.5"))).isInstanceOf(UserException.class)
                .hasMessageContaining("seed").hasMessageContaining("1.5");
        assertThatThrownBy(() -> y.with(List.of("seed=18446744073709551621"))).isInstanceOf(UserException.class)
                .hasMessageContaining("18446744073709551621");
        // kept exact for the option's own range check, not wrapped to 5
        assertThat(y.with(List.of("training.steps=18446744073709551621")).settings("training").get("steps"))
                .isEqualTo(new java.math.BigInteger("18446744073709551621"));
    }

    @Test
    void aKeyOrSectionGivenTwiceIsRefused() {
        assertThatThrownBy(() -> PipelineSpec.parse(YAML + "training: {lr: 0.1}\n", "dup.yaml", false))
                .isInstanceOf(UserException.class).hasMessageContaining("dup.yaml")
                .hasMessageContaining("Duplicate field 'training'");
        assertThatThrownBy(() -> PipelineSpec.parse("{\"seed\": 1, \"seed\": 2}", "dup.json", true))
                .isInstanceOf(UserException.class).hasMessageContaining("Duplicate field 'seed'");
        assertThatThrownBy(() -> PipelineSpec.parse("network: {name: mlp, width: 3, width: 4}", "k.yaml", false))
                .isInstanceOf(UserException.class).hasMessageContaining("Duplicate field 'width'");
    }

    @Test
    void anOversizeSpecIsRefusedBeforeParsing(@TempDir Path dir) throws Exception {
        Path big = dir.resolve("big.yaml");
        Files.writeString(big, "seed: 1\n" + "#".repeat((int) PipelineSpec.MAX_BYTES));
        assertThatThrownBy(() -> PipelineSpec.read(big)).isInstanceOf(UserException.class)
                .hasMessageContaining("big.yaml").hasMessageContaining(Long.toString(Files.size(big)))
                .hasMessageContaining("1048576");
    }
}
