package org.diffusion4j.plugin.dinof;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.diffusion4j.api.nn.Module;
import org.diffusion4j.api.tensor.Backend;
import org.diffusion4j.api.tensor.Rng;
import org.diffusion4j.api.tensor.Tensor;

/**
 * Glow's multi-scale architecture (Kingma and Dhariwal 2018, Fig. 2b; Dinh et al. 2017, RealNVP
 * §3.6) on images {@code [C, H, W]}: L levels, each a squeeze (2×2 space-to-depth), K steps of
 * (actnorm, invertible 1×1 convolution in LU form, affine coupling with a small CNN) and, on every
 * level but the last, a split that factors half of the channels out. The factored halves and the
 * last level's output together form z, as many values as x, and
 * <pre>  log p(x) = log N(z; 0, I) + Σ_layers log |det ∂f_k/∂f_{k−1}|   (seed 001, Eq. 10).</pre>
 *
 * <p>The split's prior: every factored half is standard normal, independent of the rest (RealNVP's
 * choice). Glow instead conditions the factored half on the kept half through a zero-initialised
 * convolution (a learned prior); that gains a little likelihood at the price of a per-level prior
 * network, and at this flow's size (a prior for x(T_m), which is already close to Gaussian for all
 * but the smallest T_m) the unconditional split keeps the density exactly N(0, I) in z, so the flow
 * prior's sample is f⁻¹ of the runtime's one z draw, nothing more.
 *
 * <p>Works on flat rows {@code [batch, C·H·W]} (what losses and priors see) and reshapes them itself;
 * z is laid out as [level 0's factored half, level 1's, …, the last level's output], each flattened
 * row-major. H and W must be divisible by 2^L. Parameters are named
 * {@code level<l>.step<k>.{actnorm, invconv, coupling}.*}.
 */
public final class ImageFlow extends Module implements NormalizingFlow {

    private final int channels;
    private final int height;
    private final int width;
    private final List<Level> levels = new ArrayList<>();

    /** One level: squeeze, K steps, and the channels it hands on (the rest are factored out). */
    private static final class Level extends Module {
        final Squeeze squeeze = new Squeeze();
        final List<FlowLayer> layers = new ArrayList<>();
        final List<String> names = new ArrayList<>();
        final int channels;
        final int kept;

        Level(Backend backend, Rng rng, int index, int channels, int steps, int hidden, boolean last) {
            this.channels = channels;
            this.kept = last ? channels : channels / 2;
            for (int k = 0; k < steps; k++) {
                Step step = child("step" + k, new Step(backend, rng, channels, hidden));
                for (FlowLayer l : step.layers) {
                    layers.add(l);
                    names.add("level" + index + ".step" + k + "." + l.kind());
                }
            }
        }
    }

    /** One step's three layers, named under {@code step<k>.}. */
    private static final class Step extends Module {
        final List<FlowLayer> layers;

        Step(Backend backend, Rng rng, int channels, int hidden) {
            layers = List.of(child("actnorm", new ChannelActNorm(backend, channels)),
                    child("invconv", new InvertibleLinear(backend, channels, "invconv")),
                    child("coupling", new ConvAffineCoupling(backend, rng, channels, hidden)));
        }
    }

    /**
     * @param shape  [C, H, W] of one sample
     * @param levels L ≥ 1; H and W must be divisible by 2^L
     * @param steps  K ≥ 1 steps per level
     * @param hidden channels of the coupling CNNs
     */
    public ImageFlow(Backend backend, Rng rng, int[] shape, int levels, int steps, int hidden) {
        if (shape.length != 3 || levels < 1 || steps < 1 || hidden < 1) {
            throw new IllegalArgumentException("an image flow needs a shape [C, H, W], levels, steps and hidden >= 1, got "
                    + Arrays.toString(shape) + ", " + levels + ", " + steps + ", " + hidden);
        }
        int f = 1 << levels;
        if (shape[1] % f != 0 || shape[2] % f != 0) {
            throw new IllegalArgumentException("an image flow of " + levels + " levels needs height and width divisible"
                    + " by " + f + ", got " + Arrays.toString(shape));
        }
        this.channels = shape[0];
        this.height = shape[1];
        this.width = shape[2];
        int c = channels;
        for (int l = 0; l < levels; l++) {
            c *= 4;
            Level level = child("level" + l, new Level(backend, rng, l, c, steps, hidden, l == levels - 1));
            this.levels.add(level);
            c = level.kept;
        }
    }

    @Override
    public int dimension() {
        return channels * height * width;
    }

    @Override
    public FlowLayer.Transformed forward(Tensor x) {
        return run(x, -1).transformed;
    }

    /** Forward pass; with {@code probe} ≥ 0, stops at the first layer with a non-finite output. */
    private Run run(Tensor x, int probe) {
        int b = x.dim(0);
        Tensor h = image(x);
        Tensor logDet = Tensor.zeros(x.backend(), b, 1);
        List<Tensor> parts = new ArrayList<>();
        for (Level level : levels) {
            h = level.squeeze.forward(h).z();
            for (int i = 0; i < level.layers.size(); i++) {
                FlowLayer.Transformed t = level.layers.get(i).forward(h);
                if (probe >= 0 && (!Flow.allFinite(t.z()) || !Flow.allFinite(t.logDet()))) {
                    return new Run(null, level.names.get(i));
                }
                h = t.z();
                logDet = logDet.add(t.logDet());
            }
            if (level.kept < level.channels) {
                Tensor out = h.narrow(1, 0, level.channels - level.kept);
                parts.add(out.reshape(b, out.size() / b));
                h = h.narrow(1, level.channels - level.kept, level.kept);
            }
        }
        parts.add(h.reshape(b, h.size() / b));
        return new Run(new FlowLayer.Transformed(Tensor.concatColumns(parts.toArray(Tensor[]::new)), logDet), null);
    }

    private record Run(FlowLayer.Transformed transformed, String nonFinite) {
    }

    @Override
    public Tensor inverse(Tensor z) {
        int b = z.dim(0);
        if (z.rank() != 2 || z.dim(1) != dimension()) {
            throw new IllegalArgumentException("the image flow expects z of shape [batch, " + dimension() + "], got "
                    + Arrays.toString(z.shape()));
        }
        // where each level's factored part starts in z
        int[] start = new int[levels.size()];
        int[] size = new int[levels.size()];
        int offset = 0;
        int hh = height;
        int ww = width;
        for (int l = 0; l < levels.size(); l++) {
            hh /= 2;
            ww /= 2;
            Level level = levels.get(l);
            int out = l == levels.size() - 1 ? level.channels : level.channels - level.kept;
            start[l] = offset;
            size[l] = out * hh * ww;
            offset += size[l];
        }
        Tensor h = null;
        for (int l = levels.size() - 1; l >= 0; l--) {
            Level level = levels.get(l);
            int lh = height >> (l + 1);
            int lw = width >> (l + 1);
            Tensor part = z.columns(start[l], size[l]);
            if (h == null) {
                h = part.reshape(b, level.channels, lh, lw);
            } else {
                h = Tensor.concat(1, part.reshape(b, level.channels - level.kept, lh, lw), h);
            }
            for (int i = level.layers.size() - 1; i >= 0; i--) {
                h = level.layers.get(i).inverse(h);
            }
            h = level.squeeze.inverse(h);
        }
        return h.reshape(b, dimension());
    }

    @Override
    public String firstNonFiniteLayer(Tensor x) {
        return run(x, 0).nonFinite;
    }

    private Tensor image(Tensor x) {
        if (x.rank() == 4 && x.dim(1) == channels && x.dim(2) == height && x.dim(3) == width) {
            return x;
        }
        if (x.rank() != 2 || x.dim(1) != dimension()) {
            throw new IllegalArgumentException("the image flow expects rows [batch, " + dimension() + "] or images [batch, "
                    + channels + ", " + height + ", " + width + "], got " + Arrays.toString(x.shape()));
        }
        return x.reshape(x.dim(0), channels, height, width);
    }

    public int[] shape() {
        return new int[]{channels, height, width};
    }

    public int levels() {
        return levels.size();
    }
}
