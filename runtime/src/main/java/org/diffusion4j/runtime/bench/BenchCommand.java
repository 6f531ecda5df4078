package org.diffusion4j.runtime.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.Option;
import org.apache.commons.cli.Options;
import org.diffusion4j.api.tensor.Backend;
import org.diffusion4j.runtime.UserException;
import org.diffusion4j.runtime.cli.LauncherOptions;
import org.diffusion4j.runtime.engine.Manifest;
import org.diffusion4j.runtime.io.AtomicFiles;
import org.diffusion4j.runtime.plugin.PluginManager;

/**
 * The launcher's {@code bench} command: the end-to-end speed workloads (GEMM, training steps, the
 * whole quickstart training, sampling, memory) on the Java backend, then the same plans in the project's
 * PyTorch reference script, one run after the other, and a table of both with the ratio and the target.
 * Ratios are taken within one run because this kind of machine varies by tens of percent between runs.
 */
public final class BenchCommand {

    private final PrintStream out;
    private final PrintStream err;

    public BenchCommand(PrintStream out, PrintStream err) {
        this.out = out;
        this.err = err;
    }

    private static Options options() {
        Options o = LauncherOptions.registryOnly();
        o.addOption(Option.builder().longOpt("threads").hasArg().argName("N")
                .desc("worker threads of the Java backend (default: all cores); PyTorch runs with 1 and N, the"
                        + " better counts").build());
        o.addOption(Option.builder().longOpt("quick").desc("tiny iteration counts: a smoke run, figures not comparable")
                .build());
        o.addOption(Option.builder().longOpt("no-peer").desc("skip the PyTorch side").build());
        o.addOption(Option.builder().longOpt("python").hasArg().argName("PATH")
                .desc("Python interpreter with torch (default: /usr/bin/python3, else python3)").build());
        o.addOption(Option.builder().longOpt("only").hasArg().argName("LIST")
                .desc("comma-separated workloads (default: all): " + String.join(", ", Workload.ids())).build());
        o.addOption(Option.builder().longOpt("out").hasArg().argName("FILE")
                .desc("also write the results as JSON (must not exist)").build());
        o.addOption(Option.builder().longOpt("backend").hasArg().argName("NAME").desc("compute backend (default: java)")
                .build());
        return o;
    }

    /** Runs the command; returns the exit status. */
    public int run(String[] args) throws Exception {
        CommandLine cl = LauncherOptions.parse(out, "bench", "[options]", options(), args);
        if (cl == null) {
            return 0;
        }
        if (!cl.getArgList().isEmpty()) {
            throw new UserException("bench takes no arguments, got " + cl.getArgList() + " (see 'diffusion4j bench --help')");
        }
        List<Workload> selected = select(cl.getOptionValue("only"));
        int threads = LauncherOptions.threads(cl);
        Path outFile = cl.hasOption("out") ? Path.of(cl.getOptionValue("out")) : null;
        if (outFile != null && Files.exists(outFile)) {
            throw new UserException(outFile + " already exists; choose another --out (existing outputs are never"
                    + " overwritten)");
        }
        if (outFile != null) {
            AtomicFiles.requireWritableFolder("--out " + outFile, outFile.toAbsolutePath().getParent());
        }
        boolean quick = cl.hasOption("quick");
        ArrayNode plans = Manifest.JSON.createArrayNode();
        selected.forEach(w -> plans.add(w.plan(quick)));

        ObjectNode report = Manifest.JSON.createObjectNode();
        report.put("date_utc", Instant.now().toString()).put("quick", quick).put("java_threads", threads);
        report.set("machine", Machine.describe());
        report.put("load_before", Machine.loadAverage());

        // Java side
        PluginManager pm = LauncherOptions.plugins(cl);
        ObjectNode java = Manifest.JSON.createObjectNode();
        Path launcher = selected.size() > 1 ? freshJvmLauncher() : null;
        try (Backend backend = LauncherOptions.backend(cl, pm)) {
            report.put("backend", backend.name());
            report.put("fresh_jvm_per_workload", launcher != null);
            JavaRunner runner = new JavaRunner(backend, pm.registry());
            for (JsonNode plan : plans) {
                String name = plan.get("name").asText();
                err.printf(Locale.ROOT, "bench: diffusion4j %s ...%n", name);
                ObjectNode r = launcher != null ? inFreshJvm(launcher, name, args) : runner.run(plan);
                r.put("load_average", Machine.loadAverage());
                java.set(name, r);
                err.printf(Locale.ROOT, "bench: diffusion4j %s: %s %s%n", name,
                        Table.figure(r.get("value").asDouble()), Workload.byId(name).measure.label);
            }
        }

        // PyTorch side, after the Java side has finished (never concurrently)
        ObjectNode peer = report.putObject("peer");
        List<JsonNode> torchRuns = new ArrayList<>();
        if (cl.hasOption("no-peer")) {
            peer.put("available", false).put("reason", "--no-peer");
        } else {
            TorchPeer torch = new TorchPeer(cl.getOptionValue("python", TorchPeer.defaultPython()), err);
            String why = torch.unavailable();
            if (why != null) {
                peer.put("available", false).put("reason", why);
                err.println("bench: no PyTorch column: " + why);
            } else {
                peer.put("available", true);
                ArrayNode runs = peer.putArray("runs");
                for (int t : threads == 1 ? new int[] {1} : new int[] {1, threads}) {
                    err.printf(Locale.ROOT, "bench: PyTorch with %d thread(s) ...%n", t);
                    JsonNode doc = torch.run(plans, t);
                    runs.add(doc);
                    torchRuns.add(doc);
                }
            }
        }
        report.put("load_after", Machine.loadAverage());

        Table table = new Table(selected, java, torchRuns);
        ArrayNode rows = table.json();
        for (int i = 0; i < rows.size(); i++) {
            ((ObjectNode) rows.get(i)).set("plan", plans.get(i));
        }
        report.set("workloads", rows);
        out.println();
        out.print(table.render());
        out.printf(Locale.ROOT, "ratio = speed-up of diffusion4j over PyTorch (for wall time: PyTorch / diffusion4j);"
                + " PyTorch = the better of its thread counts (tN = N threads)%n");
        if (!peer.get("available").asBoolean()) {
            out.println("PyTorch column empty: " + peer.get("reason").asText());
        }
        out.printf(Locale.ROOT, "machine: %s; Java backend threads %d; load average before %s, after %s%s%n",
                report.get("machine").get("cpu").asText(), threads, report.get("load_before").asText(),
                report.get("load_after").asText(), quick ? "; --quick: smoke-run figures, not comparable" : "");
        StringBuilder load = new StringBuilder(String.format(Locale.ROOT, "diffusion4j %.2f", meanOtherLoad(java)));
        for (JsonNode run : torchRuns) {
            load.append(String.format(Locale.ROOT, ", PyTorch t%d %.2f", run.get("threads").asInt(),
                    meanOtherLoad(run.get("results"))));
        }
        out.println("other processes' load (cores busy, mean over the workloads; 0 = otherwise idle machine): " + load);
        printBackendCounters(report.get("backend").asText(), selected, java);
        if (outFile != null) {
            AtomicFiles.createNewString(outFile, Manifest.toJson(report));
            out.println("results: " + outFile);
        }
        return 0;
    }

    /** Set in the launcher process that a bench runs each workload in: it must not fork again. */
    private static final String CHILD = "DIFFUSION4J_BENCH_CHILD";

    /**
     * The launcher script to run each Java workload in a JVM of its own, as a user's run is and as
     * JMH forks: in one JVM the JIT's profile of the shared kernels, made by the workloads before,
     * decided how fast the later ones ran (DDPM training 460–920 steps/s after the seed workloads,
     * depending on which code C2 had compiled for what). Null, to run in this JVM, inside such a
     * child or when the launcher script is not there (tests that call the command directly).
     */
    private static Path freshJvmLauncher() {
        String home = System.getProperty("diffusion4j.home");
        if (System.getenv(CHILD) != null || home == null) {
            return null;
        }
        Path script = Path.of(home, "bin", "diffusion4j");
        return Files.isExecutable(script) ? script : null;
    }

    /** One workload by {@code bench --only NAME --no-peer --out F} in a new launcher process. */
    private ObjectNode inFreshJvm(Path launcher, String name, String[] args) throws Exception {
        Path dir = Files.createTempDirectory("d4j-bench-");
        Path json = dir.resolve("result.json");
        try {
            List<String> cmd = new ArrayList<>(List.of(launcher.toString(), "bench"));
            for (int i = 0; i < args.length; i++) {
                // this run's options, less the ones the child gets its own value of
                String option = args[i].split("=", 2)[0];
                switch (option) {
                    case "--only", "--out", "--python" -> i += args[i].contains("=") ? 0 : 1;
                    case "--no-peer" -> { }
                    default -> cmd.add(args[i]);
                }
            }
            cmd.addAll(List.of("--only", name, "--no-peer", "--out", json.toString()));
            ProcessBuilder pb = new ProcessBuilder(cmd).redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .redirectErrorStream(false).redirectError(dir.resolve("stderr.txt").toFile());
            pb.environment().put(CHILD, "1");
            int status = pb.start().waitFor();
            if (status != 0 || !Files.exists(json)) {
                throw new IllegalStateException("the bench of " + name + " in its own JVM failed (exit " + status
                        + "): " + Files.readString(dir.resolve("stderr.txt")));
            }
            JsonNode doc = Manifest.JSON.readTree(json.toFile());
            return (ObjectNode) doc.get("workloads").get(0).get("java");
        } finally {
            try (var files = Files.list(dir)) {
                for (Path f : files.toList()) {
                    Files.deleteIfExists(f);
                }
            }
            Files.deleteIfExists(dir);
        }
    }

    /**
     * A device backend's launches and host↔device traffic per step (per GEMM for the GEMM rows), one
     * line per workload, where the backend counts them ({@link Backend#counters}).
     */
    private void printBackendCounters(String backend, List<Workload> selected, JsonNode java) {
        boolean header = false;
        for (Workload w : selected) {
            JsonNode c = java.path(w.id).path("backend_per_step");
            if (c.isMissingNode() || c.isEmpty()) {
                continue;
            }
            if (!header) {
                out.println("backend " + backend + ", per step (per GEMM): kernel launches; host->device uploads and"
                        + " bytes; device->host downloads and bytes; kernel parameter bytes (host->device)");
                header = true;
            }
            out.printf(Locale.ROOT, "  %-22s launches %.1f; uploads %.2f (%s); downloads %.2f (%s); params %s%n", w.id,
                    c.path("launches").asDouble(), c.path("uploads").asDouble(), bytes(c.path("uploadBytes").asDouble()),
                    c.path("downloads").asDouble(), bytes(c.path("downloadBytes").asDouble()),
                    bytes(c.path("paramBytes").asDouble()));
        }
    }

    private static String bytes(double b) {
        return b >= 1 << 20 ? String.format(Locale.ROOT, "%.2f MiB", b / (1 << 20))
                : b >= 1 << 10 ? String.format(Locale.ROOT, "%.1f KiB", b / (1 << 10))
                : String.format(Locale.ROOT, "%.0f B", b);
    }

    private static double meanOtherLoad(JsonNode results) {
        double sum = 0;
        int n = 0;
        for (JsonNode r : results) {
            JsonNode v = r.get("other_load_cores");
            if (v != null && v.isNumber() && Double.isFinite(v.asDouble())) {
                sum += v.asDouble();
                n++;
            }
        }
        return n == 0 ? Double.NaN : sum / n;
    }

    private static List<Workload> select(String only) {
        if (only == null) {
            return List.of(Workload.values());
        }
        Set<Workload> chosen = new LinkedHashSet<>();
        for (String s : only.split(",")) {
            String id = s.trim();
            Workload w = Workload.byId(id);
            if (w == null) {
                throw new UserException("unknown workload '" + id + "' in --only; workloads: "
                        + String.join(", ", Workload.ids()));
            }
            chosen.add(w);
        }
        // always in catalogue order: the quickstart training first, so its time includes the warm-up
        return List.of(Workload.values()).stream().filter(chosen::contains).toList();
    }
}
