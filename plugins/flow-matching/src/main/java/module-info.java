/**
 * The components of "Unified Perspective on Diffusion and Flow Matching" (Oct 2024): the linear
 * interpolant α = 1 − t, σ = t (Eq. 2), the velocity parameterization, the conditional
 * flow-matching loss (Eq. 6), ODE samplers of dx = v dt (Eq. 3, 8) and the reverse SDE driven by a
 * velocity model (Eq. 23–27, §4.1).
 */
module org.diffusion4j.plugin.flowmatching {
    requires org.diffusion4j.api;

    provides org.diffusion4j.api.ComponentProvider with
            org.diffusion4j.plugin.flowmatching.LinearInterpolantScheduleProvider,
            org.diffusion4j.plugin.flowmatching.VelocityParameterizationProvider,
            org.diffusion4j.plugin.flowmatching.ConditionalFlowMatchingLossProvider,
            org.diffusion4j.plugin.flowmatching.EulerSamplerProvider,
            org.diffusion4j.plugin.flowmatching.HeunSamplerProvider,
            org.diffusion4j.plugin.flowmatching.RungeKutta4SamplerProvider,
            org.diffusion4j.plugin.flowmatching.ReverseSdeSamplerProvider;
}
