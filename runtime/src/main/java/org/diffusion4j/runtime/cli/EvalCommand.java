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
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.Option;
import org.apache.commons.cli.Options;
import org.apache.commons.cli.ParseException;
import org.diffusion4j.api.Kind;
import org.diffusion4j.api.Likelihood;
import org.diffusion4j.api.Metric;
import org.diffusion4j.api.PointSet;
import org.diffusion4j.api.Split;
import org.diffusion4j.api.io.PointFiles;
import org.diffusion4j.api.tensor.Backend;
import org.diffusion4j.runtime.UserException;
import org.diffusion4j.runtime.engine.Checkpoints;
import org.diffusion4j.runtime.engine.Components;
import org.diffusion4j.runtime.engine.Evaluation;
import org.diffusion4j.runtime.engine.Manifest;
import org.diffusion4j.runtime.engine.Pipeline;
import org.diffusion4j.runtime.io.AtomicFiles;
import org.diffusion4j.runtime.io.Progress;
import org.diffusion4j.runtime.io.SafetensorsFile;
import org.diffusion4j.runtime.plugin.PluginManager;
import org.diffusion4j.runtime.quality.FeatureClassifier;
import org.diffusion4j.runtime.spec.ComponentRef;
import org.diffusion4j.runtime.spec.PipelineSpec;

/** The {@code eval} command: sample files scored against held-out data, or a checkpoint by its likelihoods. */
final class EvalCommand {

    private final PrintStream out;
    private final PrintStream err;

    EvalCommand(PrintStream out, PrintStream err) {
        this.out = out;
        this.err = err;
    }

    private CommandLine parse(String name, String argsSyntax, Options options, String[] args) throws ParseException {
        return LauncherOptions.parse(out, name, argsSyntax, options, args);
    }

    // ------------------------------------------------------------------ eval

    int eval(String[] args) throws Exception {
        Options o = compute();
        o.addOption(Option.builder().longOpt("samples").hasArg().argName("FILE").desc("generated points or images (.csv or .npy)").build());
        o.addOption(Option.builder().longOpt("reference").hasArg().argName(HeldOut.SYNTAX)
                .desc("held-out data: 'run' for the test split of the run that made the samples (found through the"
                        + " manifest beside them), run:DIR for that of the run in DIR, dataset:NAME for the test split of"
                        + " a dataset with its defaults (e.g. dataset:fashion-mnist), or a .csv or .npy file; all but a"
                        + " file also report the floor: a second held-out split (the reference split) scored the same"
                        + " way, as many points as samples").build());
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
        CommandLine cl = parse("eval", "--samples FILE --reference run|run:DIR|dataset:NAME|FILE | --checkpoint PATH [--likelihood LABEL]", o, args);
        if (cl == null) {
            return 0;
        }
        boolean model = cl.hasOption("checkpoint");
        if (model ? cl.hasOption("samples") || cl.hasOption("reference") || cl.hasOption("metrics")
                : !cl.hasOption("samples") || !cl.hasOption("reference")) {
            throw new UserException("eval needs either --samples FILE and --reference FILE, or --checkpoint PATH"
                    + " (--reference also takes run, run:DIR and dataset:NAME)");
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
            requireWritableParent("--out", outFile);
        }
        PluginManager pm = plugins(cl);
        ObjectNode json = model ? likelihoods(cl, pm) : metricScores(cl, pm);
        String text = Manifest.toJson(json);
        out.println(text);
        if (outFile != null) {
            AtomicFiles.createNewString(outFile, text);
        }
        return 0;
    }

    /** The metric the runtime computes itself, from the classifier's predictions. */
    static final String CLASS_ACCURACY = "class-accuracy";

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
            HeldOut.Reference held = HeldOut.resolve(referenceText, samplesFile, pm, backend);
            PointSet b = held.test();
            PointSet floorSamples = held.reference() == null ? null : held.reference().head(a.count());
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
            // what was read, once the files were accepted (an error stays a single line)
            err.println(PointFiles.describe(samplesFile, a));
            if (!referenceText.startsWith("dataset:")) {
                err.println(PointFiles.describe(Path.of(referenceText), b));
            }
        }
        return json;
    }

    /** Every metric of {@code names} for one sample set, in the order asked for. */
    static void scores(ObjectNode json, Map<String, Metric> metrics, List<String> names,
                               FeatureClassifier classifier, PointSet samples, PointSet reference) {
        Map<String, Double> distances = metrics.isEmpty() ? Map.of() : Evaluation.score(metrics,
                classifier != null ? classifier.features(samples) : samples, reference);
        for (String name : names) {
            json.put(name, name.equals(CLASS_ACCURACY) ? classifier.accuracy(samples) : distances.get(name));
        }
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
        int[] labels = recordedLabels(samples, count);
        if (labels == null) {
            throw new UserException(CLASS_ACCURACY + " needs the class each sample was drawn for, which 'sample --class'"
                    + " records in the manifest beside the samples; " + manifestOf(samples) + " is missing, records no"
                    + " labels (samples drawn without --class?) or not one per sample of the " + count + " in " + samples);
        }
        return labels;
    }

    /** −log p of the run's held-out (test) points under each likelihood of its spec. */
    ObjectNode likelihoods(CommandLine cl, PluginManager pm) throws Exception {
        int count = cl.hasOption("count") ? positive("--count", cl.getOptionValue("count")) : Integer.MAX_VALUE;
        Path file = Checkpoints.locate(Path.of(cl.getOptionValue("checkpoint")));
        SafetensorsFile ck = Checkpoints.read(file);
        PipelineSpec spec = PipelineSpec.parseResolved(Checkpoints.spec(ck), file.toString())
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
                // The values do not depend on the batch size, so batches are kept to about a tenth of the
                // points (at least 256) for the progress line to move
                int batch = Math.min(p.sampling().getInt("batch-size"), Math.max(256, Math.ceilDiv(test.count(), 10)));
                Evaluation.LikelihoodScore s = Evaluation.likelihood(backend, p.model(), e.getValue(), test, spec.seed(),
                        batch, Progress.forConsole("likelihood " + e.getKey(), test.count()));
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

}
