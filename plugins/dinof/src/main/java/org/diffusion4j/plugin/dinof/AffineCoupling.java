package org.diffusion4j.plugin.dinof;

import java.util.List;
import org.diffusion4j.api.nn.Activation;
import org.diffusion4j.api.nn.Linear;
import org.diffusion4j.api.nn.Sequential;
import org.diffusion4j.api.tensor.Backend;
import org.diffusion4j.api.tensor.Rng;
import org.diffusion4j.api.tensor.Tensor;

/**
 * Affine coupling (Dinh et al. 2017; Glow §3.3 with its sigmoid scale): x = (x_a, x_b) with x_a the
 * first ⌊D/2⌋ coordinates; (t, h) = NN(x_a), s = sigmoid(h + 2),
 * <pre>  z_a = x_a,   z_b = (x_b + t)·s,   log |det| = Σ log s,</pre>
 * inverse x_b = z_b / s − t. NN is an MLP (two hidden ReLU layers of {@code hidden} units) whose last
 * layer starts at zero, as Glow's: every coupling starts as the near-identity z_b = σ(2)·x_b.
 */
public final class AffineCoupling extends FlowLayer {

    private final int conditioned;
    private final int transformed;
    private final Sequential net;

    public AffineCoupling(Backend backend, Rng rng, int dimension, int hidden) {
        if (dimension < 2) {
            throw new IllegalArgumentException("a coupling layer needs at least 2 dimensions, got " + dimension);
        }
        this.conditioned = dimension / 2;
        this.transformed = dimension - conditioned;
        Linear last = new Linear(backend, rng, hidden, 2 * transformed);
        last.parameters().values().forEach(p -> p.load(new float[p.size()]));
        this.net = child("net", new Sequential(List.of(
                new Linear(backend, rng, conditioned, hidden), new Activation(Activation.Function.RELU),
                new Linear(backend, rng, hidden, hidden), new Activation(Activation.Function.RELU),
                last)));
    }

    @Override
    public String kind() {
        return "coupling";
    }

    @Override
    public Transformed forward(Tensor x) {
        Tensor xa = x.columns(0, conditioned);
        Tensor xb = x.columns(conditioned, transformed);
        Tensor h = net.forward(xa);
        Tensor shift = h.columns(0, transformed);
        Tensor scale = h.columns(transformed, transformed).add(2).sigmoid();
        Tensor zb = xb.add(shift).mul(scale);
        return new Transformed(Tensor.concatColumns(xa, zb), scale.log().sum(1));
    }

    @Override
    public Tensor inverse(Tensor z) {
        Tensor za = z.columns(0, conditioned);
        Tensor zb = z.columns(conditioned, transformed);
        Tensor h = net.forward(za);
        Tensor shift = h.columns(0, transformed);
        Tensor scale = h.columns(transformed, transformed).add(2).sigmoid();
        return Tensor.concatColumns(za, zb.div(scale).sub(shift));
    }
}
