package org.diffusion4j.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A training run killed with SIGKILL after its first checkpoint and continued with
 * {@code train --resume} ends bit-identical to an uninterrupted run of the same spec — and the two
 * use different thread counts, so this also shows that results do not depend on the thread count.
 */
class ResumeIT {

    static final int STEPS = 3000;
    static final int CHECKPOINT_EVERY = 500;

    @TempDir
    Path tmp;

    @Test
    void killedRunResumesBitIdenticallyWhateverTheThreadCount() throws Exception {
        Launcher d4j = new Launcher(Distribution.copyTo(tmp), tmp.resolve("work"));
        Path spec = Specs.write(tmp.resolve("work").resolve("resume.yaml"), Specs.tiny(STEPS, CHECKPOINT_EVERY, 200));
        killResumeAndCompare(d4j, spec, STEPS, CHECKPOINT_EVERY, false);
    }

    /**
     * The same for a class-conditional U-Net on images (an IDX file written here, so no dataset
     * needs installing): the label-dropout stream, the conditioning and the image kernels resume
     * exactly too. This one resumes by naming the checkpoint file, which continues its folder.
     */
    @Test
    void killedConditionalImageRunResumesBitIdenticallyFromItsCheckpointFile() throws Exception {
        Launcher d4j = new Launcher(Distribution.copyTo(tmp), tmp.resolve("work"));
        Path images = tmp.resolve("work").resolve("images.idx");
        Path labels = tmp.resolve("work").resolve("labels.idx");
        int count = 64;
        java.nio.ByteBuffer im = java.nio.ByteBuffer.allocate(16 + count * 12 * 12).putInt(0x803).putInt(count)
                .putInt(12).putInt(12);
        java.nio.ByteBuffer lb = java.nio.ByteBuffer.allocate(8 + count).putInt(0x801).putInt(count);
        for (int i = 0; i < count; i++) {
            lb.put((byte) (i % 3));
            for (int p = 0; p < 144; p++) {
                im.put((byte) ((i % 3) * 80 + (p * 7 + i) % 60));
            }
        }
        Files.createDirectories(images.getParent());
        Files.write(images, im.array());
        Files.write(labels, lb.array());
        Path spec = Specs.write(tmp.resolve("work").resolve("resume-images.yaml"), """
                name: resume-images
                seed: 11
                dataset:          {name: idx-images, train-images: %s, train-labels: %s, classes: 3}
                schedule:         {name: ddpm.linear, steps: 1000}
                parameterization: {name: ddpm.epsilon}
                network:          {name: unet, base-channels: 8, groups: 4, blocks: 1, channel-multipliers: "1,2",
                                   attention-resolutions: "6", classes: 3}
                loss:             {name: ddpm.simple}
                training:         {lr: 0.001, batch-size: 16, steps: 60, ema-decay: 0.9, grad-clip: 1.0,
                                   label-dropout: 0.3, checkpoint-every: 20}
                """.formatted(images, labels));
        killResumeAndCompare(d4j, spec, 60, 20, true);
    }

    /** {@code byFile}: resume names the checkpoint file instead of the run folder (both continue the folder). */
    private void killResumeAndCompare(Launcher d4j, Path spec, int steps, int checkpointEvery, boolean byFile)
            throws Exception {
        Path interrupted = tmp.resolve("work").resolve("interrupted");
        Path uninterrupted = tmp.resolve("work").resolve("uninterrupted");
        Path checkpoint = interrupted.resolve("checkpoint.safetensors");

        // 1. start a run on 2 threads and kill it as soon as its first checkpoint is there
        Launcher.Running running = d4j.start("train", "--spec", spec.toString(), "--out", interrupted.toString(),
                "--threads", "2");
        long deadline = System.nanoTime() + Duration.ofMinutes(5).toNanos();
        while (!Files.exists(checkpoint) && running.isAlive() && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        boolean aliveAtCheckpoint = running.isAlive();
        Launcher.Result killed = running.kill();
        assertThat(checkpoint).as("the run wrote a checkpoint after %s steps\n%s", checkpointEvery, killed.describe())
                .isRegularFile();
        assertThat(aliveAtCheckpoint).as("the run must still be running when it is killed (else nothing is resumed)\n%s",
                killed.describe()).isTrue();
        long stepAtKill = Long.parseLong(SafetensorsReader.read(checkpoint).metadata().get("step"));
        assertThat(stepAtKill).as("step of the checkpoint the killed run left").isPositive().isLessThan(steps)
                .matches(s -> s % checkpointEvery == 0, "a multiple of checkpoint-every");
        System.out.println("[it] training run killed; its last checkpoint is at step " + stepAtKill + " of " + steps);

        // 2. resume it (2 threads) to the end
        Launcher.Result resumed = Checks.succeeded(d4j.run(Duration.ofMinutes(10), "train", "--resume",
                (byFile ? checkpoint : interrupted).toString(), "--threads", "2"));
        assertThat(resumed.stderr()).as(resumed.describe()).contains("resuming", "step " + stepAtKill);

        // 3. the same spec uninterrupted on 1 thread
        Checks.succeeded(d4j.run(Duration.ofMinutes(10), "train", "--spec", spec.toString(), "--out",
                uninterrupted.toString(), "--threads", "1"));

        SafetensorsReader.File a = SafetensorsReader.read(uninterrupted.resolve("checkpoint.safetensors"));
        SafetensorsReader.File b = SafetensorsReader.read(checkpoint);
        assertThat(a.metadata().get("step")).isEqualTo(String.valueOf(steps));
        assertThat(b.metadata().get("step")).isEqualTo(String.valueOf(steps));
        assertThat(b.tensors().keySet()).isEqualTo(a.tensors().keySet());
        assertThat(a.tensors().keySet()).anyMatch(n -> n.startsWith("model."));
        for (Map.Entry<String, SafetensorsReader.Entry> e : a.tensors().entrySet()) {
            SafetensorsReader.Entry other = b.tensors().get(e.getKey());
            assertThat(other.shape()).as("shape of %s", e.getKey()).isEqualTo(e.getValue().shape());
            assertThat(other.bytes()).as("tensor %s: resumed (2 threads, killed at step %s) vs uninterrupted (1 thread)",
                    e.getKey(), stepAtKill).isEqualTo(e.getValue().bytes());
        }
        assertThat(Files.readAllBytes(interrupted.resolve("losses.csv")))
                .as("loss history of the resumed run").isEqualTo(Files.readAllBytes(uninterrupted.resolve("losses.csv")));
    }

    @Test
    void resumeOfAFolderWithoutCheckpointIsAUserError() {
        Launcher d4j = new Launcher(Distribution.copyTo(tmp), tmp.resolve("work"));
        Path empty = tmp.resolve("work").resolve("empty-run");
        Launcher.Result r = d4j.run("train", "--resume", empty.toString());
        Checks.userError(r, "empty-run");
    }
}
