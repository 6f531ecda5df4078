package org.diffusion4j.api.nn;

import java.util.Arrays;
import org.diffusion4j.api.tensor.Backend;
import org.diffusion4j.api.tensor.Tensor;

/**
 * Group normalisation (Wu and He 2018, "Group Normalization", Eq. 1–3): the channels of each sample
 * are split into {@code groups} consecutive groups; each group is normalised to mean 0 and variance
 * 1 over its channels and positions (biased variance, ε = 10⁻⁵ inside the square root), then
 * every channel is scaled by {@code weight} and shifted by {@code bias}. PyTorch's
 * {@code nn.GroupNorm(groups, channels)}: parameters {@code weight} [channels] initialised to 1 and
 * {@code bias} [channels] initialised to 0, as PyTorch does.
 *
 * @since SPI 1.3
 */
public final class GroupNorm extends Layer {

    /** PyTorch's default ε. */
    public static final double DEFAULT_EPS = 1e-5;

    private final int groups;
    private final double eps;
    private final Tensor weight;
    private final Tensor bias;

    public GroupNorm(Backend backend, int groups, int channels) {
        this(backend, groups, channels, DEFAULT_EPS);
    }

    public GroupNorm(Backend backend, int groups, int channels, double eps) {
        if (groups < 1 || channels < 1 || channels % groups != 0) {
            throw new IllegalArgumentException("GroupNorm needs a group count that divides the channels, got "
                    + groups + " groups of " + channels + " channels");
        }
        if (!(eps > 0)) {
            throw new IllegalArgumentException("GroupNorm needs ε > 0, got " + eps);
        }
        this.groups = groups;
        this.eps = eps;
        this.weight = parameter("weight", Init.constant(backend, 1f, channels));
        this.bias = parameter("bias", Init.constant(backend, 0f, channels));
    }

    /** @param x [batch, channels, ...] (images: [batch, channels, height, width]) → the same shape */
    @Override
    public Tensor forward(Tensor x) {
        if (x.rank() < 2 || x.dim(1) != channels()) {
            throw new IllegalArgumentException("GroupNorm(" + groups + ", " + channels() + ") expects [batch, "
                    + channels() + ", ...], got " + Arrays.toString(x.shape()));
        }
        return x.groupNorm(groups, weight, bias, eps);
    }

    public int groups() {
        return groups;
    }

    public int channels() {
        return weight.dim(0);
    }

    public double eps() {
        return eps;
    }
}
