package org.diffusion4j.plugin.ddpm;

import org.diffusion4j.api.PosteriorChain;
import java.util.Arrays;
import org.diffusion4j.api.Affine;
import org.diffusion4j.api.Loss;
import org.diffusion4j.api.Model;
import org.diffusion4j.api.Parameterization;
import org.diffusion4j.api.View;
import org.diffusion4j.api.tensor.Backend;
import org.diffusion4j.api.tensor.Rng;
import org.diffusion4j.api.tensor.Tensor;

/**
 * Improved DDPM's objectives with a learned reverse variance (Nichol and Dhariwal 2021, §3.1):
 * the network outputs, beyond its parameterization's D values, D more values v and
 * Σ_θ(x_t, t) = exp(v·log β_t + (1 − v)·log β̃_t) (Eq. 15). Per row, t = i/T is drawn uniformly and
 * <ul>
 * <li>L_t = KL(q(x_{t−1} | x_t, x0) ‖ p_θ(x_{t−1} | x_t)) for i > 1 (Ho et al. 2020, Eq. 5), the KL of
 *     two diagonal Gaussians ½(log σ_p² − log σ_q² + (σ_q² + (μ_q − μ_p)²)/σ_p² − 1), with the posterior
 *     of Eq. 6–7 and μ_θ the posterior mean at the model's x̂0;</li>
 * <li>L_0 = −log p_θ(x0 | x_1) for i = 1, a <b>continuous</b> Gaussian decoder N(μ_θ, Σ_θ) (the toy data
 *     are not 8-bit images in [−1, 1], so the discretised decoder of Ho et al. Eq. 13 does not apply;
 *     it is not implemented), with log β̃_1 replaced by log β̃_2 as in the authors' code
 *     ({@code posterior_log_variance_clipped}).</li>
 * </ul>
 * Terms are in bits per dimension (mean over coordinates, divided by ln 2) and the uniform-t estimate
 * of L_vlb = Σ_t L_t is T·L_t. {@code HYBRID} = L_simple + λ·T·L_t with μ_θ computed from the
 * <b>stopped</b> network output, so the VLB term trains only Σ_θ (§3.1, λ = 0.001); {@code VLB} =
 * T·L_t with gradients through both. (The authors' code scales the VB term by T/1000 for λ = 0.001,
 * the same number for T = 1000.) Importance sampling of t is not implemented.
 *
 * <p>Needs a {@link DiscreteSchedule}. Random draws: B × {@code rng.nextInt(T)}, then ε =
 * {@link Tensor#randn(Backend, Rng, int, int)}.
 */
public final class HybridLoss implements Loss {

    public static final String NAME = "ddpm.hybrid";

    /** Which objective. */
    public enum Objective {
        HYBRID,
        VLB
    }

    private final Objective objective;
    private final double lambda;
    private final int dimension;

    /**
     * @param dimension data dimension D: the network outputs 2·D values per point
     */
    public HybridLoss(Objective objective, double lambda, int dimension) {
        if (!(lambda >= 0) || !Double.isFinite(lambda)) {
            throw new IllegalArgumentException(NAME + ": lambda must be a finite number ≥ 0, got " + lambda);
        }
        this.objective = objective;
        this.lambda = lambda;
        this.dimension = dimension;
    }

    /** One learned interpolation weight per data coordinate. */
    @Override
    public int extraOutputs() {
        return dimension;
    }

    public Objective objective() {
        return objective;
    }

    public double lambda() {
        return lambda;
    }

    @Override
    public Tensor compute(Model model, Tensor x0, Rng rng) {
        if (!(model.schedule() instanceof DiscreteSchedule sc)) {
            throw new IllegalArgumentException(NAME + " needs a discrete DDPM schedule (ddpm.linear, ddpm.cosine), got "
                    + model.schedule());
        }
        if (x0.rank() != 2 || x0.dim(0) < 1) {
            throw new IllegalArgumentException(NAME + " expects a [batch, dimension] batch, got " + Arrays.toString(x0.shape()));
        }
        Backend backend = x0.backend();
        int batch = x0.dim(0);
        int d = x0.dim(1);
        if (d != dimension) {
            throw new IllegalArgumentException(NAME + " was created for " + dimension + "-D data, got a batch of " + d + "-D points");
        }
        int n = sc.steps();
        if (n < 2) {
            throw new IllegalArgumentException(NAME + " needs T ≥ 2, got " + n);
        }
        Parameterization p = model.parameterization();
        float[] times = new float[batch];
        float[] alpha = new float[batch];
        float[] sigma = new float[batch];
        float[] ta = new float[batch];
        float[] tb = new float[batch];
        float[] mx = new float[batch];   // μ_θ = mx·x_t + mo·out
        float[] mo = new float[batch];
        float[] qx0 = new float[batch];  // μ̃ = qx0·x0 + qeps·ε
        float[] qeps = new float[batch];
        float[] logBeta = new float[batch];
        float[] logBetaTilde = new float[batch];
        float[] first = new float[batch];
        for (int r = 0; r < batch; r++) {
            int i = 1 + rng.nextInt(n);
            double t = (double) i / n;
            double s = (double) (i - 1) / n;
            double at = sc.alpha(t);
            double st = sc.sigma(t);
            double as = sc.alpha(s);
            double ss = sc.sigma(s);
            double ratio = ss == 0 ? 0 : at * ss / (as * st);
            Affine target = p.target(sc, t);
            Affine vx = PosteriorChain.coefficients(model, View.X0, t);
            Affine ve = PosteriorChain.coefficients(model, View.EPSILON, t);
            times[r] = (float) t;
            alpha[r] = (float) at;
            sigma[r] = (float) st;
            ta[r] = (float) target.p();
            tb[r] = (float) target.q();
            mx[r] = (float) (as * vx.p() + ss * ratio * ve.p());
            mo[r] = (float) (as * vx.q() + ss * ratio * ve.q());
            qx0[r] = (float) as;
            qeps[r] = (float) (ss * ratio);
            logBeta[r] = (float) Math.log(sc.beta(i));
            logBetaTilde[r] = (float) Math.log(sc.betaTilde(i == 1 ? 2 : i));
            first[r] = i == 1 ? 1 : 0;
        }
        Tensor eps = Tensor.randn(backend, rng, batch, d);
        Tensor xt = x0.mul(col(backend, alpha)).add(eps.mul(col(backend, sigma)));
        Tensor full = model.network().forward(xt, col(backend, times));
        if (full.rank() != 2 || full.dim(0) != batch || full.dim(1) < 2 * d) {
            throw new IllegalStateException(NAME + ": the network returned " + Arrays.toString(full.shape()) + " for a ["
                    + batch + ", " + d + "] batch; it must output " + 2 * d + " columns (the learned variance)");
        }
        Tensor out = full.columns(0, d);
        Tensor v = full.columns(d, d);
        Tensor simple = out.sub(x0.mul(col(backend, ta)).add(eps.mul(col(backend, tb)))).square().mean();
        Tensor meanOut = objective == Objective.HYBRID ? out.detach() : out;
        Tensor muTheta = xt.mul(col(backend, mx)).add(meanOut.mul(col(backend, mo)));
        Tensor muTilde = x0.mul(col(backend, qx0)).add(eps.mul(col(backend, qeps)));
        Tensor lb = col(backend, logBeta);
        Tensor lbt = col(backend, logBetaTilde);
        Tensor logVar = v.mul(lb).add(v.neg().add(1).mul(lbt));
        Tensor invVar = logVar.neg().exp();
        Tensor diff2 = muTilde.sub(muTheta).square();
        // KL for i > 1: ½(logVar − log β̃ + (β̃ + diff²)/var − 1); NLL for i = 1: ½(log 2π + logVar + (x0 − μ)²/var)
        Tensor kl = logVar.sub(lbt).add(lbt.exp().add(diff2).mul(invVar)).sub(1).mul(0.5);
        Tensor nll = logVar.add(Math.log(2 * Math.PI)).add(x0.sub(muTheta).square().mul(invVar)).mul(0.5);
        Tensor firstCol = col(backend, first);
        Tensor term = kl.mul(firstCol.neg().add(1)).add(nll.mul(firstCol));
        Tensor vlb = term.mean().mul(n / Math.log(2));
        return objective == Objective.HYBRID ? simple.add(vlb.mul(lambda)) : vlb;
    }

    private static Tensor col(Backend backend, float[] values) {
        return Tensor.of(backend, values, values.length, 1);
    }

    @Override
    public String toString() {
        return NAME + " (" + objective.name().toLowerCase(java.util.Locale.ROOT)
                + (objective == Objective.HYBRID ? ", lambda " + lambda : "") + ")";
    }
}
