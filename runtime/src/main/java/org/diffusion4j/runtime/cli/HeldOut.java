package org.diffusion4j.runtime.cli;

import static org.diffusion4j.runtime.cli.CliSupport.manifestOf;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;
import org.diffusion4j.api.Dataset;
import org.diffusion4j.api.Kind;
import org.diffusion4j.api.PointSet;
import org.diffusion4j.api.Split;
import org.diffusion4j.api.io.PointFiles;
import org.diffusion4j.api.tensor.Backend;
import org.diffusion4j.runtime.UserException;
import org.diffusion4j.runtime.engine.Checkpoints;
import org.diffusion4j.runtime.engine.Components;
import org.diffusion4j.runtime.engine.Manifest;
import org.diffusion4j.runtime.plugin.PluginManager;
import org.diffusion4j.runtime.spec.PipelineSpec;

/**
 * The held-out data that {@code eval}, {@code plot} and {@code export} name: a run's own splits (the
 * dataset built from the run's spec, its options and seed, exactly as in training), a dataset's
 * splits with its default options, or a file.
 *
 * <p>Reference syntax: {@code run} (the run that made the samples, found through the manifest
 * {@code sample} writes beside them), {@code run:DIR} (a run folder or checkpoint file),
 * {@code dataset:NAME}, or a {@code .csv}/{@code .npy} file.
 */
final class HeldOut {

    /** What the {@code --reference} option accepts, for help texts and errors. */
    static final String SYNTAX = "run|run:DIR|dataset:NAME|FILE";

    private HeldOut() {
    }

    /**
     * Held-out points to compare with.
     *
     * @param test      the points samples are scored against (a test split, or a file's points)
     * @param reference a second held-out set of the same data for the floor (null for a file)
     * @param title     what they are, for plots and messages
     */
    record Reference(PointSet test, PointSet reference, String title) {
    }

    /**
     * Resolves {@code text} ({@link #SYNTAX}); {@code samples} is the sample file whose manifest
     * {@code run} reads (null when there is none).
     */
    static Reference resolve(String text, Path samples, PluginManager pm, Backend backend) {
        String t = text.trim();
        if (t.equals("run") || t.startsWith("run:")) {
            Path run = t.equals("run") ? runOfSamples(samples) : Path.of(t.substring("run:".length()));
            Dataset d = ofRun(run, pm, backend);
            return new Reference(d.load(Split.TEST), d.load(Split.REFERENCE), "held-out data (test split of " + run + ")");
        }
        if (t.startsWith("dataset:")) {
            String name = t.substring("dataset:".length());
            Dataset d = ofDataset(name, List.of(), pm, backend);
            return new Reference(d.load(Split.TEST), d.load(Split.REFERENCE), "held-out data (" + name + " test split)");
        }
        Path file = Path.of(t);
        return new Reference(PointFiles.read(file), null, "reference (" + file.getFileName() + ")");
    }

    /** The run folder or checkpoint that made {@code samples}, from the manifest beside them. */
    static Path runOfSamples(Path samples) {
        if (samples == null) {
            throw new UserException("--reference run names the run that made the samples, but there are no samples;"
                    + " give run:DIR (a run folder)");
        }
        Path manifest = manifestOf(samples);
        String advice = "--reference run finds the run through the manifest 'sample' writes beside the samples";
        if (!Files.isRegularFile(manifest)) {
            throw new UserException(advice + ", but " + manifest + " does not exist; give run:DIR (the run folder)");
        }
        JsonNode checkpoint;
        try {
            checkpoint = Manifest.JSON.readTree(manifest.toFile()).get("checkpoint");
        } catch (IOException e) {
            throw new UserException(manifest + " is not a readable manifest (" + e.getMessage() + ")");
        }
        if (checkpoint == null || !checkpoint.isTextual()) {
            throw new UserException(advice + ", but " + manifest + " names no checkpoint; give run:DIR (the run folder)");
        }
        Path recorded = Path.of(checkpoint.asText());
        // A relative path was relative to where 'sample' ran; when eval runs elsewhere, the places relative
        // to the manifest are the likely ones (samples written into the run folder, as quickstart does)
        Path beside = manifest.toAbsolutePath().getParent();
        if (!recorded.isAbsolute() && !Files.exists(recorded) && beside != null) {
            for (Path candidate : List.of(beside.resolve(recorded), beside.resolve(recorded.getFileName()))) {
                if (Files.isRegularFile(candidate)) {
                    return candidate;
                }
            }
        }
        if (!Files.exists(recorded)) {
            throw new UserException(manifest + " names the checkpoint " + recorded + ", which does not exist (moved?);"
                    + " give run:DIR (the run folder)");
        }
        return recorded;
    }

    /** The dataset of a run, built from the spec in its checkpoint: its options and its seed. */
    static Dataset ofRun(Path runOrCheckpoint, PluginManager pm, Backend backend) {
        Path file = Checkpoints.locate(runOrCheckpoint);
        PipelineSpec spec = PipelineSpec.parseResolved(Checkpoints.spec(Checkpoints.read(file)), file.toString());
        return create(spec, pm, backend);
    }

    /**
     * A dataset by name with its default options, changed by {@code overrides} ({@code dataset.option=v}
     * or {@code seed=N}; the seed is 0 otherwise, as for {@code dataset:NAME}).
     */
    static Dataset ofDataset(String name, List<String> overrides, PluginManager pm, Backend backend) {
        if (pm.registry().find(Kind.DATASET, name) == null) {
            throw new UserException("dataset:" + name + ": no dataset '" + name + "'; datasets: "
                    + pm.registry().list(Kind.DATASET).stream().map(c -> c.provider().name())
                    .collect(Collectors.joining(", ")));
        }
        for (String o : overrides) {
            if (!o.startsWith("dataset.") && !o.startsWith("seed=")) {
                throw new UserException("--set " + o + ": only dataset.OPTION=VALUE and seed=N apply to a dataset");
            }
        }
        ObjectNode tree = Manifest.JSON.createObjectNode();
        tree.putObject("dataset").put("name", name);
        return create(PipelineSpec.of(tree, "dataset:" + name).with(overrides), pm, backend);
    }

    /** The dataset of a spec, made as the training run makes it (same component seed). */
    private static Dataset create(PipelineSpec spec, PluginManager pm, Backend backend) {
        return new Components(pm.registry(), backend, spec.seed()).create(Kind.DATASET, "dataset",
                spec.component("dataset"), 0, 0);
    }

    /**
     * A split of {@code d} for an extra that the command can do without (a picture's held-out panel, the
     * end-of-training metrics), or null when the dataset cannot give it (a user's point cloud given
     * without test data): then one line on {@code err} says what is left out and why.
     */
    static PointSet splitOrNull(Dataset d, Split split, java.io.PrintStream err, String leftOut) {
        try {
            return d.load(split);
        } catch (org.diffusion4j.api.UserError e) {
            err.println(leftOut + ": " + e.getMessage());
            return null;
        }
    }

    /** A split by its name on the command line. */
    static Split split(String text) {
        return switch (text.trim().toLowerCase(Locale.ROOT)) {
            case "train" -> Split.TRAIN;
            case "test" -> Split.TEST;
            case "reference" -> Split.REFERENCE;
            default -> throw new UserException("--split " + text.trim() + ": splits are train, test and reference");
        };
    }
}
