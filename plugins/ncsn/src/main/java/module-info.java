/**
 * The components of Song and Ermon, "Generative Modeling by Estimating Gradients of the Data
 * Distribution" (NeurIPS 2019; NCSN), as summarised in seed 004 ("SDE-based Generative Models") and
 * seed 003 (score matching lecture): geometric noise levels σ_1 > … > σ_L as a VE schedule, the
 * noise-conditional score parameterization, denoising score matching with λ(σ) = σ², sliced score
 * matching (Song, Garg, Shi and Ermon 2019), implicit score matching (Hyvärinen 2005) with the exact
 * or Hutchinson divergence, and annealed Langevin dynamics (Algorithm 1).
 */
module org.diffusion4j.plugin.ncsn {
    requires org.diffusion4j.api;

    provides org.diffusion4j.api.ComponentProvider with
            org.diffusion4j.plugin.ncsn.GeometricNoiseScheduleProvider,
            org.diffusion4j.plugin.ncsn.NoiseConditionalScoreProvider,
            org.diffusion4j.plugin.ncsn.DenoisingScoreMatchingProvider,
            org.diffusion4j.plugin.ncsn.SlicedScoreMatchingProvider,
            org.diffusion4j.plugin.ncsn.ImplicitScoreMatchingProvider,
            org.diffusion4j.plugin.ncsn.AnnealedLangevinSamplerProvider;
}
