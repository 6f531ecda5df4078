package org.diffusion4j.api;

import java.util.function.Supplier;
import org.diffusion4j.api.tensor.Backend;
import org.diffusion4j.api.tensor.Tensor;

/**
 * The loop of a step sampler (DDPM's ancestral chain, DDIM, the ODE and SDE solvers, Langevin
 * dynamics) with every step's tensors recycled: each step runs between {@link Backend#beginStep}
 * and {@link Backend#endStep}, and only the state x is carried to the next step, in one buffer
 * made once per call with {@link Backend#allocatePersistent}. On a backend that pools step storage
 * (the Java backend) a sampling call then allocates the same arrays from its second step on as
 * in its first, whatever the number of steps; on others it changes nothing. The arithmetic is the
 * step's own, so the samples are the same bits as a loop without the scopes. {@link #scoped} runs
 * any one piece of work as a step (an adaptive solver's stage).
 *
 * <p>Consequence for a {@link StepListener}, which the step calls: the tensors it gets are valid
 * during the call only (see {@link StepListener#onStep}). Since SPI 1.2.
 */
public final class SamplerSteps {

    /** One step of a sampler. */
    @FunctionalInterface
    public interface Step {
        /**
         * @param i step index, from 0
         * @param x the state before the step: valid until this returns, never to be overwritten
         * @return the state after the step, with x's shape (may be storage of this step: it is copied out)
         */
        Tensor take(int i, Tensor x);
    }

    private SamplerSteps() {
    }

    /**
     * Takes {@code steps} steps from {@code xStart} (left unchanged).
     *
     * @return the final state, in storage that outlives the steps
     */
    public static Tensor run(Tensor xStart, int steps, Step step) {
        Backend be = xStart.backend();
        Tensor x = Tensor.wrap(be, be.allocatePersistent(xStart.size()), xStart.shape());
        x.copyFrom(xStart);
        for (int i = 0; i < steps; i++) {
            int index = i;
            scoped(be, () -> {
                Tensor next = step.take(index, x);
                if (next.storage() != x.storage()) {
                    x.copyFrom(next);
                }
                return null;
            });
        }
        return x;
    }

    /**
     * Runs {@code work} as one step of {@code backend}: every tensor it makes is recycled when it
     * returns, so what it returns must be host values or tensors in storage made outside (an
     * adaptive solver's stage, which hands back host arrays; a start state copied into a kept buffer).
     */
    public static <T> T scoped(Backend backend, Supplier<T> work) {
        backend.beginStep();
        try {
            return work.get();
        } finally {
            // also when a listener cancels: the step's storage must not leak out of the pool
            backend.endStep();
        }
    }
}
