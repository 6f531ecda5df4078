package org.diffusion4j.runtime.engine;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.diffusion4j.api.tensor.Tensor;
import org.diffusion4j.runtime.UserException;
import org.diffusion4j.runtime.io.AtomicFiles;
import org.diffusion4j.runtime.io.CorruptFileException;
import org.diffusion4j.runtime.io.NamedTensor;
import org.diffusion4j.runtime.io.Safetensors;
import org.diffusion4j.runtime.io.SafetensorsFile;

/**
 * Checkpoints in safetensors: {@code model.*} weights, {@code ema.*} their moving average,
 * {@code adam.m.*} and {@code adam.v.*} the optimiser moments, {@code train.losses} the loss history;
 * the metadata hold the step, the resolved spec and the manifest. Files are written atomically
 * (temporary file, then rename), so a run killed at any moment leaves the previous checkpoint whole.
 */
public final class Checkpoints {

    /** File name of the checkpoint inside a run folder. */
    public static final String FILE = "checkpoint.safetensors";

    private Checkpoints() {
    }

    /** Writes {@code state} to {@code dir/checkpoint.safetensors} and {@code dir/manifest.json}. */
    public static void save(Path dir, Pipeline p, TrainingState state) {
        Map<String, NamedTensor> tensors = new LinkedHashMap<>();
        put(tensors, "model.", state.parameters);
        put(tensors, "ema.", state.ema);
        put(tensors, "adam.m.", state.adamM);
        put(tensors, "adam.v.", state.adamV);
        float[] losses = new float[state.losses.size()];
        for (int i = 0; i < losses.length; i++) {
            losses[i] = state.losses.get(i);
        }
        tensors.put("train.losses", new NamedTensor(new int[]{losses.length}, losses));
        ObjectNode manifest = Manifest.of(p, Map.of("step", state.step));
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("format", "diffusion4j-checkpoint-1");
        meta.put("step", Long.toString(state.step));
        meta.put("spec", Manifest.toJson(Manifest.resolvedSpec(p)));
        meta.put("manifest", Manifest.toJson(manifest));
        try {
            Files.createDirectories(dir);
            Safetensors.write(dir.resolve(FILE), tensors, meta);
            AtomicFiles.writeString(dir.resolve("manifest.json"), Manifest.toJson(manifest));
        } catch (java.io.IOException e) {
            throw new UserException("cannot write checkpoint in " + dir + ": " + e.getMessage());
        }
    }

    private static void put(Map<String, NamedTensor> out, String prefix, Map<String, Tensor> ts) {
        ts.forEach((n, t) -> out.put(prefix + n, new NamedTensor(t.shape(), t.toArray())));
    }

    /** The checkpoint file of a run folder, or the file itself. */
    public static Path locate(Path dirOrFile) {
        Path f = Files.isDirectory(dirOrFile) ? dirOrFile.resolve(FILE) : dirOrFile;
        if (!Files.isRegularFile(f)) {
            throw new UserException("checkpoint not found: " + f);
        }
        return f;
    }

    /** Reads a checkpoint; a damaged file is a {@link UserException} naming the file and problem. */
    public static SafetensorsFile read(Path file) {
        try {
            SafetensorsFile f = Safetensors.read(file);
            if (!"diffusion4j-checkpoint-1".equals(f.metadata().get("format"))) {
                throw new UserException("checkpoint " + file + " is not a diffusion4j checkpoint (no format metadata)");
            }
            return f;
        } catch (CorruptFileException e) {
            throw new UserException(e.getMessage());
        }
    }

    /** The resolved spec stored in a checkpoint. */
    public static String spec(SafetensorsFile f) {
        return f.metadata().get("spec");
    }

    /** Restores weights, EMA, moments, step and losses into {@code state}. */
    public static void restore(Path file, SafetensorsFile f, TrainingState state) {
        load(file, f, "model.", state.parameters);
        load(file, f, "ema.", state.ema);
        load(file, f, "adam.m.", state.adamM);
        load(file, f, "adam.v.", state.adamV);
        state.losses.clear();
        for (float v : tensor(file, f, "train.losses").data()) {
            state.losses.add(v);
        }
        try {
            state.step = Long.parseLong(f.metadata().get("step"));
        } catch (RuntimeException e) {
            throw new UserException("checkpoint " + file + " has no valid step in its metadata");
        }
        if (state.step != state.losses.size()) {
            throw new UserException("checkpoint " + file + " is inconsistent: step " + state.step + " but "
                    + state.losses.size() + " recorded losses");
        }
    }

    /**
     * Warm start ({@code train --init-from}): every parameter of {@code state} whose name the
     * checkpoint holds gets that checkpoint's EMA weights, as its weights and as its EMA (the EMA
     * weights are the ones a run samples with; starting both from them keeps a parameter that the
     * new loss leaves untouched, such as DiNof's score network under {@code objective: flow}, exactly
     * the weights the source run sampled with). Adam's moments, the step and the losses start fresh.
     *
     * @return the names copied, in the network's order
     * @throws UserException when a name matches with another shape, or when no name matches
     */
    public static java.util.List<String> warmStart(Path file, SafetensorsFile f, TrainingState state) {
        java.util.List<String> copied = warmStartNames(file, f, state.parameters);
        for (String name : copied) {
            float[] v = ((NamedTensor) f.tensors().get("ema." + name)).data();
            state.parameters.get(name).load(v);
            state.ema.get(name).load(v);
        }
        return copied;
    }

    /**
     * The parameters a warm start from {@code f} would copy, checked (a matching name with another
     * shape, or no match at all, is a {@link UserException}); nothing is loaded. A command calls it
     * before it claims its run folder, so a refused warm start writes nothing.
     */
    public static java.util.List<String> warmStartNames(Path file, SafetensorsFile f, Map<String, Tensor> parameters) {
        java.util.List<String> names = new java.util.ArrayList<>();
        for (Map.Entry<String, Tensor> e : parameters.entrySet()) {
            if (!(f.tensors().get("ema." + e.getKey()) instanceof NamedTensor t)) {
                continue;
            }
            if (!java.util.Arrays.equals(t.shape(), e.getValue().shape())) {
                throw new UserException("--init-from " + file + ": parameter " + e.getKey() + " has shape "
                        + java.util.Arrays.toString(t.shape()) + " there, this network's has "
                        + java.util.Arrays.toString(e.getValue().shape()) + " (the networks differ in size)");
            }
            names.add(e.getKey());
        }
        if (names.isEmpty()) {
            throw new UserException("--init-from " + file + ": none of this network's " + parameters.size()
                    + " parameters (" + String.join(", ", parameters.keySet().stream().limit(3).toList())
                    + ", ...) is in that checkpoint; warm start copies parameters by name");
        }
        return names;
    }

    /** Loads {@code prefix.*} tensors of a checkpoint into the given tensors (model or ema weights). */
    public static void load(Path file, SafetensorsFile f, String prefix, Map<String, Tensor> into) {
        for (Map.Entry<String, Tensor> e : into.entrySet()) {
            NamedTensor t = tensor(file, f, prefix + e.getKey());
            if (!java.util.Arrays.equals(t.shape(), e.getValue().shape())) {
                throw new UserException("checkpoint " + file + ": tensor " + prefix + e.getKey() + " has shape "
                        + java.util.Arrays.toString(t.shape()) + ", the model expects "
                        + java.util.Arrays.toString(e.getValue().shape()));
            }
            e.getValue().load(t.data());
        }
    }

    private static NamedTensor tensor(Path file, SafetensorsFile f, String name) {
        if (!(f.tensors().get(name) instanceof NamedTensor t)) {
            throw new UserException("checkpoint " + file + " has no tensor '" + name + "'");
        }
        return t;
    }

    /** Loss history of a state as doubles (for plots). */
    public static double[] losses(List<Float> losses) {
        double[] out = new double[losses.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = losses.get(i);
        }
        return out;
    }
}
