package org.diffusion4j.api;

import java.util.Map;
import org.diffusion4j.api.config.ConfigException;
import org.diffusion4j.api.tensor.Tensor;

/**
 * A parametric function of (x_t, t, conditioning). Networks are built from
 * {@code org.diffusion4j.api.nn} blocks.
 *
 * <p>Shapes. A network sees x in the data's own shape, {@code [batch, ...sampleShape]}
 * ({@code [batch, dimension]} for points, {@code [batch, channels, height, width]} for images) and
 * returns the same shape, with any extra outputs a loss asks for (a learned variance) after the
 * data's values of each sample (as extra channels for images). Samplers and losses never see that
 * shape: they work on flat per-sample rows {@code [batch, D]} through {@link #overFlatSamples}, a
 * free reshape, so every schedule, parameterization, loss and sampler written for points works
 * unchanged on data of any shape.
 */
public interface Network {

    /**
     * @param x [batch, ...sampleShape] noisy data
     * @param t [batch, 1] times in the schedule's range
     * @return [batch, ...] the data's values per sample, then any extra outputs
     */
    Tensor forward(Tensor x, Tensor t);

    /**
     * The output conditioned on {@code c}. The default serves unconditional networks: it accepts
     * no conditioning and refuses labels with a message naming the network.
     *
     * @since SPI 1.3
     */
    default Tensor forward(Tensor x, Tensor t, Conditioning c) {
        if (c == null || c.isEmpty()) {
            return forward(x, t);
        }
        throw new ConfigException("the network " + getClass().getSimpleName()
                + " is unconditional: it takes no class labels (train a network with classes > 0 to use them)");
    }

    /** The trainable parameters by stable, dotted name (the keys of checkpoint files). */
    Map<String, Tensor> parameters();

    /**
     * How many class labels the network is conditioned on (labels 0 .. n−1, and n for "no label"),
     * 0 for an unconditional network.
     *
     * @since SPI 1.3
     */
    default int labelCount() {
        return 0;
    }

    /**
     * This network for the given rows of the batch only, in that order: what a sampler that
     * evaluates a subset of its samples (an adaptive solver whose finished rows stop) calls, so
     * that a per-sample conditioning follows its rows. The identity for a network that holds no
     * per-sample state.
     *
     * @since SPI 1.3
     */
    default Network select(int... rows) {
        return this;
    }

    /**
     * This network with its conditioning fixed to {@code c}: what a loss or sampler, which know
     * nothing of conditioning, is given for a conditioned batch.
     *
     * @since SPI 1.3
     */
    default Network conditionedOn(Conditioning c) {
        Network inner = this;
        return new Network() {
            @Override
            public Tensor forward(Tensor x, Tensor t) {
                return inner.forward(x, t, c);
            }

            @Override
            public Network select(int... rows) {
                return inner.conditionedOn(c.select(rows));
            }

            @Override
            public Map<String, Tensor> parameters() {
                return inner.parameters();
            }

            @Override
            public int labelCount() {
                return inner.labelCount();
            }
        };
    }

    /**
     * This network as samplers and losses see it: x as flat rows {@code [batch, D]} with D the
     * product of {@code sampleShape}, reshaped (no copy) to {@code [batch, ...sampleShape]} for the
     * network, and the output flattened back to {@code [batch, D + extra]}. Row-major order makes
     * the first D values of a flat output row the data's values (for images: the first channels).
     *
     * @since SPI 1.3
     */
    default Network overFlatSamples(int... sampleShape) {
        if (sampleShape.length == 1) {
            return this;
        }
        Network inner = this;
        int[] shape = sampleShape.clone();
        return new Network() {
            @Override
            public Tensor forward(Tensor x, Tensor t) {
                return forward(x, t, Conditioning.none());
            }

            @Override
            public Tensor forward(Tensor x, Tensor t, Conditioning c) {
                int batch = x.dim(0);
                int[] full = new int[shape.length + 1];
                full[0] = batch;
                System.arraycopy(shape, 0, full, 1, shape.length);
                Tensor out = inner.forward(x.rank() == 2 ? x.reshape(full) : x, t, c);
                return out.reshape(batch, out.size() / batch);
            }

            @Override
            public Map<String, Tensor> parameters() {
                return inner.parameters();
            }

            @Override
            public int labelCount() {
                return inner.labelCount();
            }
        };
    }
}
