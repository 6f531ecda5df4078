package org.diffusion4j.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.zip.GZIPInputStream;
import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import org.diffusion4j.api.PointSet;
import org.diffusion4j.api.io.PointFiles;
import org.diffusion4j.api.tensor.Rng;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Images through the launcher: a small U-Net trained by DDPM on a Fashion-MNIST
 * subset, sampled with DDIM into an .npy [N, 1, 28, 28] and a PNG grid, and scored with
 * {@code eval} against held-out images — beside two references measured in the same test: pure
 * noise images (what an untrained model gives) and held-out images (the floor). Then the image
 * user errors: a corrupt IDX file, a network that does not fit the data, image samples to CSV.
 *
 * <p>Needs Debian's dataset-fashion-mnist (.ci/run installs it); skipped without it.
 */
class ImagesIT {

    static final Path FMNIST = Path.of("/usr/share/datasets/fashion-mnist");
    static final int HELD_OUT = 200;

    @TempDir
    static Path tmp;

    static Launcher d4j;
    static Path work;
    private static final ObjectMapper JSON = new ObjectMapper();

    @BeforeAll
    static void distribution() {
        work = tmp.resolve("work");
        d4j = new Launcher(Distribution.copyTo(tmp), work);
    }

    @Test
    void aSmallUNetLearnsFashionMnist() throws IOException {
        assumeTrue(Files.exists(FMNIST.resolve("t10k-images-idx3-ubyte.gz")), "dataset-fashion-mnist is not installed");
        Path spec = Specs.write(work.resolve("fmnist.yaml"), """
                name: fmnist-small
                seed: 3
                dataset:          {name: fashion-mnist, train-subset: 2048, test-subset: 200}
                schedule:         {name: ddpm.linear, steps: 1000}
                parameterization: {name: ddpm.epsilon}
                network:          {name: unet, base-channels: 8, groups: 4, blocks: 1}
                loss:             {name: ddpm.simple}
                training:         {lr: 0.002, batch-size: 32, steps: 240, ema-decay: 0.99, grad-clip: 1.0,
                                   checkpoint-every: 120}
                samplers:
                  ddim: {name: ddim, steps: 20, clip: static}
                sampling:         {count: %d, batch-size: %d, weights: ema}
                """.formatted(HELD_OUT, HELD_OUT));
        Checks.succeeded(d4j.run(Duration.ofMinutes(10), "train", "--spec", spec.toString(), "--out", "run"));
        List<String> losses = Files.readAllLines(work.resolve("run/losses.csv"));
        double first = meanLoss(losses.subList(1, 21));
        double last = meanLoss(losses.subList(losses.size() - 20, losses.size()));
        System.out.printf("[it] fashion-mnist U-Net: loss %.4f (first 20 steps) -> %.4f (last 20)%n", first, last);
        assertThat(last).as("loss of the last 20 steps against the first 20").isLessThan(0.4 * first);

        Checks.succeeded(d4j.run(Duration.ofMinutes(5), "sample", "--checkpoint", "run", "--sampler", "ddim",
                "--out", "ddim.npy"));
        PointSet samples = PointFiles.read(work.resolve("ddim.npy"));
        assertThat(samples.sampleShape()).containsExactly(1, 28, 28);
        assertThat(samples.count()).isEqualTo(HELD_OUT);
        BufferedImage grid = ImageIO.read(work.resolve("ddim.png").toFile());
        assertThat(grid.getWidth()).as("a 10-wide grid of 2x tiles").isGreaterThan(10 * 56);

        // References, each HELD_OUT images: the two held-out halves of t10k, and N(0, I) noise.
        PointSet test = idxImages(FMNIST.resolve("t10k-images-idx3-ubyte.gz"), 0, HELD_OUT);
        PointSet reference = idxImages(FMNIST.resolve("t10k-images-idx3-ubyte.gz"), 5000, HELD_OUT);
        Files.write(work.resolve("test.npy"), PointFiles.toNpy(test));
        Files.write(work.resolve("reference.npy"), PointFiles.toNpy(reference));
        Files.write(work.resolve("noise.npy"), PointFiles.toNpy(noise(HELD_OUT)));
        double model = energy("ddim.npy");
        double floor = energy("reference.npy");
        double noise = energy("noise.npy");
        System.out.printf("[it] energy distance to held-out images: samples %.3f, noise %.3f, floor %.3f%n",
                model, noise, floor);
        assertThat(model).as("samples are far closer to the data than noise is").isLessThan(0.5 * noise);
        assertThat(floor).as("the floor is below the samples").isLessThan(model);
    }

    /**
     * Class-conditional training (label dropout 0.1) and classifier-free guidance through the
     * launcher, with two samplers, scored by a feature classifier the launcher trains: the class
     * accuracy of guided samples is well above the unconditional model's (s = 0, same noise; chance
     * is 0.1); FD of noise images is far above the floor (held-out images against the test split)
     * and the samples' FD lies between the two. Then the conditioning and metric user errors:
     * nothing written.
     */
    @Test
    void aClassConditionalUNetFollowsTheClassAndGuidance() throws IOException {
        assumeTrue(Files.exists(FMNIST.resolve("t10k-images-idx3-ubyte.gz")), "dataset-fashion-mnist is not installed");
        Path spec = Specs.write(work.resolve("fmnist-cond.yaml"), """
                name: fmnist-cond-small
                seed: 3
                dataset:          {name: fashion-mnist, train-subset: 2048, test-subset: 200}
                schedule:         {name: ddpm.linear, steps: 1000}
                parameterization: {name: ddpm.epsilon}
                network:          {name: unet, base-channels: 8, groups: 4, blocks: 1, classes: 10}
                loss:             {name: ddpm.simple}
                training:         {lr: 0.002, batch-size: 32, steps: 240, ema-decay: 0.99, grad-clip: 1.0,
                                   checkpoint-every: 240}
                samplers:
                  ddim:      {name: ddim, steps: 20, clip: static}
                  ancestral: {name: ddpm.ancestral, steps: 50, clip: static}
                sampling:         {count: 200, batch-size: 200, weights: ema}
                """);
        Checks.succeeded(d4j.run(Duration.ofMinutes(10), "train", "--spec", spec.toString(), "--out", "cond"));
        Checks.succeeded(d4j.run(Duration.ofMinutes(5), "sample", "--checkpoint", "cond", "--class", "all",
                "--guidance", "3", "--out", "cond-s3.npy"));
        Checks.succeeded(d4j.run(Duration.ofMinutes(5), "sample", "--checkpoint", "cond", "--class", "all",
                "--guidance", "0", "--out", "cond-s0.npy"));
        Checks.succeeded(d4j.run(Duration.ofMinutes(5), "sample", "--checkpoint", "cond", "--sampler", "ancestral",
                "--class", "all", "--guidance", "2", "--set", "sampling.count=100", "--out", "cond-anc.npy"));

        // the image metrics' classifier, trained by the launcher on a subset (a quick one: its accuracy is printed)
        Checks.succeeded(d4j.run(Duration.ofMinutes(10), "classifier", "--dataset", "fashion-mnist", "--steps", "150",
                "--set", "dataset.train-subset=4096", "--out", "clf.safetensors"));
        JsonNode guided = classifierScores("cond-s3.npy");
        JsonNode unconditional = classifierScores("cond-s0.npy");
        JsonNode ancestral = classifierScores("cond-anc.npy");
        Files.write(work.resolve("noise200.npy"), PointFiles.toNpy(noise(200)));
        JsonNode noise = classifierScores("noise200.npy", "frechet,kid");
        System.out.printf("[it] conditional U-Net, class accuracy: DDIM s=3 %.3f, ancestral s=2 %.3f, unconditional"
                + " (s=0) %.3f, held-out images %.3f%n", guided.get("class-accuracy").asDouble(),
                ancestral.get("class-accuracy").asDouble(), unconditional.get("class-accuracy").asDouble(),
                guided.get("floor").get("class-accuracy").asDouble());
        System.out.printf("[it] FD: DDIM s=3 %.1f, s=0 %.1f, noise %.1f, floor %.1f; KID: s=3 %.2f, noise %.2f, floor"
                + " %.2f%n", guided.get("frechet").asDouble(), unconditional.get("frechet").asDouble(),
                noise.get("frechet").asDouble(), noise.get("floor").get("frechet").asDouble(),
                guided.get("kid").asDouble(), noise.get("kid").asDouble(), noise.get("floor").get("kid").asDouble());
        assertThat(guided.get("class-accuracy").asDouble()).as("DDIM s = 3 against the unconditional model")
                .isGreaterThan(unconditional.get("class-accuracy").asDouble() + 0.15);
        assertThat(ancestral.get("class-accuracy").asDouble()).as("ancestral s = 2 against the unconditional model")
                .isGreaterThan(unconditional.get("class-accuracy").asDouble() + 0.15);
        assertThat(guided.get("floor").get("class-accuracy").asDouble()).as("the classifier on held-out images")
                .isGreaterThan(0.6);
        double floor = noise.get("floor").get("frechet").asDouble();
        assertThat(noise.get("frechet").asDouble()).as("FD of noise images against the floor").isGreaterThan(5 * floor);
        assertThat(guided.get("frechet").asDouble()).as("FD of samples: between the floor and noise")
                .isGreaterThan(floor).isLessThan(noise.get("frechet").asDouble());
        assertThat(noise.get("kid").asDouble()).as("KID of noise against its floor")
                .isGreaterThan(10 * Math.abs(noise.get("floor").get("kid").asDouble()));
        JsonNode manifest = JSON.readTree(work.resolve("cond-s3.manifest.json").toFile());
        assertThat(manifest.get("guidance").get("scale").asDouble()).isEqualTo(3.0);
        assertThat(manifest.get("classes")).hasSize(10);
        BufferedImage grid = ImageIO.read(work.resolve("cond-s3.png").toFile());
        assertThat(grid.getHeight()).as("one row per class").isGreaterThan(10 * 56);

        Checks.userError(d4j.run("sample", "--checkpoint", "cond", "--class", "10", "--out", "x.npy"), "--class 10",
                "0..9");
        Checks.userError(d4j.run("sample", "--checkpoint", "cond", "--class", "1", "--guidance", "2", "--set",
                "training.label-dropout=0", "--out", "x.npy"), "label-dropout", "--guidance 1");
        Checks.userError(d4j.run("sample", "--checkpoint", "cond", "--guidance", "2", "--out", "x.npy"), "--class");
        Path plain = Specs.write(work.resolve("plain.yaml"), """
                name: unconditional-points
                seed: 0
                dataset:          {name: two-moons, count: 64}
                schedule:         {name: ddpm.linear}
                parameterization: {name: ddpm.epsilon}
                network:          {name: mlp, width: 8, depth: 1}
                loss:             {name: ddpm.simple}
                training:         {steps: 2, batch-size: 32}
                samplers:
                  ddim: {name: ddim, steps: 5}
                """);
        Checks.succeeded(d4j.run("train", "--spec", plain.toString(), "--out", "plain"));
        Checks.userError(d4j.run("sample", "--checkpoint", "plain", "--class", "1", "--out", "x.csv"), "--class 1",
                "unconditional");
        Checks.succeeded(d4j.run("sample", "--checkpoint", "plain", "--out", "points.csv"));
        Checks.userError(d4j.run("eval", "--samples", "points.csv", "--reference", "dataset:fashion-mnist",
                "--classifier", "clf.safetensors", "--out", "x.json"), "[1, 28, 28]", "[2]");
        Checks.userError(d4j.run("eval", "--samples", "cond-s3.npy", "--reference", "dataset:fashion-mnist",
                "--metrics", "class-accuracy", "--out", "x.json"), "--classifier");
        Checks.userError(d4j.run("eval", "--samples", "noise200.npy", "--reference", "dataset:fashion-mnist",
                "--classifier", "clf.safetensors", "--metrics", "class-accuracy", "--out", "x.json"), "manifest");
        assertThat(work.resolve("x.npy")).doesNotExist();
        assertThat(work.resolve("x.csv")).doesNotExist();
        assertThat(work.resolve("x.json")).doesNotExist();
    }

    /** eval of a sample file on the classifier's features against the Fashion-MNIST test split, with the floor. */
    private JsonNode classifierScores(String samples, String... metrics) throws IOException {
        List<String> args = new java.util.ArrayList<>(List.of("eval", "--samples", samples, "--reference",
                "dataset:fashion-mnist", "--classifier", "clf.safetensors"));
        if (metrics.length > 0) {
            args.addAll(List.of("--metrics", metrics[0]));
        }
        Launcher.Result r = Checks.succeeded(d4j.run(Duration.ofMinutes(5), args.toArray(String[]::new)));
        return JSON.readTree(r.stdout());
    }

    @Test
    void imageUserErrorsAreOneLineAndWriteNothing() throws IOException {
        Path bad = work.resolve("bad-images.idx");
        Files.createDirectories(work);
        Files.write(bad, new byte[]{0, 0, 8, 1, 0, 0, 0, 1, 7});   // a label file's magic
        Path spec = Specs.write(work.resolve("idx.yaml"), """
                name: bad-idx
                seed: 0
                dataset:          {name: idx-images, train-images: %s}
                schedule:         {name: ddpm.linear}
                parameterization: {name: ddpm.epsilon}
                network:          {name: unet, base-channels: 8, groups: 4, blocks: 1}
                loss:             {name: ddpm.simple}
                training:         {steps: 2}
                """.formatted(bad));
        Checks.userError(d4j.run("train", "--spec", spec.toString(), "--out", "bad-run"), bad.toString(), "0x00000803");
        assertThat(work.resolve("bad-run/checkpoint.safetensors")).doesNotExist();

        Path moons = Specs.write(work.resolve("unet-moons.yaml"), """
                name: unet-on-points
                seed: 0
                dataset:          {name: two-moons, count: 100}
                schedule:         {name: ddpm.linear}
                parameterization: {name: ddpm.epsilon}
                network:          {name: unet}
                loss:             {name: ddpm.simple}
                training:         {steps: 2}
                """);
        Checks.userError(d4j.run("train", "--spec", moons.toString(), "--out", "moons-run"), "unet", "[2]");
        assertThat(work.resolve("moons-run/checkpoint.safetensors")).doesNotExist();
    }

    private static double meanLoss(List<String> rows) {
        return rows.stream().mapToDouble(r -> Double.parseDouble(r.split(",")[1])).average().orElseThrow();
    }

    private double energy(String samples) throws IOException {
        Launcher.Result r = Checks.succeeded(d4j.run("eval", "--samples", samples, "--reference", "test.npy",
                "--metrics", "energy"));
        JsonNode json = JSON.readTree(r.stdout());
        return json.get("energy").asDouble();
    }

    /** {@code count} images of an IDX file from {@code first} on, scaled to [−1, 1] as the dataset does. */
    private static PointSet idxImages(Path gz, int first, int count) throws IOException {
        try (InputStream raw = Files.newInputStream(gz); DataInputStream in = new DataInputStream(new GZIPInputStream(raw))) {
            assertThat(in.readInt()).isEqualTo(0x803);
            in.readInt();
            int rows = in.readInt();
            int cols = in.readInt();
            in.skipNBytes((long) first * rows * cols);
            byte[] pixels = in.readNBytes(count * rows * cols);
            float[] v = new float[pixels.length];
            for (int i = 0; i < v.length; i++) {
                v[i] = (pixels[i] & 0xff) / 127.5f - 1f;
            }
            return new PointSet(new int[]{1, rows, cols}, v, null);
        }
    }

    private static PointSet noise(int count) {
        Rng rng = new Rng(77);
        float[] v = new float[count * 784];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) rng.nextGaussian();
        }
        return new PointSet(new int[]{1, 28, 28}, v, null);
    }
}
