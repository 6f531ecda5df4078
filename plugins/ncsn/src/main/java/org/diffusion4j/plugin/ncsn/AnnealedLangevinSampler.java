package org.diffusion4j.plugin.ncsn;

import java.util.Arrays;
import org.diffusion4j.api.Affine;
import org.diffusion4j.api.Model;
import org.diffusion4j.api.NoiseStreams;
import org.diffusion4j.api.Sampler;
import org.diffusion4j.api.SamplerSteps;
import org.diffusion4j.api.Schedule;
import org.diffusion4j.api.StepListener;
import org.diffusion4j.api.View;
import org.diffusion4j.api.tensor.Tensor;
import org.diffusion4j.api.config.ConfigException;

/**
 * Annealed Langevin dynamics (Song and Ermon 2019, Algorithm 1; seed 004 "Algorithm 1"; seed 003):
 * for each noise level σ_i from the largest to the smallest, with step α_i = ε·σ_i²/σ_L², take T
 * Langevin steps
 * <pre>  x ← x + (α_i/2)·s_θ(x, σ_i) + √α_i·z,   z ~ N(0, I),</pre>
 * starting from the prior sample. The levels are the schedule's {@link Schedule#trainingTimes}
 * (a model without discrete levels is refused, and so is one whose schedule scales the data, α ≠ 1,
 * such as DDPM's chain of 1,000 steps); σ_L is the smallest. With {@code denoise} a final
 * step x ← x + σ_L²·s_θ(x, σ_L) returns Tweedie's E[x | x̃] (Song and Ermon 2020, "Improved
 * techniques", Appendix; Jolicoeur-Martineau et al. 2021). s_θ is the model's {@link View#SCORE}
 * view, so any parameterization on any schedule with levels is sampled the same way.
 *
 * <p>The listener is called after every Langevin step, {@code steps} = L·T, with the time of the
 * level and x̂0 = null. Each step draws one {@link NoiseStreams#next()}. Stateless between calls;
 * every step size is per level, so sample k does not depend on its batch.
 */
public final class AnnealedLangevinSampler implements Sampler {

    public static final String NAME = "ncsn.annealed-langevin";

    private final int stepsPerLevel;
    private final double epsilon;
    private final boolean denoise;

    public AnnealedLangevinSampler(int stepsPerLevel, double epsilon, boolean denoise) {
        if (stepsPerLevel < 1) {
            throw new ConfigException(NAME + ": steps-per-level must be at least 1, got " + stepsPerLevel);
        }
        if (!(epsilon > 0) || !Double.isFinite(epsilon)) {
            throw new ConfigException(NAME + ": epsilon must be a finite number > 0, got " + epsilon);
        }
        this.stepsPerLevel = stepsPerLevel;
        this.epsilon = epsilon;
        this.denoise = denoise;
    }

    public int stepsPerLevel() {
        return stepsPerLevel;
    }

    public double epsilon() {
        return epsilon;
    }

    public boolean denoise() {
        return denoise;
    }

    @Override
    public Tensor sample(Model model, Tensor xStart, NoiseStreams noise, StepListener listener) {
        String why = refuse(model);
        if (why != null) {
            throw new ConfigException(why);
        }
        if (xStart.rank() != 2 || noise.count() != xStart.dim(0) || noise.dimension() != xStart.dim(1)) {
            throw new IllegalArgumentException(NAME + ": start " + Arrays.toString(xStart.shape())
                    + " does not match the noise streams [" + noise.count() + ", " + noise.dimension() + "]");
        }
        Schedule s = model.schedule();
        double[] times = levelTimes(s);
        double sigmaL = s.sigma(times[times.length - 1]);
        int total = times.length * stepsPerLevel;
        // Step i is step i % stepsPerLevel of level i / stepsPerLevel.
        Tensor x = SamplerSteps.run(xStart, total, (i, xi) -> {
            double t = times[i / stepsPerLevel];
            double sigma = s.sigma(t);
            double a = epsilon * sigma * sigma / (sigmaL * sigmaL);
            Affine c = model.coefficients(View.SCORE, t);
            Tensor out = model.output(xi, t).detach();
            Tensor score = c.apply(xi, out);
            Tensor xNext = xi.add(score.mul(a / 2)).add(noise.next().mul(Math.sqrt(a))).detach();
            listener.onStep(i, total, t, xNext, null);
            return xNext;
        });
        if (denoise) {
            double t = times[times.length - 1];
            Affine c = model.coefficients(View.SCORE, t);
            Tensor score = c.apply(x, model.output(x, t).detach());
            x = x.add(score.mul(sigmaL * sigmaL)).detach();
        }
        return x;
    }

    /** The level times ordered from the largest σ to the smallest. */
    static double[] levelTimes(Schedule s) {
        double[] t = s.trainingTimes().clone();
        Double[] boxed = Arrays.stream(t).boxed().toArray(Double[]::new);
        Arrays.sort(boxed, (u, v) -> Double.compare(s.sigma(v), s.sigma(u)));
        return Arrays.stream(boxed).mapToDouble(Double::doubleValue).toArray();
    }



    @Override
    public String refuse(Model model) {
        Schedule s = model.schedule();
        double[] times = s.trainingTimes();
        if (times.length == 0) {
            return NAME + " needs a schedule with discrete noise levels (such as " + GeometricNoiseScheduleProvider.NAME
                    + "); " + s + " has none";
        }
        for (double t : times) {
            // Each training time is taken as one noise level of x̃ = x + σ·z. A schedule that also scales the
            // data (α < 1, DDPM's T = 1000 steps) is a diffusion chain, not such a ladder: its steps would all
            // become levels (L·T network calls) of the wrong marginals.
            if (Math.abs(s.alpha(t) - 1) > 1e-9) {
                return NAME + " needs a noise-conditional score model with a ladder of noise levels σ_i (x̃ = x + σ_i·z,"
                        + " such as " + GeometricNoiseScheduleProvider.NAME + "); this model's schedule is " + s
                        + ", which scales the data (α(t) = " + (float) s.alpha(t) + " at t = " + t + "), and its "
                        + times.length + " steps would be taken as " + times.length + " noise levels (" + times.length
                        + " × steps-per-level Langevin steps) — use ddpm.ancestral or ddim";
            }
            double sigma = s.sigma(t);
            if (!(sigma > 0) || !Double.isFinite(sigma)) {
                return NAME + ": noise level σ = " + sigma + " at t = " + t + " of " + s + " is not positive";
            }
            try {
                Affine c = model.coefficients(View.SCORE, t);
                if (!Double.isFinite(c.p()) || !Double.isFinite(c.q())) {
                    return NAME + " needs the SCORE view at t = " + t + ", which the " + model.parameterization().predicts()
                            + " prediction does not give finitely (schedule " + s + ")";
                }
            } catch (IllegalArgumentException e) {
                return NAME + " needs the SCORE view at t = " + t + ", but " + e.getMessage();
            }
        }
        return null;
    }

    @Override
    public String toString() {
        return NAME + " (steps-per-level " + stepsPerLevel + ", epsilon " + epsilon + ", denoise " + denoise + ")";
    }
}
