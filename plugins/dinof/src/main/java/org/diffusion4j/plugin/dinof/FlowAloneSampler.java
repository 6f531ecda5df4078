package org.diffusion4j.plugin.dinof;

import org.diffusion4j.api.Model;
import org.diffusion4j.api.NoiseStreams;
import org.diffusion4j.api.Sampler;
import org.diffusion4j.api.StepListener;
import org.diffusion4j.api.tensor.Tensor;

/**
 * The flow alone as a generative model (plain Glow, Kingma and Dhariwal 2018): the sample is the
 * prior's draw f⁻¹(z) itself, no diffusion step after it. With the prior {@code dinof.flow} and a
 * flow trained by {@code dinof.joint} with {@code objective: data} this is the baseline row "flow
 * alone"; on a flow trained at T_m it shows x(T_m) as the flow models it.
 */
public final class FlowAloneSampler implements Sampler {

    @Override
    public Tensor sample(Model model, Tensor xStart, NoiseStreams noise, StepListener listener) {
        listener.onStep(0, 1, model.schedule().tMax(), xStart, xStart);
        return xStart;
    }

    @Override
    public String refuse(Model model) {
        return DinofNetwork.of(model.network()) == null ? FlowAloneSamplerProvider.NAME
                + ": the model's network has no flow; sample a dinof network with the prior dinof.flow" : null;
    }

    @Override
    public String toString() {
        return FlowAloneSamplerProvider.NAME;
    }
}
