package org.diffusion4j.runtime.cli;

import static org.diffusion4j.runtime.cli.CliSupport.*;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.IntFunction;
import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.Option;
import org.diffusion4j.api.InvertibleSampler;
import org.diffusion4j.api.PointSet;
import org.diffusion4j.api.Sampler;
import org.diffusion4j.api.config.ConfigException;
import org.diffusion4j.api.io.PointFiles;
import org.diffusion4j.runtime.UserException;
import org.diffusion4j.runtime.engine.Inversion;
import org.diffusion4j.runtime.engine.Manifest;
import org.diffusion4j.runtime.engine.Pipeline;
import org.diffusion4j.runtime.io.AtomicFiles;
import org.diffusion4j.runtime.io.ImageGrid;
import org.diffusion4j.runtime.io.Progress;
import org.diffusion4j.runtime.spec.ComponentRef;

/**
 * What {@code invert}, {@code interpolate} and {@code sample --latents} share: choosing an
 * invertible sampler of the spec, reading data or latent files checked against the model's sample
 * shape, the one class a class-conditional model is conditioned on, and sampling given latents.
 */
final class Latents {

    /** The components that can invert, for the message of a spec that has none. */
    static final String INVERTIBLE_COMPONENTS = "ddim with eta 0, flow-matching.euler, flow-matching.heun, "
            + "flow-matching.rk4, score-sde.ode";

    private Latents() {
    }

    /** A sampler of the spec by its label. */
    record Chosen(String label, InvertibleSampler sampler) {
    }

    static Option classOption() {
        return Option.builder().longOpt("class").hasArg().argName("K")
                .desc("class-conditional models: the class every row is conditioned on (default: the model's"
                        + " unconditional output)").build();
    }

    /** The sampler's component and options as the spec names them: {@code ddim (eta 0.5)}. */
    static String describe(Pipeline p, String label) {
        ComponentRef ref = p.spec().samplers().get(label);
        return ref == null ? label : ref.name() + (ref.options().isEmpty() ? "" : " " + ref.options());
    }

    /** Why the sampler of {@code label} cannot invert this model, or null. */
    static String whyNot(Pipeline p, String label) {
        Sampler s = p.samplers().get(label);
        if (!(s instanceof InvertibleSampler inv)) {
            return describe(p, label) + " has no deterministic inverse (it adds noise as it samples, or its plugin"
                    + " does not implement InvertibleSampler)";
        }
        return inv.refuseInversion(p.model());
    }

    /**
     * The sampler of {@code label} (null: the spec's first that can invert), refused with the reason
     * and the labels of the spec's invertible samplers when it cannot invert.
     */
    static Chosen invertible(Pipeline p, String label) {
        List<String> ok = new ArrayList<>();
        for (String l : p.samplers().keySet()) {
            if (whyNot(p, l) == null) {
                ok.add(l);
            }
        }
        String those = ok.isEmpty() ? "this spec has no invertible sampler; add one with --set samplers.NAME.name="
                + "COMPONENT (" + INVERTIBLE_COMPONENTS + ")"
                : "invertible samplers of this spec: " + String.join(", ", ok.stream()
                        .map(l -> l + " (" + describe(p, l) + ")").toList());
        if (label == null) {
            if (ok.isEmpty()) {
                throw new UserException("no sampler of the spec can invert (" + String.join("; ", p.samplers().keySet()
                        .stream().map(l -> l + ": " + whyNot(p, l)).toList()) + "); " + those);
            }
            label = ok.get(0);
        }
        if (!p.samplers().containsKey(label)) {
            throw new UserException("--sampler " + label + ": the spec has no sampler '" + label + "'; its samplers: "
                    + String.join(", ", p.samplers().keySet()));
        }
        String why = whyNot(p, label);
        if (why != null) {
            throw new UserException("sampler '" + label + "' cannot invert: " + why + "; " + those);
        }
        return new Chosen(label, (InvertibleSampler) p.samplers().get(label));
    }

    /** The rows of a .csv or .npy file, checked against the model's sample shape. */
    static PointSet read(String option, Path file, Pipeline p) {
        PointSet set;
        try {
            set = PointFiles.read(file);
        } catch (org.diffusion4j.api.DataException e) {
            throw new UserException(option + " " + file + ": " + e.getMessage());
        }
        int[] shape = p.dataset().sampleShape();
        int d = Arrays.stream(shape).reduce(1, Math::multiplyExact);
        if (set.count() == 0) {
            throw new UserException(option + " " + file + " holds no rows");
        }
        if (set.dimension() != d || (set.sampleShape().length > 1 && !Arrays.equals(set.sampleShape(), shape))) {
            throw new UserException(option + " " + file + ": its rows have shape " + Arrays.toString(set.sampleShape())
                    + ", the model's samples " + Arrays.toString(shape));
        }
        return new PointSet(shape, set.values(), null);
    }

    /** Output files: .csv or .npy, .npy for images, new, with a new manifest beside. */
    static void requireNewOutput(Path out, Pipeline p) {
        requireNewPointFile(out);
        if (p.dataset().sampleShape().length > 1 && !out.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".npy")) {
            throw new UserException("--out " + out + ": samples of shape " + Arrays.toString(p.dataset().sampleShape())
                    + " are written as .npy (CSV holds points only)");
        }
        requireNew(manifestOf(out));
    }

    /** The {@code --class K} of every one of {@code count} rows, or null for the unconditional output. */
    static int[] labels(CommandLine cl, Pipeline p, int count) {
        if (!cl.hasOption("class")) {
            return null;
        }
        String text = cl.getOptionValue("class").trim();
        int classes = p.model().network().labelCount();
        if (classes == 0) {
            throw new UserException("--class " + text + ": the checkpoint's network is unconditional (it was trained"
                    + " without class labels)");
        }
        int k;
        try {
            k = Integer.parseInt(text);
        } catch (NumberFormatException e) {
            throw new UserException("--class " + text + ": give one class index in 0.." + (classes - 1));
        }
        if (k < 0 || k >= classes) {
            throw new UserException("--class " + k + " is out of range: this model has classes 0.." + (classes - 1));
        }
        int[] labels = new int[count];
        Arrays.fill(labels, k);
        return labels;
    }

    static IntFunction<Progress> progress(String what) {
        return total -> Progress.forConsole(what, total);
    }

    /**
     * {@code sample --latents FILE}: the samples of the given latents (the output of {@code invert},
     * or any states at the start of the sampler's grid) instead of fresh noise, written like
     * {@code sample}'s with a manifest (and an image grid for images).
     */
    static int sample(CommandLine cl, Pipeline p, String label, Sampler sampler, Path outFile, Path checkpoint,
                      PrintStream err) throws IOException {
        if (cl.hasOption("guidance") || cl.hasOption("guidance-interval") || cl.hasOption("guidance-rescale")
                || cl.hasOption("preview-every")) {
            throw new UserException("--latents goes with --class K only (no guidance, no previews)");
        }
        Path file = Path.of(cl.getOptionValue("latents"));
        PointSet latents = read("--latents", file, p);
        requireNewOutput(outFile, p);
        boolean images = p.dataset().sampleShape().length == 3;
        if (images) {
            requireNew(gridOf(outFile));
        }
        int[] labels = labels(cl, p, latents.count());
        long t0 = System.nanoTime();
        PointSet samples;
        try {
            samples = Inversion.sampleFrom(p.backend(), p.model(), sampler, latents, p.spec().seed(),
                    p.sampling().getInt("batch-size"), labels, progress("sample " + label));
        } catch (ConfigException e) {
            throw new UserException("sampler '" + label + "': " + e.getMessage());
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        writePoints(outFile, samples);
        if (images) {
            ImageGrid.writeNew(samples.head(100), 10, null, gridOf(outFile));
        }
        Map<String, Object> info = new LinkedHashMap<>();
        info.put("checkpoint", checkpoint.toString());
        info.put("sampler", label);
        info.put("latents", file.toString());
        if (labels != null) {
            info.put("class", labels[0]);
        }
        info.put("seconds", seconds);
        AtomicFiles.createNewString(manifestOf(outFile), Manifest.toJson(Manifest.of(p, info)));
        err.printf(Locale.ROOT, "%s: %d samples of the latents in %s in %.2f s -> %s%n", label, samples.count(), file,
                seconds, outFile);
        return 0;
    }
}
