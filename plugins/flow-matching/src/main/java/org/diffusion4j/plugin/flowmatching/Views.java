package org.diffusion4j.plugin.flowmatching;

import java.util.Arrays;
import org.diffusion4j.api.tensor.Tensor;

/** Input checks the samplers share (view coefficients and previews come from the api's {@link org.diffusion4j.api.Model}). */
final class Views {

    private Views() {
    }

    static void checkStart(String sampler, Tensor xStart) {
        if (xStart.rank() != 2) {
            throw new IllegalArgumentException(sampler + " expects a [batch, dimension] start, got "
                    + Arrays.toString(xStart.shape()));
        }
    }
}
