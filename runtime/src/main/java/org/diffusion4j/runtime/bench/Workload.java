package org.diffusion4j.runtime.bench;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Arrays;
import java.util.List;
import org.diffusion4j.runtime.engine.Manifest;

/**
 * The end-to-end speed workloads, each with its measure, its target ratio against
 * the PyTorch peer, and the parameters (shapes, batch, steps, warm-up and timed blocks) that both sides
 * run: the same {@link #plan} is handed to the Java runner and to the PyTorch script, so the two columns
 * measure the same work by construction.
 *
 * <p>Networks: "seed" is the MLP of seed 000 (Lipman et al.'s flow matching as the "Unified
 * Perspective" blog trains it, §2.3): cat(x, t) 3 → 64 → ReLU → 64 → ReLU → 2; "ddpm" is the ε-MLP of the
 * peer (Ho et al. 2020, L_simple, Eq. 14): cat(x, 32 sinusoidal features of t) 34 → 128 → SiLU → 128 →
 * SiLU → 128 → SiLU → 2; "unet16" and "unet32" are the peer's ref-unet-s U-Net ({@code
 * shared/peers/unet_fmnist.py}, the {@code unet} plugin) at base 16 with 1 residual block per level (280,177
 * parameters, 95.9 MFLOP per 28×28 image) and at base 32 with 2 (1,623,169 parameters, 554.4 MFLOP), trained
 * with DDPM's L_simple, Adam 2e-4 and gradient clipping at batch 128, and evaluated at batch 256 as
 * {@code unet_fmnist.py --bench} times them. Both sides report the parameter count; the bench refuses
 * to compare two networks whose counts differ.
 */
enum Workload {
    /** Runs first on both sides: its wall time includes JIT / library warm-up, as a user's run does. */
    SEED_QUICKSTART_TRAIN("seed-quickstart-train", Measure.WALL, 2.0),
    GEMM_1024("gemm-1024", Measure.GFLOPS, 0.7),
    GEMM_4096("gemm-4096", Measure.GFLOPS, 0.7),
    GEMM_512X64X64("gemm-512x64x64", Measure.GFLOPS, 0.7),
    GEMM_10000X128X128("gemm-10000x128x128", Measure.GFLOPS, 0.7),
    SEED_TRAIN_B512("seed-train-b512", Measure.STEPS, 3.0),
    SEED_TRAIN_B4096("seed-train-b4096", Measure.STEPS, 3.0),
    DDPM_TRAIN_B512("ddpm-train-b512", Measure.STEPS, 1.5),
    SEED_SAMPLE_EULER100("seed-sample-euler100", Measure.SAMPLE_STEPS, 2.0),
    DDPM_SAMPLE_1000("ddpm-sample-1000", Measure.SAMPLE_STEPS, 2.0),
    UNET16_TRAIN_B128("unet16-train-b128", Measure.STEPS, 1.5),
    UNET16_SAMPLE_B256("unet16-sample-b256", Measure.IMAGES, 2.0),
    UNET32_TRAIN_B128("unet32-train-b128", Measure.STEPS, 1.0),
    UNET32_SAMPLE_B256("unet32-sample-b256", Measure.IMAGES, 1.0);

    /** What a workload reports; {@code higherIsBetter} decides which way the speed-up ratio is taken. */
    enum Measure {
        GFLOPS("GFLOP/s", true),
        STEPS("steps/s", true),
        WALL("wall s", false),
        SAMPLE_STEPS("sample·steps/s", true),
        /** Network evaluations of one image per second. */
        IMAGES("images/s", true);

        final String label;
        final boolean higherIsBetter;

        Measure(String label, boolean higherIsBetter) {
            this.label = label;
            this.higherIsBetter = higherIsBetter;
        }
    }

    final String id;
    final Measure measure;
    /** diffusion4j must be at least this many times as fast as PyTorch. */
    final double target;

    Workload(String id, Measure measure, double target) {
        this.id = id;
        this.measure = measure;
        this.target = target;
    }

    static List<String> ids() {
        return Arrays.stream(values()).map(w -> w.id).toList();
    }

    static Workload byId(String id) {
        for (Workload w : values()) {
            if (w.id.equals(id)) {
                return w;
            }
        }
        return null;
    }

    /**
     * The parameters both sides run. Timed figures are the median over {@code blocks} blocks of
     * {@code per_block} operations after {@code warmup} operations and at least {@code warmup_seconds} of
     * them; {@code quick} shrinks everything
     * to a smoke run (figures not comparable with a full run).
     */
    ObjectNode plan(boolean quick) {
        ObjectNode p = Manifest.JSON.createObjectNode().put("name", id);
        switch (this) {
            case SEED_QUICKSTART_TRAIN -> p.put("kind", "quickstart").put("net", "seed").put("count", 10_000)
                    .put("batch", 512).put("steps", quick ? 40 : 4_000);
            case GEMM_1024 -> gemm(p, 1024, 1024, 1024, quick ? 0 : 3, quick ? 1 : 5, quick ? 1 : 10);
            case GEMM_4096 -> gemm(p, 4096, 4096, 4096, quick ? 0 : 1, quick ? 1 : 3, 1);
            case GEMM_512X64X64 -> gemm(p, 512, 64, 64, quick ? 10 : 500, quick ? 2 : 5, quick ? 20 : 1_000);
            case GEMM_10000X128X128 -> gemm(p, 10_000, 128, 128, quick ? 2 : 20, quick ? 2 : 5, quick ? 2 : 50);
            case SEED_TRAIN_B512 -> train(p, "seed", 512, quick ? 3 : 200, quick ? 3 : 200);
            case SEED_TRAIN_B4096 -> train(p, "seed", 4096, quick ? 2 : 40, quick ? 2 : 40);
            case DDPM_TRAIN_B512 -> train(p, "ddpm", 512, quick ? 3 : 100, quick ? 3 : 100);
            case SEED_SAMPLE_EULER100 -> sample(p, "seed", quick ? 500 : 10_000, quick ? 10 : 100, quick ? 2 : 10,
                    quick ? 2 : 5);
            case DDPM_SAMPLE_1000 -> sample(p, "ddpm", quick ? 500 : 10_000, quick ? 20 : 1_000, quick ? 2 : 50, 1);
            case UNET16_TRAIN_B128 -> unetTrain(p, 16, 1, quick ? 1 : 3, quick ? 2 : 5, quick ? 1 : 2);
            case UNET32_TRAIN_B128 -> unetTrain(p, 32, 2, quick ? 1 : 2, quick ? 2 : 3, 1);
            case UNET16_SAMPLE_B256 -> unetSample(p, 16, 1, quick ? 1 : 4, quick ? 2 : 5);
            case UNET32_SAMPLE_B256 -> unetSample(p, 32, 2, quick ? 1 : 2, quick ? 2 : 3);
            default -> throw new IllegalStateException(id);
        }
        if (this != SEED_QUICKSTART_TRAIN) {
            p.put("warmup_seconds", quick ? 0 : WARMUP_SECONDS);
        }
        return p;
    }

    /**
     * Least warm-up time of every workload but the quickstart (whose time includes its warm-up), on
     * both sides: each Java workload starts in a fresh JVM, and the Vector API kernels run many times
     * slower until C2 has compiled them, which took up to 2–3 s on 2 cores; PyTorch needs no such
     * time but gets it too.
     */
    static final double WARMUP_SECONDS = 4.0;

    /** C (m×n) = A (m×k) · B (k×n), all row-major, no transposes. */
    private static void gemm(ObjectNode p, int m, int n, int k, int warmup, int blocks, int perBlock) {
        p.put("kind", "gemm").put("m", m).put("n", n).put("k", k).put("warmup", warmup).put("blocks", blocks)
                .put("per_block", perBlock);
    }

    /** Full batches only: the training set holds exactly 8 batches. */
    private static void train(ObjectNode p, String net, int batch, int warmup, int perBlock) {
        p.put("kind", "train").put("net", net).put("batch", batch).put("count", 8 * batch).put("warmup", warmup)
                .put("blocks", perBlock <= 3 ? 2 : 5).put("per_block", perBlock);
    }

    /** ref-unet-s ({@code blocks} residual blocks per level) trained at batch 128 on 8 batches of 28×28 images. */
    private static void unetTrain(ObjectNode p, int base, int blocks, int warmup, int timedBlocks, int perBlock) {
        p.put("kind", "unet-train").put("base", base).put("res_blocks", blocks).put("batch", 128)
                .put("count", 8 * 128).put("warmup", warmup).put("blocks", timedBlocks).put("per_block", perBlock);
    }

    /** ref-unet-s evaluations at batch 256: {@code steps} DDIM steps per timed block. */
    private static void unetSample(ObjectNode p, int base, int blocks, int steps, int timedBlocks) {
        p.put("kind", "unet-sample").put("base", base).put("res_blocks", blocks).put("count", 256)
                .put("steps", steps).put("warmup_steps", 1).put("blocks", timedBlocks);
    }

    private static void sample(ObjectNode p, String net, int count, int steps, int warmupSteps, int blocks) {
        p.put("kind", "sample").put("net", net).put("count", count).put("steps", steps)
                .put("warmup_steps", warmupSteps).put("blocks", blocks);
    }
}
