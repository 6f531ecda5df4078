package org.diffusion4j.runtime.cli;

import static org.diffusion4j.runtime.cli.CliSupport.*;
import static org.diffusion4j.runtime.cli.LauncherOptions.backend;
import static org.diffusion4j.runtime.cli.LauncherOptions.compute;
import static org.diffusion4j.runtime.cli.LauncherOptions.plugins;
import static org.diffusion4j.runtime.cli.LauncherOptions.set;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.Option;
import org.apache.commons.cli.Options;
import org.diffusion4j.api.PointSet;
import org.diffusion4j.api.tensor.Backend;
import org.diffusion4j.runtime.UserException;
import org.diffusion4j.runtime.engine.Checkpoints;
import org.diffusion4j.runtime.engine.Inversion;
import org.diffusion4j.runtime.engine.Manifest;
import org.diffusion4j.runtime.engine.Pipeline;
import org.diffusion4j.runtime.io.AtomicFiles;
import org.diffusion4j.runtime.io.SafetensorsFile;
import org.diffusion4j.runtime.plugin.PluginManager;
import org.diffusion4j.runtime.spec.PipelineSpec;

/**
 * The {@code invert} command: the latents of data points or images under a deterministic sampler
 * of a checkpoint (DDIM with η = 0, the ODE samplers), written as a file that {@code sample --latents}
 * and {@code interpolate --from-latent} read back, with a manifest beside it. A sampler that adds
 * noise is refused with the reason and the spec's invertible samplers.
 */
final class InvertCommand {

    private final PrintStream out;
    private final PrintStream err;

    InvertCommand(PrintStream out, PrintStream err) {
        this.out = out;
        this.err = err;
    }

    int run(String[] args) throws Exception {
        Options o = compute();
        o.addOption(Option.builder().longOpt("checkpoint").hasArg().argName("PATH").desc("run folder or checkpoint file").build());
        o.addOption(Option.builder().longOpt("sampler").hasArg().argName("LABEL")
                .desc("which sampler of the spec walks backwards (default: the first that can invert)").build());
        o.addOption(Option.builder().longOpt("data").hasArg().argName("FILE")
                .desc("the data to invert, .csv (points) or .npy ([N, D] or [N, C, H, W])").build());
        o.addOption(Option.builder().longOpt("out").hasArg().argName("FILE")
                .desc("latents to write, .csv or .npy (must not exist)").build());
        o.addOption(Latents.classOption());
        o.addOption(set());
        CommandLine cl = LauncherOptions.parse(out, "invert",
                "--checkpoint PATH --data FILE.csv|FILE.npy --out LATENTS.npy|LATENTS.csv [--sampler LABEL]", o, args);
        if (cl == null) {
            return 0;
        }
        if (!cl.hasOption("checkpoint") || !cl.hasOption("data") || !cl.hasOption("out")) {
            throw new UserException("invert needs --checkpoint PATH, --data FILE.csv (or .npy) and --out LATENTS.npy"
                    + " (or .csv)");
        }
        Path outFile = Path.of(cl.getOptionValue("out"));
        requireNewPointFile(outFile);
        Path dataFile = Path.of(cl.getOptionValue("data"));
        PluginManager pm = plugins(cl);
        Path file = Checkpoints.locate(Path.of(cl.getOptionValue("checkpoint")));
        SafetensorsFile ck = Checkpoints.read(file);
        PipelineSpec spec = PipelineSpec.parseResolved(Checkpoints.spec(ck), file.toString())
                .with(values(cl.getOptionValues("set")));
        try (Backend backend = backend(cl, pm)) {
            Pipeline p = assemble(spec, pm, backend);
            Latents.Chosen chosen = Latents.invertible(p, cl.getOptionValue("sampler"));
            Latents.requireNewOutput(outFile, p);
            PointSet data = Latents.read("--data", dataFile, p);
            int[] labels = Latents.labels(cl, p, data.count());
            loadWeights(file, ck, p);
            long t0 = System.nanoTime();
            PointSet latents = Inversion.invert(p.backend(), p.model(), chosen.sampler(), data,
                    p.sampling().getInt("batch-size"), labels, Latents.progress("invert " + chosen.label()));
            double seconds = (System.nanoTime() - t0) / 1e9;
            // the latents carry no labels: the class is in the manifest
            writePoints(outFile, new PointSet(latents.sampleShape(), latents.values(), null));
            Map<String, Object> info = new LinkedHashMap<>();
            info.put("checkpoint", file.toString());
            info.put("inverted", dataFile.toString());
            info.put("sampler", chosen.label());
            info.put("sampler-component", Latents.describe(p, chosen.label()));
            if (labels != null) {
                info.put("class", labels[0]);
            }
            info.put("latents", "states at the start of the sampler's grid (sample them with sample --latents)");
            info.put("seconds", seconds);
            AtomicFiles.createNewString(manifestOf(outFile), Manifest.toJson(Manifest.of(p, info)));
            err.printf(Locale.ROOT, "%s: %d latents of %s in %.2f s -> %s%n", chosen.label(), latents.count(), dataFile,
                    seconds, outFile);
        }
        return 0;
    }
}
