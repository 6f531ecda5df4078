package org.diffusion4j.runtime.cli;

import static org.diffusion4j.runtime.cli.CliSupport.*;
import static org.diffusion4j.runtime.cli.LauncherOptions.backend;
import static org.diffusion4j.runtime.cli.LauncherOptions.compute;
import static org.diffusion4j.runtime.cli.LauncherOptions.plugins;
import static org.diffusion4j.runtime.cli.LauncherOptions.set;

import java.awt.Color;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.Option;
import org.apache.commons.cli.Options;
import org.diffusion4j.api.Interpolation;
import org.diffusion4j.api.PointSet;
import org.diffusion4j.api.tensor.Backend;
import org.diffusion4j.api.tensor.Tensor;
import org.diffusion4j.runtime.UserException;
import org.diffusion4j.runtime.engine.Checkpoints;
import org.diffusion4j.runtime.engine.Inversion;
import org.diffusion4j.runtime.engine.Manifest;
import org.diffusion4j.runtime.engine.Pipeline;
import org.diffusion4j.runtime.io.AtomicFiles;
import org.diffusion4j.runtime.io.ImageGrid;
import org.diffusion4j.runtime.io.Plots;
import org.diffusion4j.runtime.io.SafetensorsFile;
import org.diffusion4j.runtime.plugin.PluginManager;
import org.diffusion4j.runtime.spec.PipelineSpec;

/**
 * The {@code interpolate} command: K samples along a path between two latents, spherical
 * ({@link Interpolation.Method#SLERP}, for the Gaussian prior) or straight. The ends are given as
 * latents (from {@code invert}) or as data, which is inverted first with the same sampler. Frame 0
 * and frame K−1 are the samples of the end latents themselves. Images also get a one-row PNG strip
 * beside the .npy, 2-D points a scatter PNG beside the file.
 */
final class InterpolateCommand {

    private final PrintStream out;
    private final PrintStream err;

    InterpolateCommand(PrintStream out, PrintStream err) {
        this.out = out;
        this.err = err;
    }

    int run(String[] args) throws Exception {
        Options o = compute();
        o.addOption(Option.builder().longOpt("checkpoint").hasArg().argName("PATH").desc("run folder or checkpoint file").build());
        o.addOption(Option.builder().longOpt("sampler").hasArg().argName("LABEL")
                .desc("which sampler of the spec (default: the first that can invert); it must be deterministic").build());
        o.addOption(Option.builder().longOpt("from-data").hasArg().argName("FILE").desc("start: data, .csv or .npy (inverted first)").build());
        o.addOption(Option.builder().longOpt("to-data").hasArg().argName("FILE").desc("end: data, .csv or .npy (inverted first)").build());
        o.addOption(Option.builder().longOpt("from-latent").hasArg().argName("FILE").desc("start: latents written by invert").build());
        o.addOption(Option.builder().longOpt("to-latent").hasArg().argName("FILE").desc("end: latents written by invert").build());
        o.addOption(Option.builder().longOpt("row").hasArg().argName("I[,J]")
                .desc("the row of each file (default 0); I,J: row I of the start file, row J of the end file").build());
        o.addOption(Option.builder().longOpt("frames").hasArg().argName("K").desc("number of samples along the path, ends included (at least 2)").build());
        o.addOption(Option.builder().longOpt("method").hasArg().argName("M")
                .desc("slerp (default: for Gaussian latents, keeps their norm) or linear").build());
        o.addOption(Option.builder().longOpt("out").hasArg().argName("FILE").desc("frames to write, .csv or .npy (must not exist)").build());
        o.addOption(Latents.classOption());
        o.addOption(set());
        CommandLine cl = LauncherOptions.parse(out, "interpolate", "--checkpoint PATH (--from-data F --to-data F |"
                + " --from-latent F --to-latent F) --frames K --out FILE.csv|FILE.npy", o, args);
        if (cl == null) {
            return 0;
        }
        boolean data = cl.hasOption("from-data") || cl.hasOption("to-data");
        boolean latent = cl.hasOption("from-latent") || cl.hasOption("to-latent");
        if (data == latent || (data && !(cl.hasOption("from-data") && cl.hasOption("to-data")))
                || (latent && !(cl.hasOption("from-latent") && cl.hasOption("to-latent")))) {
            throw new UserException("interpolate needs its two ends as --from-data F --to-data F or as --from-latent F"
                    + " --to-latent F (not a mix)");
        }
        if (!cl.hasOption("checkpoint") || !cl.hasOption("frames") || !cl.hasOption("out")) {
            throw new UserException("interpolate needs --checkpoint PATH, --frames K and --out FILE.csv (or .npy)");
        }
        int frames = positive("--frames", cl.getOptionValue("frames"));
        if (frames < 2) {
            throw new UserException("--frames " + frames + ": a path needs at least 2 frames (its two ends)");
        }
        Interpolation.Method method;
        String methodText = cl.getOptionValue("method", "slerp").trim();
        try {
            method = Interpolation.Method.parse(methodText);
        } catch (IllegalArgumentException e) {
            throw new UserException("--method " + methodText + " is not an interpolation method; allowed: slerp, linear");
        }
        int[] rows = rows(cl.getOptionValue("row", "0"));
        Path outFile = Path.of(cl.getOptionValue("out"));
        requireNewPointFile(outFile);
        Path png = gridOf(outFile);
        String from = cl.getOptionValue(data ? "from-data" : "from-latent");
        String to = cl.getOptionValue(data ? "to-data" : "to-latent");
        PluginManager pm = plugins(cl);
        Path file = Checkpoints.locate(Path.of(cl.getOptionValue("checkpoint")));
        SafetensorsFile ck = Checkpoints.read(file);
        PipelineSpec spec = PipelineSpec.parseResolved(Checkpoints.spec(ck), file.toString())
                .with(values(cl.getOptionValues("set")));
        try (Backend backend = backend(cl, pm)) {
            Pipeline p = assemble(spec, pm, backend);
            Latents.Chosen chosen = Latents.invertible(p, cl.getOptionValue("sampler"));
            Latents.requireNewOutput(outFile, p);
            int[] shape = p.dataset().sampleShape();
            boolean images = shape.length == 3;
            boolean plane = shape.length == 1 && shape[0] == 2;
            if (images || plane) {
                requireNew(png);
            }
            String kind = data ? "data" : "latent";
            PointSet a = row(Latents.read("--from-" + kind, Path.of(from), p), rows[0], "--from-" + kind, from);
            PointSet b = row(Latents.read("--to-" + kind, Path.of(to), p), rows[1], "--to-" + kind, to);
            loadWeights(file, ck, p);
            int batch = p.sampling().getInt("batch-size");
            long t0 = System.nanoTime();
            PointSet ends = join(shape, a, b);
            if (data) {
                ends = Inversion.invert(p.backend(), p.model(), chosen.sampler(), ends, batch, Latents.labels(cl, p, 2),
                        Latents.progress("invert " + chosen.label()));
            }
            int d = ends.dimension();
            float[] both = ends.values();
            Tensor za = Tensor.of(p.backend(), Arrays.copyOfRange(both, 0, d), 1, d);
            Tensor zb = Tensor.of(p.backend(), Arrays.copyOfRange(both, d, 2 * d), 1, d);
            float[] path = new float[frames * d];
            double[] lambdas = new double[frames];
            for (int k = 0; k < frames; k++) {
                // the last λ exactly 1, so the last frame is the end latent itself
                lambdas[k] = k == frames - 1 ? 1 : (double) k / (frames - 1);
                System.arraycopy(Interpolation.interpolate(method, za, zb, lambdas[k]).toArray(), 0, path, k * d, d);
            }
            PointSet samples = Inversion.sampleFrom(p.backend(), p.model(), chosen.sampler(), new PointSet(shape, path, null),
                    p.spec().seed(), batch, Latents.labels(cl, p, frames), Latents.progress("sample " + chosen.label()));
            double seconds = (System.nanoTime() - t0) / 1e9;
            PointSet written = new PointSet(shape, samples.values(), null);
            writePoints(outFile, written);
            if (images) {
                ImageGrid.writeNew(written, frames, null, png);
            } else if (plane) {
                List<Plots.Panel> panels = new ArrayList<>();
                panels.add(new Plots.Panel(method.id() + " path, " + frames + " frames", written.values(), new Color(31, 119, 180)));
                if (data) {
                    panels.add(new Plots.Panel("ends (data)", both(a, b), new Color(214, 39, 40)));
                }
                Plots.scatterPanelsNew(png, panels);
            }
            Map<String, Object> info = new LinkedHashMap<>();
            info.put("checkpoint", file.toString());
            info.put("sampler", chosen.label());
            info.put("sampler-component", Latents.describe(p, chosen.label()));
            info.put("from", Map.of(kind, from, "row", rows[0]));
            info.put("to", Map.of(kind, to, "row", rows[1]));
            info.put("method", method.id());
            info.put("lambdas", lambdas);
            if (cl.hasOption("class")) {
                info.put("class", Latents.labels(cl, p, 1)[0]);
            }
            info.put("seconds", seconds);
            AtomicFiles.createNewString(manifestOf(outFile), Manifest.toJson(Manifest.of(p, info)));
            err.printf(Locale.ROOT, "%s: %d frames (%s) in %.2f s -> %s%n", chosen.label(), frames, method.id(), seconds,
                    outFile);
        }
        return 0;
    }

    /** {@code I} or {@code I,J}: the row of the start file and of the end file. */
    private static int[] rows(String text) {
        String[] parts = text.split(",", -1);
        if (parts.length > 2) {
            throw new UserException("--row " + text + ": give one row I (both files) or I,J (start file, end file)");
        }
        int[] rows = new int[2];
        for (int i = 0; i < 2; i++) {
            String part = parts[Math.min(i, parts.length - 1)].trim();
            try {
                rows[i] = Integer.parseInt(part);
            } catch (NumberFormatException e) {
                rows[i] = -1;
            }
            if (rows[i] < 0) {
                throw new UserException("--row " + text + ": '" + part + "' is not a row index (0, 1, ...)");
            }
        }
        return rows;
    }

    private static PointSet row(PointSet set, int row, String option, String file) {
        if (row >= set.count()) {
            throw new UserException("--row " + row + ": " + option + " " + file + " has " + set.count() + " rows (0.."
                    + (set.count() - 1) + ")");
        }
        int d = set.dimension();
        return new PointSet(set.sampleShape(), Arrays.copyOfRange(set.values(), row * d, (row + 1) * d), null);
    }

    private static PointSet join(int[] shape, PointSet a, PointSet b) {
        return new PointSet(shape, both(a, b), null);
    }

    private static float[] both(PointSet a, PointSet b) {
        float[] x = a.values();
        float[] y = b.values();
        float[] out = Arrays.copyOf(x, x.length + y.length);
        System.arraycopy(y, 0, out, x.length, y.length);
        return out;
    }
}
