/**
 * DiNof, "Diffusion with a normalizing-flow prior" (Zand, Etemad and Greenspan; seed 001): a linear
 * SDE diffuses data only up to T_m, a normalizing flow (Glow: actnorm, LU linear map, affine
 * coupling, with exact log-determinants) models x(T_m), and sampling pushes z ~ N(0, I) through the
 * flow's inverse and runs any continuous-time sampler from T_m to 0. Components: the network
 * {@code dinof} (any score network + a flow; multi-scale Glow on images), the loss {@code dinof.joint}
 * (joint, flow alone at T_m, or flow alone on dequantised data), the prior {@code dinof.flow}, the
 * sampler {@code dinof.flow-alone} and the likelihood {@code dinof.likelihood} (probability-flow ODE
 * to T_m plus the flow's density).
 */
module org.diffusion4j.plugin.dinof {
    requires org.diffusion4j.api;

    exports org.diffusion4j.plugin.dinof;

    provides org.diffusion4j.api.ComponentProvider with
            org.diffusion4j.plugin.dinof.DinofNetworkProvider,
            org.diffusion4j.plugin.dinof.JointLossProvider,
            org.diffusion4j.plugin.dinof.FlowPriorProvider,
            org.diffusion4j.plugin.dinof.FlowOdeLikelihoodProvider,
            org.diffusion4j.plugin.dinof.FlowAloneSamplerProvider;
}
