/**
 * Sample-quality metrics between two point clouds. Three are defined exactly as the PyTorch peer
 * harness defines them ({@code peers/metrics.py}) so that numbers compare across the two: sliced
 * Wasserstein-2 over a fixed grid of directions, unbiased MMD² with a sum of four RBF kernels, and
 * the energy distance. Two are the image-quality distances computed on a classifier's features
 * (and usable on any points): the Fréchet distance of the Gaussian fits (FID) and the unbiased MMD²
 * with the cubic polynomial kernel (KID). All computed in double precision, deterministically
 * whatever the thread count.
 */
module org.diffusion4j.plugin.metrics {
    requires org.diffusion4j.api;

    provides org.diffusion4j.api.ComponentProvider with
            org.diffusion4j.plugin.metrics.SlicedWasserstein2Provider,
            org.diffusion4j.plugin.metrics.Mmd2Provider,
            org.diffusion4j.plugin.metrics.EnergyDistanceProvider,
            org.diffusion4j.plugin.metrics.FrechetDistanceProvider,
            org.diffusion4j.plugin.metrics.KernelInceptionDistanceProvider;
}
