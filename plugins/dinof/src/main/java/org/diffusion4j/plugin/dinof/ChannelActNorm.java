package org.diffusion4j.plugin.dinof;

import java.util.Arrays;
import org.diffusion4j.api.tensor.Backend;
import org.diffusion4j.api.tensor.Tensor;

/**
 * Activation normalisation of images (Glow §3.1, Table 1): a per-channel affine map
 * {@code z = (x + b)·exp(s)} on {@code [B, C, H, W]} with {@code log |det| = H·W·Σ_c s_c}.
 * Data-dependent initialisation as Glow's: on the first batch b and s are set so that every channel
 * of z has zero mean and unit variance over batch and pixels; a layer whose parameters already
 * hold values (a checkpoint's) is never re-initialised.
 */
public final class ChannelActNorm extends FlowLayer {

    private final int channels;
    private final Tensor bias;
    private final Tensor logScale;
    private boolean initialised;

    public ChannelActNorm(Backend backend, int channels) {
        this.channels = channels;
        this.bias = parameter("bias", Tensor.zeros(backend, 1, channels, 1, 1));
        this.logScale = parameter("log_scale", Tensor.zeros(backend, 1, channels, 1, 1));
    }

    @Override
    public String kind() {
        return "actnorm";
    }

    @Override
    public Transformed forward(Tensor x) {
        check(x);
        if (!initialised) {
            initialiseFrom(x);
        }
        Tensor z = x.add(bias).mul(logScale.exp());
        double pixels = (double) x.dim(2) * x.dim(3);
        return new Transformed(z, perSample(logScale.sum().mul(pixels), x.dim(0)));
    }

    @Override
    public Tensor inverse(Tensor z) {
        check(z);
        return z.mul(logScale.neg().exp()).sub(bias);
    }

    private void check(Tensor x) {
        if (x.rank() != 4 || x.dim(1) != channels) {
            throw new IllegalArgumentException("actnorm of " + channels + " channels expects [batch, " + channels
                    + ", height, width], got " + Arrays.toString(x.shape()));
        }
    }

    private void initialiseFrom(Tensor x) {
        initialised = true;
        float[] b = bias.toArray();
        float[] s = logScale.toArray();
        for (int c = 0; c < channels; c++) {
            if (b[c] != 0 || s[c] != 0) {
                return;
            }
        }
        int n = x.dim(0);
        int pixels = x.dim(2) * x.dim(3);
        if (n * pixels < 2) {
            return;
        }
        float[] v = x.toArray();
        for (int c = 0; c < channels; c++) {
            double mean = 0;
            for (int i = 0; i < n; i++) {
                int base = (i * channels + c) * pixels;
                for (int p = 0; p < pixels; p++) {
                    mean += v[base + p];
                }
            }
            mean /= (double) n * pixels;
            double var = 0;
            for (int i = 0; i < n; i++) {
                int base = (i * channels + c) * pixels;
                for (int p = 0; p < pixels; p++) {
                    double d = v[base + p] - mean;
                    var += d * d;
                }
            }
            double std = Math.sqrt(var / ((double) n * pixels));
            b[c] = (float) -mean;
            s[c] = (float) -Math.log(std + 1e-6);
        }
        bias.load(b);
        logScale.load(s);
    }
}
