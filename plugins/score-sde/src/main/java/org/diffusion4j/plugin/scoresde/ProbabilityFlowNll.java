package org.diffusion4j.plugin.scoresde;

import org.diffusion4j.api.Likelihood;
import org.diffusion4j.api.Model;
import org.diffusion4j.api.NoiseStreams;
import org.diffusion4j.api.Schedule;
import org.diffusion4j.api.TimeGrid;
import org.diffusion4j.api.View;
import org.diffusion4j.api.tensor.Tensor;

/**
 * The {@link Likelihood} component {@code score-sde.likelihood}: −log p(x) in nats per point by the
 * probability-flow ODE and the instantaneous change of variables (Song et al. 2021, Appendix D.2,
 * Eq. 39–40), i.e. {@link ProbabilityFlowLikelihood} with the launcher's prior N(0, σ²(tMax)·I). An
 * estimate of the exact value, not a bound ({@link #isBound()} is false); with the Hutchinson
 * divergence each point's value is random, its mean over the probes being the exact-divergence value
 * (up to the solver's error).
 *
 * <p>It works for every model whose parameterization converts to the probability-flow
 * {@link View#VELOCITY} on the solve's time range — a score network on any SDE, a flow-matching
 * velocity network, a DDPM ε-network on its continuous (α, σ) — and refuses the others with the
 * reason. Hutchinson probes come from each point's own noise stream, so a point's value does not
 * depend on the batch it is evaluated in.
 */
public final class ProbabilityFlowNll implements Likelihood {

    private final ProbabilityFlowLikelihood likelihood;

    public ProbabilityFlowNll(ProbabilityFlowLikelihood likelihood) {
        this.likelihood = likelihood;
    }

    @Override
    public double[] negativeLogLikelihood(Model model, Tensor x, NoiseStreams noise) {
        double[] logp = likelihood.evaluate(model, x, noise).logDensity();
        double[] nll = new double[logp.length];
        for (int i = 0; i < nll.length; i++) {
            nll[i] = -logp[i];
        }
        return nll;
    }

    @Override
    public boolean isBound() {
        return false;
    }

    @Override
    public String refuse(Model model) {
        Schedule s = model.schedule();
        double sigma = s.sigma(s.tMax());
        if (!(sigma > 0) || !Double.isFinite(sigma)) {
            return ProbabilityFlowNllProvider.NAME + ": the prior N(0, σ²(tMax)·I) needs σ(tMax) > 0, got " + sigma
                    + " for schedule " + s;
        }
        return model.undetermined(ProbabilityFlowNllProvider.NAME, View.VELOCITY, TimeGrid.uniform(s.tMin(), s.tMax(), 64).toArray());
    }

    @Override
    public String toString() {
        return ProbabilityFlowNllProvider.NAME + " (" + likelihood + ")";
    }
}
