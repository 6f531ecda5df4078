package org.diffusion4j.plugin.dinof;

import java.lang.ref.WeakReference;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.WeakHashMap;
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
 * ordinary network; {@link #parameters()} holds both, under {@code score.*} and {@code flow.*}, so
 * checkpoints, EMA and the optimiser treat them as one. T_m lives here: the joint loss trains the
 * flow at it and the flow prior starts sampling there (and refuses another value).
 *
 * <p>The score network is the {@code mlp} network's shape: an MLP on cat(x, sinusoidal features of t)
 * (Vaswani et al. 2017 §3.5), built from the api's blocks.
 */
public final class DinofNetwork extends Module implements Network {

    /** The networks built in this JVM, by one of their flow tensors: found again through any wrapper of them. */
    private static final Map<Tensor, WeakReference<DinofNetwork>> BUILT =
            Collections.synchronizedMap(new WeakHashMap<>());

    private final int dimension;
    private final double tM;
    private final SinusoidalTimeEmbedding embedding;
    private final ScoreNet score;
    private final Flow flow;

    /** The score MLP, a module so its parameters sit under {@code score.}. */
    private static final class ScoreNet extends Module {
        final Sequential net;

        ScoreNet(Backend backend, Rng rng, int in, int out, int width, int depth, Activation.Function activation) {
            List<Layer> layers = new ArrayList<>();
            int n = in;
            for (int i = 0; i < depth; i++) {
                layers.add(new Linear(backend, rng, n, width));
                layers.add(new Activation(activation));
                n = width;
            }
            layers.add(new Linear(backend, rng, n, out));
            net = child("net", new Sequential(layers));
        }
    }

    /**
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
        this.dimension = dimension;
        this.tM = tM;
        this.embedding = new SinusoidalTimeEmbedding(backend, embeddingDim, timeScale);
        this.score = child("score", new ScoreNet(backend, rng, dimension + embeddingDim, dimension, width, depth,
                activation));
        this.flow = child("flow", new Flow(backend, rng, dimension, flowSteps, flowHidden));
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
        if (x.rank() != 2 || x.dim(1) != dimension) {
            throw new IllegalArgumentException("the dinof network expects x of shape [batch, " + dimension + "], got "
                    + Arrays.toString(x.shape()));
        }
        return score.net.forward(Tensor.concatColumns(x, embedding.forward(t)));
    }

    @Override
    public Map<String, Tensor> parameters() {
        return super.parameters();
    }

    /** The flow modelling x(T_m). */
    public Flow flow() {
        return flow;
    }

    /** T_m. */
    public double tM() {
        return tM;
    }

    public int dimension() {
        return dimension;
    }
}
