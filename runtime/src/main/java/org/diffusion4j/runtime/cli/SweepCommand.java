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
import org.diffusion4j.api.config.ConfigSpec;
import org.diffusion4j.api.tensor.Backend;
import org.diffusion4j.runtime.UserException;
import org.diffusion4j.runtime.engine.Checkpoints;
import org.diffusion4j.runtime.engine.Evaluation;
import org.diffusion4j.runtime.engine.Manifest;
import org.diffusion4j.runtime.engine.Pipeline;
import org.diffusion4j.runtime.engine.RunModule;
import org.diffusion4j.runtime.engine.SampleRange;
import org.diffusion4j.runtime.engine.Sampling;
import org.diffusion4j.runtime.io.AtomicFiles;
import org.diffusion4j.runtime.io.SafetensorsFile;
import org.diffusion4j.runtime.plugin.PluginManager;
import org.diffusion4j.runtime.spec.ComponentRef;
import org.diffusion4j.runtime.spec.PipelineSpec;

/**
 * The launcher's {@code sweep} command: one sampler of a trained run, its options varied over a grid
 * of rows × columns, every cell sampled from the same x_T and noise streams and scored against the
 * run's held-out data. The default grid depends on the sampler: for {@code ddim} the DDIM paper's
 * Table 1 (Song, Meng and Ermon 2020, §5.1): rows η ∈ {0.0, 0.2, 0.5, 1.0} and σ̂
 * ({@code variance=sigma-hat}), columns S ∈ {10, 20, 50, 100, 1000}; for any other sampler one row
 * (its options as in the spec) and columns of its resolution option: {@code steps} = 10 … 1000,
 * {@code steps-per-level} = 10, 30, 100, or for an adaptive solver {@code rtol} = {@code atol} =
 * 10⁻², 10⁻³, 10⁻⁴, 10⁻⁵. A sampler with none of them needs {@code --row}/{@code --column}. Any
 * option sweeps the same way ({@code --row clip=static --row clip=dynamic --column spacing=leading
 * --column spacing=trailing}).
 *
 * <p>A row or column is a comma-separated list of {@code option=value} overrides of
 * {@code samplers.LABEL}; a cell applies the row's, then the column's. Every cell's sampler is built
 * and checked against the model before any sampling; a cell whose options are refused (an unknown
 * option, a combination the sampler or the model rules out) is reported as refused, with the reason,
 * and the others are computed. The sweep fails (exit 2) only when every cell is refused. Writes the
 * scores as JSON (with the floor: the reference split against the test split, and the reason of each
 * refused cell) and the same tables as Markdown beside it, and prints the Markdown. A cell whose
 * samples left the data's range by far is reported on standard error ({@link SampleRange}).
 */
public final class SweepCommand {

    /** The DDIM paper's Table 1 rows. */
    static final List<String> DDIM_ROWS = List.of("eta=0.0", "eta=0.2", "eta=0.5", "eta=1.0", "variance=sigma-hat");
    /** The DDIM paper's Table 1 columns. */
    static final List<String> DDIM_COLUMNS = List.of("steps=10", "steps=20", "steps=50", "steps=100", "steps=1000");
    /** Default columns of a sampler with steps per noise level. */
    static final List<String> LEVEL_COLUMNS = List.of("steps-per-level=10", "steps-per-level=30", "steps-per-level=100");
    /** Default columns of an adaptive solver. */
    static final List<String> TOLERANCE_COLUMNS = List.of("rtol=1e-2,atol=1e-2", "rtol=1e-3,atol=1e-3",
            "rtol=1e-4,atol=1e-4", "rtol=1e-5,atol=1e-5");
    /** The row (or column) that changes nothing: the sampler's options as in the spec. */
    static final String AS_IN_SPEC = "";

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
                .desc("one row of option overrides (repeatable; default for ddim: the DDIM table's eta=0.0 .. eta=1.0,"
                        + " variance=sigma-hat; for other samplers one row, the spec's options)").build());
        o.addOption(Option.builder().longOpt("column").hasArg().argName("OPT=V[,OPT=V]")
                .desc("one column of option overrides (repeatable; default: steps=10, 20, 50, 100, 1000, or"
                        + " steps-per-level=10, 30, 100, or rtol=atol=1e-2 .. 1e-5 for an adaptive solver)").build());
        o.addOption(Option.builder().longOpt("metrics").hasArg().argName("LIST")
                .desc("comma-separated metric names (default: sliced-w2,mmd2)").build());
        o.addOption(Option.builder().longOpt("out").hasArg().argName("FILE.json")
                .desc("scores as JSON; the Markdown tables go beside it as FILE.md (neither may exist)").build());
        o.addOption(Option.builder().longOpt("set").hasArg().argName("PATH=VALUE")
                .desc("override one spec value for every cell, e.g. --set samplers.ddim.spacing=trailing (repeatable)").build());
        Distributed.addOptions(o);
        return o;
    }

    /** What the arguments name: the checkpoint, the resolved spec, the swept sampler, rows and columns. */
    private record Plan(Path file, SafetensorsFile ck, PipelineSpec spec, String label, ComponentRef samplerRef,
                        ConfigSpec samplerOptions, List<String> rows, List<String> columns) {
    }

    private static Plan plan(CommandLine cl, PluginManager pm) {
        Path file = Checkpoints.locate(Path.of(cl.getOptionValue("checkpoint")));
        SafetensorsFile ck = Checkpoints.read(file);
        PipelineSpec spec = PipelineSpec.parseResolved(Checkpoints.spec(ck), file.toString())
                .with(cl.hasOption("set") ? List.of(cl.getOptionValues("set")) : List.of());
        String label = cl.getOptionValue("sampler",
                spec.samplers().isEmpty() ? "" : spec.samplers().keySet().iterator().next());
        if (!spec.samplers().containsKey(label)) {
            throw new UserException("the spec has no sampler '" + label + "'; its samplers: "
                    + String.join(", ", spec.samplers().keySet()));
        }
        ComponentRef samplerRef = spec.samplers().get(label);
        ConfigSpec samplerOptions = pm.registry().find(Kind.SAMPLER, samplerRef.name()).provider().config();
        List<String> rows = cl.hasOption("row") ? List.of(cl.getOptionValues("row"))
                : defaultRows(samplerRef);
        List<String> columns = cl.hasOption("column") ? List.of(cl.getOptionValues("column"))
                : defaultColumns(samplerRef, cl.hasOption("row"), label, samplerOptions);
        return new Plan(file, ck, spec, label, samplerRef, samplerOptions, rows, columns);
    }

    /**
     * On an executor: the samples of cell {@code index} (row-major) of the sweep {@code args} describe,
     * bit for bit those the single-machine sweep draws for it.
     *
     * @param nanos receives the times of loading the plugins, of reading the checkpoint and building the
     *              pipeline, and of sampling
     */
    static PointSet drawCell(String[] args, int index, long[] nanos) throws Exception {
        long t0 = System.nanoTime();
        CommandLine cl = new org.apache.commons.cli.DefaultParser().parse(options(), args);
        PluginManager pm = LauncherOptions.plugins(cl);
        long tp = System.nanoTime();
        Plan plan = plan(cl, pm);
        try (Backend backend = LauncherOptions.backend(cl, pm)) {
            Pipeline p = RunModule.assemble(plan.spec(), pm.registry(), backend);
            int columns = plan.columns().size();
            Cell cell = cell(plan.spec(), p, plan.label(), plan.rows().get(index / columns),
                    plan.columns().get(index % columns));
            if (cell.refused() != null) {
                throw new IllegalStateException("cell " + index + " is refused on the executor but not on the driver: "
                        + cell.refused());
            }
            String prefix = p.sampling().getString("weights").equals("ema") ? "ema." : "model.";
            Checkpoints.load(plan.file(), plan.ck(), prefix, p.model().network().parameters());
            long t1 = System.nanoTime();
            PointSet samples = draw(p, cell.sampler(), plan.spec().seed());
            nanos[0] = tp - t0;
            nanos[1] = t1 - tp;
            nanos[2] = System.nanoTime() - t1;
            return samples;
        }
    }

    /** One cell's samples, as every cell draws them: from the same x_T and noise streams. */
    private static PointSet draw(Pipeline p, Sampler sampler, long seed) {
        return Sampling.sample(p.backend(), p.model(), p.prior(), sampler, new int[]{p.dataset().dimension()}, seed,
                p.sampling().getInt("count"), p.sampling().getInt("batch-size"), null,
                org.diffusion4j.runtime.engine.Guidance.NONE, org.diffusion4j.api.StepListener.NONE, total -> null);
    }

    /**
     * With --spark: every runnable cell's samples, one task per cell (null for refused cells), with
     * each cell's sampling time in {@code seconds}.
     */
    private PointSet[][] drawOnCluster(CommandLine cl, Cell[][] cells, int dim, double[][] seconds) {
        List<int[]> ranges = new ArrayList<>();
        int columns = cells[0].length;
        for (int r = 0; r < cells.length; r++) {
            for (int c = 0; c < columns; c++) {
                if (cells[r][c].refused() == null) {
                    ranges.add(new int[]{r * columns + c, r * columns + c + 1});
                }
            }
        }
        PointSet[][] drawn = new PointSet[cells.length][columns];
        try (var cluster = Distributed.connect(cl, err)) {
            List<byte[]> results = cluster.map("sweep-cell", Distributed.workerArgs(cl, java.util.Set.of("checkpoint")),
                    ranges);
            for (int i = 0; i < ranges.size(); i++) {
                int index = ranges.get(i)[0];
                drawn[index / columns][index % columns] = new PointSet(dim, Distributed.values(results.get(i)));
                seconds[index / columns][index % columns] = Distributed.computeSeconds(results.get(i));
            }
            err.println("spark: " + Distributed.timings(results));
        }
        return drawn;
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
        CliSupport.requireWritableParent("--out", jsonFile);
        for (Path f : List.of(jsonFile, mdFile)) {
            if (Files.exists(f)) {
                throw new UserException(f + " already exists; choose another --out (existing outputs are never overwritten)");
            }
        }
        List<String> metricNames = new ArrayList<>();
        for (String m : cl.getOptionValue("metrics", "sliced-w2,mmd2").split(",")) {
            metricNames.add(m.trim());
        }

        Distributed.requireSparkFor(cl);
        PluginManager pm = LauncherOptions.plugins(cl);
        Plan plan = plan(cl, pm);
        Path file = plan.file();
        SafetensorsFile ck = plan.ck();
        PipelineSpec spec = plan.spec();
        String label = plan.label();
        ComponentRef samplerRef = plan.samplerRef();
        ConfigSpec samplerOptions = plan.samplerOptions();
        List<String> rows = plan.rows();
        List<String> columns = plan.columns();
        for (String row : rows) {
            for (String column : columns) {
                overrides(label, row, column);
            }
        }
        try (Backend backend = LauncherOptions.backend(cl, pm)) {
            Pipeline p = RunModule.assemble(spec, pm.registry(), backend);
            int dim = p.dataset().dimension();
            Map<String, Metric> metrics = new LinkedHashMap<>();
            for (String m : metricNames) {
                metrics.put(m, p.components().create(Kind.METRIC, "metric " + m, new ComponentRef("metrics", m, Map.of()),
                        dim, 0));
            }
            // Build and check every cell's sampler before sampling anything; a refused cell is reported, not run.
            Cell[][] cells = new Cell[rows.size()][columns.size()];
            int runnable = 0;
            String firstRefusal = null;
            for (int r = 0; r < rows.size(); r++) {
                for (int c = 0; c < columns.size(); c++) {
                    cells[r][c] = cell(spec, p, label, rows.get(r), columns.get(c));
                    if (cells[r][c].refused() == null) {
                        runnable++;
                    } else if (firstRefusal == null) {
                        firstRefusal = "[" + shown(rows.get(r)) + " | " + shown(columns.get(c)) + "]: "
                                + cells[r][c].refused();
                    }
                }
            }
            if (runnable == 0) {
                throw new UserException("sweep: every cell was refused, nothing to compute; the first: " + firstRefusal);
            }
            for (int r = 0; r < rows.size(); r++) {
                for (int c = 0; c < columns.size(); c++) {
                    if (cells[r][c].refused() != null) {
                        err.println("sweep [" + shown(rows.get(r)) + " | " + shown(columns.get(c)) + "] refused: "
                                + cells[r][c].refused());
                    }
                }
            }
            String prefix = p.sampling().getString("weights").equals("ema") ? "ema." : "model.";
            Checkpoints.load(file, ck, prefix, p.model().network().parameters());
            PointSet test = p.dataset().load(Split.TEST);
            Map<String, Double> floor = Evaluation.score(metrics, p.dataset().load(Split.REFERENCE), test);
            SampleRange.Scale scale = SampleRange.of(p.dataset());

            double[][][] scores = new double[metricNames.size()][rows.size()][columns.size()];
            double[][] seconds = new double[rows.size()][columns.size()];
            PointSet[][] drawn = Distributed.requested(cl) ? drawOnCluster(cl, cells, dim, seconds) : null;
            Map<String, String> warnings = new LinkedHashMap<>();
            for (int r = 0; r < rows.size(); r++) {
                for (int c = 0; c < columns.size(); c++) {
                    String where = "[" + shown(rows.get(r)) + " | " + shown(columns.get(c)) + "]";
                    if (cells[r][c].refused() != null) {
                        seconds[r][c] = Double.NaN;
                        for (int m = 0; m < metricNames.size(); m++) {
                            scores[m][r][c] = Double.NaN;
                        }
                        continue;
                    }
                    long t0 = System.nanoTime();
                    PointSet samples = drawn != null ? drawn[r][c] : draw(p, cells[r][c].sampler(), spec.seed());
                    if (drawn == null) {
                        seconds[r][c] = (System.nanoTime() - t0) / 1e9;
                    }
                    Map<String, Double> s = finite(samples) ? Evaluation.score(metrics, samples, test) : Map.of();
                    StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "sweep %s %.1f s:", where,
                            seconds[r][c]));
                    for (int m = 0; m < metricNames.size(); m++) {
                        scores[m][r][c] = s.getOrDefault(metricNames.get(m), Double.NaN);
                        line.append(' ').append(metricNames.get(m)).append(' ').append(format(scores[m][r][c]));
                    }
                    err.println(line);
                    String blowUp = SampleRange.warning(samples, scale, label, samplerOptions, cells[r][c].config());
                    if (blowUp != null) {
                        warnings.put(where, blowUp);
                        err.println("sweep " + where + " " + blowUp);
                    }
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
            ArrayNode refusedNode = json.putArray("refused");
            for (Cell[] row : cells) {
                ArrayNode r = refusedNode.addArray();
                for (Cell cell : row) {
                    if (cell.refused() == null) {
                        r.addNull();
                    } else {
                        r.add(cell.refused());
                    }
                }
            }
            if (!warnings.isEmpty()) {
                ObjectNode w = json.putObject("warnings");
                warnings.forEach(w::put);
            }
            boolean[][] refused = new boolean[rows.size()][columns.size()];
            for (int r = 0; r < rows.size(); r++) {
                for (int c = 0; c < columns.size(); c++) {
                    refused[r][c] = cells[r][c].refused() != null;
                }
            }
            List<String> rowNames = rows.stream().map(SweepCommand::shown).toList();
            List<String> columnNames = columns.stream().map(SweepCommand::shown).toList();
            StringBuilder md = new StringBuilder();
            md.append("# sweep of sampler '").append(label).append("' (")
                    .append(samplerRef.name()).append("), ").append(file).append("\n\n");
            for (int m = 0; m < metricNames.size(); m++) {
                md.append(markdown(metricNames.get(m) + " (floor " + format(floor.get(metricNames.get(m))) + ")",
                        rowNames, columnNames, scores[m], refused)).append('\n');
            }
            AtomicFiles.createNewString(jsonFile, Manifest.toJson(json));
            try {
                AtomicFiles.createNewString(mdFile, md.toString());
            } catch (UserException e) {
                Files.deleteIfExists(jsonFile);   // not one run's table beside another's
                throw e;
            }
            out.print(md);
            err.println("sweep: " + jsonFile + ", " + mdFile + (runnable < rows.size() * columns.size()
                    ? " (" + (rows.size() * columns.size() - runnable) + " of " + rows.size() * columns.size()
                    + " cells refused)" : ""));
        }
        return 0;
    }

    /** A row or column as shown in tables: its overrides, or "as in the spec" for none. */
    static String shown(String overrides) {
        return overrides.isBlank() ? "as in the spec" : overrides;
    }

    /** The default rows: DDIM's Table 1 rows for ddim, else one row, the spec's options. */
    static List<String> defaultRows(ComponentRef sampler) {
        return sampler.name().equals("ddim") ? DDIM_ROWS : List.of(AS_IN_SPEC);
    }

    /**
     * The default columns: the sampler's resolution option (steps, steps per level, or an adaptive
     * solver's tolerances); none (one column, the spec's options) when rows were given and the
     * sampler has no such option; an error listing the sampler's options when nothing would vary.
     */
    static List<String> defaultColumns(ComponentRef sampler, boolean rowsGiven, String label, ConfigSpec options) {
        Object solver = sampler.options().containsKey("solver") ? sampler.options().get("solver")
                : options.option("solver") == null ? null : options.option("solver").defaultValue();
        if (options.option("rtol") != null && "rk45".equals(solver)) {
            return TOLERANCE_COLUMNS;
        }
        if (options.option("steps") != null) {
            return DDIM_COLUMNS;
        }
        if (options.option("steps-per-level") != null) {
            return LEVEL_COLUMNS;
        }
        if (rowsGiven) {
            return List.of(AS_IN_SPEC);
        }
        throw new UserException("sweep: sampler '" + label + "' (" + sampler.name() + ") has no default grid; give"
                + " --row and/or --column OPTION=VALUE[,OPTION=VALUE] over its options: "
                + String.join(", ", options.options().stream().map(o -> o.name()).toList()));
    }

    /** One cell: its sampler and resolved options, or why it was refused. */
    record Cell(Sampler sampler, org.diffusion4j.api.config.Config config, String refused) {
    }

    /** The overrides of one cell: the row's, then the column's, each {@code samplers.LABEL.OPTION=VALUE}. */
    private static List<String> overrides(String label, String row, String column) {
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
        return overrides;
    }

    /** The sampler of one cell: the spec with the row's and then the column's overrides, checked against the model. */
    private static Cell cell(PipelineSpec spec, Pipeline p, String label, String row, String column) {
        ComponentRef ref = spec.with(overrides(label, row, column)).samplers().get(label);
        Sampler s;
        try {
            s = p.components().create(Kind.SAMPLER, "sampler " + label, ref, p.dataset().dimension(), 0);
        } catch (ConfigException | IllegalArgumentException e) {
            return new Cell(null, null, e.getMessage());
        }
        String refusal = s.refuse(Sampling.startingAt(p.model(), p.prior()));
        if (refusal != null) {
            return new Cell(null, null, "sampler '" + ref.name() + "' cannot sample this model: " + refusal);
        }
        return new Cell(s, p.components().createdInOrder().get("sampler " + label).config(), null);
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
        return markdown(title, rows, columns, values, new boolean[rows.size()][columns.size()]);
    }

    /** As above; a refused cell shows "refused". */
    static String markdown(String title, List<String> rows, List<String> columns, double[][] values,
                           boolean[][] refused) {
        StringBuilder b = new StringBuilder("| ").append(title).append(" |");
        columns.forEach(c -> b.append(' ').append(c).append(" |"));
        b.append("\n|---|");
        columns.forEach(c -> b.append("---|"));
        b.append('\n');
        for (int r = 0; r < rows.size(); r++) {
            b.append("| ").append(rows.get(r)).append(" |");
            for (int c = 0; c < values[r].length; c++) {
                b.append(' ').append(refused[r][c] ? "refused" : format(values[r][c])).append(" |");
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
