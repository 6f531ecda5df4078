package org.diffusion4j.runtime.cli;

import static org.diffusion4j.runtime.cli.LauncherOptions.backend;
import java.io.IOException;
import java.io.InputStream;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import org.diffusion4j.api.PointSet;
import org.diffusion4j.api.io.PointFiles;
import org.diffusion4j.api.tensor.Backend;
import org.diffusion4j.runtime.UserException;
import org.diffusion4j.runtime.engine.Checkpoints;
import org.diffusion4j.runtime.engine.Pipeline;
import org.diffusion4j.runtime.engine.RunModule;
import org.diffusion4j.runtime.io.AtomicFiles;
import org.diffusion4j.runtime.io.FolderLock;
import org.diffusion4j.runtime.io.SafetensorsFile;
import org.diffusion4j.runtime.plugin.PluginManager;
import org.diffusion4j.runtime.spec.PipelineSpec;

/** What the launcher's commands share: checked option values, output files and their siblings. */
final class CliSupport {

    private CliSupport() {
    }

    static Pipeline assemble(PipelineSpec spec, PluginManager pm, Backend backend) {
        return RunModule.assemble(spec, pm.registry(), backend);
    }

    static double number(String option, String value) {
        try {
            double v = Double.parseDouble(value.trim());
            if (Double.isFinite(v)) {
                return v;
            }
        } catch (NumberFormatException ignored) {
            // reported below
        }
        throw new UserException(option + ": '" + value.trim() + "' is not a finite number");
    }

    static void loadWeights(Path file, SafetensorsFile ck, Pipeline p) {
        String prefix = p.sampling().getString("weights").equals("ema") ? "ema." : "model.";
        Checkpoints.load(file, ck, prefix, p.model().network().parameters());
    }

    static Path siblingOf(Path samples, String suffix) {
        String n = samples.getFileName().toString();
        int dot = n.lastIndexOf('.');
        return samples.resolveSibling((dot > 0 ? n.substring(0, dot) : n) + suffix);
    }

    /** The PNG grid written beside an image sample file: {@code x.npy} → {@code x.png}. */
    static Path gridOf(Path samples) {
        String n = samples.getFileName().toString();
        int dot = n.lastIndexOf('.');
        return samples.resolveSibling((dot > 0 ? n.substring(0, dot) : n) + ".png");
    }

    static Path manifestOf(Path samples) {
        String n = samples.getFileName().toString();
        int dot = n.lastIndexOf('.');
        return samples.resolveSibling((dot > 0 ? n.substring(0, dot) : n) + ".manifest.json");
    }

    /**
     * The class of every sample that {@code sample --class} recorded in the manifest beside the
     * samples, or null when there is no manifest, it records no labels, or not one per sample.
     */
    static int[] recordedLabels(Path samples, int count) throws IOException {
        Path manifest = manifestOf(samples);
        if (!Files.isRegularFile(manifest)) {
            return null;
        }
        com.fasterxml.jackson.databind.JsonNode labels;
        try {
            labels = org.diffusion4j.runtime.engine.Manifest.JSON.readTree(manifest.toFile()).get("labels");
        } catch (IOException e) {
            throw new UserException(manifest + " is not a readable manifest (" + e.getMessage() + ")");
        }
        if (labels == null || !labels.isArray() || labels.size() != count) {
            return null;
        }
        int[] out = new int[count];
        for (int i = 0; i < count; i++) {
            out[i] = labels.get(i).asInt();
        }
        return out;
    }

    /**
     * Writes .npy (float32) or .csv, chosen by the file's extension (checked up front by {@link #requireNewPointFile});
     * refuses, overwriting nothing, when the file appeared since that check.
     */
    static void writePoints(Path file, PointSet points) throws IOException {
        if (file.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".npy")) {
            AtomicFiles.createNewBytes(file, PointFiles.toNpy(points));
            return;
        }
        StringWriter w = new StringWriter();
        PointFiles.writeCsv(points, w);
        AtomicFiles.createNewString(file, w.toString());
    }

    static void requireNewPointFile(Path file) {
        String n = file.getFileName().toString().toLowerCase(Locale.ROOT);
        if (n.endsWith(".png")) {
            throw new UserException("--out " + file + ": samples are written as .csv (points) or .npy (points or"
                    + " images), and their picture as a .png beside them: give --out " + siblingOf(file, ".csv")
                    + " to get " + file + " too");
        }
        if (!n.endsWith(".csv") && !n.endsWith(".npy")) {
            throw new UserException("--out " + file + ": sample files end in .csv or .npy");
        }
        requireNew(file);
        requireWritableParent("--out", file);
    }

    static void requireNew(Path file) {
        if (Files.exists(file)) {
            throw new UserException(file + " already exists; choose another --out (existing outputs are never overwritten)");
        }
    }

    /** Before any work: the folder an output file goes to can be written (see {@link #requireWritablePlace}). */
    static void requireWritableParent(String option, Path file) {
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null) {
            requireWritablePlace(option + " " + file, parent);
        }
    }

    /** Before any work: {@code folder} is, or can be created as, a folder this process can write in. */
    static void requireWritablePlace(String what, Path folder) {
        AtomicFiles.requireWritableFolder(what, folder);
    }

    static int positive(String option, String value) {
        try {
            int v = Integer.parseInt(value.trim());
            if (v > 0) {
                return v;
            }
        } catch (NumberFormatException ignored) {
            // reported below
        }
        throw new UserException(option + " must be a positive integer, got '" + value + "'");
    }

    /** True for a folder holding nothing but, perhaps, the lock file of a claim (see {@link FolderLock}). */
    static boolean isEmptyDir(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            return false;
        }
        try (var s = Files.list(dir)) {
            return s.allMatch(f -> f.getFileName().toString().equals(FolderLock.FILE));
        }
    }

    static String resource(String name) throws IOException {
        try (InputStream in = Commands.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException("missing resource " + name);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    static List<String> values(String[] values) {
        return values == null ? List.of() : List.of(values);
    }
}
