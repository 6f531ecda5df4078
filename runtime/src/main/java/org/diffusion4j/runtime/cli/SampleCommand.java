package org.diffusion4j.runtime.cli;

import static org.diffusion4j.runtime.cli.CliSupport.*;
import static org.diffusion4j.runtime.cli.LauncherOptions.backend;
import static org.diffusion4j.runtime.cli.LauncherOptions.compute;
import static org.diffusion4j.runtime.cli.LauncherOptions.plugins;
import static org.diffusion4j.runtime.cli.LauncherOptions.set;
import java.io.IOException;
import java.io.PrintStream;
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
import org.diffusion4j.api.StepListener;
import org.diffusion4j.api.tensor.Backend;
import org.diffusion4j.api.tensor.Tensor;
import org.diffusion4j.runtime.UserException;
import org.diffusion4j.runtime.engine.Checkpoints;
import org.diffusion4j.runtime.engine.Guidance;
import org.diffusion4j.runtime.engine.Manifest;
import org.diffusion4j.runtime.engine.Pipeline;
import org.diffusion4j.runtime.engine.SampleRange;
import org.diffusion4j.runtime.engine.Sampling;
import org.diffusion4j.runtime.io.AtomicFiles;
import org.diffusion4j.runtime.io.ImageGrid;
import org.diffusion4j.runtime.io.Progress;
import org.diffusion4j.runtime.io.SafetensorsFile;
import org.diffusion4j.runtime.plugin.PluginManager;
import org.diffusion4j.runtime.spec.PipelineSpec;

/** The {@code sample} command: samples of a checkpoint, class-conditional and guided on request, with an image grid and a manifest. */
final class SampleCommand {

    private final PrintStream out;
    private final PrintStream err;

    SampleCommand(PrintStream out, PrintStream err) {
        this.out = out;
        this.err = err;
    }

    private CommandLine parse(String name, String argsSyntax, Options options, String[] args) throws ParseException {
        return LauncherOptions.parse(out, name, argsSyntax, options, args);
    }

    /** With --spark: where the samples are drawn, the executors' arguments and the partition count. */
    private org.diffusion4j.runtime.cluster.Cluster cluster;
    private List<String> workerArgs;
    private int partitions;

    private static Options options() {
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
        o.addOption(Option.builder().longOpt("latents").hasArg().argName("FILE")
                .desc("start from these latents (.csv or .npy, as written by invert) instead of fresh noise; with"
                        + " --class K one class for all").build());
        o.addOption(set());
        Distributed.addOptions(o);
        return o;
    }

    int sample(String[] args) throws Exception {
        CommandLine cl = parse("sample", "--checkpoint PATH --out FILE.csv|FILE.npy [--class LIST [--guidance S]]"
                + " [--spark MASTER]", options(), args);
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
        PipelineSpec spec = PipelineSpec.parseResolved(Checkpoints.spec(ck), file.toString())
                .with(values(cl.getOptionValues("set")));
        try (Backend backend = backend(cl, pm)) {
            Pipeline p = assemble(spec, pm, backend);
            String label = cl.getOptionValue("sampler", p.samplers().isEmpty() ? null : p.samplers().keySet().iterator().next());
            Sampler sampler = label == null ? null : p.samplers().get(label);
            if (sampler == null) {
                throw new UserException("the spec has no sampler '" + label + "'; its samplers: "
                        + String.join(", ", p.samplers().keySet()) + " (add one with --set samplers.NAME.name=COMPONENT)");
            }
            Distributed.requireSparkFor(cl);
            if (Distributed.requested(cl) && (cl.hasOption("latents") || cl.hasOption("preview-every"))) {
                throw new UserException("--spark draws fresh samples only: --latents and --preview-every run on one"
                        + " machine (drop --spark)");
            }
            if (cl.hasOption("latents")) {
                loadWeights(file, ck, p);
                return Latents.sample(cl, p, label, sampler, outFile, file, err);
            }
            Conditional conditional = conditional(cl, p);
            int previewEvery = cl.hasOption("preview-every") ? positive("--preview-every", cl.getOptionValue("preview-every"))
                    : 0;
            if (previewEvery > 0 && p.dataset().sampleShape().length != 3) {
                throw new UserException("--preview-every draws image grids; this model's samples are "
                        + p.dataset().sampleShape().length + "-D points, not images");
            }
            loadWeights(file, ck, p);
            if (!Distributed.requested(cl)) {
                drawAndWrite(p, label, sampler, outFile, conditional, previewEvery, Map.of("checkpoint", file.toString()));
                return 0;
            }
            workerArgs = Distributed.workerArgs(cl, java.util.Set.of("checkpoint"));
            try (var c = Distributed.connect(cl, err)) {
                cluster = c;
                partitions = Distributed.partitions(cl, c);
                drawAndWrite(p, label, sampler, outFile, conditional, previewEvery, Map.of("checkpoint", file.toString(),
                        "cluster", c.describe()));
            } finally {
                cluster = null;
            }
        }
        return 0;
    }

    /**
     * On an executor: samples {@code from} to {@code to} (exclusive) of the run that {@code args} (the
     * driver's {@code sample} arguments) describe, bit for bit what {@code sample} draws for them on
     * one machine.
     *
     * @param nanos receives the times of loading the plugins, of reading the checkpoint and building the
     *              pipeline, and of sampling
     */
    static PointSet drawPart(String[] args, int from, int to, long[] nanos) throws Exception {
        long t0 = System.nanoTime();
        CommandLine cl = new org.apache.commons.cli.DefaultParser().parse(options(), args);
        Path checkpoint = Path.of(cl.getOptionValue("checkpoint"));
        if (!java.nio.file.Files.exists(checkpoint)) {
            throw new UserException("checkpoint " + checkpoint + " is not visible here, though the driver read it: put"
                    + " it where every executor can read it at the same path (a shared or distributed file system)");
        }
        PluginManager pm = plugins(cl);
        long tp = System.nanoTime();
        Path file = Checkpoints.locate(checkpoint);
        SafetensorsFile ck = Checkpoints.read(file);
        PipelineSpec spec = PipelineSpec.parseResolved(Checkpoints.spec(ck), file.toString())
                .with(values(cl.getOptionValues("set")));
        try (Backend backend = backend(cl, pm)) {
            Pipeline p = assemble(spec, pm, backend);
            String label = cl.getOptionValue("sampler", p.samplers().keySet().iterator().next());
            Conditional conditional = conditional(cl, p);
            loadWeights(file, ck, p);
            long t1 = System.nanoTime();
            PointSet part = Sampling.sampleRange(backend, p.model(), p.prior(), p.samplers().get(label),
                    p.dataset().sampleShape(), p.spec().seed(), from, to, p.sampling().getInt("count"),
                    p.sampling().getInt("batch-size"), conditional.labels(), conditional.guidance(), total -> null);
            nanos[0] = tp - t0;
            nanos[1] = t1 - tp;
            nanos[2] = System.nanoTime() - t1;
            return part;
        }
    }

    /** Draws on {@link #cluster}: whole batches per task, gathered in index order. */
    private PointSet drawOnCluster(Pipeline p, int[] labels) {
        int count = p.sampling().getInt("count");
        int[] shape = p.dataset().sampleShape();
        int d = java.util.Arrays.stream(shape).reduce(1, Math::multiplyExact);
        List<int[]> ranges = Distributed.batchRanges(count, p.sampling().getInt("batch-size"), partitions);
        if (ranges.size() < partitions) {
            err.println("spark: " + ranges.size() + " partitions, not " + partitions + ": a task takes whole batches ("
                    + count + " samples in batches of " + p.sampling().getInt("batch-size") + ")");
        }
        List<byte[]> results = cluster.map("sample", workerArgs, ranges);
        float[] all = new float[count * d];
        for (int i = 0; i < ranges.size(); i++) {
            float[] part = Distributed.values(results.get(i));
            int[] r = ranges.get(i);
            if (part.length != (r[1] - r[0]) * d) {
                throw new IllegalStateException("task " + i + " returned " + part.length + " values for samples " + r[0]
                        + ".." + r[1] + " of dimension " + d);
            }
            System.arraycopy(part, 0, all, r[0] * d, part.length);
        }
        err.println("spark: " + Distributed.timings(results));
        return new PointSet(shape, all, labels);
    }

    /** What {@code sample} conditions on: a label per sample (null: unconditional) and the guidance. */
    private record Conditional(int[] labels, List<Integer> classes, Guidance guidance) {
        static final Conditional NONE = new Conditional(null, List.of(), Guidance.NONE);
    }

    /** The --class and --guidance options, checked against the model: each wrong value a one-line error. */
    static Conditional conditional(CommandLine cl, Pipeline p) {
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

    PointSet drawAndWrite(Pipeline p, String label, Sampler sampler, Path outFile, Map<String, Object> extra)
            throws IOException {
        return drawAndWrite(p, label, sampler, outFile, Conditional.NONE, 0, extra);
    }

    PointSet drawAndWrite(Pipeline p, String label, Sampler sampler, Path outFile, Conditional conditional,
                                  int previewEvery, Map<String, Object> extra) throws IOException {
        int[] shape = p.dataset().sampleShape();
        boolean images = shape.length == 3;
        // Every sample file gets a picture beside it: a grid of images, or 2-D points beside the held-out data
        boolean scatter = shape.length == 1 && shape[0] == 2;
        Path grid = images || scatter ? gridOf(outFile) : null;
        PointSet heldOut = null;
        if (scatter) {
            requireNew(grid);
            heldOut = HeldOut.splitOrNull(p.dataset(), Split.TEST, err, "no held-out data beside the samples in " + grid);
        }
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
        PointSet samples = cluster != null ? drawOnCluster(p, conditional.labels())
                : Sampling.sample(p.backend(), p.model(), p.prior(), sampler, shape, p.spec().seed(),
                p.sampling().getInt("count"), p.sampling().getInt("batch-size"), conditional.labels(),
                conditional.guidance(), preview == null ? StepListener.NONE : preview,
                total -> Progress.forConsole("sample " + label, total));
        double seconds = (System.nanoTime() - t0) / 1e9;
        String blowUp = SampleRange.warning(samples, SampleRange.of(p.dataset()), p, label);
        Map<String, Object> info = new LinkedHashMap<>(extra);
        info.put("sampler", label);
        if (conditional.labels() != null) {
            info.put("classes", conditional.classes());
            info.put("guidance", conditional.guidance().describe());
            info.put("labels", conditional.labels());
        }
        info.put("seconds", seconds);
        if (blowUp != null) {
            info.put("warning", blowUp);
        }
        // Every file is published create-new; when one was taken by another writer meanwhile, the
        // ones this run had published are taken back, so no sample file is left with a stranger's
        // manifest or grid.
        List<Path> published = new ArrayList<>();
        try {
            writePoints(outFile, samples);
            published.add(outFile);
            if (images) {
                // A person looks at images, not at an .npy: the first 100 as a 10-wide grid beside the file,
                // or, for several classes, the first 10 of each class in a row of its own
                writeGrid(samples, conditional.classes(), p.dataset().classNames(), grid);
                published.add(grid);
                if (preview != null) {
                    preview.write();
                    published.add(preview.file);
                }
            } else if (scatter) {
                List<org.diffusion4j.runtime.io.Plots.Panel> panels = new ArrayList<>();
                if (heldOut != null) {
                    panels.add(PlotCommand.panel("held-out data (test split)", heldOut, 0));
                }
                panels.add(PlotCommand.panel("samples: " + label + " (" + p.spec().samplers().get(label).name() + ")",
                        samples, 1));
                PlotCommand.scatter(grid, panels);
                published.add(grid);
            } else {
                err.println("no picture of " + outFile + ": its samples are " + java.util.Arrays.toString(shape)
                        + " (pictures are drawn for 2-D points and for images)");
            }
            AtomicFiles.createNewString(manifestOf(outFile), Manifest.toJson(Manifest.of(p, info)));
        } catch (UserException e) {
            for (Path f : published) {
                java.nio.file.Files.deleteIfExists(f);
            }
            throw e;
        }
        err.printf(Locale.ROOT, "%s: %d samples in %.2f s -> %s%n", label, samples.count(), seconds, outFile);
        if (blowUp != null) {
            err.println(blowUp);
        }
        return samples;
    }

    static void writeGrid(PointSet samples, List<Integer> classes, List<String> names, Path grid)
            throws IOException {
        java.util.function.IntFunction<String> rowName = k -> k < names.size() ? k + " " + names.get(k) : "class " + k;
        if (classes.size() <= 1 || samples.count() < classes.size()) {
            PointSet head = samples.head(100);
            int rows = (head.count() + 9) / 10;
            List<String> rowNames = classes.size() != 1 ? null
                    : java.util.Collections.nCopies(rows, rowName.apply(classes.get(0)));
            ImageGrid.writeNew(head, 10, rowNames, grid);
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
        ImageGrid.writeNew(new PointSet(samples.sampleShape(), values, chosen), per,
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
        int columns;

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
            ImageGrid.writeNew(new PointSet(shape, values, null), columns, names, file);
        }
    }

}
