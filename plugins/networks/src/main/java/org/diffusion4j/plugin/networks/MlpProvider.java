package org.diffusion4j.plugin.networks;

import java.util.List;
import org.diffusion4j.api.AbstractProvider;
import org.diffusion4j.api.ComponentContext;
import org.diffusion4j.api.Kind;
import org.diffusion4j.api.Network;
import org.diffusion4j.api.config.Config;
import org.diffusion4j.api.config.ConfigException;
import org.diffusion4j.api.config.ConfigSpec;
import org.diffusion4j.api.nn.Activation;

/**
 * Provider of the {@code mlp} network: see {@link MlpNetwork}. The defaults give the blog's
 * vector-field MLP ("Unified Perspective on Diffusion and Flow Matching", §2.3).
 *
 * <p>{@code embedding-dim} and {@code time-scale} describe the sinusoidal features only; giving them
 * a non-default value together with {@code time-embedding = raw} is an error rather than silently
 * ignored.
 */
public final class MlpProvider extends AbstractProvider<Network> {

    public static final String NAME = "mlp";

    private static final int DEFAULT_EMBEDDING_DIM = 32;
    private static final double DEFAULT_TIME_SCALE = 1000.0;

    private static final ConfigSpec SPEC = ConfigSpec.builder()
            .integer("width", 64, 1, 65_536, "units per hidden layer")
            .integer("depth", 2, 1, 1_000, "number of hidden layers")
            .choice("activation", "relu", List.of("relu", "silu", "gelu", "tanh"),
                    "nonlinearity after each hidden layer")
            .choice("time-embedding", "raw", List.of("raw", "sinusoidal"),
                    "time input: raw appends t as one column (the blog's cat(x, t)); sinusoidal appends "
                            + "[sin, cos](time-scale·t·10000^(-i/h)) features")
            .integer("embedding-dim", DEFAULT_EMBEDDING_DIM, 2, 65_536,
                    "number of sinusoidal time features (even); sinusoidal only")
            .number("time-scale", DEFAULT_TIME_SCALE, 1e-9, 1e12,
                    "multiplier of t inside the sinusoids (1000 = DDPM's integer steps); sinusoidal only")
            .build();

    public MlpProvider() {
        super(Kind.NETWORK, NAME,
                "MLP on cat(x, time features); defaults = the Unified Perspective blog's 3-64-64-2 ReLU vector field", SPEC);
    }

    @Override
    public Network create(Config config, ComponentContext context) {
        String embeddingId = config.getString("time-embedding");
        MlpNetwork.TimeEmbedding embedding = embeddingId.equals("sinusoidal")
                ? MlpNetwork.TimeEmbedding.SINUSOIDAL : MlpNetwork.TimeEmbedding.RAW;
        int embeddingDim = config.getInt("embedding-dim");
        double timeScale = config.getDouble("time-scale");
        if (embedding == MlpNetwork.TimeEmbedding.RAW) {
            if (embeddingDim != DEFAULT_EMBEDDING_DIM) {
                throw new ConfigException(NAME + ": option 'embedding-dim' = " + embeddingDim
                        + " has no effect with time-embedding = raw; set time-embedding = sinusoidal or drop it");
            }
            if (timeScale != DEFAULT_TIME_SCALE) {
                throw new ConfigException(NAME + ": option 'time-scale' = " + timeScale
                        + " has no effect with time-embedding = raw; set time-embedding = sinusoidal or drop it");
            }
        } else if (embeddingDim % 2 != 0) {
            throw new ConfigException(NAME + ": option 'embedding-dim' = " + embeddingDim
                    + " is not valid; it takes an even integer in [2, 65536]");
        }
        int dimension = context.dataDimension();
        int outputs = dimension + context.extraOutputs();
        return new MlpNetwork(context.backend(), context.rng(), dimension, outputs,
                config.getInt("width"), config.getInt("depth"),
                Activation.Function.parse(config.getString("activation")), embedding, embeddingDim, timeScale);
    }
}
