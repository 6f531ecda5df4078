package org.diffusion4j.api;

import java.util.Arrays;
import org.diffusion4j.api.tensor.Tensor;

/**
 * The reverse step shared by DDPM's ancestral sampler and DDIM, written for any Gaussian path
 * x_t = α_t·x0 + σ_t·ε (so for any schedule, any parameterization). From time t to an earlier s on an
 * immutable {@link TimeGrid}, with x̂0, ε̂ the model's views at (x_t, t):
 * <pre>  x_s = α_s·x̂0 + k·ε̂ + c·z,   z ~ N(0, I) from the sample's own stream,</pre>
 * where r = (α_t·σ_s)/(α_s·σ_t) = √(SNR(t)/SNR(s)) ∈ [0, 1] and the forward posterior q(x_s | x_t, x0)
 * has variance σ̃² = σ_s²·(1 − r²) (for a VP path (1 − ᾱ_s)/(1 − ᾱ_t)·(1 − ᾱ_t/ᾱ_s): Ho et al. 2020,
 * Eq. 7, the β̃ of the strided chain) and mean α_s·x̂0 + σ_s·r·ε̂ (Eq. 7 rewritten with x̂0, ε̂):
 * <ul>
 * <li>{@link Variance#BETA_TILDE}: c = σ̃, k = σ_s·r (Algorithm 2 with σ² = β̃);</li>
 * <li>{@link Variance#BETA}: c² = σ_t²·(1 − r²) = 1 − ᾱ_t/ᾱ_s (the strided β, Algorithm 2 with
 *     σ² = β; DDIM's σ̂, Song et al. 2020, §5.1), k = σ_s·r, and c = 0 on the step to tMin as in
 *     Algorithm 2 (z = 0 at t = 1);</li>
 * <li>{@link Variance#ETA}: c = η·σ̃, k = √(σ_s² − c²) (DDIM, Song et al. 2020, Eq. 12 and 16; η = 1 is
 *     {@code BETA_TILDE}, η = 0 the deterministic DDIM).</li>
 * <li>{@link Variance#LEARNED}: k = σ_s·r and c = exp(½(v·log β + (1 − v)·log β̃)) per coordinate with
 *     the strided β = σ_t²(1 − r²), β̃ = σ_s²(1 − r²) and v the network's output columns D..2D−1
 *     (Nichol and Dhariwal 2021, Eq. 15; §4 for the strided chain); c = 0 on the step to tMin.</li>
 * </ul>
 * Every step draws one {@link NoiseStreams#next()}, also where c = 0, so chains that should agree
 * consume identical noise (as in the PyTorch peer). With x̂0 clipping, ε̂ is recomputed as
 * (x_t − α_t·x̂0)/σ_t. The listener gets the new state at s and the x̂0 used. Per-call state only.
 *
 * <p>In the api (beside {@link Spacing} and {@link X0Clipping}) because the ddpm and ddim plugins both
 * sample with it and a plugin may depend on the api alone.
 */
public final class PosteriorChain {

    /** The variance of the added noise. */
    public enum Variance {
        ETA,
        BETA,
        BETA_TILDE,
        /** Nichol and Dhariwal's Σ_θ = exp(v·log β + (1 − v)·log β̃), v the network's extra outputs. */
        LEARNED
    }

    private PosteriorChain() {
    }

    public static Tensor run(String name, Model model, TimeGrid grid, Variance variance, double eta, X0Clipping clipping,
                      Tensor xStart, NoiseStreams noise, StepListener listener) {
        if (xStart.rank() != 2) {
            throw new IllegalArgumentException(name + " expects a [batch, dimension] start, got "
                    + Arrays.toString(xStart.shape()));
        }
        if (noise.count() != xStart.dim(0) || noise.dimension() != xStart.dim(1)) {
            throw new IllegalArgumentException(name + ": noise streams give [" + noise.count() + ", "
                    + noise.dimension() + "] per draw, the state is " + Arrays.toString(xStart.shape()));
        }
        Schedule schedule = model.schedule();
        int steps = grid.steps();
        return SamplerSteps.run(xStart, steps, (i, x) -> {
            double t = grid.t(i);
            double s = grid.t(i + 1);
            double at = schedule.alpha(t);
            double st = schedule.sigma(t);
            double as = schedule.alpha(s);
            double ss = schedule.sigma(s);
            Tensor out;
            Tensor v = null;
            if (variance == Variance.LEARNED) {
                int d = x.dim(1);
                Tensor full = model.network().forward(x, Tensor.full(x.backend(), (float) t, x.dim(0), 1)).detach();
                if (full.rank() != 2 || full.dim(1) < 2 * d) {
                    throw new IllegalStateException(name + ": a learned variance needs " + 2 * d
                            + " network outputs per point, the network gives " + Arrays.toString(full.shape()));
                }
                out = full.columns(0, d);
                v = full.columns(d, d);
            } else {
                out = model.output(x, t).detach();
            }
            Affine cx0 = model.coefficients(View.X0, t);
            Tensor x0 = cx0.apply(x, out);
            Tensor eps;
            if (clipping.active()) {
                x0 = clipping.apply(x0);
                eps = x.sub(x0.mul(at)).mul(1 / st);
            } else {
                Affine ce = model.coefficients(View.EPSILON, t);
                eps = ce.apply(x, out);
            }
            double r = ss == 0 ? 0 : Math.min(1, at * ss / (as * st));
            double oneMinusR2 = Math.max(0, 1 - r * r);
            double c;
            double k;
            switch (variance) {
                case ETA -> {
                    c = eta * ss * Math.sqrt(oneMinusR2);
                    k = Math.sqrt(Math.max(0, ss * ss - c * c));
                }
                case BETA -> {
                    c = i == steps - 1 ? 0 : st * Math.sqrt(oneMinusR2);
                    k = ss * r;
                }
                case BETA_TILDE -> {
                    c = ss * Math.sqrt(oneMinusR2);
                    k = ss * r;
                }
                default -> {
                    c = 0;
                    k = ss * r;
                }
            }
            Tensor z = noise.next();
            Tensor next = new Affine(as, k).apply(x0, eps);
            if (variance == Variance.LEARNED && i < steps - 1 && oneMinusR2 > 0 && ss > 0) {
                double logBeta = Math.log(st * st * oneMinusR2);
                double logBetaTilde = Math.log(ss * ss * oneMinusR2);
                Tensor logVar = v.mul(logBeta - logBetaTilde).add(logBetaTilde);
                next = next.add(z.mul(logVar.mul(0.5).exp()));
            } else if (c != 0) {
                next = next.add(z.mul(c));
            }
            listener.onStep(i, steps, s, next, x0);
            return next;
        });
    }



    /**
     * Why this chain cannot run with the model on the grid, or null: the x0 and ε views must be
     * determined at every step's start, σ_t > 0 there, α_s > 0 at every target, and the
     * signal-to-noise ratio must not grow along the forward path (else the posterior does not exist).
     */
    public static String refuse(String name, Model model, TimeGrid grid) {
        Schedule schedule = model.schedule();
        for (int i = 0; i < grid.steps(); i++) {
            double t = grid.t(i);
            double s = grid.t(i + 1);
            for (View view : new View[]{View.X0, View.EPSILON}) {
                try {
                    model.coefficients(view, t);
                } catch (IllegalArgumentException e) {
                    return name + " needs the " + view + " view at t = " + t + ", but " + e.getMessage()
                            + " (schedule " + schedule + ")";
                }
            }
            double at = schedule.alpha(t);
            double st = schedule.sigma(t);
            double as = schedule.alpha(s);
            double ss = schedule.sigma(s);
            if (!Double.isFinite(at) || !Double.isFinite(st) || !(st > 0)) {
                return name + " needs a finite α and σ > 0 at each step's start; schedule " + schedule + " gives α = "
                        + at + ", σ = " + st + " at t = " + t;
            }
            if (!Double.isFinite(as) || !Double.isFinite(ss) || !(as > 0)) {
                return name + " needs α > 0 at each step's end; schedule " + schedule + " gives α = " + as
                        + ", σ = " + ss + " at t = " + s;
            }
            if (ss > 0 && at * ss > as * st * (1 + 1e-9)) {
                return name + " needs a signal-to-noise ratio α²/σ² that falls along the forward path; schedule "
                        + schedule + " gives SNR(" + t + ") = " + (at * at / (st * st)) + " > SNR(" + s + ") = "
                        + (as * as / (ss * ss));
            }
        }
        return null;
    }
}
