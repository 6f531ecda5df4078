package org.diffusion4j.runtime.backend;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.diffusion4j.api.nn.Activation;
import org.diffusion4j.api.nn.Layer;
import org.diffusion4j.api.nn.Linear;
import org.diffusion4j.api.nn.Sequential;
import org.diffusion4j.api.tensor.Rng;
import org.diffusion4j.api.tensor.Tensor;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The no-gradient pass of {@link Sequential} ({@code Backend.mlpForward}: the fused row-block
 * pass with the Vector API, layer by layer without it) against the layer-by-layer autograd pass:
 * the same bits, outputs that later calls do not overwrite, and buffers that outlive a training
 * step.
 */
class SequentialInferenceTest {

    @ParameterizedTest
    @EnumSource(Activation.Function.class)
    void frozenForwardIsTheLayerByLayerForward(Activation.Function f) {
        // partial panels and a narrow output; full 64-wide panels (the seed MLP); a depth over the
        // GEMM's k block (KC = 128) and a narrow hidden layer
        for (int[] widths : new int[][]{{5, 70, 33, 3}, {3, 64, 64, 2}, {34, 130, 128, 9, 64}}) {
            frozenForwardIsTheLayerByLayerForward(f, widths);
        }
    }

    private static void frozenForwardIsTheLayerByLayerForward(Activation.Function f, int[] widths) {
        try (JavaBackend backend = new JavaBackend(2)) {
            Rng init = new Rng(11);
            List<Layer> layers = new ArrayList<>();
            for (int i = 0; i + 1 < widths.length; i++) {
                layers.add(new Linear(backend, init, widths[i], widths[i + 1]));
                layers.add(new Activation(f));   // also after the last layer: applied to the output
            }
            Sequential net = new Sequential(layers);
            Rng data = new Rng(12);
            Tensor big = Tensor.randn(backend, data, 300, widths[0]);
            Tensor small = Tensor.randn(backend, data, 7, widths[0]);

            float[] graphBig = net.forward(big).toArray();      // parameters require gradients
            float[] graphSmall = net.forward(small).toArray();
            net.parameters().values().forEach(p -> p.requiresGrad(false));

            backend.beginStep();
            Tensor inStep = net.forward(small);                 // buffers first made inside a step
            assertThat(inStep.toArray()).isEqualTo(graphSmall);
            backend.endStep();
            Tensor outBig = net.forward(big);
            Tensor outSmall = net.forward(small);
            assertThat(outBig.toArray()).isEqualTo(graphBig);
            assertThat(outSmall.toArray()).isEqualTo(graphSmall);
            assertThat(outBig.shape()).containsExactly(300, widths[widths.length - 1]);
        }
    }
}
