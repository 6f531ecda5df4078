package org.diffusion4j.plugin.unet;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.diffusion4j.api.Conditioning;
import org.diffusion4j.api.Network;
import org.diffusion4j.api.config.ConfigException;
import org.diffusion4j.api.nn.Activation;
import org.diffusion4j.api.nn.Conv2d;
import org.diffusion4j.api.nn.Embedding;
import org.diffusion4j.api.nn.GroupNorm;
import org.diffusion4j.api.nn.Linear;
import org.diffusion4j.api.nn.Module;
import org.diffusion4j.api.nn.Sequential;
import org.diffusion4j.api.nn.SinusoidalTimeEmbedding;
import org.diffusion4j.api.nn.Upsample;
import org.diffusion4j.api.tensor.Backend;
import org.diffusion4j.api.tensor.Rng;
import org.diffusion4j.api.tensor.Tensor;

/**
 * The U-Net of DDPM (Ho et al. 2020, App. B) in the simplified ADM form (Dhariwal and Nichol 2021,
 * "Diffusion Models Beat GANs on Image Synthesis"), layer for layer the {@code UNet} of the PyTorch
 * peer {@code peers/unet_fmnist.py} ("ref-unet-s" with the defaults: base 32, multipliers 1, 2, 2,
 * 2 blocks, attention at 7 px; 1 623 169 parameters on 1×28×28 data).
 *
 * <p>Architecture, with C the base channel count and E = 4C the embedding width:
 * <ul>
 *   <li>{@code time}: sinusoidal features of width C of s·t (half sin, half cos, frequencies
 *       exp(−ln(10000)·k/(C/2)), api {@link SinusoidalTimeEmbedding}; s = time-scale maps the
 *       schedule's t ∈ [0, 1] to the peer's integer steps 0 … 999) → Linear(C, E) → SiLU →
 *       Linear(E, E). With classes K &gt; 0, {@code label} = Embedding(K + 1, E) is added; row K is
 *       the null label of classifier-free guidance (Ho and Salimans 2022).</li>
 *   <li>{@code conv_in}: 3×3 convolution from the data channels to C.</li>
 *   <li>{@code down}: for each level i (resolution halved per level) {@code blocks} entries
 *       [ResBlock(ch, C·mult_i), SelfAttention if the level's resolution is an attention
 *       resolution], then, except on the last level, a 3×3 stride-2 convolution. Every entry's
 *       output is kept for a skip connection, as is conv_in's.</li>
 *   <li>{@code mid1}, {@code mid_attn}, {@code mid2}: ResBlock, SelfAttention, ResBlock.</li>
 *   <li>{@code up}: per level from the deepest, {@code blocks + 1} entries [ResBlock(ch + skip,
 *       C·mult_i), attention as on the way down] each taking the channel concatenation of h and the
 *       latest unused skip, then, except on level 0, nearest ×2 up-sampling and a 3×3
 *       convolution.</li>
 *   <li>{@code out}: GroupNorm → SiLU → zero-initialised 3×3 convolution to the output channels
 *       (data channels × (1 + extra)), so the untrained network outputs exactly 0.</li>
 * </ul>
 * See {@link ResBlock} and {@link SelfAttention} for the blocks.
 *
 * <p>Parameter names are the keys of the peer's PyTorch {@code state_dict}, in the same order:
 * {@code time.0.weight}, {@code label.weight}, {@code conv_in.weight}, {@code down.0.0.norm1.weight},
 * {@code down.2.weight} (a down-sampling convolution), {@code down.4.1.qkv.weight} (attention),
 * {@code mid_attn.proj.bias}, {@code up.3.0.skip.weight}, {@code up.3.1.weight} (the convolution
 * after up-sampling; {@code up.3.0} is the parameter-free {@link Upsample}), {@code out.2.weight}.
 * Layouts are PyTorch's — convolutions [out, in, kh, kw], GroupNorm and convolution biases [c],
 * Embedding [count, E] — except for the api {@link Linear} layers ({@code time.0}, {@code time.2},
 * every {@code *.emb}): their weight is stored [in, out], the <em>transpose</em> of PyTorch's
 * [out, in], and their bias [1, out] (PyTorch: [out], same values). {@link #isTransposedFromPyTorch}
 * names them, so a checkpoint converter transposes exactly those.
 *
 * <p>Initialisation is PyTorch's default, drawn in registration order (weight before bias) from the
 * component's stream: convolutions and linear layers uniform in ±1/√fan_in (fan_in = cin·kh·kw for
 * a convolution), GroupNorm weight 1 and bias 0, the label table N(0, 1), and the peer's zero()
 * layers ({@code conv2} of every ResBlock, {@code proj} of every attention, the output
 * convolution) zero. The values differ from PyTorch's (another random generator); the
 * distributions and the zero layers are the same.
 *
 * <p>No dropout: the {@link Network} SPI gives a network neither a training flag nor a random
 * stream per step, so dropout could not be confined to training nor reproduced bit for bit on
 * resume; the provider accepts only dropout 0 (the peer uses none either).
 */
public final class UNetNetwork extends Module implements Network {

    /**
     * The architecture: data of {@code channels × height × width}, {@code outChannels} output
     * channels, base channel count, channel multiplier per level, residual blocks per level on the
     * way down, feature-map heights that get self-attention, GroupNorm groups, class count (0:
     * unconditional) and the multiplier of t inside the sinusoidal embedding.
     */
    public record Architecture(int channels, int height, int width, int outChannels, int base,
                               List<Integer> multipliers, int blocks, Set<Integer> attentionResolutions,
                               int groups, int classes, double timeScale) {
        public Architecture {
            multipliers = List.copyOf(multipliers);
            attentionResolutions = Set.copyOf(attentionResolutions);
        }

        /** The feature-map height at each level: height, height/2, …. */
        public int[] levelResolutions() {
            int[] res = new int[multipliers.size()];
            for (int i = 0; i < res.length; i++) {
                res[i] = height >> i;
            }
            return res;
        }
    }

    /** The peer's {@code nn.ModuleList}: children named by position. */
    private static final class ModuleList extends Module {
        private final List<Module> entries = new ArrayList<>();

        <M extends Module> M add(M module) {
            entries.add(child(Integer.toString(entries.size()), module));
            return module;
        }

        List<Module> entries() {
            return List.copyOf(entries);
        }
    }

    private final Architecture arch;
    private final SinusoidalTimeEmbedding timeFeatures;
    private final Sequential time;
    private final Embedding label;
    private final Conv2d convIn;
    private final List<Module> down;
    private final ResBlock mid1;
    private final SelfAttention midAttn;
    private final ResBlock mid2;
    private final List<Module> up;
    private final Sequential out;

    /**
     * @param backend owner of the parameters
     * @param rng     stream the initial weights are drawn from
     */
    public UNetNetwork(Backend backend, Rng rng, Architecture arch) {
        this.arch = arch;
        int base = arch.base();
        int emb = 4 * base;
        int groups = arch.groups();
        int levels = arch.multipliers().size();
        if (levels < 1 || base < 2 || base % 2 != 0 || arch.blocks() < 1 || arch.height() % (1 << (levels - 1)) != 0
                || arch.width() % (1 << (levels - 1)) != 0) {
            throw new ConfigException("U-Net cannot be built for " + arch);
        }
        this.timeFeatures = new SinusoidalTimeEmbedding(backend, base, arch.timeScale());
        this.time = child("time", new Sequential(List.of(new Linear(backend, rng, base, emb),
                new Activation(Activation.Function.SILU), new Linear(backend, rng, emb, emb))));
        this.label = arch.classes() > 0 ? child("label", new Embedding(backend, rng, arch.classes() + 1, emb)) : null;
        this.convIn = child("conv_in", new Conv2d(backend, rng, arch.channels(), base, 3, 1, 1));

        ModuleList downList = child("down", new ModuleList());
        Deque<Integer> skips = new ArrayDeque<>();
        skips.push(base);
        int ch = base;
        int[] res = arch.levelResolutions();
        for (int i = 0; i < levels; i++) {
            int cout = base * arch.multipliers().get(i);
            boolean attend = arch.attentionResolutions().contains(res[i]);
            for (int b = 0; b < arch.blocks(); b++) {
                downList.add(new Stage(backend, rng, ch, cout, emb, groups, attend));
                ch = cout;
                skips.push(ch);
            }
            if (i != levels - 1) {
                downList.add(new Conv2d(backend, rng, ch, ch, 3, 2, 1));
                skips.push(ch);
            }
        }
        this.down = downList.entries();
        this.mid1 = child("mid1", new ResBlock(backend, rng, ch, ch, emb, groups));
        this.midAttn = child("mid_attn", new SelfAttention(backend, rng, ch, groups));
        this.mid2 = child("mid2", new ResBlock(backend, rng, ch, ch, emb, groups));

        ModuleList upList = child("up", new ModuleList());
        for (int i = levels - 1; i >= 0; i--) {
            int cout = base * arch.multipliers().get(i);
            boolean attend = arch.attentionResolutions().contains(res[i]);
            for (int b = 0; b < arch.blocks() + 1; b++) {
                upList.add(new Stage(backend, rng, ch + skips.pop(), cout, emb, groups, attend));
                ch = cout;
            }
            if (i != 0) {
                upList.add(new Sequential(List.of(new Upsample(2), new Conv2d(backend, rng, ch, ch, 3, 1, 1))));
            }
        }
        this.up = upList.entries();
        this.out = child("out", new Sequential(List.of(new GroupNorm(backend, groups, ch),
                new Activation(Activation.Function.SILU),
                Conv2d.zeroInitialised(backend, ch, arch.outChannels(), 3, 1, 1))));
    }

    @Override
    public Tensor forward(Tensor x, Tensor t) {
        return forward(x, t, Conditioning.none());
    }

    /**
     * @param x [batch, channels, height, width] (or the same values as [batch, channels·height·width])
     * @param t [batch, 1] times in the schedule's range, multiplied by time-scale inside the embedding
     * @param c class labels in [0, classes] (classes = the null label), or none: the null label
     * @return [batch, outChannels, height, width]
     */
    @Override
    public Tensor forward(Tensor x, Tensor t, Conditioning c) {
        int batch = x.dim(0);
        int values = arch.channels() * arch.height() * arch.width();
        if (x.rank() == 2 && x.dim(1) == values) {
            x = x.reshape(batch, arch.channels(), arch.height(), arch.width());
        }
        if (x.rank() != 4 || x.dim(1) != arch.channels() || x.dim(2) != arch.height() || x.dim(3) != arch.width()) {
            throw new IllegalArgumentException("U-Net expects x of shape [batch, " + arch.channels() + ", "
                    + arch.height() + ", " + arch.width() + "], got " + Arrays.toString(x.shape()));
        }
        if (t.rank() != 2 || t.dim(0) != batch || t.dim(1) != 1) {
            throw new IllegalArgumentException("U-Net expects t of shape [" + batch + ", 1], got "
                    + Arrays.toString(t.shape()));
        }
        Tensor e = time.forward(timeFeatures.forward(t));
        if (label != null) {
            e = e.add(label.forward(labels(c, batch)));
        } else if (c != null && !c.isEmpty()) {
            throw new ConfigException("the network " + UNetProvider.NAME + " is unconditional (classes = 0): it takes"
                    + " no class labels; train one with classes > 0 to use them");
        }
        Tensor se = e.silu();

        Tensor h = convIn.forward(x);
        Deque<Tensor> hs = new ArrayDeque<>();
        hs.push(h);
        for (Module layer : down) {
            h = layer instanceof Stage s ? s.forward(h, se) : ((Conv2d) layer).forward(h);
            hs.push(h);
        }
        h = mid2.forward(midAttn.forward(mid1.forward(h, se)), se);
        for (Module layer : up) {
            h = layer instanceof Stage s ? s.forward(Tensor.concat(1, h, hs.pop()), se)
                    : ((Sequential) layer).forward(h);
        }
        return out.forward(h);
    }

    /** The label per sample: the conditioning's, or the null label {@code classes} for none. */
    private int[] labels(Conditioning c, int batch) {
        int classes = arch.classes();
        if (c == null || c.isEmpty()) {
            int[] none = new int[batch];
            Arrays.fill(none, classes);
            return none;
        }
        int[] labels = c.labels();
        if (labels.length != batch) {
            throw new IllegalArgumentException("U-Net got " + labels.length + " labels for a batch of " + batch);
        }
        for (int l : labels) {
            if (l < 0 || l > classes) {
                throw new ConfigException(UNetProvider.NAME + ": class label " + l + " is out of range; the network"
                        + " takes labels in [0, " + classes + "] (" + classes + " = no label)");
            }
        }
        return labels;
    }

    @Override
    public Map<String, Tensor> parameters() {
        return super.parameters();
    }

    @Override
    public int labelCount() {
        return arch.classes();
    }

    public Architecture architecture() {
        return arch;
    }

    /**
     * Whether the parameter {@code name} is stored transposed relative to PyTorch: the weights of
     * the api {@link Linear} layers ([in, out] here, [out, in] in PyTorch). Their biases are [1, out]
     * here and [out] in PyTorch, the same values in the same order; every other parameter has
     * PyTorch's shape exactly.
     */
    public static boolean isTransposedFromPyTorch(String name) {
        return name.startsWith("time.") && name.endsWith(".weight") || name.endsWith(".emb.weight");
    }
}
