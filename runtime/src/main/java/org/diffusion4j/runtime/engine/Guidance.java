package org.diffusion4j.runtime.engine;

import java.util.Arrays;
import java.util.Locale;
import java.util.Map;
import org.diffusion4j.api.Affine;
import org.diffusion4j.api.Conditioning;
import org.diffusion4j.api.Model;
import org.diffusion4j.api.Network;
import org.diffusion4j.api.View;
import org.diffusion4j.api.tensor.Tensor;

/**
 * Classifier-free guidance (Ho and Salimans 2022, "Classifier-Free Diffusion Guidance", Eq. 6) as a
 * wrapper around a {@link Model}: the guided model's network returns
 * <pre>  out = out_u + s·(out_c − out_u)</pre>
 * with out_c the network's output for the class asked for and out_u its output for the null label.
 * Samplers never know: every one of them (ancestral, DDIM, the ODE solvers, the reverse SDE,
 * predictor-corrector, annealed Langevin) is guided without a line changed in it.
 *
 * <p>Why combining raw outputs is right for every parameterization: at a fixed (x_t, t) every view
 * (ε, x0, score, velocity, v) is {@code p·x_t + q·out} with p, q independent of the conditioning
 * ({@link Model#coefficients}), so {@code view(out_u + s·(out_c − out_u)) = view_u + s·(view_c − view_u)}:
 * the ε-form of the paper, the score form (1 − s)·∇log p_t(x) + s·∇log p_t(x|y), and the same
 * combination of x0, velocity or v predictions are one and the same model. A network's extra outputs
 * (a learned variance) are taken from the conditional output, unguided.
 *
 * <p>Options beyond the paper:
 * <ul>
 *   <li><b>interval</b> [t_lo, t_hi] (Kynkäänniemi et al. 2024, "Applying Guidance in a Limited
 *       Interval Improves Sample and Distribution Quality in Diffusion Models"): outside it the
 *       conditional output is used as it is (s = 1);</li>
 *   <li><b>rescale</b> φ (Lin et al. 2024, "Common Diffusion Noise Schedules and Sample Steps Are
 *       Flawed", §3.4, Eq. 15–16): the guided x̂0 of each sample is scaled to the standard deviation
 *       of the conditional x̂0, x̂0_r = x̂0_g·std(x̂0_c)/std(x̂0_g), and mixed back as
 *       φ·x̂0_r + (1 − φ)·x̂0_g, against the over-saturation of large scales. Taken in the x̂0 view
 *       (the paper's), converted back into the model's own output; where x̂0 is not determined
 *       (x0 from ε at α = 0) that sample is left unrescaled.</li>
 * </ul>
 * s = 1 with φ = 0 is exactly the conditional model: the same bits, no unconditional evaluation;
 * s = 0 at all times is exactly the unconditional one (the null label), one evaluation per step.
 *
 * @param scale  the guidance scale s (0: the unconditional model, 1: the conditional one)
 * @param tLow   guidance applies for t ≥ tLow
 * @param tHigh  and t ≤ tHigh
 * @param rescale the rescale mixing factor φ in [0, 1] (0: off)
 */
public record Guidance(double scale, double tLow, double tHigh, double rescale) {

    /** The conditional model as it is. */
    public static final Guidance NONE = new Guidance(1, Double.NEGATIVE_INFINITY, Double.POSITIVE_INFINITY, 0);

    public Guidance {
        if (!Double.isFinite(scale)) {
            throw new IllegalArgumentException("guidance scale must be a finite number, got " + scale);
        }
        if (Double.isNaN(tLow) || Double.isNaN(tHigh) || tLow > tHigh) {
            throw new IllegalArgumentException("guidance interval [" + tLow + ", " + tHigh
                    + "] is not an interval (need t_lo <= t_hi)");
        }
        if (!(rescale >= 0 && rescale <= 1)) {
            throw new IllegalArgumentException("guidance rescale must lie in [0, 1], got " + rescale);
        }
    }

    /** Guidance with scale s over all times, no rescale. */
    public static Guidance scale(double s) {
        return new Guidance(s, Double.NEGATIVE_INFINITY, Double.POSITIVE_INFINITY, 0);
    }

    /** True when the guided model is the conditional model itself. */
    public boolean isIdentity() {
        return scale == 1 && rescale == 0;
    }

    /** What the manifest records. */
    public Map<String, Object> describe() {
        return Map.of("scale", scale, "interval", Arrays.asList(finiteOrNull(tLow), finiteOrNull(tHigh)),
                "rescale", rescale);
    }

    private static Double finiteOrNull(double v) {
        return Double.isFinite(v) ? v : null;
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "guidance %s (t in [%s, %s], rescale %s)", scale, tLow, tHigh, rescale);
    }

    /**
     * {@code model} conditioned on {@code labels} (one per sample of the batch the samplers will
     * see) and guided. With no labels the model is returned unchanged (its unconditional output).
     */
    public Model apply(Model model, Conditioning labels) {
        if (labels == null || labels.isEmpty()) {
            return model;
        }
        Network network = model.network();
        Network conditional = network.conditionedOn(labels);
        if (isIdentity()) {
            return new Model(conditional, model.schedule(), model.parameterization());
        }
        int[] none = new int[labels.labels().length];
        Arrays.fill(none, network.labelCount());
        Network unconditional = network.conditionedOn(Conditioning.labels(none));
        if (scale == 0 && rescale == 0 && tLow == Double.NEGATIVE_INFINITY && tHigh == Double.POSITIVE_INFINITY) {
            // s = 0 everywhere is the unconditional model: one evaluation instead of two
            return new Model(unconditional, model.schedule(), model.parameterization());
        }
        return new Model(new Guided(model, conditional, unconditional), model.schedule(), model.parameterization());
    }

    /** The guided network (flat rows, as samplers call it). */
    private final class Guided implements Network {

        private final Model model;
        private final Network conditional;
        private final Network unconditional;

        Guided(Model model, Network conditional, Network unconditional) {
            this.model = model;
            this.conditional = conditional;
            this.unconditional = unconditional;
        }

        @Override
        public Tensor forward(Tensor x, Tensor t) {
            Tensor outC = conditional.forward(x, t);
            float[] ts = t.toArray();
            int rows = x.dim(0);
            int d = x.dim(1);
            float[] w = new float[rows];
            boolean any = false;
            for (int i = 0; i < rows; i++) {
                if (ts[i] >= tLow && ts[i] <= tHigh) {
                    w[i] = (float) (scale - 1);
                    any = true;
                }
            }
            if (!any) {
                return outC;
            }
            Tensor outU = unconditional.forward(x, t);
            boolean extra = outC.dim(1) > d;
            Tensor c = extra ? outC.columns(0, d) : outC;
            Tensor u = extra ? outU.columns(0, d) : outU;
            // out_c + (s − 1)·(out_c − out_u) = out_u + s·(out_c − out_u); exactly out_c where s = 1
            Tensor g = c.add(c.sub(u).mul(Tensor.of(x.backend(), w, rows, 1)));
            if (rescale > 0) {
                g = rescaled(x, ts, c, g, w);
            }
            return extra ? Tensor.concatColumns(g, outC.columns(d, outC.dim(1) - d)) : g;
        }

        /**
         * Lin et al.'s rescale on the x̂0 = p·x + q·out of each guided sample: with the factor
         * f = φ·std(x̂0_c)/std(x̂0_g) + 1 − φ, x̂0 becomes f·x̂0_g, i.e. out = g + (f − 1)·x̂0_g/q.
         */
        private Tensor rescaled(Tensor x, float[] ts, Tensor c, Tensor g, float[] w) {
            int rows = x.dim(0);
            int d = x.dim(1);
            float[] xs = x.toArray();
            float[] cs = c.toArray();
            float[] gs = g.toArray();
            float[] p = new float[rows];
            float[] k = new float[rows];
            for (int i = 0; i < rows; i++) {
                if (w[i] == 0) {
                    continue;   // outside the interval: not guided, so not rescaled
                }
                Affine a;
                try {
                    a = model.coefficients(View.X0, ts[i]);
                } catch (IllegalArgumentException undetermined) {
                    continue;
                }
                double sc = std(xs, cs, i, d, a);
                double sg = std(xs, gs, i, d, a);
                if (sg == 0 || a.q() == 0) {
                    continue;
                }
                double f = rescale * sc / sg + 1 - rescale;
                p[i] = (float) ((f - 1) * a.p() / a.q());
                k[i] = (float) (f - 1);
            }
            // (f − 1)·x̂0_g/q = (f − 1)·(p/q)·x + (f − 1)·g
            Tensor pt = Tensor.of(x.backend(), p, rows, 1);
            Tensor kt = Tensor.of(x.backend(), k, rows, 1);
            return g.add(x.mul(pt)).add(g.mul(kt));
        }

        /** Standard deviation over the sample's values of x̂0 = p·x + q·out, in double precision. */
        private static double std(float[] x, float[] out, int row, int d, Affine a) {
            double sum = 0;
            double sq = 0;
            for (int j = row * d; j < (row + 1) * d; j++) {
                double v = a.p() * x[j] + a.q() * out[j];
                sum += v;
                sq += v * v;
            }
            double mean = sum / d;
            return Math.sqrt(Math.max(0, sq / d - mean * mean));
        }

        @Override
        public Network select(int... rows) {
            return new Guided(model, conditional.select(rows), unconditional.select(rows));
        }

        @Override
        public Map<String, Tensor> parameters() {
            return model.network().parameters();
        }

        @Override
        public int labelCount() {
            return model.network().labelCount();
        }
    }
}
