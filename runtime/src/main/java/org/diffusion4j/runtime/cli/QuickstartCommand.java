package org.diffusion4j.runtime.cli;

import static org.diffusion4j.runtime.cli.CliSupport.*;
import static org.diffusion4j.runtime.cli.LauncherOptions.backend;
import static org.diffusion4j.runtime.cli.LauncherOptions.compute;
import static org.diffusion4j.runtime.cli.LauncherOptions.plugins;
import static org.diffusion4j.runtime.cli.LauncherOptions.set;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.Option;
import org.apache.commons.cli.Options;
import org.apache.commons.cli.ParseException;
import org.diffusion4j.api.PointSet;
import org.diffusion4j.api.Sampler;
import org.diffusion4j.api.Split;
import org.diffusion4j.api.tensor.Backend;
import org.diffusion4j.runtime.UserException;
import org.diffusion4j.runtime.engine.Checkpoints;
import org.diffusion4j.runtime.engine.Evaluation;
import org.diffusion4j.runtime.engine.Manifest;
import org.diffusion4j.runtime.engine.Pipeline;
import org.diffusion4j.runtime.engine.TrainingState;
import org.diffusion4j.runtime.io.AtomicFiles;
import org.diffusion4j.runtime.io.FolderLock;
import org.diffusion4j.runtime.io.Plots;
import org.diffusion4j.runtime.plugin.PluginManager;
import org.diffusion4j.runtime.spec.PipelineSpec;

/** The {@code quickstart} command: the flow-matching example trained, sampled, scored and plotted in one go. */
final class QuickstartCommand {

    private final PrintStream out;
    private final PrintStream err;

    QuickstartCommand(PrintStream out, PrintStream err) {
        this.out = out;
        this.err = err;
    }

    private CommandLine parse(String name, String argsSyntax, Options options, String[] args) throws ParseException {
        return LauncherOptions.parse(out, name, argsSyntax, options, args);
    }

    // ------------------------------------------------------------------ quickstart

    int quickstart(String[] args) throws Exception {
        Options o = compute();
        o.addOption(Option.builder().longOpt("out").hasArg().argName("DIR")
                .desc("output folder (default: ./quickstart-out, or the next free quickstart-out-N)").build());
        o.addOption(set());
        CommandLine cl = parse("quickstart", "[--out DIR]", o, args);
        if (cl == null) {
            return 0;
        }
        PipelineSpec spec = PipelineSpec.parse(resource("quickstart.yaml"), "quickstart", false)
                .with(values(cl.getOptionValues("set")));
        Path dir;
        if (cl.hasOption("out")) {
            dir = Path.of(cl.getOptionValue("out"));
            requireEmptyOut(dir);
        } else {
            dir = Path.of("quickstart-out");
            for (int i = 2; Files.exists(dir) && !isEmptyDir(dir); i++) {
                dir = Path.of("quickstart-out-" + i);
            }
        }
        requireWritablePlace("--out " + dir, dir);
        PluginManager pm = plugins(cl);
        try (Backend backend = backend(cl, pm); FolderLock held = new TrainCommand(out, err).claimRunFolder(dir)) {
            requireEmptyOut(dir);   // again under the claim: another run may have filled it meanwhile
            Pipeline p = assemble(spec, pm, backend);
            err.println("quickstart: flow matching on two Gaussians; output in " + dir.toAbsolutePath());
            long t0 = System.nanoTime();
            TrainingState state = new TrainingState(backend, p.model().network().parameters());
            new TrainCommand(out, err).runTraining(p, state, dir);
            double trainSeconds = (System.nanoTime() - t0) / 1e9;
            if (p.sampling().getString("weights").equals("ema")) {
                state.ema().forEach((name, ema) -> state.parameters().get(name).copyFrom(ema));
            }

            PointSet test = p.dataset().load(Split.TEST);
            PointSet reference = p.dataset().load(Split.REFERENCE);
            Map<String, PointSet> sets = new LinkedHashMap<>();
            Map<String, Double> seconds = new LinkedHashMap<>();
            for (Map.Entry<String, Sampler> s : p.samplers().entrySet()) {
                long ts = System.nanoTime();
                sets.put(s.getKey(), new SampleCommand(out, err).drawAndWrite(p, s.getKey(), s.getValue(), dir.resolve("samples-" + s.getKey() + ".csv"),
                        Map.of("checkpoint", dir.resolve(Checkpoints.FILE).toString())));
                seconds.put(s.getKey(), (System.nanoTime() - ts) / 1e9);
            }
            ObjectNode metrics = Manifest.JSON.createObjectNode();
            for (Map.Entry<String, PointSet> e : sets.entrySet()) {
                ObjectNode m = metrics.putObject(e.getKey());
                Evaluation.score(p.metrics(), e.getValue(), test).forEach(m::put);
            }
            ObjectNode floor = metrics.putObject("floor");
            Evaluation.score(p.metrics(), reference, test).forEach(floor::put);
            AtomicFiles.createNewString(dir.resolve("metrics.json"), Manifest.toJson(metrics));

            List<Plots.Panel> panels = new ArrayList<>();
            panels.add(new Plots.Panel("data (held-out)", xy(test), new java.awt.Color(40, 40, 40)));
            java.awt.Color[] colors = {new java.awt.Color(31, 119, 180), new java.awt.Color(214, 39, 40),
                    new java.awt.Color(44, 160, 44)};
            int ci = 0;
            for (Map.Entry<String, PointSet> e : sets.entrySet()) {
                panels.add(new Plots.Panel("samples: " + e.getKey() + " (" + p.spec().samplers().get(e.getKey()).name() + ")",
                        xy(e.getValue()), colors[ci++ % colors.length]));
            }
            Plots.scatterPanels(dir.resolve("samples.png"), panels);

            out.printf(Locale.ROOT, "training: %d steps in %.2f s (%.0f steps/s)%n", state.step(), trainSeconds,
                    state.step() / trainSeconds);
            seconds.forEach((k, v) -> out.printf(Locale.ROOT, "sampling %s: %.2f s%n", k, v));
            out.println("metrics (lower is better; floor = held-out data vs held-out data):");
            out.println(Manifest.toJson(metrics));
            out.println("outputs: " + dir.toAbsolutePath());
        }
        return 0;
    }

    private static void requireEmptyOut(Path dir) throws java.io.IOException {
        if (Files.exists(dir) && !isEmptyDir(dir)) {
            throw new UserException("--out " + dir + " already exists and is not empty; choose another folder");
        }
    }

    private static float[] xy(PointSet s) {
        if (s.dimension() != 2) {
            throw new UserException("scatter plots need 2-D points, got " + s.dimension() + "-D");
        }
        return s.values();
    }

}
