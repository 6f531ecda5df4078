package org.diffusion4j.runtime.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.diffusion4j.runtime.engine.Manifest;

/**
 * The PyTorch side of the bench: the project's own reference script ({@code torch_bench.py}, shipped in
 * the runtime jar and copied to the distribution's {@code bench/}) run by a CPython that can import
 * torch, in a fresh process per thread count, with the same workload plans as the Java side.
 *
 * <p>Two settings make PyTorch much slower than it can be on some machines (shared/peers/README.md,
 * "Two traps"): OpenBLAS 0.3.21 does not recognise recent Xeons and falls back to SSE3 kernels, and
 * libgomp's spin-waiting threads fight OpenBLAS's own pool. The child therefore gets
 * {@code OPENBLAS_CORETYPE=SkylakeX} (only where the CPU has AVX-512) and {@code OMP_WAIT_POLICY=PASSIVE},
 * unless the caller set them; the bench runs 1 and N torch threads and reports the better.
 */
final class TorchPeer {

    static final String SCRIPT = "torch_bench.py";
    private static final long TIMEOUT_MINUTES = 60;

    private final String python;
    private final PrintStream err;

    TorchPeer(String python, PrintStream err) {
        this.python = python;
        this.err = err;
    }

    /** The interpreter to use: the one asked for, else /usr/bin/python3 (Debian's torch), else python3. */
    static String defaultPython() {
        return Files.isExecutable(Path.of("/usr/bin/python3")) ? "/usr/bin/python3" : "python3";
    }

    /** Why the peer cannot run here, or null when it can. */
    String unavailable() {
        try {
            Process p = builder(List.of(python, "-c", "import torch, sys; sys.stdout.write(torch.__version__)"))
                    .redirectErrorStream(true).start();
            String text = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            if (!p.waitFor(2, TimeUnit.MINUTES)) {
                p.destroyForcibly();
                return python + " did not answer within 2 minutes";
            }
            if (p.exitValue() != 0) {
                String last = text.lines().reduce((a, b) -> b).orElse("");
                return python + " cannot import torch (" + last + "); install it, e.g. apt-get install python3-torch,"
                        + " or point --python at an interpreter that has it";
            }
            return null;
        } catch (IOException e) {
            return "cannot run " + python + " (" + e.getMessage() + ")";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "interrupted";
        }
    }

    /** Runs the script with {@code threads} torch threads on {@code plans}; returns its JSON document. */
    JsonNode run(ArrayNode plans, int threads) throws IOException, InterruptedException {
        Path dir = Files.createTempDirectory("d4j-bench");
        try {
            Path script = dir.resolve(SCRIPT);
            try (InputStream in = TorchPeer.class.getResourceAsStream(SCRIPT)) {
                if (in == null) {
                    throw new IllegalStateException("missing resource " + SCRIPT);
                }
                Files.write(script, in.readAllBytes());
            }
            Path plan = dir.resolve("plan.json");
            Files.writeString(plan, Manifest.JSON.writeValueAsString(plans));
            Path log = dir.resolve("stderr.txt");
            Path result = dir.resolve("stdout.json");
            // both streams to files: nothing to drain, so the time limit below really applies
            Process p = builder(List.of(python, script.toString(), "--plan", plan.toString(), "--threads",
                    Integer.toString(threads)))
                    .redirectOutput(result.toFile()).redirectError(log.toFile()).start();
            p.getOutputStream().close();
            if (!p.waitFor(TIMEOUT_MINUTES, TimeUnit.MINUTES)) {
                p.destroyForcibly();
                throw new IOException("the PyTorch script did not finish within " + TIMEOUT_MINUTES + " minutes");
            }
            String errText = Files.readString(log);
            if (p.exitValue() != 0) {
                throw new IOException("the PyTorch script failed (exit " + p.exitValue() + "):\n" + errText);
            }
            errText.lines().forEach(l -> err.println("  torch: " + l));
            return Manifest.JSON.readTree(result.toFile());
        } finally {
            try (var files = Files.list(dir)) {
                for (Path f : files.toList()) {
                    Files.deleteIfExists(f);
                }
            }
            Files.deleteIfExists(dir);
        }
    }

    private ProcessBuilder builder(List<String> command) {
        ProcessBuilder pb = new ProcessBuilder(command);
        Map<String, String> env = pb.environment();
        env.putAll(tunedEnvironment(env));
        return pb;
    }

    /** The two settings against the traps, for those not set already. */
    static Map<String, String> tunedEnvironment(Map<String, String> current) {
        java.util.Map<String, String> add = new java.util.LinkedHashMap<>();
        if (!current.containsKey("OMP_WAIT_POLICY")) {
            add.put("OMP_WAIT_POLICY", "PASSIVE");
        }
        if (!current.containsKey("OPENBLAS_CORETYPE") && cpuHasAvx512()) {
            add.put("OPENBLAS_CORETYPE", "SkylakeX");
        }
        return add;
    }

    private static boolean cpuHasAvx512() {
        try {
            return Files.readAllLines(Path.of("/proc/cpuinfo")).stream()
                    .anyMatch(l -> l.startsWith("flags") && l.contains(" avx512f"));
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }
}
