package org.diffusion4j.runtime.engine;

import java.util.Locale;
import java.util.OptionalDouble;
import org.diffusion4j.api.Dataset;
import org.diffusion4j.api.PointSet;
import org.diffusion4j.api.Split;
import org.diffusion4j.api.config.Config;
import org.diffusion4j.api.config.ConfigSpec;

/**
 * Notices samples that left the data's range by far, the mark of a sampler that blew up (DDIM with
 * trailing spacing on the cosine schedule divides its first x0 estimate by √ᾱ ≈ 5·10⁻⁵): the
 * largest |x| of the samples against {@value #FACTOR} × the data's scale, which is the dataset's
 * declared range ({@link Dataset#range()}) or, for data that declares none, the largest |x| of its
 * training split. The warning names the sampler option that helps.
 */
public final class SampleRange {

    /** How far beyond the data's scale samples may reach before it is called a blow-up. */
    public static final double FACTOR = 10;

    private SampleRange() {
    }

    /**
     * The scale of the data, every coordinate expected within [−value, value].
     *
     * @param value    the bound
     * @param declared true when the dataset declares it, false when it was measured on the training split
     */
    public record Scale(double value, boolean declared) {

        String describe() {
            return declared ? String.format(Locale.ROOT, "the data's declared range %.4g", value)
                    : String.format(Locale.ROOT, "the training data's largest |x| %.4g", value);
        }
    }

    /** The scale of {@code dataset}: its declared range, else the largest |x| of its training split. */
    public static Scale of(Dataset dataset) {
        OptionalDouble range = dataset.range();
        if (range.isPresent()) {
            return new Scale(range.getAsDouble(), true);
        }
        return new Scale(maxAbs(dataset.load(Split.TRAIN)), false);
    }

    /** The largest |x| over all coordinates; infinite when any value is not finite. */
    public static double maxAbs(PointSet points) {
        double max = 0;
        for (float v : points.values()) {
            if (!Float.isFinite(v)) {
                return Double.POSITIVE_INFINITY;
            }
            max = Math.max(max, Math.abs(v));
        }
        return max;
    }

    /**
     * A one-line warning when the samples reach beyond {@value #FACTOR} × the data's scale, else null.
     *
     * @param samples what the sampler drew
     * @param scale   the data's scale ({@link #of})
     * @param label   the sampler's label in the spec ({@code ddim}), for the option to set
     * @param options the sampler's declared options, to name the one that helps
     * @param config  the sampler's resolved options (is it clipping already?)
     */
    public static String warning(PointSet samples, Scale scale, String label, ConfigSpec options, Config config) {
        double max = maxAbs(samples);
        if (!(max > FACTOR * scale.value())) {
            return null;
        }
        return String.format(Locale.ROOT, "warning: sampler '%s' blew up: its samples reach |x| = %.4g, more than %.0f"
                + " × %s; %s", label, max, FACTOR, scale.describe(), hint(scale, label, options, config));
    }

    /**
     * {@link #warning(PointSet, Scale, String, ConfigSpec, Config)} for the sampler {@code label} of a
     * pipeline (as created by its {@link Components}, so a sweep cell's options count); null when
     * the samples stayed in range or the sampler is unknown.
     */
    public static String warning(PointSet samples, Scale scale, Pipeline p, String label) {
        var made = p.components().createdInOrder().get("sampler " + label);
        if (made == null) {
            return null;
        }
        return warning(samples, scale, label, made.entry().provider().config(), made.config());
    }

    private static String hint(Scale scale, String label, ConfigSpec options, Config config) {
        String at = "samplers." + label + ".";
        if (options.option("clip") != null && options.option("clip-range") != null) {
            if (config.getString("clip").equals("none")) {
                return "clipping the x0 estimate keeps it in the data's range: --set " + at + "clip=static"
                        + (scale.declared() ? "" : String.format(Locale.ROOT, " --set %sclip-range=%.3g", at,
                        scale.value()))
                        + (options.option("spacing") != null ? " (or " + at + "spacing=leading)" : "");
            }
            return "its x0 estimate is clipped already (clip " + config.getString("clip") + "), so the steps themselves"
                    + " diverge: try " + (options.option("spacing") != null ? at + "spacing=leading or " : "")
                    + "more " + at + "steps";
        }
        if (options.option("steps") != null) {
            return "this sampler has no x0 clipping; more " + at + "steps or another sampler may help";
        }
        return "this sampler has no x0 clipping; check the checkpoint and the sampler's options";
    }
}
