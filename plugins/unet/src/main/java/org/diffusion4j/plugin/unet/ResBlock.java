package org.diffusion4j.plugin.unet;

import org.diffusion4j.api.nn.Conv2d;
import org.diffusion4j.api.nn.GroupNorm;
import org.diffusion4j.api.nn.Linear;
import org.diffusion4j.api.nn.Module;
import org.diffusion4j.api.tensor.Backend;
import org.diffusion4j.api.tensor.Rng;
import org.diffusion4j.api.tensor.Tensor;

/**
 * The residual block of DDPM (Ho et al. 2020, App. B) in ADM's form (Dhariwal and Nichol 2021),
 * the peer's {@code ResBlock(cin, cout, emb, groups)}:
 *
 * <pre>
 * h = conv1(SiLU(norm1(x)))                      norm1 = GroupNorm(groups, cin), conv1 = 3×3 cin → cout
 * h = h + emb(SiLU(e))[:, :, None, None]         emb = Linear(embDim, cout), broadcast over H, W
 * h = conv2(SiLU(norm2(h)))                      norm2 = GroupNorm(groups, cout), conv2 = 3×3, zero-initialised
 * out = skip(x) + h                              skip = 1×1 conv cin → cout when cin ≠ cout, else identity
 * </pre>
 *
 * <p>Parameters, in the peer's registration order: {@code norm1}, {@code conv1}, {@code emb},
 * {@code norm2}, {@code conv2}, {@code skip} (only when cin ≠ cout).
 */
final class ResBlock extends Module {

    private final GroupNorm norm1;
    private final Conv2d conv1;
    private final Linear emb;
    private final GroupNorm norm2;
    private final Conv2d conv2;
    private final Conv2d skip;

    ResBlock(Backend backend, Rng rng, int cin, int cout, int embDim, int groups) {
        this.norm1 = child("norm1", new GroupNorm(backend, groups, cin));
        this.conv1 = child("conv1", new Conv2d(backend, rng, cin, cout, 3, 1, 1));
        this.emb = child("emb", new Linear(backend, rng, embDim, cout));
        this.norm2 = child("norm2", new GroupNorm(backend, groups, cout));
        this.conv2 = child("conv2", Conv2d.zeroInitialised(backend, cout, cout, 3, 1, 1));
        this.skip = cin != cout ? child("skip", new Conv2d(backend, rng, cin, cout, 1, 1, 0)) : null;
    }

    /**
     * @param x            [batch, cin, H, W]
     * @param activatedEmb [batch, embDim], the embedding after SiLU (the same for every block, so
     *                     the network computes it once)
     * @return [batch, cout, H, W]
     */
    Tensor forward(Tensor x, Tensor activatedEmb) {
        Tensor h = conv1.forward(norm1.forward(x).silu());
        Tensor e = emb.forward(activatedEmb);
        h = h.add(e.reshape(e.dim(0), e.dim(1), 1, 1));
        // (ADM applies dropout here, between SiLU and conv2, while training; this block has none.)
        h = conv2.forward(norm2.forward(h).silu());
        return (skip == null ? x : skip.forward(x)).add(h);
    }
}
