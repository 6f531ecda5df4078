package org.diffusion4j.runtime.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
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
import org.diffusion4j.api.Kind;
import org.diffusion4j.api.Metric;
import org.diffusion4j.api.PointSet;
import org.diffusion4j.api.Sampler;
import org.diffusion4j.api.Split;
import org.diffusion4j.api.config.ConfigException;
import org.diffusion4j.api.tensor.Backend;
import org.diffusion4j.runtime.UserException;
import org.diffusion4j.runtime.engine.Checkpoints;
import org.diffusion4j.runtime.engine.Evaluation;
import org.diffusion4j.runtime.engine.Manifest;
import org.diffusion4j.runtime.engine.Pipeline;
import org.diffusion4j.runtime.engine.RunModule;
import org.diffusion4j.runtime.engine.Sampling;
import org.diffusion4j.runtime.io.AtomicFiles;
import org.diffusion4j.runtime.io.SafetensorsFile;
import org.diffusion4j.runtime.plugin.PluginManager;
import org.diffusion4j.runtime.spec.ComponentRef;
import org.diffusion4j.runtime.spec.PipelineSpec;

/**
 * The launcher's {@code sweep} command: one sampler of a trained run, its options varied over a grid
 * of rows × columns, every cell sampled from the same x_T and noise streams and scored against the
 * run's held-out data. Its defaults are the DDIM paper's Table 1 (Song, Meng and Ermon 2020, §5.1):
 * rows η ∈ {0.0, 0.2, 0.5, 1.0} and σ̂ ({@code variance=sigma-hat}), columns S ∈ {10, 20, 50, 100, 1000};
 * any other options of any sampler sweep the same way ({@code --row clip=static --row clip=dynamic
 * --column spacing=leading --column spacing=trailing}).
 *
 * <p>A row or column is a comma-separated list of {@code option=value} overrides of
 * {@code samplers.LABEL}; a cell applies the row's, then the column's. Every cell's sampler is built
 * and checked against the model before any sampling, so a bad option or a refused combination stops
 * the sweep at once with exit 2. Writes the scores as JSON (with the floor: the reference split against
 * the test split) and the same tables as Markdown beside it, and prints the Markdown.
 */
public final class SweepCommand {

    /** The DDIM paper's Table 1 rows. */
    static final List<String> DDIM_ROWS = List.of("eta=0.0", "eta=0.2", "eta=0.5", "eta=1.0", "variance=sigma-hat");
    /** The DDIM paper's Table 1 columns. */
    static final List<String> DDIM_COLUMNS = List.of("steps=10", "steps=20", "steps=50", "steps=100", "steps=1000");

    private final PrintStream out;
    private final PrintStream err;

    public SweepCommand(PrintStream out, PrintStream err) {
        this.out = out;
        this.err = err;
    }

    private static Options options() {
        Options o = LauncherOptions.compute();
        o.addOption(Option.builder().longOpt("checkpoint").hasArg().argName("PATH").desc("run folder or checkpoint file").build());
        o.addOption(Option.builder().longOpt("sampler").hasArg().argName("LABEL")
                .desc("which sampler of the run's spec to sweep (default: the first)").build());
        o.addOption(Option.builder().longOpt("row").hasArg().argName("OPT=V[,OPT=V]")
                .desc("one row of option overrides (repeatable; default: the DDIM table's eta=0.0 .. eta=1.0, variance=sigma-hat)").build());
        o.addOption(Option.builder().longOpt("column").hasArg().argName("OPT=V[,OPT=V]")
                .desc("one column of option overrides (repeatable; default: steps=10, 20, 50, 100, 1000)").build());
        o.addOption(Option.builder().longOpt("metrics").hasArg().argName("LIST")
                .desc("comma-separated metric names (default: sliced-w2,mmd2)").build());
        o.addOption(Option.builder().longOpt("out").hasArg().argName("FILE.json")
                .desc("scores as JSON; the Markdown tables go beside it as FILE.md (neither may exist)").build());
        o.addOption(Option.builder().longOpt("set").hasArg().argName("PATH=VALUE")
                .desc("override one spec value for every cell, e.g. --set samplers.ddim.clip=static (repeatable)").build());
        return o;
    }

    /** Runs the command; returns the exit status. */
    public int run(String[] args) throws Exception {
        CommandLine cl = LauncherOptions.parse(out, "sweep",
                "--checkpoint RUN --out FILE.json [--sampler LABEL] [--row ..] [--column ..]", options(), args);
        if (cl == null) {
            return 0;
        }
        if (!cl.hasOption("checkpoint") || !cl.hasOption("out")) {
            throw new UserException("sweep needs --checkpoint RUN and --out FILE.json");
        }
        Path jsonFile = Path.of(cl.getOptionValue("out"));
        Path mdFile = jsonFile.resolveSibling(jsonFile.getFileName().toString().replaceFirst("\\.json$", "") + ".md");
        for (Path f : List.of(jsonFile, mdFile)) {
            if (Files.exists(f)) {
                throw new UserException(f + " already exists; choose another --out (existing outputs are never overwritten)");
            }
        }
        List<String> rows = cl.hasOption("row") ? List.of(cl.getOptionValues("row")) : DDIM_ROWS;
        List<String> columns = cl.hasOption("column") ? List.of(cl.getOptionValues("column")) : DDIM_COLUMNS;
        List<String> metricNames = new ArrayList<>();
        for (String m : cl.getOptionValue("metrics", "sliced-w2,mmd2").split(",")) {
            metricNames.add(m.trim());
        }

        PluginManager pm = LauncherOptions.plugins(cl);
        Path file = Checkpoints.locate(Path.of(cl.getOptionValue("checkpoint")));
        SafetensorsFile ck = Checkpoints.read(file);
        PipelineSpec spec = PipelineSpec.parse(Checkpoints.spec(ck), file.toString(), true)
                .with(cl.hasOption("set") ? List.of(cl.getOptionValues("set")) : List.of());
        String label = cl.getOptionValue("sampler",
                spec.samplers().isEmpty() ? "" : spec.samplers().keySet().iterator().next());
        if (!spec.samplers().containsKey(label)) {
            throw new UserException("the spec has no sampler '" + label + "'; its samplers: "
                    + String.join(", ", spec.samplers().keySet()));
        }
        try (Backend backend = LauncherOptions.backend(cl, pm)) {
            Pipeline p = RunModule.assemble(spec, pm.registry(), backend);
            int dim = p.dataset().dimension();
            Map<String, Metric> metrics = new LinkedHashMap<>();
            for (String m : metricNames) {
                metrics.put(m, p.components().create(Kind.METRIC, "metric " + m, new ComponentRef("metrics", m, Map.of()),
                        dim, 0));
            }
            // Build and check every cell's sampler before sampling anything.
            Sampler[][] cells = new Sampler[rows.size()][columns.size()];
            for (int r = 0; r < rows.size(); r++) {
                for (int c = 0; c < columns.size(); c++) {
                    cells[r][c] = cellSampler(spec, p, label, rows.get(r), columns.get(c));
                }
            }
            String prefix = p.sampling().getString("weights").equals("ema") ? "ema." : "model.";
            Checkpoints.load(file, ck, prefix, p.model().network().parameters());
            PointSet test = p.dataset().load(Split.TEST);
            Map<String, Double> floor = Evaluation.score(metrics, p.dataset().load(Split.REFERENCE), test);

            double[][][] scores = new double[metricNames.size()][rows.size()][columns.size()];
            double[][] seconds = new double[rows.size()][columns.size()];
            for (int r = 0; r < rows.size(); r++) {
                for (int c = 0; c < columns.size(); c++) {
                    long t0 = System.nanoTime();
                    PointSet samples = Sampling.sample(backend, p.model(), p.prior(), cells[r][c], new int[]{dim},
                            spec.seed(), p.sampling().getInt("count"), p.sampling().getInt("batch-size"), null,
                            org.diffusion4j.runtime.engine.Guidance.NONE, org.diffusion4j.api.StepListener.NONE,
                            total -> null);
                    seconds[r][c] = (System.nanoTime() - t0) / 1e9;
                    Map<String, Double> s = finite(samples) ? Evaluation.score(metrics, samples, test) : Map.of();
                    StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "sweep [%s | %s] %.1f s:",
                            rows.get(r), columns.get(c), seconds[r][c]));
                    for (int m = 0; m < metricNames.size(); m++) {
                        scores[m][r][c] = s.getOrDefault(metricNames.get(m), Double.NaN);
                        line.append(' ').append(metricNames.get(m)).append(' ').append(format(scores[m][r][c]));
                    }
                    err.println(line);
                }
            }
            ObjectNode json = Manifest.of(p, Map.of("checkpoint", file.toString(), "sampler", label));
            ArrayNode rowNode = json.putArray("rows");
            rows.forEach(rowNode::add);
            ArrayNode colNode = json.putArray("columns");
            columns.forEach(colNode::add);
            ObjectNode floorNode = json.putObject("floor");
            floor.forEach(floorNode::put);
            ObjectNode scoreNode = json.putObject("scores");
            for (int m = 0; m < metricNames.size(); m++) {
                scoreNode.set(metricNames.get(m), table(scores[m]));
            }
            json.set("seconds", table(seconds));
            StringBuilder md = new StringBuilder();
            md.append("# sweep of sampler '").append(label).append("' (")
                    .append(spec.samplers().get(label).name()).append("), ").append(file).append("\n\n");
            for (int m = 0; m < metricNames.size(); m++) {
                md.append(markdown(metricNames.get(m) + " (floor " + format(floor.get(metricNames.get(m))) + ")",
                        rows, columns, scores[m])).append('\n');
            }
            AtomicFiles.writeString(jsonFile, Manifest.toJson(json));
            AtomicFiles.writeString(mdFile, md.toString());
            out.print(md);
            err.println("sweep: " + jsonFile + ", " + mdFile);
        }
        return 0;
    }

    /** The sampler of one cell: the spec with the row's and then the column's overrides, checked against the model. */
    private static Sampler cellSampler(PipelineSpec spec, Pipeline p, String label, String row, String column) {
        List<String> overrides = new ArrayList<>();
        for (String part : (row + "," + column).split(",")) {
            String o = part.trim();
            if (o.isEmpty()) {
                continue;
            }
            if (!o.contains("=")) {
                throw new UserException("sweep: '" + o + "' in row '" + row + "' / column '" + column
                        + "' is not OPTION=VALUE");
            }
            overrides.add("samplers." + label + "." + o);
        }
        ComponentRef ref = spec.with(overrides).samplers().get(label);
        String cell = "[" + row + " | " + column + "]";
        Sampler s;
        try {
            s = p.components().create(Kind.SAMPLER, "sampler " + label, ref, p.dataset().dimension(), 0);
        } catch (ConfigException | IllegalArgumentException e) {
            throw new UserException("sweep cell " + cell + ": " + e.getMessage());
        }
        String refusal = s.refuse(Sampling.startingAt(p.model(), p.prior()));
        if (refusal != null) {
            throw new UserException("sweep cell " + cell + ": sampler '" + ref.name() + "' cannot sample this model: "
                    + refusal);
        }
        return s;
    }


    private static boolean finite(PointSet s) {
        for (float v : s.values()) {
            if (!Float.isFinite(v)) {
                return false;
            }
        }
        return true;
    }

    /** A rows × columns table as JSON; a non-finite value (samples that blew up) is null. */
    private static ArrayNode table(double[][] values) {
        ArrayNode t = Manifest.JSON.createArrayNode();
        for (double[] row : values) {
            ArrayNode r = t.addArray();
            for (double v : row) {
                if (Double.isFinite(v)) {
                    r.add(v);
                } else {
                    r.addNull();
                }
            }
        }
        return t;
    }

    /** One metric's table in Markdown, the row and column overrides as headers. */
    static String markdown(String title, List<String> rows, List<String> columns, double[][] values) {
        StringBuilder b = new StringBuilder("| ").append(title).append(" |");
        columns.forEach(c -> b.append(' ').append(c).append(" |"));
        b.append("\n|---|");
        columns.forEach(c -> b.append("---|"));
        b.append('\n');
        for (int r = 0; r < rows.size(); r++) {
            b.append("| ").append(rows.get(r)).append(" |");
            for (double v : values[r]) {
                b.append(' ').append(format(v)).append(" |");
            }
            b.append('\n');
        }
        return b.toString();
    }

    private static String format(double v) {
        if (!Double.isFinite(v)) {
            return "non-finite";
        }
        return Math.abs(v) >= 1e-3 || v == 0 ? String.format(Locale.ROOT, "%.4g", v) : String.format(Locale.ROOT, "%.3e", v);
    }
}
