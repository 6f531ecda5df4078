package org.diffusion4j.api;

import org.diffusion4j.api.tensor.Tensor;

/**
 * Turns a prior sample into data with a trained model. Samplers are stateless between calls: all
 * per-run state lives in locals of {@link #sample}, so one sampler serves concurrent requests.
 * They are written against {@link Model#predict} and the {@link Schedule}, never against a named
 * schedule or parameterization.
 */
public interface Sampler {

    /**
     * @param model    the trained model
     * @param xStart   [batch, dimension] state at the schedule's {@code tMax()} (the prior sample)
     * @param noise    the per-sample streams for any noise the sampler adds
     * @param listener called after every step
     * @return [batch, dimension] samples at {@code tMin()}
     */
    Tensor sample(Model model, Tensor xStart, NoiseStreams noise, StepListener listener);

    /**
     * Why this sampler cannot run with the given model, or null if it can. The default accepts
     * every model; a sampler that needs, say, a discrete schedule says so here.
     */
    default String refuse(Model model) {
        return null;
    }
}
