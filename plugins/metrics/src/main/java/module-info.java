/**
 * Sample-quality metrics between two point clouds, defined exactly as the PyTorch peer harness
 * defines them ({@code peers/metrics.py}) so that numbers compare across the two: sliced
 * Wasserstein-2 over a fixed grid of directions, unbiased MMD² with a sum of four RBF kernels, and
 * the energy distance. All computed in double precision, deterministically whatever the thread count.
 */
module org.diffusion4j.plugin.metrics {
    requires org.diffusion4j.api;

    provides org.diffusion4j.api.ComponentProvider with
            org.diffusion4j.plugin.metrics.SlicedWasserstein2Provider,
            org.diffusion4j.plugin.metrics.Mmd2Provider,
            org.diffusion4j.plugin.metrics.EnergyDistanceProvider;
}
