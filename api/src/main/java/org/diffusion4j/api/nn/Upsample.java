package org.diffusion4j.api.nn;

import java.util.Arrays;
import org.diffusion4j.api.tensor.Tensor;

/**
 * Nearest-neighbour up-sampling of {@code [batch, channels, height, width]} by an integer factor:
 * every value becomes a factor × factor block (PyTorch's {@code nn.Upsample(scale_factor=f,
 * mode="nearest")}). No parameters. The U-Net's "up-sample then 3×3 convolution" of DDPM (Ho et al.
 * 2020 App. B) is a {@link Sequential} of this and a {@link Conv2d}.
 *
 * @since SPI 1.3
 */
public final class Upsample extends Layer {

    private final int factor;

    public Upsample(int factor) {
        if (factor < 1) {
            throw new IllegalArgumentException("Upsample needs a factor ≥ 1, got " + factor);
        }
        this.factor = factor;
    }

    /** @param x [batch, channels, height, width] → [batch, channels, factor·height, factor·width] */
    @Override
    public Tensor forward(Tensor x) {
        if (x.rank() != 4) {
            throw new IllegalArgumentException("Upsample expects [batch, channels, height, width], got "
                    + Arrays.toString(x.shape()));
        }
        return factor == 1 ? x : x.upsampleNearest(factor);
    }

    public int factor() {
        return factor;
    }
}
