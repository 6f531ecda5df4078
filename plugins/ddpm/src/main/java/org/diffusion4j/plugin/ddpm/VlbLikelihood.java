package org.diffusion4j.plugin.ddpm;

import java.util.Arrays;
import org.diffusion4j.api.Likelihood;
import org.diffusion4j.api.Model;
import org.diffusion4j.api.NoiseStreams;
import org.diffusion4j.api.tensor.Backend;
import org.diffusion4j.api.tensor.Tensor;
import org.diffusion4j.api.config.ConfigException;

/**
 * DDPM's variational bound on −log p(x0) for held-out data (Ho et al. 2020, Eq. 5; reported in nats
 * and bits per dimension as in their Table 2 and Nichol and Dhariwal 2021, Table 1):
 * <pre>  L_vlb(x0) = L_T + Σ_{t=2}^{T} L_{t−1} + L_0  ≥  −log p_θ(x0),</pre>
 * every term taken, not sampled: for each t = 1..T one x_t ~ q(x_t | x0) from the point's own noise
 * stream and the term of {@link VariationalBound} at it (each term is an unbiased one-sample estimate
 * of its expectation over x_t, so the sum is one of L_vlb), plus the closed-form L_T. Summed over
 * the coordinates: nats per point.
 *
 * <p>Σ_θ: {@code learned} reads Nichol and Dhariwal's v from the network's extra outputs (a model
 * trained with {@code ddpm.hybrid}); {@code beta} / {@code beta-tilde} fix it to β_t or β̃_t (Ho et al.
 * §3.2); {@code auto} is {@code learned} when the network has the extra outputs, else {@code beta-tilde}.
 * L_0: continuous Gaussian decoder, or the discretised decoder for data in [−1, 1] (§3.3).
 * Needs a model on a discrete DDPM schedule; any parameterization. T network evaluations per batch.
 */
final class VlbLikelihood implements Likelihood {

    static final String NAME = "ddpm.vlb";

    /** How Σ_θ is chosen. */
    enum Variance {
        AUTO,
        LEARNED,
        BETA,
        BETA_TILDE
    }

    private final Variance variance;
    private final VariationalBound.Decoder decoder;

    VlbLikelihood(Variance variance, VariationalBound.Decoder decoder) {
        this.variance = variance;
        this.decoder = decoder;
    }

    @Override
    public boolean isBound() {
        return true;
    }

    @Override
    public String refuse(Model model) {
        if (!(model.schedule() instanceof DiscreteSchedule sc)) {
            return NAME + " needs a discrete DDPM schedule (ddpm.linear, ddpm.cosine), got " + model.schedule();
        }
        if (sc.steps() < 2) {
            return NAME + " needs T ≥ 2, got " + sc.steps();
        }
        return null;
    }

    @Override
    public double[] negativeLogLikelihood(Model model, Tensor x, NoiseStreams noise) {
        String why = refuse(model);
        if (why != null) {
            throw new ConfigException(why);
        }
        if (x.rank() != 2) {
            throw new IllegalArgumentException(NAME + " expects [n, dimension] points, got " + Arrays.toString(x.shape()));
        }
        DiscreteSchedule sc = (DiscreteSchedule) model.schedule();
        Backend backend = x.backend();
        int n = x.dim(0);
        int d = x.dim(1);
        Tensor x0 = x.detach();
        double[] total = new double[n];
        float[] values = x0.toArray();
        for (int r = 0; r < n; r++) {
            for (int j = 0; j < d; j++) {
                total[r] += VariationalBound.priorKl(sc, values[r * d + j]);
            }
        }
        int[] steps = new int[n];
        for (int i = sc.steps(); i >= 1; i--) {
            Arrays.fill(steps, i);
            VariationalBound.Rows rows = VariationalBound.rows(backend, model, sc, steps);
            Tensor eps = noise.next();
            Tensor xt = VariationalBound.diffuse(rows, x0, eps);
            Tensor full = model.network().forward(xt, rows.times()).detach();
            Tensor logVar = logVariance(rows, full, d);
            float[] term = VariationalBound.terms(rows, x0, eps, xt, full.columns(0, d), logVar, decoder).toArray();
            for (int r = 0; r < n; r++) {
                for (int j = 0; j < d; j++) {
                    total[r] += term[r * d + j];
                }
            }
        }
        return total;
    }

    private Tensor logVariance(VariationalBound.Rows rows, Tensor full, int d) {
        boolean hasV = full.rank() == 2 && full.dim(1) >= 2 * d;
        return switch (variance) {
            case LEARNED -> {
                if (!hasV) {
                    throw new ConfigException(NAME + ": variance = learned needs a network with " + 2 * d
                            + " outputs per point (a model trained with ddpm.hybrid), this one gives "
                            + Arrays.toString(full.shape()) + "; use variance = beta or beta-tilde");
                }
                yield VariationalBound.learnedLogVariance(rows, full.columns(d, d));
            }
            case AUTO -> hasV ? VariationalBound.learnedLogVariance(rows, full.columns(d, d))
                    : VariationalBound.fixedLogVariance(rows, VariationalBound.FixedVariance.BETA_TILDE);
            case BETA -> VariationalBound.fixedLogVariance(rows, VariationalBound.FixedVariance.BETA);
            case BETA_TILDE -> VariationalBound.fixedLogVariance(rows, VariationalBound.FixedVariance.BETA_TILDE);
        };
    }

    @Override
    public String toString() {
        return NAME + " (variance " + variance.name().toLowerCase(java.util.Locale.ROOT).replace('_', '-')
                + ", decoder " + decoder.name().toLowerCase(java.util.Locale.ROOT) + ")";
    }
}
