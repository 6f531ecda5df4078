package org.diffusion4j.plugin.dinof;

import java.lang.ref.WeakReference;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.WeakHashMap;
import org.diffusion4j.api.Conditioning;
import org.diffusion4j.api.Network;
import org.diffusion4j.api.nn.Activation;
import org.diffusion4j.api.nn.Layer;
import org.diffusion4j.api.nn.Linear;
import org.diffusion4j.api.nn.Module;
import org.diffusion4j.api.nn.Sequential;
import org.diffusion4j.api.nn.SinusoidalTimeEmbedding;
import org.diffusion4j.api.tensor.Backend;
import org.diffusion4j.api.tensor.Rng;
import org.diffusion4j.api.tensor.Tensor;

/**
 * DiNof's two models as one network (Zand, Etemad and Greenspan, seed 001, §3): the score network
 * s_θ(x, t) of the truncated diffusion on [0, T_m] and the normalizing flow that models
 * p(x(T_m)) (§3.2). {@link #forward} is the score network's, so samplers and the score loss see an
 * ordinary network; {@link #parameters()} holds both, so checkpoints, EMA and the optimiser treat
 * them as one. T_m lives here: the joint loss trains the flow at it and the flow prior starts
 * sampling there (and refuses another value).
 *
 * <p>The score network is any network (built by the runtime from the {@code score} option, e.g. the
 * image study's U-Net), whose parameters keep their own names, so that a checkpoint of that network
 * trained alone loads into it by name ({@code train --init-from}); or, when none is named, the
 * built-in MLP on cat(x, sinusoidal features of t) (Vaswani et al. 2017 §3.5), named {@code score.net.*}.
 * The flow's parameters are named {@code flow.*}: {@link Flow} on points, {@link ImageFlow} on images.
 */
public final class DinofNetwork implements Network {

    /** The networks built in this JVM, by one of their flow tensors: found again through any wrapper of them. */
    private static final Map<Tensor, WeakReference<DinofNetwork>> BUILT =
            Collections.synchronizedMap(new WeakHashMap<>());

    private final int[] sampleShape;
    private final double tM;
    private final Network score;
    private final boolean builtInScore;
    private final NormalizingFlow flow;
    private final Map<String, Tensor> parameters;

    /** The built-in score MLP on cat(flattened x, time features); its parameters are {@code net.*}. */
    private static final class ScoreMlp extends Module implements Network {
        final SinusoidalTimeEmbedding embedding;
        final Sequential net;

        ScoreMlp(Backend backend, Rng rng, int dimension, int width, int depth, Activation.Function activation,
                 int embeddingDim, double timeScale) {
            this.embedding = new SinusoidalTimeEmbedding(backend, embeddingDim, timeScale);
            List<Layer> layers = new ArrayList<>();
            int n = dimension + embeddingDim;
            for (int i = 0; i < depth; i++) {
                layers.add(new Linear(backend, rng, n, width));
                layers.add(new Activation(activation));
                n = width;
            }
            layers.add(new Linear(backend, rng, n, dimension));
            net = child("net", new Sequential(layers));
        }

        @Override
        public Tensor forward(Tensor x, Tensor t) {
            int b = x.dim(0);
            Tensor out = net.forward(Tensor.concatColumns(x.reshape(b, x.size() / b), embedding.forward(t)));
            return x.rank() == 2 ? out : out.reshape(x.shape());
        }
    }

    /**
     * The points network of the first DiNof release: the built-in score MLP and a {@link Flow}.
     *
     * @param dimension    D of a point
     * @param tM           the time T_m in (0, 1] where the flow takes over
     * @param width        units per hidden layer of the score MLP
     * @param depth        hidden layers of the score MLP
     * @param activation   the score MLP's nonlinearity
     * @param embeddingDim sinusoidal time features
     * @param timeScale    multiplier of t inside the sinusoids
     * @param flowSteps    K, steps of the flow
     * @param flowHidden   hidden units of the coupling networks
     */
    public DinofNetwork(Backend backend, Rng rng, int dimension, double tM, int width, int depth,
                        Activation.Function activation, int embeddingDim, double timeScale, int flowSteps,
                        int flowHidden) {
        // score first, then flow: the order in which they draw their initial weights from rng
        this(new int[]{dimension}, tM, builtIn(backend, rng, dimension, width, depth, activation, embeddingDim,
                timeScale), true, new Flow(backend, rng, dimension, flowSteps, flowHidden));
    }

    /** The built-in score MLP for samples of {@code dimension} values. */
    static Network builtIn(Backend backend, Rng rng, int dimension, int width, int depth, Activation.Function activation,
                           int embeddingDim, double timeScale) {
        return new ScoreMlp(backend, rng, dimension, width, depth, activation, embeddingDim, timeScale);
    }

    /**
     * @param sampleShape  shape of one sample ([D] or [C, H, W])
     * @param score        the score network
     * @param builtInScore true for {@link #builtIn}'s MLP, whose parameters are then named {@code score.*}
     * @param flow         the flow of x(T_m) over the sample's D values
     */
    public DinofNetwork(int[] sampleShape, double tM, Network score, boolean builtInScore, NormalizingFlow flow) {
        this.sampleShape = sampleShape.clone();
        this.tM = tM;
        this.score = score;
        this.builtInScore = builtInScore;
        this.flow = flow;
        Map<String, Tensor> all = new LinkedHashMap<>();
        score.parameters().forEach((n, p) -> all.put(builtInScore ? "score." + n : n, p));
        flow.parameters().forEach((n, p) -> {
            if (all.putIfAbsent("flow." + n, p) != null) {
                throw new IllegalArgumentException("the score network has a parameter named flow." + n
                        + ", which the flow's parameter of that name would hide");
            }
        });
        this.parameters = Collections.unmodifiableMap(all);
        BUILT.put(flow.parameters().values().iterator().next(), new WeakReference<>(this));
    }

    /**
     * The DiNof network behind {@code network} (itself, or the one a conditioning or reshaping
     * wrapper forwards to, recognised by its parameters), or null when it has none.
     */
    public static DinofNetwork of(Network network) {
        if (network instanceof DinofNetwork d) {
            return d;
        }
        for (Tensor p : network.parameters().values()) {
            WeakReference<DinofNetwork> ref = BUILT.get(p);
            if (ref != null && ref.get() != null) {
                return ref.get();
            }
        }
        return null;
    }

    @Override
    public Tensor forward(Tensor x, Tensor t) {
        checkShape(x);
        return score.forward(x, t);
    }

    @Override
    public Tensor forward(Tensor x, Tensor t, Conditioning c) {
        checkShape(x);
        return score.forward(x, t, c);
    }

    private void checkShape(Tensor x) {
        int[] want = new int[sampleShape.length + 1];
        want[0] = x.dim(0);
        System.arraycopy(sampleShape, 0, want, 1, sampleShape.length);
        if (!Arrays.equals(x.shape(), want)) {
            throw new IllegalArgumentException("the dinof network expects x of shape " + Arrays.toString(want)
                    + ", got " + Arrays.toString(x.shape()));
        }
    }

    @Override
    public int labelCount() {
        return score.labelCount();
    }

    @Override
    public Map<String, Tensor> parameters() {
        return parameters;
    }

    /** The score network's parameters, by their names in {@link #parameters()}. */
    public Map<String, Tensor> scoreParameters() {
        Map<String, Tensor> out = new LinkedHashMap<>(parameters);
        out.keySet().removeIf(n -> n.startsWith("flow."));
        return out;
    }

    /** The flow modelling x(T_m). */
    public NormalizingFlow flow() {
        return flow;
    }

    /** T_m. */
    public double tM() {
        return tM;
    }

    /** D, values per sample. */
    public int dimension() {
        return flow.dimension();
    }

    /** True when the score network is the built-in MLP. */
    public boolean builtInScore() {
        return builtInScore;
    }
}
