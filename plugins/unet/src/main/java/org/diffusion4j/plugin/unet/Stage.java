package org.diffusion4j.plugin.unet;

import org.diffusion4j.api.nn.Module;
import org.diffusion4j.api.tensor.Backend;
import org.diffusion4j.api.tensor.Rng;
import org.diffusion4j.api.tensor.Tensor;

/**
 * One entry of the peer's {@code down} or {@code up} {@code nn.ModuleList} that holds a residual
 * block and, at attention resolutions, a self-attention block after it: itself a
 * {@code ModuleList}, so the parameters are named {@code 0.…} (the block) and {@code 1.…} (the
 * attention).
 */
final class Stage extends Module {

    private final ResBlock block;
    private final SelfAttention attention;

    Stage(Backend backend, Rng rng, int cin, int cout, int embDim, int groups, boolean attend) {
        this.block = child("0", new ResBlock(backend, rng, cin, cout, embDim, groups));
        this.attention = attend ? child("1", new SelfAttention(backend, rng, cout, groups)) : null;
    }

    Tensor forward(Tensor x, Tensor activatedEmb) {
        Tensor h = block.forward(x, activatedEmb);
        return attention == null ? h : attention.forward(h);
    }
}
