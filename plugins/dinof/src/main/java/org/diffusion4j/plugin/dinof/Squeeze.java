package org.diffusion4j.plugin.dinof;

import java.util.Arrays;
import org.diffusion4j.api.tensor.Tensor;

/**
 * Glow's squeeze (Kingma and Dhariwal 2018, §3 and Fig. 2b; Dinh et al. 2017, RealNVP §3.6): a
 * 2×2 space-to-depth rearrangement {@code [B, C, H, W] → [B, 4C, H/2, W/2]}. Output channel
 * {@code (2i + j)·C + c} holds the pixels {@code x[c, 2y + i, 2x + j]}. A permutation of the values,
 * so its log-determinant is 0. Built from reshape, narrow and concat (the api has no strided view),
 * each differentiable.
 */
public final class Squeeze extends FlowLayer {

    @Override
    public String kind() {
        return "squeeze";
    }

    @Override
    public Transformed forward(Tensor x) {
        int[] s = x.shape();
        if (s.length != 4 || s[2] % 2 != 0 || s[3] % 2 != 0) {
            throw new IllegalArgumentException("squeeze needs [batch, channels, height, width] with even height and"
                    + " width, got " + Arrays.toString(s));
        }
        int b = s[0];
        int c = s[1];
        int h = s[2] / 2;
        int w = s[3] / 2;
        // [B·C·H/2, 2, W/2, 2]: row y = 2·y' + i, column x = 2·x' + j (tensors have rank at most 4)
        Tensor v = x.reshape(b * c * h, 2, w, 2);
        Tensor[] parts = new Tensor[4];
        for (int i = 0; i < 2; i++) {
            for (int j = 0; j < 2; j++) {
                parts[2 * i + j] = v.narrow(1, i, 1).narrow(3, j, 1).reshape(b, c, h, w);
            }
        }
        return new Transformed(Tensor.concat(1, parts), Tensor.zeros(x.backend(), b, 1));
    }

    @Override
    public Tensor inverse(Tensor z) {
        int[] s = z.shape();
        if (s.length != 4 || s[1] % 4 != 0) {
            throw new IllegalArgumentException("unsqueeze needs [batch, 4·channels, height, width], got "
                    + Arrays.toString(s));
        }
        int b = s[0];
        int c = s[1] / 4;
        int h = s[2];
        int w = s[3];
        Tensor[] rows = new Tensor[2];
        for (int i = 0; i < 2; i++) {
            Tensor left = z.narrow(1, (2 * i) * c, c).reshape(b * c * h, 1, w, 1);
            Tensor right = z.narrow(1, (2 * i + 1) * c, c).reshape(b * c * h, 1, w, 1);
            rows[i] = Tensor.concat(3, left, right);
        }
        return Tensor.concat(1, rows[0], rows[1]).reshape(b, c, 2 * h, 2 * w);
    }
}
