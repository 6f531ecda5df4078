package org.diffusion4j.plugin.flowmatching;

import org.diffusion4j.api.InvertibleSampler;
import org.diffusion4j.api.Model;
import org.diffusion4j.api.NoiseStreams;
import org.diffusion4j.api.SamplerSteps;
import org.diffusion4j.api.Schedule;
import org.diffusion4j.api.StepListener;
import org.diffusion4j.api.TimeGrid;
import org.diffusion4j.api.View;
import org.diffusion4j.api.config.ConfigException;
import org.diffusion4j.api.tensor.Tensor;

/**
 * Integrates the probability-flow ODE dx = v(x, t) dt ("Unified Perspective on Diffusion and Flow
 * Matching", Eq. 3 and 8; Eq. 25 is the same ODE written with the score) from t = tMax to tMin on
 * the uniform {@link TimeGrid} of {@code steps} steps. The velocity is the model's
 * {@link View#VELOCITY} view, so any parameterization on any schedule can be sampled; nothing here
 * depends on a schedule's name.
 *
 * <p>After step i the listener gets the state at grid time t(i+1) and, as x̂0, the model's
 * {@link View#X0} estimate at the state and time the step started from (no extra network call;
 * null where the model's prediction does not determine x0, or when the listener is
 * {@link StepListener#NONE}). No noise is drawn. Each step's tensors are recycled when it ends
 * ({@link SamplerSteps}). Stateless between calls.
 *
 * <p>{@link #invert} runs the same solver on the same grid walked backwards, tMin → tMax (the
 * flow-matching ODE is a flow: its map from noise to data is invertible, Lipman et al. 2023, Eq. 1),
 * so sampling the latents returns the data up to the solver's error, which falls like its order.
 */
public abstract sealed class OdeSampler implements InvertibleSampler permits EulerSampler, HeunSampler, RungeKutta4Sampler {

    private final String name;
    private final int steps;

    OdeSampler(String name, int steps) {
        if (steps < 1) {
            throw new ConfigException(name + ": steps must be at least 1, got " + steps);
        }
        this.name = name;
        this.steps = steps;
    }

    public int steps() {
        return steps;
    }

    /** The grid this sampler visits for a schedule: {@code steps} equal steps from tMax to tMin. */
    public TimeGrid grid(Schedule schedule) {
        return TimeGrid.uniform(schedule.tMax(), schedule.tMin(), steps);
    }

    @Override
    public final Tensor sample(Model model, Tensor xStart, NoiseStreams noise, StepListener listener) {
        Views.checkStart(name, xStart);
        TimeGrid grid = grid(model.schedule());
        return SamplerSteps.run(xStart, steps, (i, x) -> {
            double t = grid.t(i);
            double next = grid.t(i + 1);
            Tensor out = model.output(x, t).detach();
            Tensor v = model.convert(View.VELOCITY, out, x, t);
            Tensor x0 = listener == StepListener.NONE ? null : model.x0OrNull(out, x, t);
            Tensor xNext = advance(model, x, v, t, next).detach();
            listener.onStep(i, steps, next, xNext, x0);
            return xNext;
        });
    }

    /**
     * The latents of x0: the solver's steps from tMin to tMax on the grid of {@link #sample}, walked
     * backwards (step i goes from {@code t(S − i)} to {@code t(S − i − 1)}). The listener gets the
     * state reached and the model's x̂0 at the start of the step.
     */
    @Override
    public final Tensor invert(Model model, Tensor x0, StepListener listener) {
        String why = refuseInversion(model);
        if (why != null) {
            throw new ConfigException(why);
        }
        Views.checkStart(name, x0);
        TimeGrid grid = grid(model.schedule());
        return SamplerSteps.run(x0, steps, (i, x) -> {
            double t = grid.t(steps - i);
            double next = grid.t(steps - i - 1);
            Tensor out = model.output(x, t).detach();
            Tensor v = model.convert(View.VELOCITY, out, x, t);
            Tensor x0Hat = listener == StepListener.NONE ? null : model.x0OrNull(out, x, t);
            Tensor xNext = advance(model, x, v, t, next).detach();
            listener.onStep(i, steps, next, xNext, x0Hat);
            return xNext;
        });
    }

    /** Why the backwards walk cannot run: the velocity is undetermined at one of the times it evaluates. */
    @Override
    public String refuseInversion(Model model) {
        TimeGrid grid = grid(model.schedule());
        for (int i = 0; i < steps; i++) {
            String why = model.undetermined(name, View.VELOCITY, evaluationTimes(grid.t(i + 1), grid.t(i)));
            if (why != null) {
                return why;
            }
        }
        return null;
    }

    /**
     * One step of the solver from (x, t) to time {@code next}.
     *
     * @param v the velocity at (x, t), already computed
     */
    abstract Tensor advance(Model model, Tensor x, Tensor v, double t, double next);

    /** The times at which the step from t to next evaluates the velocity. */
    abstract double[] evaluationTimes(double t, double next);

    /** The velocity view of the model at (x, t), cut from any parameter graph. */
    static Tensor velocity(Model model, Tensor x, double t) {
        return model.predict(View.VELOCITY, x, t).detach();
    }

    @Override
    public String refuse(Model model) {
        TimeGrid grid = grid(model.schedule());
        for (int i = 0; i < steps; i++) {
            String why = model.undetermined(name, View.VELOCITY, evaluationTimes(grid.t(i), grid.t(i + 1)));
            if (why != null) {
                return why;
            }
        }
        return null;
    }

    @Override
    public String toString() {
        return name + " (steps " + steps + ")";
    }
}
