package org.diffusion4j.runtime.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.diffusion4j.api.PointSet;
import org.diffusion4j.api.tensor.Backend;
import org.diffusion4j.api.tensor.Storage;
import org.diffusion4j.api.tensor.Tensor;
import org.diffusion4j.runtime.engine.Manifest;
import org.diffusion4j.runtime.engine.Pipeline;
import org.diffusion4j.runtime.engine.RunModule;
import org.diffusion4j.runtime.engine.Sampling;
import org.diffusion4j.runtime.engine.Trainer;
import org.diffusion4j.runtime.engine.TrainingState;
import org.diffusion4j.runtime.plugin.Registry;
import org.diffusion4j.runtime.spec.PipelineSpec;

/**
 * Runs a {@link Workload#plan} on the Java side, through the code a user's run goes through: GEMMs
 * through {@link Backend#gemm}; training through {@link Trainer} on a pipeline assembled from a spec
 * (quickstart's for the seed MLP, the DDPM two-moons example's for the ε-MLP); sampling through
 * {@link Sampling} with the spec's sampler (DDIM for the U-Nets: one network evaluation per step). Each result holds the figure ({@code value}), the block
 * times it came from, the peak RSS during the workload and, for training and sampling, the heap bytes
 * allocated per step.
 */
final class JavaRunner {

    private final Backend backend;
    private final Registry registry;

    JavaRunner(Backend backend, Registry registry) {
        this.backend = backend;
        this.registry = registry;
    }

    ObjectNode run(JsonNode plan) throws Exception {
        Memory.resetPeak();
        OtherLoad start = OtherLoad.now();
        ObjectNode r = switch (plan.get("kind").asText()) {
            case "gemm" -> gemm(plan);
            case "train", "unet-train" -> train(plan);
            case "quickstart" -> quickstart(plan);
            case "sample", "unet-sample" -> sample(plan);
            default -> throw new IllegalStateException("unknown workload kind in " + plan);
        };
        r.put("peak_rss_mib", Memory.peakRssMiB());
        r.put("other_load_cores", OtherLoad.now().since(start));
        return r;
    }

    // ------------------------------------------------------------------ GEMM

    private ObjectNode gemm(JsonNode p) {
        int m = p.get("m").asInt();
        int n = p.get("n").asInt();
        int k = p.get("k").asInt();
        Storage a = backend.upload(fill(m * k, 1));
        Storage b = backend.upload(fill(k * n, 2));
        Storage c = backend.allocate(m * n);
        Runnable op = () -> backend.gemm(1, false, false, m, n, k, a, 0, b, 0, c, false);
        long warmUntil = System.nanoTime() + warmupNanos(p);
        for (int i = 0; i < p.get("warmup").asInt() || System.nanoTime() < warmUntil; i++) {
            op.run();
        }
        int per = p.get("per_block").asInt();
        double[] seconds = new double[p.get("blocks").asInt()];
        Map<String, Long> before = backend.counters();
        for (int blk = 0; blk < seconds.length; blk++) {
            long t0 = System.nanoTime();
            for (int i = 0; i < per; i++) {
                op.run();
            }
            // read one value back so a lazily executing backend has really finished
            float[] probe = new float[m * n];
            backend.download(c, probe);
            seconds[blk] = (System.nanoTime() - t0) / 1e9;
        }
        double flops = 2.0 * m * n * k * per;
        ObjectNode r = result(flops / median(seconds) / 1e9, seconds);
        putCounters(r, before, backend.counters(), (long) seconds.length * per);
        return r;
    }

    /** Deterministic values in [-0.5, 0.5) (a multiplicative hash of the index; no RNG state needed). */
    private static float[] fill(int size, int salt) {
        float[] v = new float[size];
        for (int i = 0; i < size; i++) {
            long h = (i + 1L) * 0x9E3779B97F4A7C15L + salt * 0xBF58476D1CE4E5B9L;
            v[i] = ((h >>> 40) & 0xFFFF) / 65536f - 0.5f;
        }
        return v;
    }

    // ------------------------------------------------------------------ training

    private ObjectNode train(JsonNode p) throws Exception {
        int warmup = p.get("warmup").asInt();
        long warmNanos = warmupNanos(p);
        int per = p.get("per_block").asInt();
        int blocks = p.get("blocks").asInt();
        // Steps enough for any warm-up: the hook ends the run after the last block.
        long total = warmup + (long) blocks * per + 10_000_000L;
        Pipeline pipeline = pipeline(p, List.of("training.batch-size=" + p.get("batch").asInt(),
                "training.steps=" + total));
        long[] nanos = new long[blocks + 1];
        long[] alloc = new long[blocks + 1];
        long t0 = System.nanoTime();
        long[] start = {-1};
        List<Map<String, Long>> counters = new ArrayList<>(List.of(Map.of(), Map.of()));
        TrainingState state = new TrainingState(backend, pipeline.model().network().parameters());
        try {
            new Trainer(pipeline).train(state, s -> {
                if (start[0] < 0) {
                    if (s.step() >= warmup && System.nanoTime() - t0 >= warmNanos) {
                        start[0] = s.step();
                        nanos[0] = System.nanoTime();
                        alloc[0] = Memory.allocatedBytes();
                        counters.set(0, backend.counters());
                    }
                    return;
                }
                long done = s.step() - start[0];
                if (done % per == 0) {
                    int i = (int) (done / per);
                    nanos[i] = System.nanoTime();
                    alloc[i] = Memory.allocatedBytes();
                    if (i == blocks) {
                        counters.set(1, backend.counters());
                        throw new Finished();
                    }
                }
            }, null);
        } catch (Finished done) {
            // the last block is timed
        }
        double[] seconds = new double[blocks];
        for (int i = 0; i < blocks; i++) {
            seconds[i] = (nanos[i + 1] - nanos[i]) / 1e9;
        }
        ObjectNode r = result(per / median(seconds), seconds);
        putPerStep(r, alloc[0], alloc[blocks], (long) blocks * per);
        putCounters(r, counters.get(0), counters.get(1), (long) blocks * per);
        r.put("warmup_steps", start[0]);
        putParams(r, pipeline);
        return r;
    }

    /** Ends a timed training run from its step hook once the last block is measured. */
    private static final class Finished extends RuntimeException {
        Finished() {
            super(null, null, false, false);
        }
    }

    /**
     * The plan's minimum warm-up time: the JIT compiles the hot kernels within the first seconds
     * (with the Vector API, code not yet compiled by C2 runs many times slower), and PyTorch gets the
     * same warm-up, so the blocks time both at their steady state.
     */
    private static long warmupNanos(JsonNode p) {
        return (long) (p.path("warmup_seconds").asDouble(0) * 1e9);
    }

    /** The whole quickstart training as the quickstart command runs it (no checkpoint files). */
    private ObjectNode quickstart(JsonNode p) throws Exception {
        Pipeline pipeline = pipeline(p, List.of("training.batch-size=" + p.get("batch").asInt(),
                "training.steps=" + p.get("steps").asInt()));
        long a0 = Memory.allocatedBytes();
        long t0 = System.nanoTime();
        TrainingState state = new TrainingState(backend, pipeline.model().network().parameters());
        new Trainer(pipeline).train(state, s -> { }, null);
        double seconds = (System.nanoTime() - t0) / 1e9;
        ObjectNode r = result(seconds, new double[] {seconds});
        putPerStep(r, a0, Memory.allocatedBytes(), state.step());
        r.put("steps", state.step());
        return r;
    }

    // ------------------------------------------------------------------ sampling

    private ObjectNode sample(JsonNode p) throws IOException {
        String net = p.get("net") == null ? "unet" : p.get("net").asText();
        String sampler = switch (net) {
            case "seed" -> "ode";
            case "ddpm" -> "ancestral";
            default -> "ddim";
        };
        String component = switch (net) {
            case "seed" -> "flow-matching.euler";
            case "ddpm" -> "ddpm.ancestral";
            default -> "ddim";
        };
        int count = p.get("count").asInt();
        int steps = p.get("steps").asInt();
        Pipeline pipeline = pipeline(p, List.of("samplers." + sampler + ".steps=" + steps,
                "samplers.warm.name=" + component, "samplers.warm.steps=" + p.get("warmup_steps").asInt()));
        int[] shape = pipeline.dataset().sampleShape();
        long seed = pipeline.spec().seed();
        long warmUntil = System.nanoTime() + warmupNanos(p);
        do {
            PointSet warm = Sampling.sample(backend, pipeline.model(), pipeline.samplers().get("warm"), shape, seed,
                    count, count, total -> null);
            checkFinite(warm);
        } while (System.nanoTime() < warmUntil);
        double[] seconds = new double[p.get("blocks").asInt()];
        long a0 = Memory.allocatedBytes();
        Map<String, Long> before = backend.counters();
        for (int i = 0; i < seconds.length; i++) {
            long t0 = System.nanoTime();
            PointSet x = Sampling.sample(backend, pipeline.model(), pipeline.samplers().get(sampler), shape, seed,
                    count, count, total -> null);
            seconds[i] = (System.nanoTime() - t0) / 1e9;
            checkFinite(x);
        }
        ObjectNode r = result((double) count * steps / median(seconds), seconds);
        putPerStep(r, a0, Memory.allocatedBytes(), (long) seconds.length * steps);
        putCounters(r, before, backend.counters(), (long) seconds.length * steps);
        putParams(r, pipeline);
        return r;
    }

    private static void checkFinite(PointSet x) {
        for (float v : x.values()) {
            if (!Float.isFinite(v)) {
                throw new IllegalStateException("sampling produced a non-finite value");
            }
        }
    }

    // ------------------------------------------------------------------ helpers

    /**
     * The backend's own counters per step over the timed blocks ({@link Backend#counters}: a device
     * backend's launches and host↔device transfers), under {@code backend_per_step}; totals (names
     * starting with "arena") as they are at the end. Nothing for a backend without counters.
     */
    private static void putCounters(ObjectNode r, Map<String, Long> before, Map<String, Long> after, long steps) {
        if (after.isEmpty() || steps <= 0) {
            return;
        }
        ObjectNode c = r.putObject("backend_per_step");
        after.forEach((k, v) -> {
            if (k.startsWith("arena")) {
                c.put(k, v);
            } else {
                c.put(k, (v - before.getOrDefault(k, 0L)) / (double) steps);
            }
        });
    }

    /**
     * The pipeline of a plan: quickstart's spec for the seed MLP, the bench's DDPM spec for the ε-MLP,
     * the bench's U-Net spec for the U-Nets (on training images this runner writes, see
     * {@link #benchImages}), with the plan's sizes and the given overrides.
     */
    private Pipeline pipeline(JsonNode p, List<String> overrides) throws IOException {
        String net = p.has("net") ? p.get("net").asText() : "unet";
        List<String> all = new ArrayList<>(overrides);
        String resource = switch (net) {
            case "seed" -> "/org/diffusion4j/runtime/cli/quickstart.yaml";
            case "ddpm" -> "/org/diffusion4j/runtime/bench/ddpm-mlp.yaml";
            default -> "/org/diffusion4j/runtime/bench/unet-ddpm.yaml";
        };
        if (net.equals("unet")) {
            all.add("dataset.train-images=" + benchImages(p.path("count").asInt(256)));
            all.add("network.base-channels=" + p.get("base").asInt());
            all.add("network.blocks=" + p.get("res_blocks").asInt());
        } else if (p.has("count")) {
            all.add("dataset.count=" + p.get("count").asInt());
        }
        PipelineSpec spec = PipelineSpec.parse(resource(resource), resource, false).with(all);
        return RunModule.assemble(spec, registry, backend);
    }

    /**
     * An IDX file of {@code count} 28×28 grey images with pixels from {@link #fill} (the peer's bench
     * trains on uniform noise images too), written once into a temporary folder removed at exit: the
     * U-Net rows need no installed dataset.
     */
    private static Path benchImages(int count) throws IOException {
        Path dir = Files.createTempDirectory("d4j-bench-images");
        // deleteOnExit runs in reverse order of registration: the folder is registered first so that
        // it is removed after the file it holds, not before (when it is not yet empty).
        dir.toFile().deleteOnExit();
        Path file = dir.resolve("images-idx3-ubyte");
        float[] v = fill(count * 28 * 28, 3);
        ByteBuffer b = ByteBuffer.allocate(16 + v.length).order(ByteOrder.BIG_ENDIAN);
        b.putInt(0x00000803).putInt(count).putInt(28).putInt(28);
        for (float f : v) {
            b.put((byte) (int) ((f + 0.5f) * 255.999f));
        }
        Files.write(file, b.array());
        file.toFile().deleteOnExit();
        return file;
    }

    /** The network's parameter count: both sides report it, and the table refuses rows where they differ. */
    private static void putParams(ObjectNode r, Pipeline pipeline) {
        r.put("params", pipeline.model().network().parameters().values().stream().mapToLong(Tensor::size).sum());
    }

    private static String resource(String name) {
        try (InputStream in = JavaRunner.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException("missing resource " + name);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalStateException("cannot read resource " + name, e);
        }
    }

    private static ObjectNode result(double value, double[] seconds) {
        ObjectNode r = Manifest.JSON.createObjectNode().put("value", value);
        ArrayNode a = r.putArray("block_seconds");
        Arrays.stream(seconds).forEach(a::add);
        return r;
    }

    private static void putPerStep(ObjectNode r, long before, long after, long steps) {
        if (before >= 0 && after >= 0 && steps > 0) {
            r.put("alloc_bytes_per_step", (double) (after - before) / steps);
        }
    }

    static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        int n = s.length;
        return n % 2 == 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
    }

}
