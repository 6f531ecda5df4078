package org.diffusion4j.runtime.cli;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.Option;
import org.apache.commons.cli.Options;
import org.diffusion4j.api.Dataset;
import org.diffusion4j.api.Kind;
import org.diffusion4j.api.PointSet;
import org.diffusion4j.api.Split;
import org.diffusion4j.api.config.Config;
import org.diffusion4j.api.config.OptionSpec;
import org.diffusion4j.api.tensor.Backend;
import org.diffusion4j.runtime.UserException;
import org.diffusion4j.runtime.engine.Components;
import org.diffusion4j.runtime.io.Progress;
import org.diffusion4j.runtime.plugin.PluginManager;
import org.diffusion4j.runtime.quality.ClassifierTraining;
import org.diffusion4j.runtime.quality.FeatureClassifier;
import org.diffusion4j.runtime.spec.ComponentRef;

/**
 * The launcher's {@code classifier} command: trains the small CNN of {@link FeatureClassifier} on a
 * labelled image dataset's TRAIN split, reports its accuracy on the TEST split and writes it as a
 * safetensors file, the feature network of the image-quality metrics ({@code frechet}, {@code kid})
 * and of the class accuracy of conditional samples.
 *
 * <pre>
 *   diffusion4j classifier --dataset fashion-mnist --out clf.safetensors [--steps N] [--batch-size B]
 *       [--lr X] [--base-width W] [--features F] [--seed S] [--set dataset.train-subset=N ...]
 * </pre>
 *
 * Every input is checked before training: an unknown dataset or option, a dataset without labels or
 * whose samples are not images, or an existing {@code --out} stop with a one-line error (exit 2) and
 * nothing written.
 */
public final class ClassifierCommand {

    private final PrintStream out;
    private final PrintStream err;

    public ClassifierCommand(PrintStream out, PrintStream err) {
        this.out = out;
        this.err = err;
    }

    private static Options options() {
        Options o = LauncherOptions.compute();
        o.addOption(Option.builder().longOpt("dataset").hasArg().argName("NAME")
                .desc("a labelled image dataset, e.g. fashion-mnist").build());
        o.addOption(Option.builder().longOpt("out").hasArg().argName("FILE.safetensors")
                .desc("where to write the classifier (must not exist)").build());
        for (OptionSpec s : ClassifierTraining.OPTIONS.options()) {
            o.addOption(Option.builder().longOpt(s.name()).hasArg().argName(s.name().equals("lr") ? "X" : "N")
                    .desc(s.description() + " (default " + s.defaultValue() + ")").build());
        }
        o.addOption(Option.builder().longOpt("set").hasArg().argName("dataset.OPTION=VALUE")
                .desc("a dataset option, e.g. --set dataset.train-subset=10000 (repeatable; see 'diffusion4j describe"
                        + " dataset NAME')").build());
        return o;
    }

    /** Runs the command; returns the exit status. */
    public int run(String[] args) throws Exception {
        CommandLine cl = LauncherOptions.parse(out, "classifier", "--dataset NAME --out FILE.safetensors [options]",
                options(), args);
        if (cl == null) {
            return 0;
        }
        if (!cl.hasOption("dataset") || !cl.hasOption("out")) {
            throw new UserException("classifier needs --dataset NAME and --out FILE.safetensors");
        }
        if (!cl.getArgList().isEmpty()) {
            throw new UserException("classifier takes no positional arguments, got " + cl.getArgList());
        }
        Path file = Path.of(cl.getOptionValue("out"));
        if (Files.exists(file)) {
            throw new UserException(file + " already exists; choose another --out (existing outputs are never overwritten)");
        }
        CliSupport.requireWritableParent("--out", file);
        Map<String, Object> raw = new LinkedHashMap<>();
        for (OptionSpec s : ClassifierTraining.OPTIONS.options()) {
            if (cl.hasOption(s.name())) {
                raw.put(s.name(), cl.getOptionValue(s.name()));
            }
        }
        Config resolved = ClassifierTraining.OPTIONS.resolve("classifier", raw);
        ClassifierTraining.Options options = ClassifierTraining.Options.of(resolved);
        String name = cl.getOptionValue("dataset").trim();
        Map<String, Object> datasetOptions = datasetOptions(cl.getOptionValues("set"));

        PluginManager pm = LauncherOptions.plugins(cl);
        String datasetSettings = resolvedDatasetOptions(pm, name, datasetOptions);   // an unknown name or option stops here
        try (Backend backend = LauncherOptions.backend(cl, pm)) {
            Dataset dataset = new Components(pm.registry(), backend, options.seed())
                    .create(Kind.DATASET, "dataset", new ComponentRef("dataset", name, datasetOptions), 0, 0);
            checkLabelledImages(name, dataset);
            int classes = dataset.labelCount();
            PointSet train = dataset.load(Split.TRAIN);
            PointSet test = dataset.load(Split.TEST);
            if (train.labels() == null || test.labels() == null) {
                throw new UserException("dataset '" + name + "' declares " + classes + " classes but its "
                        + (train.labels() == null ? "training" : "test") + " samples carry no labels (give it label files)");
            }
            if (test.count() == 0) {
                throw new UserException("dataset '" + name + "' has no test images to measure the accuracy on");
            }
            err.printf(Locale.ROOT, "classifier: %s, %d training images of shape %s, %d classes; %d steps of batch %d,"
                            + " lr %s, base width %d, %d features, seed %d%n", name, train.count(),
                    Arrays.toString(train.sampleShape()), classes, options.steps(), options.batchSize(), options.lr(),
                    options.baseWidth(), options.features(), options.seed());
            long t0 = System.nanoTime();
            Progress progress = Progress.forConsole("classifier", options.steps());
            FeatureClassifier model = ClassifierTraining.train(backend, train, classes, options,
                    (step, total, loss) -> progress.update(step, String.format(Locale.ROOT, "loss %.4f", loss)));
            progress.finish();
            double seconds = (System.nanoTime() - t0) / 1e9;
            double accuracy = model.accuracy(test);
            if (Files.exists(file)) {
                throw new UserException(file + " appeared while training; not overwritten (existing outputs are never"
                        + " overwritten)");
            }
            Map<String, String> provenance = new LinkedHashMap<>();
            provenance.put("dataset", name);
            provenance.put("dataset-options", datasetSettings);
            provenance.put("seed", Long.toString(options.seed()));
            provenance.put("steps", Integer.toString(options.steps()));
            provenance.put("batch-size", Integer.toString(options.batchSize()));
            provenance.put("lr", Double.toString(options.lr()));
            provenance.put("train-count", Integer.toString(train.count()));
            provenance.put("test-count", Integer.toString(test.count()));
            provenance.put("test-accuracy", Double.toString(accuracy));
            provenance.put("train-seconds", String.format(Locale.ROOT, "%.1f", seconds));
            provenance.put("backend", backend.name());
            provenance.put("java", System.getProperty("java.version"));
            model.save(file, provenance);
            out.printf(Locale.ROOT, "test accuracy %.4f (%d of %d test images), %d steps in %.1f s%n", accuracy,
                    Math.round(accuracy * test.count()), test.count(), options.steps(), seconds);
            err.println("classifier: " + file);
        }
        return 0;
    }

    /**
     * Refuses a dataset the classifier cannot learn from: one without at least two classes, or whose
     * samples are not images {@code [channels, height, width]}.
     */
    static void checkLabelledImages(String name, Dataset dataset) {
        int classes = dataset.labelCount();
        if (classes < 2) {
            throw new UserException("dataset '" + name + "' carries " + (classes == 0 ? "no class labels" : "one class")
                    + "; a classifier needs a labelled dataset of at least 2 classes (e.g. fashion-mnist)");
        }
        if (dataset.sampleShape().length != 3) {
            throw new UserException("dataset '" + name + "' has samples of shape " + Arrays.toString(dataset.sampleShape())
                    + ", not images [channels, height, width]");
        }
    }

    /** {@code --set dataset.OPTION=VALUE} values as raw strings (the dataset's config checks them). */
    private static Map<String, Object> datasetOptions(String[] sets) {
        Map<String, Object> options = new LinkedHashMap<>();
        if (sets == null) {
            return options;
        }
        for (String s : sets) {
            int eq = s.indexOf('=');
            String path = eq < 0 ? s : s.substring(0, eq).trim();
            if (eq < 0 || !path.startsWith("dataset.") || path.length() == "dataset.".length()) {
                throw new UserException("classifier: --set takes dataset.OPTION=VALUE (the classifier's own options are"
                        + " --steps, --batch-size, --lr, --base-width, --features, --seed), got '" + s + "'");
            }
            options.put(path.substring("dataset.".length()), s.substring(eq + 1).trim());
        }
        return options;
    }

    /** The dataset's options with defaults filled in, as {@code key=value} pairs, for the file's provenance. */
    private static String resolvedDatasetOptions(PluginManager pm, String name, Map<String, Object> raw) {
        Config c = pm.registry().find(Kind.DATASET, name).provider().config().resolve("dataset '" + name + "'", raw);
        StringBuilder b = new StringBuilder();
        c.values().forEach((k, v) -> b.append(b.isEmpty() ? "" : ", ").append(k).append('=').append(v));
        return b.toString();
    }
}
