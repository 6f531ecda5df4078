package org.diffusion4j.api;

import java.util.Arrays;
import java.util.Locale;
import java.util.OptionalDouble;
import org.diffusion4j.api.config.Config;
import org.diffusion4j.api.config.ConfigException;
import org.diffusion4j.api.tensor.Tensor;
import org.diffusion4j.api.config.ConfigException;

/**
 * What a sampler does to its estimate x̂0 before using it:
 * <ul>
 * <li>{@code NONE};</li>
 * <li>{@code STATIC}: clip every coordinate to [−range, range] (Ho et al. 2020's code clips to [−1, 1]
 *     for images, {@code clip_denoised});</li>
 * <li>{@code DYNAMIC}: Imagen's dynamic thresholding (Saharia et al. 2022, §2.3): per sample,
 *     s = max(range, p-th percentile of |x̂0| over its coordinates), then x̂0 ← clip(x̂0, −s, s)·range/s
 *     (Imagen: range = 1, so x̂0 ← clip(x̂0, −s, s)/s).</li>
 * </ul>
 * The samplers then recompute ε̂ = (x_t − α·x̂0)/σ so that the step stays consistent with x_t.
 *
 * @param mode       the kind of clipping
 * @param range      the data range R (coordinates assumed in [−R, R])
 * @param percentile p in (0, 1] for {@code DYNAMIC}
 */
public record X0Clipping(Mode mode, double range, double percentile) {

    /** The kind of clipping. */
    public enum Mode {
        NONE,
        STATIC,
        DYNAMIC;

        public String id() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    public static final X0Clipping NONE = new X0Clipping(Mode.NONE, 1, 0.995);

    public X0Clipping {
        if (!(range > 0) || !Double.isFinite(range)) {
            throw new ConfigException("clip range must be a finite number > 0, got " + range);
        }
        if (!(percentile > 0 && percentile <= 1)) {
            throw new ConfigException("clip percentile must be in (0, 1], got " + percentile);
        }
    }

    /**
     * The clipping a sampler's options ask for: {@code clip} (none, static, dynamic), {@code clip-range}
     * (R; 0 means the data's declared range) and {@code percentile} (dynamic only). Refused, as a
     * {@link ConfigException} naming the option: clipping without a range when the data declares
     * none (a range of 1 would quietly damage data outside [−1, 1]), {@code clip-range} given with
     * {@code clip: none}, {@code percentile} given without {@code clip: dynamic}.
     *
     * @param config    the sampler's resolved options
     * @param dataRange the dataset's declared range ({@link ComponentContext#dataRange()})
     * @since SPI 1.4
     */
    public static X0Clipping fromOptions(Config config, OptionalDouble dataRange) {
        Mode mode = Mode.valueOf(config.getString("clip").toUpperCase(Locale.ROOT));
        config.refuseWithoutEffect("clip-range", mode == Mode.NONE, "clip: none (it bounds the clipped x0 estimate)",
                "remove it or set clip: static or dynamic");
        config.refuseWithoutEffect("percentile", mode != Mode.DYNAMIC, "clip: " + mode.id()
                + " (it is the percentile of dynamic thresholding)", "remove it or set clip: dynamic");
        double percentile = config.getDouble("percentile");
        if (mode == Mode.NONE) {
            return new X0Clipping(Mode.NONE, 1, percentile);
        }
        double range = config.getDouble("clip-range");
        if (range == 0) {
            if (dataRange.isEmpty()) {
                throw new ConfigException(config.component() + ": clip: " + mode.id() + " needs the data's range, and"
                        + " the dataset declares none; set clip-range R (every data coordinate within [-R, R]) or use"
                        + " clip: none");
            }
            range = dataRange.getAsDouble();
        }
        return new X0Clipping(mode, range, percentile);
    }

    public boolean active() {
        return mode != Mode.NONE;
    }

    /** The clipped estimate ([batch, dimension], host arithmetic; x̂0 is detached). */
    public Tensor apply(Tensor x0) {
        if (mode == Mode.NONE) {
            return x0;
        }
        float[] v = x0.toArray();
        int rows = x0.dim(0);
        int d = x0.dim(1);
        if (mode == Mode.STATIC) {
            float r = (float) range;
            for (int i = 0; i < v.length; i++) {
                v[i] = Math.max(-r, Math.min(r, v[i]));
            }
        } else {
            double[] abs = new double[d];
            for (int row = 0; row < rows; row++) {
                for (int j = 0; j < d; j++) {
                    abs[j] = Math.abs(v[row * d + j]);
                }
                Arrays.sort(abs);
                double s = Math.max(range, quantile(abs, percentile));
                for (int j = 0; j < d; j++) {
                    int at = row * d + j;
                    v[at] = (float) (Math.max(-s, Math.min(s, v[at])) * range / s);
                }
            }
        }
        return Tensor.of(x0.backend(), v, rows, d);
    }

    /** Linear-interpolation quantile of sorted values (numpy's default). */
    static double quantile(double[] sorted, double p) {
        double pos = p * (sorted.length - 1);
        int lo = (int) Math.floor(pos);
        int hi = Math.min(sorted.length - 1, lo + 1);
        return sorted[lo] + (pos - lo) * (sorted[hi] - sorted[lo]);
    }

    @Override
    public String toString() {
        return switch (mode) {
            case NONE -> "none";
            case STATIC -> "static [−" + range + ", " + range + "]";
            case DYNAMIC -> "dynamic (p = " + percentile + ", range " + range + ")";
        };
    }
}
