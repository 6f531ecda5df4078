package org.diffusion4j.api.nn;

import java.util.Arrays;
import org.diffusion4j.api.tensor.Backend;
import org.diffusion4j.api.tensor.Rng;
import org.diffusion4j.api.tensor.Tensor;

/**
 * Two-dimensional convolution (cross-correlation, as every deep-learning library computes it) of a
 * {@code [batch, in, height, width]} input with a square kernel, zero padding and a stride:
 * PyTorch's {@code nn.Conv2d(in, out, kernel, stride, padding)} with one group and no dilation.
 *
 * <p>Parameters, named and laid out as PyTorch stores them so weights carry across unchanged:
 * {@code weight} {@code [out, in, kernel, kernel]} and {@code bias} {@code [out]}.
 *
 * <p>Initialisation is PyTorch's default for {@code nn.Conv2d}: weight and bias uniform in
 * [−1/√fan_in, 1/√fan_in] with fan_in = in·kernel·kernel (Kaiming-uniform with a = √5 gives this
 * bound for the weight; the bias uses the same bound), drawn weight first, row-major, from the
 * given stream. {@link #zeroInitialised} gives a convolution whose weight and bias are all zero:
 * the residual branches' last layers of DDPM and ADM (Ho et al. 2020 App. B; Dhariwal and Nichol
 * 2021, the {@code zero_module} of guided-diffusion), so that each residual block starts as the
 * identity.
 *
 * @since SPI 1.3
 */
public final class Conv2d extends Layer {

    private final Tensor weight;
    private final Tensor bias;
    private final int stride;
    private final int padding;

    /**
     * A convolution with PyTorch's default initialisation drawn from {@code rng}.
     *
     * @param in      input channels
     * @param out     output channels
     * @param kernel  kernel height and width
     * @param stride  step between output positions (≥ 1)
     * @param padding zero rows and columns added on every side (≥ 0)
     */
    public Conv2d(Backend backend, Rng rng, int in, int out, int kernel, int stride, int padding) {
        this(check(in, out, kernel, stride, padding), backend, rng, in, out, kernel, stride, padding);
    }

    /** A convolution whose weight and bias start at zero (nothing is drawn from any stream). */
    public static Conv2d zeroInitialised(Backend backend, int in, int out, int kernel, int stride, int padding) {
        return new Conv2d(check(in, out, kernel, stride, padding), backend, null, in, out, kernel, stride, padding);
    }

    private Conv2d(boolean checked, Backend backend, Rng rng, int in, int out, int kernel, int stride, int padding) {
        double bound = 1 / Math.sqrt((double) in * kernel * kernel);
        this.weight = parameter("weight", rng == null ? Init.constant(backend, 0f, out, in, kernel, kernel)
                : Init.uniform(backend, rng, bound, out, in, kernel, kernel));
        this.bias = parameter("bias", rng == null ? Init.constant(backend, 0f, out)
                : Init.uniform(backend, rng, bound, out));
        this.stride = stride;
        this.padding = padding;
    }

    private static boolean check(int in, int out, int kernel, int stride, int padding) {
        if (in < 1 || out < 1 || kernel < 1 || stride < 1 || padding < 0) {
            throw new IllegalArgumentException("Conv2d needs in, out, kernel, stride ≥ 1 and padding ≥ 0, got in "
                    + in + ", out " + out + ", kernel " + kernel + ", stride " + stride + ", padding " + padding);
        }
        return true;
    }

    /** @param x [batch, in, height, width] → [batch, out, (height + 2·padding − kernel)/stride + 1, …] */
    @Override
    public Tensor forward(Tensor x) {
        if (x.rank() != 4 || x.dim(1) != inChannels()) {
            throw new IllegalArgumentException("Conv2d(" + inChannels() + " → " + outChannels()
                    + ") expects [batch, " + inChannels() + ", height, width], got " + Arrays.toString(x.shape()));
        }
        return x.conv2d(weight, bias, stride, padding);
    }

    public Tensor weight() {
        return weight;
    }

    public Tensor bias() {
        return bias;
    }

    public int inChannels() {
        return weight.dim(1);
    }

    public int outChannels() {
        return weight.dim(0);
    }

    public int kernelSize() {
        return weight.dim(2);
    }

    public int stride() {
        return stride;
    }

    public int padding() {
        return padding;
    }
}
