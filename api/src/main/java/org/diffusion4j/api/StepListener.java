package org.diffusion4j.api;

import org.diffusion4j.api.tensor.Tensor;

/**
 * Called by every sampler after each step. Progress bars, previews and interruption are built on
 * it; a listener cancels sampling by throwing {@link java.util.concurrent.CancellationException}.
 *
 * <p>The tensors it is handed are valid during the call only: samplers recycle each step's storage
 * when the step ends ({@link SamplerSteps}), so a listener that keeps a state or an estimate for
 * later copies it ({@link Tensor#toArray()}) before returning.
 */
@FunctionalInterface
public interface StepListener {

    /** Does nothing. */
    StepListener NONE = (step, steps, t, x, x0Hat) -> { };

    /**
     * @param step  index of the step just taken, from 0
     * @param steps total number of steps
     * @param t     time reached
     * @param x     current state
     * @param x0Hat the model's estimate of the clean data at this step, or null if not computed
     */
    void onStep(int step, int steps, double t, Tensor x, Tensor x0Hat);
}
