package org.diffusion4j.runtime.cli;

import static org.diffusion4j.runtime.cli.CliSupport.*;
import static org.diffusion4j.runtime.cli.LauncherOptions.backend;
import static org.diffusion4j.runtime.cli.LauncherOptions.compute;
import static org.diffusion4j.runtime.cli.LauncherOptions.plugins;
import java.awt.Color;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.Option;
import org.apache.commons.cli.Options;
import org.diffusion4j.api.PointSet;
import org.diffusion4j.api.io.PointFiles;
import org.diffusion4j.api.tensor.Backend;
import org.diffusion4j.runtime.UserException;
import org.diffusion4j.runtime.engine.Checkpoints;
import org.diffusion4j.runtime.io.ImageGrid;
import org.diffusion4j.runtime.io.Plots;
import org.diffusion4j.runtime.plugin.PluginManager;
import org.diffusion4j.runtime.spec.PipelineSpec;

/**
 * The {@code plot} command: a picture of files already written. 2-D point files (.csv, .npy) become
 * scatter panels side by side, optionally beside held-out data; an image file (.npy [N, C, H, W]) a
 * grid of its first 100 images; a run's {@code losses.csv} its loss curve on a log axis.
 */
final class PlotCommand {

    /** Panel colours: held-out data dark, then one per sample file. */
    private static final Color[] COLORS = {new Color(40, 40, 40), new Color(31, 119, 180), new Color(214, 39, 40),
            new Color(44, 160, 44), new Color(148, 103, 189), new Color(255, 127, 14)};

    private final PrintStream out;
    private final PrintStream err;

    PlotCommand(PrintStream out, PrintStream err) {
        this.out = out;
        this.err = err;
    }

    int run(String[] args) throws Exception {
        Options o = compute();
        o.addOption(Option.builder().longOpt("out").hasArg().argName("FILE.png").desc("the picture to write (must not exist)")
                .build());
        o.addOption(Option.builder().longOpt("reference").hasArg().argName(HeldOut.SYNTAX)
                .desc("point files: held-out data drawn in a panel before them: 'run' (the test split of the run that"
                        + " made the first file, through its manifest), run:DIR, dataset:NAME, or a point file").build());
        CommandLine cl = LauncherOptions.parse(out, "plot", "FILE... --out FILE.png [--reference " + HeldOut.SYNTAX + "]",
                o, args);
        if (cl == null) {
            return 0;
        }
        List<Path> files = cl.getArgList().stream().map(Path::of).toList();
        if (files.isEmpty() || !cl.hasOption("out")) {
            throw new UserException("plot needs FILE... (sample files .csv/.npy, or a losses.csv) and --out FILE.png");
        }
        Path png = Path.of(cl.getOptionValue("out"));
        if (!png.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".png")) {
            throw new UserException("--out " + png + ": plot writes a .png");
        }
        requireNew(png);
        List<Kind> kinds = new ArrayList<>();
        for (Path f : files) {
            kinds.add(kindOf(f));
        }
        Kind kind = kinds.get(0);
        if (kinds.stream().anyMatch(k -> k != kind)) {
            throw new UserException("plot draws one kind of file at a time; got " + describe(files, kinds));
        }
        if (kind != Kind.POINTS && files.size() > 1) {
            throw new UserException("plot draws one " + (kind == Kind.IMAGES ? "image file" : "loss curve")
                    + " at a time; got " + files.size() + " files");
        }
        if (kind != Kind.POINTS && cl.hasOption("reference")) {
            throw new UserException("--reference goes with 2-D point files (a scatter beside held-out data), not with "
                    + (kind == Kind.IMAGES ? "images" : "a loss curve"));
        }
        switch (kind) {
            case LOSSES -> losses(files.get(0), png);
            case IMAGES -> {
                PointSet images = PointFiles.read(files.get(0));
                // samples drawn with --class: one class per row, as 'sample' draws them
                int[] labels = recordedLabels(files.get(0), images.count());
                if (labels == null) {
                    ImageGrid.writeNew(images.head(100), 10, null, png);
                } else {
                    SampleCommand.writeGrid(images.withLabels(labels),
                            Arrays.stream(labels).distinct().sorted().boxed().toList(), List.of(), png);
                }
            }
            case POINTS -> {
                List<Plots.Panel> panels = new ArrayList<>();
                if (cl.hasOption("reference")) {
                    PluginManager pm = plugins(cl);
                    try (Backend backend = backend(cl, pm)) {
                        HeldOut.Reference r = HeldOut.resolve(cl.getOptionValue("reference"), files.get(0), pm, backend);
                        panels.add(panel(r.title(), twoD(r.test(), cl.getOptionValue("reference")), 0));
                    }
                }
                for (Path f : files) {
                    panels.add(panel(String.valueOf(f.getFileName()), twoD(PointFiles.read(f), f.toString()),
                            panels.size()));
                }
                scatter(png, panels);
            }
        }
        err.println("plot: " + describe(files, kinds) + " -> " + png);
        return 0;
    }

    /** What a file holds, by its name and contents. */
    private enum Kind {
        POINTS, IMAGES, LOSSES
    }

    private static Kind kindOf(Path f) throws IOException {
        String n = f.getFileName() == null ? "" : f.getFileName().toString().toLowerCase(Locale.ROOT);
        if (n.endsWith(".csv")) {
            String header;
            try (BufferedReader r = Files.newBufferedReader(f)) {
                header = r.readLine();
            } catch (NoSuchFileException e) {
                throw new UserException("plot: " + f + " does not exist");
            }
            return header != null && header.trim().equals("step,loss") ? Kind.LOSSES : Kind.POINTS;
        }
        if (n.endsWith(".npy")) {
            if (!Files.exists(f)) {
                throw new UserException("plot: " + f + " does not exist");
            }
            return PointFiles.read(f).sampleShape().length == 3 ? Kind.IMAGES : Kind.POINTS;
        }
        int dot = n.lastIndexOf('.');
        throw new UserException("plot: " + f + ": unknown file type '" + (dot >= 0 ? n.substring(dot) : n) + "'; plot"
                + " reads sample files (.csv points, .npy points or images) and loss curves (a run's losses.csv)");
    }

    private static String describe(List<Path> files, List<Kind> kinds) {
        List<String> parts = new ArrayList<>();
        for (int i = 0; i < files.size(); i++) {
            parts.add(files.get(i) + " (" + kinds.get(i).name().toLowerCase(Locale.ROOT) + ")");
        }
        return String.join(", ", parts);
    }

    private static PointSet twoD(PointSet s, String what) {
        if (s.sampleShape().length != 1 || s.dimension() != 2) {
            throw new UserException("plot: " + what + " holds points of shape " + Arrays.toString(s.sampleShape())
                    + "; scatter plots are drawn for 2-D points (images: one .npy file)");
        }
        return s;
    }

    /** A scatter panel of 2-D points, coloured by its place (0: held-out data). */
    static Plots.Panel panel(String title, PointSet points, int index) {
        return new Plots.Panel(title, points.values(), COLORS[index % COLORS.length]);
    }

    /** Scatter panels side by side, on one shared range. */
    static void scatter(Path png, List<Plots.Panel> panels) throws IOException {
        Plots.scatterPanelsNew(png, panels);
    }

    /** A run's {@code losses.csv} as its loss curve, titled with the loss named in the checkpoint beside it. */
    private static void losses(Path csv, Path png) throws IOException {
        List<String> lines = Files.readAllLines(csv);
        double[] steps = new double[lines.size() - 1];
        double[] losses = new double[lines.size() - 1];
        int n = 0;
        for (String line : lines.subList(1, lines.size())) {
            if (line.isBlank()) {
                continue;
            }
            String[] parts = line.split(",");
            if (parts.length != 2) {
                throw new UserException("plot: " + csv + ": line '" + line + "' is not step,loss");
            }
            steps[n] = number(csv + " step", parts[0]);
            losses[n] = number(csv + " loss", parts[1]);
            n++;
        }
        if (n == 0) {
            throw new UserException("plot: " + csv + " holds no losses");
        }
        String title = "training loss (" + csv.getFileName() + ")";
        Path dir = csv.toAbsolutePath().getParent();
        Path checkpoint = dir == null ? null : dir.resolve(Checkpoints.FILE);
        if (checkpoint != null && Files.isRegularFile(checkpoint)) {
            try {
                PipelineSpec spec = PipelineSpec.parseResolved(Checkpoints.spec(Checkpoints.read(checkpoint)), checkpoint.toString());
                title = TrainCommand.lossTitle(spec.component("loss").name(), spec.name());
            } catch (UserException e) {
                // a damaged checkpoint only costs the title its loss name
            }
        }
        TrainCommand.writeLossChart(png, title, Arrays.copyOf(steps, n), Arrays.copyOf(losses, n));
    }
}
