package org.diffusion4j.runtime.cli;

import static org.diffusion4j.runtime.cli.CliSupport.*;
import static org.diffusion4j.runtime.cli.LauncherOptions.backend;
import static org.diffusion4j.runtime.cli.LauncherOptions.compute;
import static org.diffusion4j.runtime.cli.LauncherOptions.plugins;
import static org.diffusion4j.runtime.cli.LauncherOptions.set;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.Option;
import org.apache.commons.cli.Options;
import org.apache.commons.cli.ParseException;
import org.diffusion4j.api.PointSet;
import org.diffusion4j.api.Split;
import org.diffusion4j.api.StepListener;
import org.diffusion4j.api.tensor.Backend;
import org.diffusion4j.runtime.UserException;
import org.diffusion4j.runtime.engine.Checkpoints;
import org.diffusion4j.runtime.engine.Evaluation;
import org.diffusion4j.runtime.engine.Guidance;
import org.diffusion4j.runtime.engine.Manifest;
import org.diffusion4j.runtime.engine.Sampling;
import org.diffusion4j.runtime.engine.Pipeline;
import org.diffusion4j.runtime.engine.Trainer;
import org.diffusion4j.runtime.engine.TrainingState;
import org.diffusion4j.runtime.io.AtomicFiles;
import org.diffusion4j.runtime.io.FolderLock;
import org.diffusion4j.runtime.io.Plots;
import org.diffusion4j.runtime.io.Progress;
import org.diffusion4j.runtime.io.SafetensorsFile;
import org.diffusion4j.runtime.plugin.PluginManager;
import org.diffusion4j.runtime.spec.PipelineSpec;

/** The {@code train} command: a run folder from a spec, or {@code --resume} of one. */
final class TrainCommand {

    /** The files a training run writes into its folder (their stale temporary files are removed). */
    static final List<String> RUN_FILES = List.of(Checkpoints.FILE, "manifest.json", "losses.csv", "loss.png", "metrics.json");

    private final PrintStream out;
    private final PrintStream err;

    TrainCommand(PrintStream out, PrintStream err) {
        this.out = out;
        this.err = err;
    }

    private CommandLine parse(String name, String argsSyntax, Options options, String[] args) throws ParseException {
        return LauncherOptions.parse(out, name, argsSyntax, options, args);
    }

    int train(String[] args) throws Exception {
        Options o = compute();
        o.addOption(Option.builder().longOpt("spec").hasArg().argName("FILE").desc("pipeline spec (.yaml, .yml or .json)").build());
        o.addOption(Option.builder().longOpt("out").hasArg().argName("DIR").desc("run folder for checkpoint, manifest, loss curve").build());
        o.addOption(Option.builder().longOpt("resume").hasArg().argName("DIR").desc("continue the run in DIR from its last checkpoint").build());
        o.addOption(Option.builder().longOpt("no-eval")
                .desc("skip the end of training: by default a run of points ends by drawing the spec's default"
                        + " sample (its first sampler, sampling.count) and scoring it against the run's held-out test"
                        + " split with the spec's metrics, beside the floor, into metrics.json").build());
        o.addOption(Option.builder().longOpt("init-from").hasArg().argName("RUN")
                .desc("warm start: parameters whose names RUN's checkpoint holds start from its EMA weights (a DiNof"
                        + " flow trained on top of a score network run); the others start fresh").build());
        o.addOption(set());
        CommandLine cl = parse("train", "(--spec FILE --out DIR [--init-from RUN] | --resume DIR) [--no-eval]", o, args);
        if (cl == null) {
            return 0;
        }
        PluginManager pm = plugins(cl);
        if (cl.hasOption("resume")) {
            if (cl.hasOption("spec") || cl.hasOption("set") || cl.hasOption("out") || cl.hasOption("init-from")) {
                throw new UserException("--resume continues a run exactly as it was specified; drop --spec, --set, --out"
                        + " and --init-from");
            }
            Path given = Path.of(cl.getOptionValue("resume"));
            Path checkpoint = Checkpoints.locate(given);
            // --resume takes the run folder or its checkpoint file; either way the run goes on in the folder
            Path dir = Files.isDirectory(given) ? given : checkpoint.toAbsolutePath().getParent();
            Checkpoints.read(checkpoint);   // a damaged checkpoint is refused before the folder is claimed
            // a second resume of the same run is refused here; the checkpoint is read again under the claim
            try (FolderLock held = claimRunFolder(dir)) {
                SafetensorsFile resumeFrom = Checkpoints.read(checkpoint);
                PipelineSpec spec = PipelineSpec.parseResolved(Checkpoints.spec(resumeFrom), checkpoint.toString());
                try (Backend backend = backend(cl, pm)) {
                    trainFrom(assemble(spec, pm, backend), backend, checkpoint, resumeFrom, dir, !cl.hasOption("no-eval"),
                            false);
                }
            }
            return 0;
        }
        if (!cl.hasOption("spec") || !cl.hasOption("out")) {
            throw new UserException("train needs --spec FILE and --out DIR (or --resume DIR)");
        }
        PipelineSpec spec = PipelineSpec.read(Path.of(cl.getOptionValue("spec"))).with(values(cl.getOptionValues("set")));
        Path dir = Path.of(cl.getOptionValue("out"));
        requireFreshRunFolder(dir);
        requireWritablePlace("--out " + dir, dir);
        Path initFrom = cl.hasOption("init-from") ? Checkpoints.locate(Path.of(cl.getOptionValue("init-from"))) : null;
        SafetensorsFile init = initFrom == null ? null : Checkpoints.read(initFrom);
        try (Backend backend = backend(cl, pm)) {
            Pipeline p = assemble(spec, pm, backend);
            if (init != null) {
                Checkpoints.warmStartNames(initFrom, init, p.model().network().parameters());
            }
            try (FolderLock held = claimRunFolder(dir)) {
                // under the claim: a run that finished into the same folder meanwhile is found now
                requireFreshRunFolder(dir);
                trainFrom(p, backend, initFrom, init, dir, !cl.hasOption("no-eval"), true);
            }
        }
        return 0;
    }

    private void trainFrom(Pipeline p, Backend backend, Path checkpoint, SafetensorsFile resumeFrom, Path dir,
                           boolean evaluate, boolean warmStart) throws Exception {
        TrainingState state = new TrainingState(backend, p.model().network().parameters());
        if (warmStart && resumeFrom != null) {
            List<String> copied = Checkpoints.warmStart(checkpoint, resumeFrom, state);
            err.println("init-from " + checkpoint + ": " + copied.size() + " of " + state.parameters().size()
                    + " parameter tensors start from its EMA weights; the others start fresh");
        } else if (resumeFrom != null) {
            Checkpoints.restore(checkpoint, resumeFrom, state);
            err.println("resuming " + dir + " at step " + state.step());
        }
        runTraining(p, state, dir);
        if (evaluate) {
            evaluate(p, dir);
        }
    }

    /**
     * Claims a run folder for this process (see {@link FolderLock}) and deletes the temporary files
     * that a killed write of one of the run's files left there, saying so on stderr.
     */
    FolderLock claimRunFolder(Path dir) throws IOException {
        FolderLock lock = FolderLock.acquire(dir);
        try {
            List<String> removed = AtomicFiles.removeStaleTemps(dir, RUN_FILES);
            if (!removed.isEmpty()) {
                err.println("removed " + removed.size() + " stale temporary file" + (removed.size() == 1 ? "" : "s")
                        + " of an interrupted write from " + dir + ": " + String.join(", ", removed));
            }
            return lock;
        } catch (IOException | RuntimeException e) {
            lock.close();
            throw e;
        }
    }

    /**
     * The run's default sample (first sampler, {@code sampling.count}, the checkpoint's weights: what
     * {@code sample} draws) scored against the held-out test split with the spec's metrics, and the
     * floor (as many points of the reference split, scored the same way), written to
     * {@code metrics.json} and printed as a table. Skipped for images, whose sampling takes minutes.
     */
    private void evaluate(Pipeline p, Path dir) throws IOException {
        int[] shape = p.dataset().sampleShape();
        int count = p.sampling().getInt("count");
        if (shape.length == 3) {
            err.println("train: no end-of-training metrics for images (drawing " + count + " images takes minutes);"
                    + " score a sample with 'diffusion4j sample' and 'eval --reference run'");
            return;
        }
        if (p.samplers().isEmpty() || p.metrics().isEmpty()) {
            err.println("train: no end-of-training metrics: the spec has no " + (p.samplers().isEmpty() ? "sampler"
                    : "metric"));
            return;
        }
        PointSet test = HeldOut.splitOrNull(p.dataset(), Split.TEST, err, "train: no end-of-training metrics");
        PointSet reference = test == null ? null
                : HeldOut.splitOrNull(p.dataset(), Split.REFERENCE, err, "train: no end-of-training metrics");
        if (reference == null) {
            return;
        }
        String label = p.samplers().keySet().iterator().next();
        Path file = dir.resolve(Checkpoints.FILE);
        loadWeights(file, Checkpoints.read(file), p);
        PointSet samples = Sampling.sample(p.backend(), p.model(), p.prior(), p.samplers().get(label), shape,
                p.spec().seed(), count, p.sampling().getInt("batch-size"), null, Guidance.NONE, StepListener.NONE,
                total -> Progress.forConsole("sample " + label, total));
        PointSet floorSamples = reference.head(samples.count());
        Map<String, Double> scores = Evaluation.score(p.metrics(), samples, test);
        Map<String, Double> floor = Evaluation.score(p.metrics(), floorSamples, test);
        ObjectNode json = Manifest.JSON.createObjectNode();
        json.put("sampler", label);
        json.put("count", samples.count());
        json.put("test-count", test.count());
        scores.forEach(json.with("samples")::put);
        floor.forEach(json.with("floor")::put);
        json.put("floor-count", floorSamples.count());
        AtomicFiles.writeString(dir.resolve("metrics.json"), Manifest.toJson(json));
        out.printf(Locale.ROOT, "metrics of %d samples (sampler %s, %s) against %d held-out test points; lower is"
                        + " better, floor = held-out data against held-out data:%n", samples.count(), label,
                p.spec().samplers().get(label).name(), test.count());
        out.printf(Locale.ROOT, "  %-14s %12s %12s%n", "metric", "samples", "floor");
        scores.forEach((name, v) -> out.printf(Locale.ROOT, "  %-14s %12.6g %12.6g%n", name, v, floor.get(name)));
        err.println("metrics: " + dir.resolve("metrics.json"));
    }

    void runTraining(Pipeline p, TrainingState state, Path dir) throws Exception {
        Trainer trainer = new Trainer(p);
        int count = p.dataset().load(Split.TRAIN).count();
        long total = trainer.totalSteps(count);
        int every = p.training().getInt("checkpoint-every");
        Progress progress = Progress.forConsole("train", total);
        progress.update(state.step(), "");
        trainer.train(state, s -> {
            if (s.step() % every == 0 || s.step() == total) {
                Checkpoints.save(dir, p, s);
            }
        }, progress);
        progress.finish();
        if (state.step() == total && total % every != 0 && !Files.exists(dir.resolve(Checkpoints.FILE))) {
            Checkpoints.save(dir, p, state);
        }
        double[] losses = Checkpoints.losses(state.losses());
        if (losses.length > 0) {
            double[] steps = new double[losses.length];
            for (int i = 0; i < steps.length; i++) {
                steps[i] = i + 1;
            }
            writeLossChart(dir.resolve("loss.png"), lossTitle(p.spec().component("loss").name(), p.spec().name()),
                    steps, losses);
            StringBuilder csv = new StringBuilder("step,loss\n");
            for (int i = 0; i < losses.length; i++) {
                csv.append(i + 1).append(',').append((float) losses[i]).append('\n');
            }
            AtomicFiles.writeString(dir.resolve("losses.csv"), csv.toString());
        }
        err.println("checkpoint: " + dir.resolve(Checkpoints.FILE));
    }

    /** The loss curve's title: the loss component and the run's name. */
    static String lossTitle(String lossName, String runName) {
        return "training loss: " + lossName + " (" + runName + ")";
    }

    /**
     * The loss curve on a log y axis, where the first steps' spike does not flatten the rest; on a
     * linear one when some loss is 0 or negative (a log axis would drop those points).
     */
    static void writeLossChart(Path png, String title, double[] steps, double[] losses) throws IOException {
        boolean positive = java.util.Arrays.stream(losses).allMatch(v -> v > 0);
        Plots.lineChart(png, positive ? title + ", log scale" : title, "step", "loss", steps, losses, positive);
    }

    private static void requireFreshRunFolder(Path dir) throws IOException {
        if (Files.exists(dir.resolve(Checkpoints.FILE))) {
            throw new UserException(dir + " already holds a training run; continue it with 'train --resume " + dir
                    + "' or choose another --out");
        }
        if (Files.exists(dir) && !Files.isDirectory(dir)) {
            throw new UserException("--out " + dir + " is a file, not a folder");
        }
    }

}
