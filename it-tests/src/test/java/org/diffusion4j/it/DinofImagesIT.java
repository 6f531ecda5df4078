package org.diffusion4j.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.diffusion4j.runtime.io.NamedTensor;
import org.diffusion4j.runtime.io.Safetensors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * DiNof on images through the launcher, on a small Fashion-MNIST subset with a tiny U-Net (the
 * image study's network, named inside the dinof network) and a tiny two-level Glow: joint training,
 * sampling from the flow prior (.npy and its grid picture), the exact likelihood in bits/dim by
 * {@code eval --checkpoint}; separate training of the flow alone on top of a score run
 * ({@code --init-from} and {@code objective: flow}), which must leave the score network's weights
 * bit for bit the score run's EMA weights (their EMA within float rounding). Bad input, each one line with exit 2 and nothing written: a
 * flow that cannot squeeze 28×28 three times, T_m outside (0, 1], the flow prior on a checkpoint
 * without a flow, a warm start from a run that shares no parameter. Seconds per command, not minutes.
 *
 * <p>Needs Debian's dataset-fashion-mnist (.ci/run installs it); skipped without it.
 */
class DinofImagesIT {

    @TempDir
    static Path tmp;

    static Launcher d4j;
    static Path work;
    static Path score;
    static Path joint;

    static final String UNET = "{name: unet, base-channels: 8, blocks: 1, channel-multipliers: '1,2',"
            + " attention-resolutions: '', groups: 4}";

    private static final String COMMON = """
            seed: 3
            dataset:          {name: fashion-mnist, train-subset: 256, test-subset: 16}
            schedule:         {name: score-sde.vp}
            parameterization: {name: score-sde.score}
            training:         {lr: 0.001, batch-size: 32, steps: 4, checkpoint-every: 4}
            sampling:         {count: 8, batch-size: 8, weights: ema}
            """;

    static String dinofSpec(String name, String network, String loss) {
        return "name: " + name + "\n" + COMMON + "network: " + network + "\nloss: " + loss + """

                prior:            {name: dinof.flow, t-m: 0.5}
                samplers:
                  pc: {name: score-sde.pc, steps: 5}
                likelihoods:
                  nll: {name: dinof.likelihood, steps: 2, divergence: hutchinson}
                """;
    }

    static final String DINOF = "{name: dinof, t-m: 0.5, score: " + UNET + ", flow-levels: 2, flow-steps: 1,"
            + " flow-hidden: 8}";

    @BeforeAll
    static void train() {
        assumeTrue(Files.exists(ImagesIT.FMNIST.resolve("t10k-images-idx3-ubyte.gz")),
                "dataset-fashion-mnist is not installed");
        work = tmp.resolve("work");
        d4j = new Launcher(Distribution.copyTo(tmp), work);
        Path scoreSpec = Specs.write(work.resolve("score.yaml"), "name: it-fmnist-score\n" + COMMON
                + "network: " + UNET + "\nloss: {name: score-sde.dsm, weighting: sigma2}\nsamplers:\n"
                + "  pc: {name: score-sde.pc, steps: 5}\n");
        Path jointSpec = Specs.write(work.resolve("dinof.yaml"), dinofSpec("it-fmnist-dinof", DINOF, "{name: dinof.joint}"));
        score = work.resolve("score-run");
        joint = work.resolve("dinof-run");
        Checks.succeeded(d4j.run("train", "--spec", scoreSpec.toString(), "--out", score.toString()));
        Launcher.Result r = Checks.succeeded(d4j.run("train", "--spec", jointSpec.toString(), "--out", joint.toString()));
        assertThat(r.stderr()).as("the training log shows the flow's NLL in nats and bits/dim")
                .contains("flow-nll").contains("flow-bpd");
    }

    @Test
    void jointDinofSamplesImagesAndReportsItsLikelihoodInBitsPerDim() throws Exception {
        Path npy = work.resolve("dinof.npy");
        Launcher.Result r = Checks.succeeded(d4j.run("sample", "--checkpoint", joint.toString(), "--out", npy.toString()));
        assertThat(r.stderr()).as("PC walks its 5 steps from T_m").contains("5/5");
        assertThat(npy).exists();
        assertThat(work.resolve("dinof.png")).as("the sample's grid picture").exists();
        assertThat(Files.readString(work.resolve("dinof.manifest.json"))).contains("dinof.flow").contains("unet");
        Launcher.Result e = Checks.succeeded(d4j.run("eval", "--checkpoint", joint.toString(), "--count", "8"));
        assertThat(e.stdout()).as("eval reports the likelihood in bits/dim").contains("bits");
        assertThat(e.stdout()).contains("dinof.likelihood");
    }

    @Test
    void theFlowTrainedAloneOnTopOfAScoreRunKeepsTheScoreNetworkBitForBit() throws Exception {
        Path spec = Specs.write(work.resolve("separate.yaml"),
                dinofSpec("it-fmnist-dinof-separate", DINOF, "{name: dinof.joint, objective: flow}"));
        Path run = work.resolve("separate-run");
        Launcher.Result r = Checks.succeeded(d4j.run("train", "--spec", spec.toString(), "--out", run.toString(),
                "--init-from", score.toString()));
        assertThat(r.stderr()).contains("init-from").contains("start from its EMA weights").contains("flow-bpd");
        Map<String, org.diffusion4j.runtime.io.TensorData> from = Safetensors.read(score.resolve("checkpoint.safetensors")).tensors();
        Map<String, org.diffusion4j.runtime.io.TensorData> to = Safetensors.read(run.resolve("checkpoint.safetensors")).tensors();
        int compared = 0;
        for (Map.Entry<String, org.diffusion4j.runtime.io.TensorData> e : from.entrySet()) {
            if (e.getKey().startsWith("ema.")) {
                float[] a = ((NamedTensor) e.getValue()).data();
                assertThat(to).as("the dinof network holds the U-Net's " + e.getKey()).containsKey(e.getKey());
                // the weights start from the score run's EMA and Adam's zero-gradient steps leave them as they are
                assertThat(((NamedTensor) to.get("model." + e.getKey().substring(4))).data()).as("weights of " + e.getKey())
                        .containsExactly(a);
                // the EMA of an unchanged weight moves only by float rounding, d·e + (1 − d)·e ≠ e in the last bit
                float[] ema = ((NamedTensor) to.get(e.getKey())).data();
                for (int i = 0; i < a.length; i++) {
                    assertThat(ema[i]).as(e.getKey() + "[" + i + "]").isCloseTo(a[i], org.assertj.core.data.Offset.offset(1e-6f));
                }
                compared++;
            }
        }
        assertThat(compared).as("U-Net tensors compared").isGreaterThan(10);
        assertThat(to.keySet().stream().filter(k -> k.startsWith("ema.flow.")).count()).as("the flow's tensors")
                .isGreaterThan(5);
        Path npy = work.resolve("separate.npy");
        Checks.succeeded(d4j.run("sample", "--checkpoint", run.toString(), "--out", npy.toString()));
        assertThat(npy).exists();
    }

    @Test
    void aFlowThatCannotSqueezeTheImagesIsOneLine() {
        Path spec = Specs.write(work.resolve("levels.yaml"), dinofSpec("it-levels",
                DINOF.replace("flow-levels: 2", "flow-levels: 3"), "{name: dinof.joint}"));
        Checks.userError(d4j.run("train", "--spec", spec.toString(), "--out", work.resolve("levels-run").toString()),
                "flow-levels", "3", "[1, 28, 28]", "[1, 2]");
        assertThat(work.resolve("levels-run")).doesNotExist();
    }

    @Test
    void tmOutsideTheUnitIntervalIsOneLine() {
        Path spec = Specs.write(work.resolve("tm.yaml"), dinofSpec("it-tm", DINOF.replace("t-m: 0.5", "t-m: 1.5"),
                "{name: dinof.joint}"));
        Checks.userError(d4j.run("train", "--spec", spec.toString(), "--out", work.resolve("tm-run").toString()),
                "t-m", "1.5", "(0, 1]");
        assertThat(work.resolve("tm-run")).doesNotExist();
    }

    @Test
    void theFlowPriorOnACheckpointWithoutAFlowIsOneLine() {
        Path out = work.resolve("no-flow.npy");
        Checks.userError(d4j.run("sample", "--checkpoint", score.toString(), "--out", out.toString(), "--set",
                "prior.name=dinof.flow", "--set", "prior.t-m=0.5"), "dinof.flow", "no flow");
        assertThat(out).doesNotExist();
    }

    @Test
    void aWarmStartFromARunThatSharesNoParameterIsOneLine() {
        Path moons = Specs.write(work.resolve("moons.yaml"), Specs.tiny(4, 4, 16));
        Path moonsRun = work.resolve("moons-run");
        Checks.succeeded(d4j.run("train", "--spec", moons.toString(), "--out", moonsRun.toString(), "--no-eval"));
        Path spec = Specs.write(work.resolve("warm.yaml"), dinofSpec("it-warm", DINOF, "{name: dinof.joint}"));
        Checks.userError(d4j.run("train", "--spec", spec.toString(), "--out", work.resolve("warm-run").toString(),
                "--init-from", moonsRun.toString()), "--init-from", "none of this network's");
        assertThat(work.resolve("warm-run")).doesNotExist();
    }
}
