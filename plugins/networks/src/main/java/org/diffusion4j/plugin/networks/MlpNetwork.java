package org.diffusion4j.plugin.networks;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
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
import org.diffusion4j.api.config.ConfigException;

/**
 * A multilayer perceptron on the concatenation of the noisy point and features of the time,
 * {@code net(cat(x, τ(t)))}.
 *
 * <p>With the raw time feature τ(t) = t, width 64, two hidden layers and ReLU this is exactly the
 * vector-field MLP of "Unified Perspective on Diffusion and Flow Matching" (§2.3, the
 * {@code VectorFieldMLP}: (2+1) → 64 → ReLU → 64 → ReLU → 2, 4 546 parameters). With the sinusoidal
 * feature τ(t) = [sin(s·t·f_i), cos(s·t·f_i)] (Vaswani et al. 2017 §3.5, DDPM's embedding of the
 * step, Ho et al. 2020 App. B; s = 1000 maps t ∈ [0, 1] to DDPM's integer steps) it is the
 * ε-MLP of the DDPM 2-D experiments.
 *
 * <p>Parameters are named like the PyTorch module they mirror, {@code net.<i>.weight} and
 * {@code net.<i>.bias}, where i counts the layers of the sequential stack including the
 * activations (so the linear layers are {@code net.0}, {@code net.2}, …). These names are
 * checkpoint keys and do not change. Weights are stored [in, out] (api {@link Linear}) and drawn
 * layer by layer, weight before bias, from the given stream with PyTorch's default
 * {@code nn.Linear} initialisation.
 */
public final class MlpNetwork extends Module implements Network {

    /** How the time enters the network. */
    public enum TimeEmbedding {
        /** t itself, appended as one input column (the blog's {@code cat(x, t)}). */
        RAW,
        /** api {@link SinusoidalTimeEmbedding}. */
        SINUSOIDAL
    }

    private final int inputDimension;
    private final int outputDimension;
    private final SinusoidalTimeEmbedding embedding;
    private final Sequential net;

    /**
     * @param backend         owner of the parameters
     * @param rng             stream the initial weights are drawn from
     * @param inputDimension  dimension D of a data point
     * @param outputDimension values per point the network returns (D plus any extra outputs)
     * @param width           units per hidden layer
     * @param depth           number of hidden layers (≥ 1)
     * @param activation      nonlinearity after each hidden layer
     * @param timeEmbedding   raw t or sinusoidal features
     * @param embeddingDim    sinusoidal feature count (even); ignored for raw
     * @param timeScale       multiplier s of t inside the sinusoids; ignored for raw
     */
    public MlpNetwork(Backend backend, Rng rng, int inputDimension, int outputDimension, int width, int depth,
                      Activation.Function activation, TimeEmbedding timeEmbedding, int embeddingDim,
                      double timeScale) {
        if (inputDimension < 1 || outputDimension < 1 || width < 1 || depth < 1) {
            throw new ConfigException("MLP needs positive sizes, got input " + inputDimension + ", output "
                    + outputDimension + ", width " + width + ", depth " + depth);
        }
        this.inputDimension = inputDimension;
        this.outputDimension = outputDimension;
        int timeFeatures;
        if (timeEmbedding == TimeEmbedding.SINUSOIDAL) {
            this.embedding = child("time_embedding", new SinusoidalTimeEmbedding(backend, embeddingDim, timeScale));
            timeFeatures = embeddingDim;
        } else {
            this.embedding = null;
            timeFeatures = 1;
        }
        List<Layer> layers = new ArrayList<>();
        int in = inputDimension + timeFeatures;
        for (int i = 0; i < depth; i++) {
            layers.add(new Linear(backend, rng, in, width));
            layers.add(new Activation(activation));
            in = width;
        }
        layers.add(new Linear(backend, rng, in, outputDimension));
        this.net = child("net", new Sequential(layers));
    }

    @Override
    public Tensor forward(Tensor x, Tensor t) {
        if (x.rank() > 2 && x.size() == x.dim(0) * inputDimension) {
            x = x.reshape(x.dim(0), inputDimension);   // an image or any other shape: the MLP sees its values as one row
        }
        if (x.rank() != 2 || x.dim(1) != inputDimension) {
            throw new IllegalArgumentException("MLP expects x of shape [batch, " + inputDimension + "], got "
                    + Arrays.toString(x.shape()));
        }
        if (t.rank() != 2 || t.dim(0) != x.dim(0) || t.dim(1) != 1) {
            throw new IllegalArgumentException("MLP expects t of shape [" + x.dim(0) + ", 1], got "
                    + Arrays.toString(t.shape()));
        }
        Tensor features = embedding == null ? t : embedding.forward(t);
        return net.forward(Tensor.concatColumns(x, features));
    }

    @Override
    public Map<String, Tensor> parameters() {
        return super.parameters();
    }

    /** Dimension of a data point. */
    public int inputDimension() {
        return inputDimension;
    }

    /** Values per point returned by {@link #forward}. */
    public int outputDimension() {
        return outputDimension;
    }
}
