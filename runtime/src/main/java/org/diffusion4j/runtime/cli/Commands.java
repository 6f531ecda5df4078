package org.diffusion4j.runtime.cli;

import static org.diffusion4j.runtime.cli.LauncherOptions.backend;
import static org.diffusion4j.runtime.cli.LauncherOptions.compute;
import static org.diffusion4j.runtime.cli.LauncherOptions.plugins;
import static org.diffusion4j.runtime.cli.LauncherOptions.registryOnly;
import static org.diffusion4j.runtime.cli.LauncherOptions.set;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
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
import org.diffusion4j.api.Dataset;
import org.diffusion4j.api.Kind;
import org.diffusion4j.api.Likelihood;
import org.diffusion4j.api.Metric;
import org.diffusion4j.api.PointSet;
import org.diffusion4j.api.Sampler;
import org.diffusion4j.api.Split;
import org.diffusion4j.api.StepListener;
import org.diffusion4j.api.config.ConfigSpec;
import org.diffusion4j.api.config.OptionSpec;
import org.diffusion4j.api.io.PointFiles;
import org.diffusion4j.api.tensor.Backend;
import org.diffusion4j.api.tensor.Tensor;
import org.diffusion4j.runtime.UserException;
import org.diffusion4j.runtime.engine.Checkpoints;
import org.diffusion4j.runtime.engine.Components;
import org.diffusion4j.runtime.engine.Evaluation;
import org.diffusion4j.runtime.engine.Guidance;
import org.diffusion4j.runtime.engine.Manifest;
import org.diffusion4j.runtime.engine.Pipeline;
import org.diffusion4j.runtime.engine.RunModule;
import org.diffusion4j.runtime.engine.Sampling;
import org.diffusion4j.runtime.engine.Settings;
import org.diffusion4j.runtime.engine.Trainer;
import org.diffusion4j.runtime.engine.TrainingState;
import org.diffusion4j.runtime.io.AtomicFiles;
import org.diffusion4j.runtime.io.ImageGrid;
import org.diffusion4j.runtime.io.Plots;
import org.diffusion4j.runtime.io.Progress;
import org.diffusion4j.runtime.io.SafetensorsFile;
import org.diffusion4j.runtime.plugin.ComponentEntry;
import org.diffusion4j.runtime.plugin.PluginManager;
import org.diffusion4j.runtime.quality.FeatureClassifier;
import org.diffusion4j.runtime.spec.ComponentRef;
import org.diffusion4j.runtime.spec.PipelineSpec;

/** The launcher's commands. */
final class Commands {

    private final PrintStream out;
    private final PrintStream err;

    private Commands(PrintStream out, PrintStream err) {
        this.out = out;
        this.err = err;
    }

    static List<Main.Command> all(PrintStream out, PrintStream err) {
        Commands c = new Commands(out, err);
        return List.of(
                command("list", "list the components of every plugin (optionally of one KIND)", c::list),
                command("describe", "describe KIND NAME: what a component is and its options", c::describe),
                command("train", "train a pipeline spec; --resume continues a run from its last checkpoint", c::train),
                command("sample", "draw samples from a trained checkpoint", c::sample),
                command("eval", "score samples against held-out data (metrics), or a checkpoint by its likelihoods (nats, bits/dim)", c::eval),
                command("quickstart", "train, sample, evaluate and plot the flow-matching example (seed 000)",
                        c::quickstart),
                command("bench", "time the speed workloads (GEMM, training steps, sampling, the U-Net) beside PyTorch",
                        new org.diffusion4j.runtime.bench.BenchCommand(out, err)::run),
                command("sweep", "vary a sampler's options over rows x columns and score each cell (the DDIM eta x S table)",
                        new SweepCommand(out, err)::run),
                command("classifier", "train the image classifier whose features the frechet and kid metrics use",
                        new ClassifierCommand(out, err)::run));
    }

    interface Body {
        int run(String[] args) throws Exception;
    }

    private static Main.Command command(String name, String summary, Body body) {
        return new Main.Command() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public String summary() {
                return summary;
            }

            @Override
            public int run(String[] args) throws Exception {
                return body.run(args);
            }
        };
    }

    // ------------------------------------------------------------------ options

    private CommandLine parse(String name, String argsSyntax, Options options, String[] args) throws ParseException {
        return LauncherOptions.parse(out, name, argsSyntax, options, args);
    }

    private static Pipeline assemble(PipelineSpec spec, PluginManager pm, Backend backend) {
        return RunModule.assemble(spec, pm.registry(), backend);
    }

    // ------------------------------------------------------------------ list / describe

    private int list(String[] args) throws Exception {
        CommandLine cl = parse("list", "[KIND]", registryOnly(), args);
        if (cl == null) {
            return 0;
        }
        PluginManager pm = plugins(cl);
        List<Kind> kinds = cl.getArgList().isEmpty() ? List.of(Kind.values()) : List.of(Kind.parse(cl.getArgList().get(0)));
        for (Kind k : kinds) {
            out.println(k.id() + ":");
            for (ComponentEntry e : pm.registry().list(k)) {
                out.printf("  %-28s %s  [%s]%n", e.provider().name(), e.provider().description(), e.plugin());
            }
        }
        if (cl.getArgList().isEmpty()) {
            out.println("backends:");
            pm.backends().forEach(b -> out.printf("  %-28s %s%s%n", b.name(), b.description(),
                    b.available() ? "" : " (not available here)"));
        }
        return 0;
    }

    private int describe(String[] args) throws Exception {
        CommandLine cl = parse("describe", "KIND NAME", registryOnly(), args);
        if (cl == null) {
            return 0;
        }
        if (cl.getArgList().size() != 2) {
            throw new UserException("describe needs KIND and NAME, e.g. 'describe sampler flow-matching.euler'; kinds: "
                    + Kind.allIds() + ", and 'settings training|sampling'");
        }
        String kind = cl.getArgList().get(0);
        String name = cl.getArgList().get(1);
        if (kind.equals("settings")) {
            ConfigSpec spec = switch (name) {
                case "training" -> Settings.TRAINING;
                case "sampling" -> Settings.SAMPLING;
                default -> throw new UserException("unknown settings section '" + name + "'; known: training, sampling");
            };
            out.println(name + " settings (spec section '" + name + "'):");
            printOptions(spec);
            return 0;
        }
        ComponentEntry e = plugins(cl).registry().find(Kind.parse(kind), name);
        out.println(e.provider().kind().id() + " " + e.provider().name() + " (plugin " + e.plugin() + ", version "
                + e.provider().version() + ")");
        out.println("  " + e.provider().description());
        printOptions(e.provider().config());
        return 0;
    }

    private void printOptions(ConfigSpec spec) {
        if (spec.options().isEmpty()) {
            out.println("options: none");
            return;
        }
        out.println("options:");
        for (OptionSpec o : spec.options()) {
            out.printf("  %-18s %-8s default %-10s %s; %s%n", o.name(), o.type().id(),
                    o.required() ? "(required)" : String.valueOf(o.defaultValue()), o.description(), o.allowed());
        }
    }

    // ------------------------------------------------------------------ train

    private int train(String[] args) throws Exception {
        Options o = compute();
        o.addOption(Option.builder().longOpt("spec").hasArg().argName("FILE").desc("pipeline spec (.yaml, .yml or .json)").build());
        o.addOption(Option.builder().longOpt("out").hasArg().argName("DIR").desc("run folder for checkpoint, manifest, loss curve").build());
        o.addOption(Option.builder().longOpt("resume").hasArg().argName("DIR").desc("continue the run in DIR from its last checkpoint").build());
        o.addOption(set());
        CommandLine cl = parse("train", "(--spec FILE --out DIR | --resume DIR)", o, args);
        if (cl == null) {
            return 0;
        }
        PluginManager pm = plugins(cl);
        Path dir;
        PipelineSpec spec;
        SafetensorsFile resumeFrom = null;
        Path checkpoint = null;
        if (cl.hasOption("resume")) {
            if (cl.hasOption("spec") || cl.hasOption("set") || cl.hasOption("out")) {
                throw new UserException("--resume continues a run exactly as it was specified; drop --spec, --set and --out");
            }
            dir = Path.of(cl.getOptionValue("resume"));
            checkpoint = Checkpoints.locate(dir);
            resumeFrom = Checkpoints.read(checkpoint);
            spec = PipelineSpec.parse(Checkpoints.spec(resumeFrom), checkpoint.toString(), true);
        } else {
            if (!cl.hasOption("spec") || !cl.hasOption("out")) {
                throw new UserException("train needs --spec FILE and --out DIR (or --resume DIR)");
            }
            spec = PipelineSpec.read(Path.of(cl.getOptionValue("spec"))).with(values(cl.getOptionValues("set")));
            dir = Path.of(cl.getOptionValue("out"));
            requireFreshRunFolder(dir);
        }
        try (Backend backend = backend(cl, pm)) {
            Pipeline p = assemble(spec, pm, backend);
            TrainingState state = new TrainingState(backend, p.model().network().parameters());
            if (resumeFrom != null) {
                Checkpoints.restore(checkpoint, resumeFrom, state);
                err.println("resuming " + dir + " at step " + state.step());
            }
            runTraining(p, state, dir);
        }
        return 0;
    }

    private void runTraining(Pipeline p, TrainingState state, Path dir) throws Exception {
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
            Plots.lineChart(dir.resolve("loss.png"), "training loss (" + p.spec().name() + ")", "step", "loss", steps,
                    losses, false);
            StringBuilder csv = new StringBuilder("step,loss\n");
            for (int i = 0; i < losses.length; i++) {
                csv.append(i + 1).append(',').append((float) losses[i]).append('\n');
            }
            AtomicFiles.writeString(dir.resolve("losses.csv"), csv.toString());
        }
        err.println("checkpoint: " + dir.resolve(Checkpoints.FILE));
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

    // ------------------------------------------------------------------ sample

    private int sample(String[] args) throws Exception {
        Options o = compute();
        o.addOption(Option.builder().longOpt("checkpoint").hasArg().argName("PATH").desc("run folder or checkpoint file").build());
        o.addOption(Option.builder().longOpt("sampler").hasArg().argName("LABEL")
                .desc("which sampler of the spec (default: the first); change its options with --set samplers.LABEL.option=v").build());
        o.addOption(Option.builder().longOpt("out").hasArg().argName("FILE").desc("samples to write, .csv or .npy (must not exist)").build());
        o.addOption(Option.builder().longOpt("class").hasArg().argName("LIST")
                .desc("class-conditional models: the class of every sample (3), classes shared out evenly (1,3,5),"
                        + " or 'all' (every class equally often); the image grid shows one class per row").build());
        o.addOption(Option.builder().longOpt("guidance").hasArg().argName("S")
                .desc("classifier-free guidance scale with --class (default 1: the conditional model; 0: the"
                        + " unconditional one; above 1: closer to the class, less diverse)").build());
        o.addOption(Option.builder().longOpt("guidance-interval").hasArg().argName("LO,HI")
                .desc("guide only for times t in [LO, HI] of the schedule (default: all t)").build());
        o.addOption(Option.builder().longOpt("guidance-rescale").hasArg().argName("PHI")
                .desc("rescale the guided x0 estimate to the conditional one's standard deviation, mixed in by PHI"
                        + " in [0, 1] (default 0: off)").build());
        o.addOption(Option.builder().longOpt("preview-every").hasArg().argName("K")
                .desc("images: also write FILE.preview.png, the model's estimate of the clean images (x0) of the first"
                        + " 10 samples every K steps, one row per step, to watch them form").build());
        o.addOption(set());
        CommandLine cl = parse("sample", "--checkpoint PATH --out FILE.csv|FILE.npy [--class LIST [--guidance S]]", o,
                args);
        if (cl == null) {
            return 0;
        }
        if (!cl.hasOption("checkpoint") || !cl.hasOption("out")) {
            throw new UserException("sample needs --checkpoint PATH and --out FILE.csv (or FILE.npy)");
        }
        Path outFile = Path.of(cl.getOptionValue("out"));
        requireNewPointFile(outFile);
        PluginManager pm = plugins(cl);
        Path file = Checkpoints.locate(Path.of(cl.getOptionValue("checkpoint")));
        SafetensorsFile ck = Checkpoints.read(file);
        PipelineSpec spec = PipelineSpec.parse(Checkpoints.spec(ck), file.toString(), true)
                .with(values(cl.getOptionValues("set")));
        try (Backend backend = backend(cl, pm)) {
            Pipeline p = assemble(spec, pm, backend);
            String label = cl.getOptionValue("sampler", p.samplers().isEmpty() ? null : p.samplers().keySet().iterator().next());
            Sampler sampler = label == null ? null : p.samplers().get(label);
            if (sampler == null) {
                throw new UserException("the spec has no sampler '" + label + "'; its samplers: "
                        + String.join(", ", p.samplers().keySet()) + " (add one with --set samplers.NAME.name=COMPONENT)");
            }
            Conditional conditional = conditional(cl, p);
            int previewEvery = cl.hasOption("preview-every") ? positive("--preview-every", cl.getOptionValue("preview-every"))
                    : 0;
            if (previewEvery > 0 && p.dataset().sampleShape().length != 3) {
                throw new UserException("--preview-every draws image grids; this model's samples are "
                        + p.dataset().sampleShape().length + "-D points, not images");
            }
            loadWeights(file, ck, p);
            drawAndWrite(p, label, sampler, outFile, conditional, previewEvery, Map.of("checkpoint", file.toString()));
        }
        return 0;
    }

    /** What {@code sample} conditions on: a label per sample (null: unconditional) and the guidance. */
    private record Conditional(int[] labels, List<Integer> classes, Guidance guidance) {
        static final Conditional NONE = new Conditional(null, List.of(), Guidance.NONE);
    }

    /** The --class and --guidance options, checked against the model: each wrong value a one-line error. */
    private static Conditional conditional(CommandLine cl, Pipeline p) {
        boolean guided = cl.hasOption("guidance") || cl.hasOption("guidance-interval") || cl.hasOption("guidance-rescale");
        if (!cl.hasOption("class")) {
            if (guided) {
                throw new UserException("--guidance, --guidance-interval and --guidance-rescale go with --class (guidance"
                        + " pushes samples towards the class asked for)");
            }
            return Conditional.NONE;
        }
        int classes = p.model().network().labelCount();
        if (classes == 0) {
            throw new UserException("--class " + cl.getOptionValue("class") + ": the checkpoint's network is unconditional"
                    + " (it was trained without class labels); train a class-conditional one (e.g. network.classes: "
                    + Math.max(1, p.dataset().labelCount()) + ") to ask for a class");
        }
        List<Integer> chosen = new ArrayList<>();
        String text = cl.getOptionValue("class").trim();
        if (text.equals("all")) {
            for (int k = 0; k < classes; k++) {
                chosen.add(k);
            }
        } else {
            for (String part : text.split(",")) {
                int k;
                try {
                    k = Integer.parseInt(part.trim());
                } catch (NumberFormatException e) {
                    throw new UserException("--class " + text + ": '" + part.trim() + "' is not a class; give class indices"
                            + " 0.." + (classes - 1) + " separated by commas, or 'all'");
                }
                if (k < 0 || k >= classes) {
                    throw new UserException("--class " + k + " is out of range: this model has classes 0.." + (classes - 1));
                }
                if (!chosen.contains(k)) {
                    chosen.add(k);
                }
            }
        }
        Guidance guidance = guidance(cl);
        if (guidance.scale() != 1 && p.training().getDouble("label-dropout") == 0) {
            throw new UserException("--guidance " + cl.getOptionValue("guidance") + ": the model was trained with"
                    + " training.label-dropout = 0, so its unconditional output (the null label) was never trained and"
                    + " guidance would extrapolate from noise; retrain with label-dropout > 0 (default 0.1) or use"
                    + " --guidance 1");
        }
        int count = p.sampling().getInt("count");
        int[] labels = new int[count];
        for (int i = 0; i < count; i++) {
            // classes shared out in contiguous, equal blocks: sample i gets the (i·n/count)-th chosen class
            labels[i] = chosen.get((int) ((long) i * chosen.size() / count));
        }
        return new Conditional(labels, chosen, guidance);
    }

    private static Guidance guidance(CommandLine cl) {
        double scale = number("--guidance", cl.getOptionValue("guidance", "1"));
        double lo = Double.NEGATIVE_INFINITY;
        double hi = Double.POSITIVE_INFINITY;
        if (cl.hasOption("guidance-interval")) {
            String[] parts = cl.getOptionValue("guidance-interval").split(",");
            if (parts.length != 2) {
                throw new UserException("--guidance-interval " + cl.getOptionValue("guidance-interval")
                        + ": give two times LO,HI with LO <= HI, e.g. 0.2,0.8");
            }
            lo = number("--guidance-interval", parts[0]);
            hi = number("--guidance-interval", parts[1]);
        }
        double rescale = number("--guidance-rescale", cl.getOptionValue("guidance-rescale", "0"));
        try {
            return new Guidance(scale, lo, hi, rescale);
        } catch (IllegalArgumentException e) {
            throw new UserException(e.getMessage());
        }
    }

    private static double number(String option, String value) {
        try {
            double v = Double.parseDouble(value.trim());
            if (Double.isFinite(v)) {
                return v;
            }
        } catch (NumberFormatException ignored) {
            // reported below
        }
        throw new UserException(option + ": '" + value.trim() + "' is not a finite number");
    }

    private static void loadWeights(Path file, SafetensorsFile ck, Pipeline p) {
        String prefix = p.sampling().getString("weights").equals("ema") ? "ema." : "model.";
        Checkpoints.load(file, ck, prefix, p.model().network().parameters());
    }

    private PointSet drawAndWrite(Pipeline p, String label, Sampler sampler, Path outFile, Map<String, Object> extra)
            throws IOException {
        return drawAndWrite(p, label, sampler, outFile, Conditional.NONE, 0, extra);
    }

    private PointSet drawAndWrite(Pipeline p, String label, Sampler sampler, Path outFile, Conditional conditional,
                                  int previewEvery, Map<String, Object> extra) throws IOException {
        int[] shape = p.dataset().sampleShape();
        boolean images = shape.length == 3;
        Path grid = images ? gridOf(outFile) : null;
        if (images) {
            if (!outFile.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".npy")) {
                throw new UserException("--out " + outFile + ": image samples " + java.util.Arrays.toString(shape)
                        + " are written as .npy [N, C, H, W] (CSV holds points only)");
            }
            requireNew(grid);
        }
        Preview preview = previewEvery > 0 ? new Preview(previewEvery, shape, siblingOf(outFile, ".preview.png")) : null;
        if (preview != null) {
            requireNew(preview.file);
        }
        long t0 = System.nanoTime();
        PointSet samples = Sampling.sample(p.backend(), p.model(), sampler, shape, p.spec().seed(),
                p.sampling().getInt("count"), p.sampling().getInt("batch-size"), conditional.labels(),
                conditional.guidance(), preview == null ? StepListener.NONE : preview,
                total -> Progress.forConsole("sample " + label, total));
        double seconds = (System.nanoTime() - t0) / 1e9;
        writePoints(outFile, samples);
        if (images) {
            // A person looks at images, not at an .npy: the first 100 as a 10-wide grid beside the file,
            // or, for several classes, the first 10 of each class in a row of its own
            writeGrid(samples, conditional.classes(), p.dataset().classNames(), grid);
            if (preview != null) {
                preview.write();
            }
        }
        Map<String, Object> info = new LinkedHashMap<>(extra);
        info.put("sampler", label);
        if (conditional.labels() != null) {
            info.put("classes", conditional.classes());
            info.put("guidance", conditional.guidance().describe());
            info.put("labels", conditional.labels());
        }
        info.put("seconds", seconds);
        AtomicFiles.writeString(manifestOf(outFile), Manifest.toJson(Manifest.of(p, info)));
        err.printf(Locale.ROOT, "%s: %d samples in %.2f s -> %s%n", label, samples.count(), seconds, outFile);
        return samples;
    }

    private static void writeGrid(PointSet samples, List<Integer> classes, List<String> names, Path grid)
            throws IOException {
        java.util.function.IntFunction<String> rowName = k -> k < names.size() ? k + " " + names.get(k) : "class " + k;
        if (classes.size() <= 1 || samples.count() < classes.size()) {
            PointSet head = samples.head(100);
            int rows = (head.count() + 9) / 10;
            List<String> rowNames = classes.size() != 1 ? null
                    : java.util.Collections.nCopies(rows, rowName.apply(classes.get(0)));
            ImageGrid.write(head, 10, rowNames, grid);
            return;
        }
        int[] labels = samples.labels();
        float[] all = samples.values();
        int per = Math.min(10, samples.count() / classes.size());
        int d = samples.dimension();
        float[] values = new float[classes.size() * per * d];
        int[] chosen = new int[classes.size() * per];
        int filled = 0;
        for (int k : classes) {
            int taken = 0;
            for (int i = 0; i < samples.count() && taken < per; i++) {
                if (labels[i] == k) {
                    System.arraycopy(all, i * d, values, filled * d, d);
                    chosen[filled++] = k;
                    taken++;
                }
            }
        }
        ImageGrid.write(new PointSet(samples.sampleShape(), values, chosen), per,
                classes.stream().map(rowName::apply).toList(), grid);
    }

    /**
     * Collects, every {@code every} steps and at the last, the x̂0 estimate (the state itself where the
     * sampler computes none) of the first 10 samples, and draws them as one row per step.
     */
    private static final class Preview implements StepListener {
        private final int every;
        private final int[] shape;
        private final Path file;
        private final List<float[]> rows = new ArrayList<>();
        private final List<String> names = new ArrayList<>();
        private int columns;

        Preview(int every, int[] shape, Path file) {
            this.every = every;
            this.shape = shape;
            this.file = file;
        }

        @Override
        public void onStep(int step, int steps, double t, Tensor x, Tensor x0Hat) {
            if ((step + 1) % every != 0 && step != steps - 1) {
                return;
            }
            Tensor shown = x0Hat != null ? x0Hat : x;
            columns = Math.min(10, shown.dim(0));
            int d = shown.dim(1);
            float[] all = shown.toArray();
            rows.add(java.util.Arrays.copyOf(all, columns * d));
            names.add(String.format(Locale.ROOT, "%s t %.3f", x0Hat != null ? "x0" : "x", t));
        }

        void write() throws IOException {
            int d = java.util.Arrays.stream(shape).reduce(1, Math::multiplyExact);
            float[] values = new float[rows.size() * columns * d];
            for (int r = 0; r < rows.size(); r++) {
                System.arraycopy(rows.get(r), 0, values, r * columns * d, columns * d);
            }
            ImageGrid.write(new PointSet(shape, values, null), columns, names, file);
        }
    }

    private static Path siblingOf(Path samples, String suffix) {
        String n = samples.getFileName().toString();
        int dot = n.lastIndexOf('.');
        return samples.resolveSibling((dot > 0 ? n.substring(0, dot) : n) + suffix);
    }

    /** The PNG grid written beside an image sample file: {@code x.npy} → {@code x.png}. */
    private static Path gridOf(Path samples) {
        String n = samples.getFileName().toString();
        int dot = n.lastIndexOf('.');
        return samples.resolveSibling((dot > 0 ? n.substring(0, dot) : n) + ".png");
    }

    private static Path manifestOf(Path samples) {
        String n = samples.getFileName().toString();
        int dot = n.lastIndexOf('.');
        return samples.resolveSibling((dot > 0 ? n.substring(0, dot) : n) + ".manifest.json");
    }

    /** Writes .npy (float32) or .csv, chosen by the file's extension (checked up front by {@link #requireNewPointFile}). */
    private static void writePoints(Path file, PointSet points) throws IOException {
        if (file.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".npy")) {
            AtomicFiles.writeBytes(file, PointFiles.toNpy(points));
            return;
        }
        StringWriter w = new StringWriter();
        PointFiles.writeCsv(points, w);
        AtomicFiles.writeString(file, w.toString());
    }

    private static void requireNewPointFile(Path file) {
        String n = file.getFileName().toString().toLowerCase(Locale.ROOT);
        if (!n.endsWith(".csv") && !n.endsWith(".npy")) {
            throw new UserException("--out " + file + ": sample files end in .csv or .npy");
        }
        requireNew(file);
    }

    private static void requireNew(Path file) {
        if (Files.exists(file)) {
            throw new UserException(file + " already exists; choose another --out (existing outputs are never overwritten)");
        }
    }

    // ------------------------------------------------------------------ eval

    private int eval(String[] args) throws Exception {
        Options o = compute();
        o.addOption(Option.builder().longOpt("samples").hasArg().argName("FILE").desc("generated points or images (.csv or .npy)").build());
        o.addOption(Option.builder().longOpt("reference").hasArg().argName("FILE|dataset:NAME")
                .desc("held-out data: a .csv or .npy file, or dataset:NAME for the test split of a dataset (its"
                        + " defaults, e.g. dataset:fashion-mnist), which also reports the floor: the dataset's reference"
                        + " split scored the same way, as many samples").build());
        o.addOption(Option.builder().longOpt("metrics").hasArg().argName("LIST")
                .desc("comma-separated metric names (default: sliced-w2,mmd2,energy; with --classifier:"
                        + " frechet,kid,class-accuracy)").build());
        o.addOption(Option.builder().longOpt("classifier").hasArg().argName("FILE")
                .desc("images: a classifier made by 'diffusion4j classifier'; metrics are then taken on its features"
                        + " (frechet = FD, kid = KID), and class-accuracy is the share of samples it assigns to the class"
                        + " they were drawn for (read from the manifest beside the samples, or --labels)").build());
        o.addOption(Option.builder().longOpt("labels").hasArg().argName("cyclic:K")
                .desc("the classes the samples were drawn for when no manifest records them: cyclic:K means"
                        + " sample i was drawn for class i mod K (e.g. the PyTorch peer's conditional samples)").build());
        o.addOption(Option.builder().longOpt("checkpoint").hasArg().argName("PATH")
                .desc("instead of samples: report the likelihoods of the run's spec on its held-out data").build());
        o.addOption(Option.builder().longOpt("likelihood").hasArg().argName("LABEL")
                .desc("with --checkpoint: only this likelihood of the spec (default: all)").build());
        o.addOption(Option.builder().longOpt("count").hasArg().argName("N")
                .desc("with --checkpoint: evaluate the first N held-out points (default: all)").build());
        o.addOption(set());
        o.addOption(Option.builder().longOpt("out").hasArg().argName("FILE").desc("also write the scores as JSON (must not exist)").build());
        CommandLine cl = parse("eval", "--samples FILE --reference FILE | --checkpoint PATH [--likelihood LABEL]", o, args);
        if (cl == null) {
            return 0;
        }
        boolean model = cl.hasOption("checkpoint");
        if (model ? cl.hasOption("samples") || cl.hasOption("reference") || cl.hasOption("metrics")
                : !cl.hasOption("samples") || !cl.hasOption("reference")) {
            throw new UserException("eval needs either --samples FILE and --reference FILE, or --checkpoint PATH");
        }
        if (!model && (cl.hasOption("likelihood") || cl.hasOption("count") || cl.hasOption("set"))) {
            throw new UserException("--likelihood, --count and --set go with eval --checkpoint");
        }
        if (model && (cl.hasOption("classifier") || cl.hasOption("labels"))) {
            throw new UserException("--classifier and --labels go with eval --samples");
        }
        Path outFile = cl.hasOption("out") ? Path.of(cl.getOptionValue("out")) : null;
        if (outFile != null) {
            requireNew(outFile);
        }
        PluginManager pm = plugins(cl);
        ObjectNode json = model ? likelihoods(cl, pm) : metricScores(cl, pm);
        String text = Manifest.toJson(json);
        out.println(text);
        if (outFile != null) {
            AtomicFiles.writeString(outFile, text);
        }
        return 0;
    }

    /** The metric the runtime computes itself, from the classifier's predictions. */
    private static final String CLASS_ACCURACY = "class-accuracy";

    private ObjectNode metricScores(CommandLine cl, PluginManager pm) throws Exception {
        Path samplesFile = Path.of(cl.getOptionValue("samples"));
        PointSet a = PointFiles.read(samplesFile);
        String referenceText = cl.getOptionValue("reference");
        boolean classified = cl.hasOption("classifier");
        List<String> names = new ArrayList<>();
        for (String n : cl.getOptionValue("metrics", classified ? "frechet,kid," + CLASS_ACCURACY
                : "sliced-w2,mmd2,energy").split(",")) {
            names.add(n.trim());
        }
        if (names.contains(CLASS_ACCURACY) && !classified) {
            throw new UserException(CLASS_ACCURACY + " needs --classifier FILE (make one with 'diffusion4j classifier')");
        }
        ObjectNode json = Manifest.JSON.createObjectNode();
        try (Backend backend = backend(cl, pm)) {
            PointSet b;
            PointSet floorSamples = null;
            if (referenceText.startsWith("dataset:")) {
                Dataset d = referenceDataset(referenceText.substring("dataset:".length()), pm, backend);
                b = d.load(Split.TEST);
                floorSamples = d.load(Split.REFERENCE).head(a.count());
            } else {
                b = PointFiles.read(Path.of(referenceText));
            }
            FeatureClassifier classifier = classified ? FeatureClassifier.load(Path.of(cl.getOptionValue("classifier")),
                    backend) : null;
            if (classified && !java.util.Arrays.equals(a.sampleShape(), classifier.architecture().sampleShape())) {
                throw new UserException("the classifier " + cl.getOptionValue("classifier") + " was trained on images of"
                        + " shape " + java.util.Arrays.toString(classifier.architecture().sampleShape()) + ", the samples"
                        + " in " + samplesFile + " have shape " + java.util.Arrays.toString(a.sampleShape()));
            }
            if (cl.hasOption("labels")) {
                a = a.withLabels(cyclicLabels(cl.getOptionValue("labels"), a.count()));
            } else if (a.labels() == null && names.contains(CLASS_ACCURACY)) {
                a = a.withLabels(labelsFromManifest(samplesFile, a.count()));
            }
            List<String> distances = names.stream().filter(n -> !n.equals(CLASS_ACCURACY)).toList();
            Components components = new Components(pm.registry(), backend, 0);
            Map<String, Metric> metrics = new LinkedHashMap<>();
            for (String name : distances) {
                metrics.put(name, components.create(Kind.METRIC, name, new ComponentRef("metrics", name, Map.of()),
                        classified ? classifier.featureDimension() : a.dimension(), 0));
            }
            PointSet reference = classified && !metrics.isEmpty() ? classifier.features(b) : b;
            scores(json, metrics, names, classifier, a, reference);
            if (floorSamples != null) {
                scores(json.putObject("floor"), metrics, names, classifier, floorSamples, reference);
                json.put("floor-count", floorSamples.count());
            }
        }
        return json;
    }

    /** Every metric of {@code names} for one sample set, in the order asked for. */
    private static void scores(ObjectNode json, Map<String, Metric> metrics, List<String> names,
                               FeatureClassifier classifier, PointSet samples, PointSet reference) {
        Map<String, Double> distances = metrics.isEmpty() ? Map.of() : Evaluation.score(metrics,
                classifier != null ? classifier.features(samples) : samples, reference);
        for (String name : names) {
            json.put(name, name.equals(CLASS_ACCURACY) ? classifier.accuracy(samples) : distances.get(name));
        }
    }

    /** The test split of a dataset with its default options: {@code --reference dataset:NAME}. */
    private static Dataset referenceDataset(String name, PluginManager pm, Backend backend) {
        if (pm.registry().find(Kind.DATASET, name) == null) {
            throw new UserException("--reference dataset:" + name + ": no dataset '" + name + "'; datasets: "
                    + pm.registry().list(Kind.DATASET).stream().map(c -> c.provider().name())
                    .collect(java.util.stream.Collectors.joining(", ")));
        }
        return new Components(pm.registry(), backend, 0).create(Kind.DATASET, "dataset",
                new ComponentRef("dataset", name, Map.of()), 0, 0);
    }

    private static int[] cyclicLabels(String text, int count) {
        String t = text.trim();
        int k = t.startsWith("cyclic:") ? positive("--labels", t.substring("cyclic:".length())) : 0;
        if (k == 0) {
            throw new UserException("--labels " + t + ": give cyclic:K (sample i was drawn for class i mod K)");
        }
        int[] labels = new int[count];
        for (int i = 0; i < count; i++) {
            labels[i] = i % k;
        }
        return labels;
    }

    /** The class each sample was drawn for, from the manifest {@code sample --class} wrote beside the file. */
    private static int[] labelsFromManifest(Path samples, int count) throws IOException {
        Path manifest = manifestOf(samples);
        String advice = CLASS_ACCURACY + " needs the class each sample was drawn for, which 'sample --class' records in"
                + " the manifest beside the samples";
        if (!Files.exists(manifest)) {
            throw new UserException(advice + ", but " + manifest + " does not exist");
        }
        JsonNode labels;
        try {
            labels = Manifest.JSON.readTree(manifest.toFile()).get("labels");
        } catch (IOException e) {
            throw new UserException(manifest + " is not a readable manifest (" + e.getMessage() + ")");
        }
        if (labels == null || !labels.isArray()) {
            throw new UserException(advice + "; " + manifest + " has no labels (were these samples drawn without --class?)");
        }
        if (labels.size() != count) {
            throw new UserException(manifest + " records " + labels.size() + " labels for " + count + " samples in "
                    + samples + "; they do not belong together");
        }
        int[] out = new int[count];
        for (int i = 0; i < count; i++) {
            out[i] = labels.get(i).asInt();
        }
        return out;
    }

    /** −log p of the run's held-out (test) points under each likelihood of its spec. */
    private ObjectNode likelihoods(CommandLine cl, PluginManager pm) throws Exception {
        int count = cl.hasOption("count") ? positive("--count", cl.getOptionValue("count")) : Integer.MAX_VALUE;
        Path file = Checkpoints.locate(Path.of(cl.getOptionValue("checkpoint")));
        SafetensorsFile ck = Checkpoints.read(file);
        PipelineSpec spec = PipelineSpec.parse(Checkpoints.spec(ck), file.toString(), true)
                .with(values(cl.getOptionValues("set")));
        ObjectNode json = Manifest.JSON.createObjectNode();
        try (Backend backend = backend(cl, pm)) {
            Pipeline p = assemble(spec, pm, backend);
            Map<String, Likelihood> chosen = new LinkedHashMap<>(p.likelihoods());
            if (chosen.isEmpty()) {
                throw new UserException("the run's spec has no likelihoods; add one with --set likelihoods.nll.name=COMPONENT"
                        + " (likelihood components: " + pm.registry().list(Kind.LIKELIHOOD).stream()
                        .map(c -> c.provider().name()).collect(java.util.stream.Collectors.joining(", ")) + ")");
            }
            if (cl.hasOption("likelihood")) {
                String label = cl.getOptionValue("likelihood");
                if (!chosen.containsKey(label)) {
                    throw new UserException("the spec has no likelihood '" + label + "'; its likelihoods: "
                            + String.join(", ", chosen.keySet()));
                }
                chosen.keySet().retainAll(List.of(label));
            }
            loadWeights(file, ck, p);
            PointSet test = p.dataset().load(Split.TEST).head(count);
            for (Map.Entry<String, Likelihood> e : chosen.entrySet()) {
                long t0 = System.nanoTime();
                Evaluation.LikelihoodScore s = Evaluation.likelihood(backend, p.model(), e.getValue(), test, spec.seed(),
                        p.sampling().getInt("batch-size"));
                ObjectNode n = json.putObject(e.getKey());
                n.put("component", spec.likelihoods().get(e.getKey()).name());
                n.put(s.bound() ? "nll-bound-nats" : "nll-nats", s.nats());
                n.put("standard-error-nats", s.standardError());
                n.put("bits-per-dim", s.bitsPerDim());
                n.put("bound", s.bound());
                n.put("points", s.points());
                n.put("seconds", (System.nanoTime() - t0) / 1e9);
            }
        }
        return json;
    }

    private static int positive(String option, String value) {
        try {
            int v = Integer.parseInt(value.trim());
            if (v > 0) {
                return v;
            }
        } catch (NumberFormatException ignored) {
            // reported below
        }
        throw new UserException(option + " must be a positive integer, got '" + value + "'");
    }

    // ------------------------------------------------------------------ quickstart

    private int quickstart(String[] args) throws Exception {
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
            if (Files.exists(dir) && !isEmptyDir(dir)) {
                throw new UserException("--out " + dir + " already exists and is not empty; choose another folder");
            }
        } else {
            dir = Path.of("quickstart-out");
            for (int i = 2; Files.exists(dir); i++) {
                dir = Path.of("quickstart-out-" + i);
            }
        }
        PluginManager pm = plugins(cl);
        try (Backend backend = backend(cl, pm)) {
            Pipeline p = assemble(spec, pm, backend);
            err.println("quickstart: flow matching on two Gaussians; output in " + dir.toAbsolutePath());
            long t0 = System.nanoTime();
            TrainingState state = new TrainingState(backend, p.model().network().parameters());
            runTraining(p, state, dir);
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
                sets.put(s.getKey(), drawAndWrite(p, s.getKey(), s.getValue(), dir.resolve("samples-" + s.getKey() + ".csv"),
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
            AtomicFiles.writeString(dir.resolve("metrics.json"), Manifest.toJson(metrics));

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

    private static float[] xy(PointSet s) {
        if (s.dimension() != 2) {
            throw new UserException("scatter plots need 2-D points, got " + s.dimension() + "-D");
        }
        return s.values();
    }

    private static boolean isEmptyDir(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            return false;
        }
        try (var s = Files.list(dir)) {
            return s.findAny().isEmpty();
        }
    }

    private static String resource(String name) throws IOException {
        try (InputStream in = Commands.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException("missing resource " + name);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    private static List<String> values(String[] values) {
        return values == null ? List.of() : List.of(values);
    }
}
