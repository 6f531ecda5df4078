package org.diffusion4j.plugin.flowmatching;

import java.util.Arrays;
import java.util.Locale;
import org.diffusion4j.api.Affine;
import org.diffusion4j.api.Model;
import org.diffusion4j.api.NoiseStreams;
import org.diffusion4j.api.Sampler;
import org.diffusion4j.api.SamplerSteps;
import org.diffusion4j.api.Schedule;
import org.diffusion4j.api.StepListener;
import org.diffusion4j.api.TimeGrid;
import org.diffusion4j.api.View;
import org.diffusion4j.api.tensor.Tensor;
import org.diffusion4j.api.config.ConfigException;

/**
 * Samples a velocity (or any) model with a reverse-time SDE, Euler–Maruyama ("Unified Perspective on
 * Diffusion and Flow Matching", §4.1–4.2, Eq. 23–27; SiT, Ma et al. 2024, §3).
 *
 * <p>The family of reverse SDEs with the marginals p_t of the probability-flow ODE dx = v dt is
 * <pre>  dx = [v(x, t) − ½·w(t)·s(x, t)] dt + √w(t) dW̄,   t from tMax down to tMin,</pre>
 * for any w(t) ≥ 0 (s the score; w = 0 is the ODE). With w = g² = 2σλ (Eq. 22) it is the time
 * reversal of the forward SDE, Eq. 24: v − ½g²s = f − g²s because v = f − ½g²s (Eq. 26–27). One
 * Euler–Maruyama step from t to t − h on the uniform {@link TimeGrid} is
 * <pre>  x ← x − h·(v − ½·w·s) + √(w·h)·z,   z ~ N(0, I) from the sample's own noise stream.</pre>
 * v and s are the model's {@link View#VELOCITY} and {@link View#SCORE} views of one network output;
 * both are linear in (x, output), so the step costs one network call and two tensor operations.
 * The api's generic conversion gives the score in a form that is finite at t = 1 for a velocity
 * model (s = −(x + (1 − t)·v)/t for the linear interpolant), unlike Eq. 23's division by α.
 *
 * <p>Choices of w ({@link Diffusion}), times a {@code scale} ≥ 0:
 * <ul>
 * <li>{@code SIGMA}: w = σ(t), SiT's default; finite everywhere, and the sample depends on the
 *     starting point.</li>
 * <li>{@code G2}: w = g²(t) = {@link Schedule#diffusionSquared}, the blog's choice. For the linear
 *     interpolant g² = 2t/(1 − t) is infinite at t = 1. <b>At a grid time where w is infinite the
 *     step is taken with w = 0</b> (a probability-flow Euler step), so the SDE proper starts at the
 *     first grid point where w is finite — the blog starts its loop there too. Beware: with this w
 *     and α = 1 − t the Euler–Maruyama step is x ← (1 − h/(1 − t))·x − 2h·v + √(w·h)·z, and the
 *     factor on x is 0 at t = 1 − h, so the result hardly depends on the starting point (the peer harness
 *     measured this, peers/README "Flow matching"). That is faithful to the SDE — for this schedule
 *     the forward SDE forgets x entirely at t = 1 — but it makes w = g² stiff near t = 1.</li>
 * <li>{@code CONSTANT}: w = 1.</li>
 * </ul>
 *
 * <p>Final step ({@link FinalStep}): {@code EULER} (default) takes the last step, to tMin, like
 * every other one, noise included (its variance w·h is O(h²) for w = σ); {@code DENOISE} replaces
 * it by the model's x̂0 = E[x0 | x_t] at the last grid time before tMin (Tweedie's denoiser, no
 * noise), which needs the {@link View#X0} view there.
 *
 * <p>The listener gets, after each step, the new state at the next grid time and the model's
 * x̂0 at the state the step started from (null where undetermined or when the listener is
 * {@link StepListener#NONE}). Each step draws one {@link NoiseStreams#next()} (except a
 * {@code DENOISE} final step), whether or not w is 0 there, so sample k's noise at step i is the
 * same whatever the other options. Stateless between calls.
 */
public final class ReverseSdeSampler implements Sampler {

    public static final String NAME = "flow-matching.sde";

    /** The diffusion coefficient w(t) of the reverse SDE. */
    public enum Diffusion {
        /** w = σ(t) (SiT, Ma et al. 2024). */
        SIGMA,
        /** w = g²(t), the forward SDE's (the blog's Eq. 24). */
        G2,
        /** w = 1. */
        CONSTANT;

        public String id() {
            return this == G2 ? "g2" : name().toLowerCase(Locale.ROOT);
        }
    }

    /** What the last step does. */
    public enum FinalStep {
        /** A plain Euler–Maruyama step to tMin. */
        EULER,
        /** Return the model's x̂0 at the last grid time before tMin. */
        DENOISE
    }

    private final int steps;
    private final Diffusion diffusion;
    private final double scale;
    private final FinalStep finalStep;

    public ReverseSdeSampler(int steps, Diffusion diffusion, double scale, FinalStep finalStep) {
        if (steps < 1) {
            throw new ConfigException(NAME + ": steps must be at least 1, got " + steps);
        }
        if (!(scale >= 0) || !Double.isFinite(scale)) {
            throw new ConfigException(NAME + ": scale must be a finite number ≥ 0, got " + scale);
        }
        this.steps = steps;
        this.diffusion = diffusion;
        this.scale = scale;
        this.finalStep = finalStep;
    }

    public int steps() {
        return steps;
    }

    public Diffusion diffusion() {
        return diffusion;
    }

    public double scale() {
        return scale;
    }

    public FinalStep finalStep() {
        return finalStep;
    }

    /** The grid this sampler visits: {@code steps} equal steps from tMax to tMin. */
    public TimeGrid grid(Schedule schedule) {
        return TimeGrid.uniform(schedule.tMax(), schedule.tMin(), steps);
    }

    /**
     * The w(t) a step starting at t uses: scale·w(t), or 0 where that is infinite (or scale is 0).
     *
     * @throws IllegalStateException where w(t) is NaN or negative
     */
    public double w(Schedule schedule, double t) {
        if (scale == 0) {
            return 0;
        }
        double raw = switch (diffusion) {
            case SIGMA -> schedule.sigma(t);
            case G2 -> schedule.diffusionSquared(t);
            case CONSTANT -> 1;
        };
        if (Double.isNaN(raw) || raw < 0) {
            throw new IllegalStateException(NAME + ": diffusion " + diffusion.id() + " gives w(" + t + ") = " + raw
                    + " for schedule " + schedule + "; it must be ≥ 0");
        }
        double w = scale * raw;
        return Double.isInfinite(w) ? 0 : w;
    }

    @Override
    public Tensor sample(Model model, Tensor xStart, NoiseStreams noise, StepListener listener) {
        Views.checkStart(NAME, xStart);
        if (noise.count() != xStart.dim(0) || noise.dimension() != xStart.dim(1)) {
            throw new IllegalArgumentException(NAME + ": noise streams give [" + noise.count() + ", "
                    + noise.dimension() + "] per draw, the state is " + Arrays.toString(xStart.shape()));
        }
        Schedule schedule = model.schedule();
        TimeGrid grid = grid(schedule);
        return SamplerSteps.run(xStart, steps, (i, x) -> {
            double t = grid.t(i);
            double next = grid.t(i + 1);
            Tensor out = model.output(x, t).detach();
            boolean last = i == steps - 1;
            Tensor xNext;
            Tensor x0 = listener == StepListener.NONE && !(last && finalStep == FinalStep.DENOISE)
                    ? null : model.x0OrNull(out, x, t);
            if (last && finalStep == FinalStep.DENOISE) {
                if (x0 == null) {
                    throw new IllegalStateException(NAME + ": final-step denoise needs x0 at t = " + t + ", but the "
                            + model.parameterization().predicts() + " prediction does not determine it");
                }
                xNext = x0.detach();
            } else {
                double h = t - next;
                double w = w(schedule, t);
                Affine v = model.coefficients(View.VELOCITY, t);
                Affine s = w == 0 ? new Affine(0, 0) : model.coefficients(View.SCORE, t);
                // x ← x − h·(v − ½ w s) + √(w h)·z with v, s linear in (x, out).
                double cx = 1 - h * (v.p() - 0.5 * w * s.p());
                double cout = -h * (v.q() - 0.5 * w * s.q());
                Tensor z = noise.next();
                Tensor mean = new Affine(cx, cout).apply(x, out);
                xNext = (w == 0 ? mean : mean.add(z.mul(Math.sqrt(w * h)))).detach();
            }
            listener.onStep(i, steps, next, xNext, x0);
            return xNext;
        });
    }

    @Override
    public String refuse(Model model) {
        Schedule schedule = model.schedule();
        TimeGrid grid = grid(schedule);
        double[] times = Arrays.copyOf(grid.toArray(), steps);
        String why = model.undetermined(NAME, View.VELOCITY, times);
        if (why == null && scale > 0) {
            for (double t : times) {
                double w;
                try {
                    w = w(schedule, t);
                } catch (IllegalStateException e) {
                    return e.getMessage();
                }
                if (w > 0) {
                    why = model.undetermined(NAME, View.SCORE, t);
                    if (why != null) {
                        break;
                    }
                }
            }
        }
        if (why == null && finalStep == FinalStep.DENOISE) {
            why = model.undetermined(NAME, View.X0, grid.t(steps - 1));
        }
        return why;
    }

    @Override
    public String toString() {
        return NAME + " (steps " + steps + ", diffusion " + diffusion.id() + ", scale " + scale + ", final-step "
                + finalStep.name().toLowerCase(Locale.ROOT) + ")";
    }
}
