package org.diffusion4j.plugin.dinof;

import java.util.Arrays;
import org.diffusion4j.api.nn.Conv2d;
import org.diffusion4j.api.tensor.Backend;
import org.diffusion4j.api.tensor.Rng;
import org.diffusion4j.api.tensor.Tensor;

/**
 * Affine coupling of images (Dinh et al. 2017; Glow §3.3 and Table 1): the channels split as
 * x = (x_a, x_b), x_a the first ⌊C/2⌋; (t, h) = NN(x_a), s = sigmoid(h + 2),
 * <pre>  z_a = x_a,   z_b = (x_b + t)·s,   log |det| = Σ_{c, y, x} log s,</pre>
 * inverse x_b = z_b / s − t. NN is Glow's: a 3×3 convolution to {@code hidden} channels, ReLU, a
 * 1×1 convolution, ReLU, and a zero-initialised 3×3 convolution to 2·C_b channels (t first, then h),
 * so every coupling starts as z_b = σ(2)·x_b. Glow's extra learned output scale (exp(3·logs)) and
 * its actnorm inside NN are left out: the zero start already gives the identity-like start they
 * serve. Parameters: {@code net.in.*}, {@code net.mid.*}, {@code net.out.*} (PyTorch's Conv2d layout).
 */
public final class ConvAffineCoupling extends FlowLayer {

    private final int channels;
    private final int conditioned;
    private final int transformed;
    private final Net net;

    /** The coupling's CNN, a module so its convolutions are named under {@code net.}. */
    private static final class Net extends org.diffusion4j.api.nn.Module {
        final Conv2d in;
        final Conv2d mid;
        final Conv2d out;

        Net(Backend backend, Rng rng, int inChannels, int hidden, int outChannels) {
            in = child("in", new Conv2d(backend, rng, inChannels, hidden, 3, 1, 1));
            mid = child("mid", new Conv2d(backend, rng, hidden, hidden, 1, 1, 0));
            out = child("out", Conv2d.zeroInitialised(backend, hidden, outChannels, 3, 1, 1));
        }

        Tensor forward(Tensor x) {
            return out.forward(mid.forward(in.forward(x).relu()).relu());
        }
    }

    public ConvAffineCoupling(Backend backend, Rng rng, int channels, int hidden) {
        if (channels < 2) {
            throw new IllegalArgumentException("a coupling layer needs at least 2 channels, got " + channels);
        }
        this.channels = channels;
        this.conditioned = channels / 2;
        this.transformed = channels - conditioned;
        this.net = child("net", new Net(backend, rng, conditioned, hidden, 2 * transformed));
    }

    @Override
    public String kind() {
        return "coupling";
    }

    @Override
    public Transformed forward(Tensor x) {
        check(x);
        Tensor xa = x.narrow(1, 0, conditioned);
        Tensor xb = x.narrow(1, conditioned, transformed);
        Tensor h = net.forward(xa);
        Tensor shift = h.narrow(1, 0, transformed);
        Tensor scale = h.narrow(1, transformed, transformed).add(2).sigmoid();
        Tensor zb = xb.add(shift).mul(scale);
        int b = x.dim(0);
        Tensor logDet = scale.log().reshape(b, scale.size() / b).sum(1);
        return new Transformed(Tensor.concat(1, xa, zb), logDet);
    }

    @Override
    public Tensor inverse(Tensor z) {
        check(z);
        Tensor za = z.narrow(1, 0, conditioned);
        Tensor zb = z.narrow(1, conditioned, transformed);
        Tensor h = net.forward(za);
        Tensor shift = h.narrow(1, 0, transformed);
        Tensor scale = h.narrow(1, transformed, transformed).add(2).sigmoid();
        return Tensor.concat(1, za, zb.div(scale).sub(shift));
    }

    private void check(Tensor x) {
        if (x.rank() != 4 || x.dim(1) != channels) {
            throw new IllegalArgumentException("coupling of " + channels + " channels expects [batch, " + channels
                    + ", height, width], got " + Arrays.toString(x.shape()));
        }
    }
}
