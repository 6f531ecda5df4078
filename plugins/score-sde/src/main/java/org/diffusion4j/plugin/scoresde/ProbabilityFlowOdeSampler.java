package org.diffusion4j.plugin.scoresde;

import java.util.Locale;
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
 * Samples by integrating the probability-flow ODE (Song et al. 2021, Eq. 13; seed 001, Eq. 4)
 * <pre>  dx/dt = f(t)·x − ½g²(t)·∇ log p_t(x),</pre>
 * from tMax to tMin. Its right-hand side is the model's {@link View#VELOCITY} view (the api's
 * conversion computes f·x − ½g²·s from any prediction, "Unified Perspective", Eq. 25–27), so any
 * model whose velocity is determined can be sampled — a score model on VE/VP/sub-VP, or a
 * flow-matching velocity model, whose velocity stays finite where f and g² are not.
 *
 * <p>Solvers ({@link Solver}):
 * <ul>
 * <li>{@code RK45}: adaptive Dormand–Prince 5(4) with relative and absolute tolerances, the paper's
 *     choice (scipy {@code solve_ivp}, rtol = atol = 10⁻⁵), with a step size per sample
 *     ({@link DormandPrince}) so that no sample depends on its batch. The state is integrated in
 *     double precision on the host; each stage is one network call for the rows still running.
 *     <b>NFE reporting:</b> the listener is called after every solver iteration with
 *     {@code steps = 0} (unknown in advance) and {@code step + 1} = the number of network evaluations
 *     so far of the sample that needed most, so the launcher's progress line counts the NFE; the
 *     x̂0 argument is null. {@link #solve} returns the per-sample NFE.</li>
 * <li>{@code EULER}, {@code HEUN}: {@code steps} equal steps (Heun's trapezoidal predictor–corrector
 *     evaluates the velocity at both ends of each step; 2 evaluations per step). The listener gets
 *     each step's end state and the model's x̂0 at its start.</li>
 * </ul>
 * No noise is drawn. Stateless between calls.
 *
 * <p>{@link #invert}: the same ODE integrated upwards, tMin → tMax (the probability-flow ODE's
 * solution is unique, so data map one to one to latents, Song et al. 2021, §4.3).
 */
public final class ProbabilityFlowOdeSampler implements InvertibleSampler {

    public static final String NAME = "score-sde.ode";

    /** The ODE solver. */
    public enum Solver {
        RK45, EULER, HEUN;

        public String id() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** Samples at tMin and the network evaluations each needed. */
    public record Solution(Tensor x, int[] evaluations) {
        public int maxEvaluations() {
            int m = 0;
            for (int e : evaluations) {
                m = Math.max(m, e);
            }
            return m;
        }

        public double meanEvaluations() {
            double s = 0;
            for (int e : evaluations) {
                s += e;
            }
            return s / evaluations.length;
        }
    }

    private final Solver solver;
    private final int steps;
    private final double rtol;
    private final double atol;
    private final int maxSteps;

    public ProbabilityFlowOdeSampler(Solver solver, int steps, double rtol, double atol, int maxSteps) {
        if (steps < 1) {
            throw new ConfigException(NAME + ": steps must be at least 1, got " + steps);
        }
        if (!(rtol > 0) || !(atol > 0)) {
            throw new ConfigException(NAME + ": rtol and atol must be > 0, got " + rtol + " and " + atol);
        }
        if (maxSteps < 1) {
            throw new ConfigException(NAME + ": max-steps must be at least 1, got " + maxSteps);
        }
        this.solver = solver;
        this.steps = steps;
        this.rtol = rtol;
        this.atol = atol;
        this.maxSteps = maxSteps;
    }

    public Solver solver() {
        return solver;
    }

    public int steps() {
        return steps;
    }

    public double rtol() {
        return rtol;
    }

    public double atol() {
        return atol;
    }

    @Override
    public Tensor sample(Model model, Tensor xStart, NoiseStreams noise, StepListener listener) {
        return solve(model, xStart, listener).x();
    }

    /** Integrates from tMax to tMin and reports the network evaluations per sample. */
    public Solution solve(Model model, Tensor xStart, StepListener listener) {
        return integrate(model, xStart, listener, false);
    }

    /**
     * The latents of x0: the probability-flow ODE integrated from tMin to tMax with the same solver.
     * Euler and Heun walk the grid of {@link #sample} backwards, so sampling the latents returns x0
     * up to the solver's error (falling like 1/steps and 1/steps²); RK45 integrates forwards with the
     * same tolerances (what {@link ProbabilityFlowLikelihood} does to encode a point). The listener is
     * called as in {@link #sample}.
     */
    @Override
    public Tensor invert(Model model, Tensor x0, StepListener listener) {
        String why = refuseInversion(model);
        if (why != null) {
            throw new ConfigException(why);
        }
        return integrate(model, x0, listener, true).x();
    }

    /** {@link #invert} with the network evaluations per sample. */
    public Solution encode(Model model, Tensor x0, StepListener listener) {
        return integrate(model, x0, listener, true);
    }

    /** From tMax to tMin, or, {@code up}, from tMin to tMax on the same grid. */
    private Solution integrate(Model model, Tensor xStart, StepListener listener, boolean up) {
        Views.checkStart(NAME, xStart);
        Schedule s = model.schedule();
        int n = xStart.dim(0);
        double from = up ? s.tMin() : s.tMax();
        double to = up ? s.tMax() : s.tMin();
        if (solver == Solver.RK45) {
            DormandPrince dp = new DormandPrince(NAME, rtol, atol, maxSteps);
            DormandPrince.Solution sol = dp.integrate(
                    // each stage's tensors recycled: it hands back host values
                    (rows, t, y) -> SamplerSteps.scoped(xStart.backend(), () -> Views.rows(
                            Views.predict(model.select(rows), View.VELOCITY,
                                    Views.matrix(xStart.backend(), y), t).detach())),
                    Views.rows(xStart), from, to, (iteration, evaluations, t, y) -> {
                        if (listener != StepListener.NONE) {
                            // the time of the row that has come furthest
                            double latest = to;
                            for (double tr : t) {
                                latest = up ? Math.min(latest, tr) : Math.max(latest, tr);
                            }
                            listener.onStep(evaluations - 1, 0, latest, Views.matrix(xStart.backend(), y), null);
                        }
                    });
            return new Solution(Views.matrix(xStart.backend(), sol.y()), sol.evaluations());
        }
        TimeGrid grid = TimeGrid.uniform(s.tMax(), s.tMin(), steps);
        Tensor x = SamplerSteps.run(xStart, steps, (i, xi) -> {
            double t = up ? grid.t(steps - i) : grid.t(i);
            double next = up ? grid.t(steps - i - 1) : grid.t(i + 1);
            double h = next - t;
            Tensor out = model.output(xi, t).detach();
            Tensor v = model.convert(View.VELOCITY, out, xi, t);
            Tensor x0 = listener == StepListener.NONE ? null : model.x0OrNull(out, xi, t);
            Tensor xNext;
            if (solver == Solver.EULER) {
                xNext = xi.add(v.mul(h)).detach();
            } else {
                Tensor predictor = xi.add(v.mul(h));
                Tensor vNext = model.predict(View.VELOCITY, predictor, next).detach();
                xNext = xi.add(v.add(vNext).mul(h / 2)).detach();
            }
            listener.onStep(i, steps, next, xNext, x0);
            return xNext;
        });
        int[] evaluations = new int[n];
        java.util.Arrays.fill(evaluations, steps * (solver == Solver.HEUN ? 2 : 1));
        return new Solution(x, evaluations);
    }

    /**
     * Why the ODE cannot be integrated upwards with this model: the velocity undetermined at a time
     * the solver evaluates (Euler walking up evaluates at tMin, which sampling never does).
     */
    @Override
    public String refuseInversion(Model model) {
        Schedule s = model.schedule();
        if (solver == Solver.EULER) {
            // the grid of sample, without tMax: walking up, each step evaluates where it starts
            double[] times = TimeGrid.uniform(s.tMax(), s.tMin(), steps).toArray();
            return model.undetermined(NAME, View.VELOCITY, java.util.Arrays.copyOfRange(times, 1, steps + 1));
        }
        return refuse(model);
    }

    @Override
    public String refuse(Model model) {
        Schedule s = model.schedule();
        if (solver == Solver.RK45) {
            // The adaptive solver visits times it chooses: check both ends and a fine grid between.
            return model.undetermined(NAME, View.VELOCITY, TimeGrid.uniform(s.tMax(), s.tMin(), 64).toArray());
        }
        double[] times = TimeGrid.uniform(s.tMax(), s.tMin(), steps).toArray();
        if (solver == Solver.EULER) {
            times = java.util.Arrays.copyOf(times, steps);
        }
        return model.undetermined(NAME, View.VELOCITY, times);
    }

    @Override
    public String toString() {
        return NAME + " (solver " + solver.id() + (solver == Solver.RK45 ? ", rtol " + rtol + ", atol " + atol
                : ", steps " + steps) + ")";
    }
}
