package org.diffusion4j.runtime.cli;

import static org.diffusion4j.runtime.cli.CliSupport.*;
import static org.diffusion4j.runtime.cli.LauncherOptions.backend;
import static org.diffusion4j.runtime.cli.LauncherOptions.compute;
import static org.diffusion4j.runtime.cli.LauncherOptions.plugins;
import static org.diffusion4j.runtime.cli.LauncherOptions.set;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.Option;
import org.apache.commons.cli.Options;
import org.diffusion4j.api.Dataset;
import org.diffusion4j.api.PointSet;
import org.diffusion4j.api.Split;
import org.diffusion4j.api.tensor.Backend;
import org.diffusion4j.runtime.UserException;
import org.diffusion4j.runtime.plugin.PluginManager;

/**
 * The {@code export} command: one split of a dataset written as a file, so that other tools (or
 * {@code eval --reference FILE}) see exactly the points a run trained or is scored on. The split of a
 * run ({@code --checkpoint}) is built from the run's spec: its dataset options and its seed.
 */
final class ExportCommand {

    private final PrintStream out;
    private final PrintStream err;

    ExportCommand(PrintStream out, PrintStream err) {
        this.out = out;
        this.err = err;
    }

    int run(String[] args) throws Exception {
        Options o = compute();
        o.addOption(Option.builder().longOpt("dataset").hasArg().argName("NAME")
                .desc("a dataset with its default options (change them with --set dataset.OPTION=V, seed with"
                        + " --set seed=N)").build());
        o.addOption(Option.builder().longOpt("checkpoint").hasArg().argName("PATH")
                .desc("instead of --dataset: the dataset of this run (run folder or checkpoint), exactly as it"
                        + " trained").build());
        o.addOption(Option.builder().longOpt("split").hasArg().argName("SPLIT")
                .desc("train, test (the held-out points eval scores against) or reference (a second held-out set,"
                        + " the floor's); default test").build());
        o.addOption(Option.builder().longOpt("out").hasArg().argName("FILE")
                .desc(".csv (points) or .npy (points or images [N, C, H, W]); must not exist").build());
        o.addOption(set());
        CommandLine cl = LauncherOptions.parse(out, "export",
                "(--dataset NAME [--set dataset.OPTION=V] | --checkpoint PATH) [--split train|test|reference] --out FILE",
                o, args);
        if (cl == null) {
            return 0;
        }
        if (cl.hasOption("dataset") == cl.hasOption("checkpoint") || !cl.hasOption("out")) {
            throw new UserException("export needs --dataset NAME or --checkpoint PATH (one of them), and --out FILE.csv"
                    + " (or FILE.npy)");
        }
        if (cl.hasOption("checkpoint") && cl.hasOption("set")) {
            throw new UserException("--set changes the options of --dataset NAME; a run's dataset (--checkpoint) is"
                    + " exported exactly as it trained");
        }
        Split split = HeldOut.split(cl.getOptionValue("split", "test"));
        Path outFile = Path.of(cl.getOptionValue("out"));
        String n = outFile.getFileName().toString().toLowerCase(Locale.ROOT);
        if (!n.endsWith(".csv") && !n.endsWith(".npy")) {
            throw new UserException("--out " + outFile + ": export writes .csv (points) or .npy (points or images)");
        }
        requireNew(outFile);
        PluginManager pm = plugins(cl);
        try (Backend backend = backend(cl, pm)) {
            Dataset d = cl.hasOption("checkpoint")
                    ? HeldOut.ofRun(Path.of(cl.getOptionValue("checkpoint")), pm, backend)
                    : HeldOut.ofDataset(cl.getOptionValue("dataset"), values(cl.getOptionValues("set")), pm, backend);
            int[] shape = d.sampleShape();
            if (shape.length != 1 && !outFile.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".npy")) {
                throw new UserException("--out " + outFile + ": this dataset's samples have shape "
                        + Arrays.toString(shape) + " and are written as .npy (CSV holds points only)");
            }
            PointSet points = d.load(split);
            writePoints(outFile, points);
            err.printf(Locale.ROOT, "%s split: %d %s of shape %s -> %s%n", split.name().toLowerCase(Locale.ROOT),
                    points.count(), shape.length == 1 ? "points" : "samples", Arrays.toString(shape), outFile);
        }
        return 0;
    }
}
