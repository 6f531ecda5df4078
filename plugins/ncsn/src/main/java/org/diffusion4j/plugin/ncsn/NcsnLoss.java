package org.diffusion4j.plugin.ncsn;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import org.diffusion4j.api.Affine;
import org.diffusion4j.api.Loss;
import org.diffusion4j.api.Model;
import org.diffusion4j.api.Schedule;
import org.diffusion4j.api.View;
import org.diffusion4j.api.tensor.Backend;
import org.diffusion4j.api.tensor.Rng;
import org.diffusion4j.api.tensor.Tensor;

/**
 * NCSN's training objectives over the noise levels of the schedule (Song and Ermon 2019, Eq. 5–6;
 * seed 004 "NCSN"; seed 003 §score matching), each level weighted by λ(σ) = σ²:
 * <ul>
 * <li>{@code DSM}, denoising score matching (Vincent 2011): ℓ(σ) = ½·E‖s_θ(x̃, σ) + (x̃ − x)/σ²‖² with
 *     x̃ = x + σ·z, so λ·ℓ = ½·E‖σ·s_θ + z‖².</li>
 * <li>{@code SSM}, sliced score matching (Song, Garg, Shi and Ermon 2019, Eq. 7–8), on the perturbed
 *     data: ℓ(σ) = E_v[vᵀ∇ₓ(vᵀs_θ(x̃, σ)) + ½(vᵀs_θ(x̃, σ))²] with one random projection v per point,
 *     Gaussian or Rademacher (E[vvᵀ] = I). The first term is a gradient of the network output with
 *     respect to its input, differentiated again for training: it uses the api's second-order
 *     autodiff ({@link Tensor#grad(Tensor, List, boolean)} with createGraph).</li>
 * <li>{@code ISM}, implicit score matching (Hyvärinen 2005, Thm. 1; seed 003, "ISM_k(f) =
 *     E[½‖f(X_k)‖² + div f(X_k)]"), on the perturbed data: ℓ(σ) = E[tr(∇ₓs_θ(x̃, σ)) + ½‖s_θ(x̃, σ)‖²].
 *     The divergence is {@code EXACT} — D vector–Jacobian products with the unit vectors e_j, one
 *     backward pass per coordinate, each kept differentiable (createGraph) so the weights get the
 *     gradient of the trace; for low dimension — or {@code HUTCHINSON}, the unbiased estimate
 *     vᵀ∇ₓ(s_θ·v) with one projection v per point (Hutchinson 1989; E[vvᵀ] = I). ISM with Hutchinson's
 *     divergence is sliced score matching with the ½‖s‖² term kept exact (the variance-reduced
 *     "SSM-VR" of Song et al. 2019, Eq. 8).</li>
 * </ul>
 * <p><b>Why ISM and SSM run on the perturbed data x̃ = x + σz, weighted by λ(σ) = σ².</b> Each level
 * is the score-matching problem of the smoothed density q_σ = p ∗ N(0, σ²I) (seed 003, "ISM_k" with
 * X_k ~ p_k; Song and Ermon 2019, §4.2 note that SSM can replace DSM in Eq. 6), so all three
 * objectives estimate the same minimiser, the score of q_σ, and differ from the explicit loss
 * ½E‖s_θ − ∇log q_σ‖² only by constants (Hyvärinen 2005, Thm. 1; Vincent 2011, Eq. 11). Hyvärinen's
 * identity needs a differentiable density whose product with s_θ vanishes at infinity: q_σ has one
 * for any data, the raw data (a point cloud, a manifold) need not. λ(σ) = σ² is Song and Ermon's
 * choice (§4.2): ‖∇log q_σ‖ ∝ 1/σ, so σ²·ℓ(σ) is of the same order at every level and no level
 * dominates; the same weighting for the three objectives keeps them interchangeable in one spec.
 * s_θ is the model's {@link View#SCORE} view, so any parameterization whose score is determined can
 * be trained. The loss is the batch mean of the per-point value (DSM: summed over coordinates).
 *
 * <p>Random draws, in this order: level i_r = {@code rng.nextInt(L)} for each row (uniform over the
 * schedule's {@link Schedule#trainingTimes}), then z = {@link Tensor#randn(Backend, Rng, int, int)}
 * with (rng, B, D), then for SSM the projections v the same way (their signs for Rademacher).
 */
public final class NcsnLoss implements Loss {

    /** The objective. */
    public enum Objective {
        DSM, SSM, ISM
    }

    /** How ISM takes the divergence tr(∇ₓ s_θ). */
    public enum Divergence {
        EXACT, HUTCHINSON
    }

    /** The distribution of the SSM projections. */
    public enum Projection {
        GAUSSIAN, RADEMACHER
    }

    private final Objective objective;
    private final Projection projection;
    private final Divergence divergence;
    private final String name;

    /** DSM, or SSM with the given projections. */
    public NcsnLoss(Objective objective, Projection projection) {
        this(objective, projection, objective == Objective.SSM ? Divergence.HUTCHINSON : Divergence.EXACT);
    }

    /**
     * @param projection distribution of v (SSM, and ISM with the Hutchinson divergence)
     * @param divergence how ISM takes the divergence (SSM always projects; DSM takes none)
     */
    public NcsnLoss(Objective objective, Projection projection, Divergence divergence) {
        this.objective = objective;
        this.projection = projection;
        this.divergence = divergence;
        this.name = switch (objective) {
            case DSM -> DenoisingScoreMatchingProvider.NAME;
            case SSM -> SlicedScoreMatchingProvider.NAME;
            case ISM -> ImplicitScoreMatchingProvider.NAME;
        };
    }

    @Override
    public Tensor compute(Model model, Tensor x0, Rng rng) {
        if (x0.rank() != 2 || x0.dim(0) < 1) {
            throw new IllegalArgumentException(name + " expects a [batch, dimension] batch, got " + Arrays.toString(x0.shape()));
        }
        Schedule s = model.schedule();
        double[] levels = s.trainingTimes();
        if (levels.length == 0) {
            throw new IllegalStateException(name + " needs a schedule with discrete noise levels (such as "
                    + GeometricNoiseScheduleProvider.NAME + "); " + s + " has none");
        }
        Backend be = x0.backend();
        int n = x0.dim(0);
        int d = x0.dim(1);
        double[] t = new double[n];
        double[] alpha = new double[n];
        double[] sigma = new double[n];
        double[] cx = new double[n];
        double[] cout = new double[n];
        boolean xTerm = false;
        for (int r = 0; r < n; r++) {
            t[r] = levels[rng.nextInt(levels.length)];
            alpha[r] = s.alpha(t[r]);
            sigma[r] = s.sigma(t[r]);
            if (!(sigma[r] > 0)) {
                throw new IllegalStateException(name + ": σ = " + sigma[r] + " at level t = " + t[r] + " of " + s);
            }
            Affine c = model.parameterization().predicts() == View.SCORE ? new Affine(0, 1)
                    : model.parameterization().view(View.SCORE, s, t[r]);
            cx[r] = c.p();
            cout[r] = c.q();
            xTerm |= c.p() != 0;
        }
        Tensor z = Tensor.randn(be, rng, n, d);
        Tensor xt = x0.detach().mul(column(be, alpha)).add(z.mul(column(be, sigma)));
        Tensor sigmaCol = column(be, sigma);
        if (objective == Objective.DSM) {
            Tensor score = score(model, xt, t, cx, cout, xTerm);
            return score.mul(sigmaCol).add(z).square().sum().mul(0.5 / n);
        }
        Tensor leaf = Tensor.of(be, xt.toArray(), n, d).requiresGrad(true);
        Tensor score = score(model, leaf, t, cx, cout, xTerm);
        Tensor perPoint;
        if (objective == Objective.ISM && divergence == Divergence.EXACT) {
            // tr(∇ₓ s) row by row: the VJP with e_j gives row r's ∂s_j/∂x_r; keep its column j.
            Tensor trace = null;
            for (int j = 0; j < d; j++) {
                Tensor ej = unitColumn(be, n, d, j);
                Tensor dj = Tensor.grad(score, ej, List.of(leaf), true).get(0).mul(ej).sum(1);
                trace = trace == null ? dj : trace.add(dj);
            }
            perPoint = trace.add(score.square().sum(1).mul(0.5));
        } else {
            Tensor v = Tensor.randn(be, rng, n, d);
            if (projection == Projection.RADEMACHER) {
                v = v.sign();
            }
            Tensor sv = score.mul(v);
            Tensor grad = Tensor.grad(sv.sum(), List.of(leaf), true).get(0);
            Tensor second = objective == Objective.SSM ? sv.sum(1).square() : score.square().sum(1);
            perPoint = grad.mul(v).sum(1).add(second.mul(0.5));
        }
        double[] lambda = new double[n];
        for (int r = 0; r < n; r++) {
            lambda[r] = sigma[r] * sigma[r];
        }
        return perPoint.mul(column(be, lambda)).sum().mul(1.0 / n);
    }

    private static Tensor score(Model model, Tensor x, double[] t, double[] cx, double[] cout, boolean xTerm) {
        Backend be = x.backend();
        Tensor out = model.network().forward(x, column(be, t));
        if (out.dim(1) != x.dim(1)) {
            out = out.columns(0, x.dim(1));
        }
        Tensor s = out.mul(column(be, cout));
        return xTerm ? s.add(x.mul(column(be, cx))) : s;
    }

    /** The [n, d] matrix with ones in column j. */
    private static Tensor unitColumn(Backend be, int n, int d, int j) {
        float[] f = new float[n * d];
        for (int r = 0; r < n; r++) {
            f[r * d + j] = 1;
        }
        return Tensor.of(be, f, n, d);
    }

    static Tensor column(Backend be, double[] v) {
        float[] f = new float[v.length];
        for (int i = 0; i < f.length; i++) {
            f[i] = (float) v[i];
        }
        return Tensor.of(be, f, f.length, 1);
    }

    @Override
    public String toString() {
        String p = projection.name().toLowerCase(Locale.ROOT);
        return switch (objective) {
            case DSM -> name;
            case SSM -> name + " (projection " + p + ")";
            case ISM -> name + " (divergence " + divergence.name().toLowerCase(Locale.ROOT)
                    + (divergence == Divergence.HUTCHINSON ? ", projection " + p : "") + ")";
        };
    }
}
