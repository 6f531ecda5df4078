package org.diffusion4j.plugin.dinof;

import org.diffusion4j.api.tensor.Backend;
import org.diffusion4j.api.tensor.Tensor;

/**
 * Activation normalisation (Glow §3.1): a per-dimension affine map {@code z = (x + b)·exp(s)} with
 * {@code log |det| = Σ_i s_i}. Data-dependent initialisation: on the first training batch b and s are
 * set so that z has zero mean and unit variance per dimension; after that they are ordinary
 * parameters. A layer whose parameters are not both zero (loaded from a checkpoint) is never
 * re-initialised.
 */
public final class ActNorm extends FlowLayer {

    private final int dimension;
    private final Tensor bias;
    private final Tensor logScale;
    private boolean initialised;

    public ActNorm(Backend backend, int dimension) {
        this.dimension = dimension;
        this.bias = parameter("bias", Tensor.zeros(backend, 1, dimension));
        this.logScale = parameter("log_scale", Tensor.zeros(backend, 1, dimension));
    }

    @Override
    public String kind() {
        return "actnorm";
    }

    @Override
    public Transformed forward(Tensor x) {
        if (!initialised) {
            initialiseFrom(x);
        }
        Tensor z = x.add(bias).mul(logScale.exp());
        return new Transformed(z, perSample(logScale.sum(), x.dim(0)));
    }

    @Override
    public Tensor inverse(Tensor z) {
        return z.mul(logScale.neg().exp()).sub(bias);
    }

    /** Sets b = −mean and s = −log std of the batch, per dimension, unless the parameters hold values already. */
    private void initialiseFrom(Tensor x) {
        initialised = true;
        float[] b = bias.toArray();
        float[] s = logScale.toArray();
        boolean fresh = true;
        for (int i = 0; i < dimension; i++) {
            fresh &= b[i] == 0 && s[i] == 0;
        }
        int n = x.dim(0);
        if (!fresh || n < 2) {
            return;
        }
        float[] v = x.toArray();
        for (int j = 0; j < dimension; j++) {
            double mean = 0;
            for (int i = 0; i < n; i++) {
                mean += v[i * dimension + j];
            }
            mean /= n;
            double var = 0;
            for (int i = 0; i < n; i++) {
                double d = v[i * dimension + j] - mean;
                var += d * d;
            }
            double std = Math.sqrt(var / n);
            b[j] = (float) -mean;
            s[j] = (float) -Math.log(std + 1e-6);
        }
        bias.load(b);
        logScale.load(s);
    }
}
