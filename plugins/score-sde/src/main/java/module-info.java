/**
 * The components of Song, Sohl-Dickstein, Kingma, Kumar, Ermon and Poole, "Score-Based Generative
 * Modeling through Stochastic Differential Equations" (ICLR 2021), as summarised in the source
 * documents (seed 004 "SDE-based Generative Models", seed 001 §3.1): the VE, VP and sub-VP SDEs
 * (Eq. 9, 11, 12) as (α, σ) schedules, the score parameterization, weighted denoising score matching
 * over continuous t (Eq. 7), predictor–corrector samplers (Algorithms 2–3, Appendix G), the
 * probability-flow ODE (Eq. 13) with fixed-step and adaptive Dormand–Prince solvers, and exact
 * likelihoods by the instantaneous change of variables (Appendix D.2, Eq. 39–40), also as the
 * launcher's likelihood component {@code score-sde.likelihood} ({@code eval --checkpoint}).
 *
 * <p>The package is exported so that programs can call {@link org.diffusion4j.plugin.scoresde.ProbabilityFlowLikelihood}
 * directly; the launcher reaches the rest through the providers.
 */
module org.diffusion4j.plugin.scoresde {
    requires org.diffusion4j.api;

    exports org.diffusion4j.plugin.scoresde;

    provides org.diffusion4j.api.ComponentProvider with
            org.diffusion4j.plugin.scoresde.VarianceExplodingSdeProvider,
            org.diffusion4j.plugin.scoresde.VariancePreservingSdeProvider,
            org.diffusion4j.plugin.scoresde.SubVariancePreservingSdeProvider,
            org.diffusion4j.plugin.scoresde.ScoreParameterizationProvider,
            org.diffusion4j.plugin.scoresde.DenoisingScoreMatchingLossProvider,
            org.diffusion4j.plugin.scoresde.PredictorCorrectorSamplerProvider,
            org.diffusion4j.plugin.scoresde.ProbabilityFlowOdeSamplerProvider,
            org.diffusion4j.plugin.scoresde.ProbabilityFlowNllProvider;
}
