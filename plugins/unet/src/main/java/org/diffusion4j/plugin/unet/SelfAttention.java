package org.diffusion4j.plugin.unet;

import org.diffusion4j.api.nn.Conv2d;
import org.diffusion4j.api.nn.GroupNorm;
import org.diffusion4j.api.nn.Layer;
import org.diffusion4j.api.tensor.Backend;
import org.diffusion4j.api.tensor.Rng;
import org.diffusion4j.api.tensor.Tensor;

/**
 * Single-head self-attention over the H·W positions of a feature map, with a residual connection
 * (DDPM's attention block, Ho et al. 2020 App. B, after Wang et al. 2018's non-local block), the
 * peer's {@code Attention(c, groups)}:
 *
 * <pre>
 * q, k, v = channels [0, c), [c, 2c), [2c, 3c) of qkv(norm(x)), each [batch, c, H·W]
 * a       = softmax over j of (Σ_ch q[ch, i] · k[ch, j]) / √c          [batch, H·W, H·W]
 * out[ch, i] = Σ_j a[i, j] · v[ch, j]
 * result  = x + proj(out)
 * </pre>
 *
 * with {@code norm} = GroupNorm(groups, c), {@code qkv} a 1×1 convolution c → 3c and {@code proj}
 * a zero-initialised 1×1 convolution c → c (so the block starts as the identity).
 */
final class SelfAttention extends Layer {

    private final GroupNorm norm;
    private final Conv2d qkv;
    private final Conv2d proj;
    private final int channels;
    private final double scale;

    SelfAttention(Backend backend, Rng rng, int channels, int groups) {
        this.channels = channels;
        this.scale = 1 / Math.sqrt(channels);
        this.norm = child("norm", new GroupNorm(backend, groups, channels));
        this.qkv = child("qkv", new Conv2d(backend, rng, channels, 3 * channels, 1, 1, 0));
        this.proj = child("proj", Conv2d.zeroInitialised(backend, channels, channels, 1, 1, 0));
    }

    /** @param x [batch, c, H, W] → the same shape */
    @Override
    public Tensor forward(Tensor x) {
        int b = x.dim(0);
        int h = x.dim(2);
        int w = x.dim(3);
        int c = channels;
        Tensor all = qkv.forward(norm.forward(x)).reshape(b, 3 * c, h * w);
        Tensor q = all.narrow(1, 0, c);
        Tensor k = all.narrow(1, c, c);
        Tensor v = all.narrow(1, 2 * c, c);
        Tensor a = q.matmul(k, true, false).mul(scale).softmax();           // [b, hw, hw]
        Tensor out = v.matmul(a, false, true).reshape(b, c, h, w);           // [b, c, hw] → image
        return x.add(proj.forward(out));
    }
}
