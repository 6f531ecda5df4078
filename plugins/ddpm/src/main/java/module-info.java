/**
 * Denoising diffusion probabilistic models: Ho, Jain and Abbeel 2020 ("DDPM": the forward chain
 * q(x_t | x_{t−1}) = N(√(1−β_t)·x_{t−1}, β_t·I), Eq. 2–4; L_simple, Eq. 14; ancestral sampling,
 * Algorithm 2) and Nichol and Dhariwal 2021 ("Improved DDPM": the cosine schedule, Eq. 17;
 * strided sampling, §4; L_hybrid, importance-sampled L_vlb, §3.1 and §3.3), with the variational bound
 * (Ho et al. Eq. 5, discretised decoder §3.3) as a likelihood for held-out data. Schedules are
 * exposed both as the discrete grid t_i = i/T and as the continuous α(t), σ(t) every sampler uses.
 */
module org.diffusion4j.plugin.ddpm {
    requires org.diffusion4j.api;

    provides org.diffusion4j.api.ComponentProvider with
            org.diffusion4j.plugin.ddpm.LinearBetaScheduleProvider,
            org.diffusion4j.plugin.ddpm.CosineScheduleProvider,
            org.diffusion4j.plugin.ddpm.EpsilonParameterizationProvider,
            org.diffusion4j.plugin.ddpm.X0ParameterizationProvider,
            org.diffusion4j.plugin.ddpm.VParameterizationProvider,
            org.diffusion4j.plugin.ddpm.SimpleLossProvider,
            org.diffusion4j.plugin.ddpm.HybridLossProvider,
            org.diffusion4j.plugin.ddpm.AncestralSamplerProvider,
            org.diffusion4j.plugin.ddpm.VlbLikelihoodProvider;
}
