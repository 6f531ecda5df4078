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
 * The buffered no-gradient pass of {@link Sequential} (hidden activations in reused buffers,
 * activations in place) against the layer-by-layer pass: the same bits, outputs that later calls
 * do not overwrite, and buffers that outlive a training step.
 */
class SequentialInferenceTest {

    @ParameterizedTest
    @EnumSource(Activation.Function.class)
    void frozenForwardIsTheLayerByLayerForward(Activation.Function f) {
        try (JavaBackend backend = new JavaBackend(2)) {
            Rng init = new Rng(11);
            List<Layer> layers = new ArrayList<>();
            int[] widths = {5, 70, 33, 3};
            for (int i = 0; i + 1 < widths.length; i++) {
                layers.add(new Linear(backend, init, widths[i], widths[i + 1]));
                layers.add(new Activation(f));   // also after the last layer: applied to the output
            }
            Sequential net = new Sequential(layers);
            Rng data = new Rng(12);
            Tensor big = Tensor.randn(backend, data, 300, 5);
            Tensor small = Tensor.randn(backend, data, 7, 5);

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
            assertThat(outBig.shape()).containsExactly(300, 3);
        }
    }
}
