/**
 * Toy datasets: the five 2-D distributions of the flow-matching blog and of FFJORD
 * (two-gaussians, eight-gaussians, two-moons, swiss-roll, checkerboard), drawn from seeded
 * {@link org.diffusion4j.api.tensor.Rng} streams, and {@code points}, a user's point clouds read from
 * CSV or {@code .npy} files.
 */
module org.diffusion4j.plugin.toydata {
    requires org.diffusion4j.api;

    provides org.diffusion4j.api.ComponentProvider with
            org.diffusion4j.plugin.toydata.TwoGaussiansProvider,
            org.diffusion4j.plugin.toydata.EightGaussiansProvider,
            org.diffusion4j.plugin.toydata.TwoMoonsProvider,
            org.diffusion4j.plugin.toydata.SwissRollProvider,
            org.diffusion4j.plugin.toydata.CheckerboardProvider,
            org.diffusion4j.plugin.toydata.PointsProvider;
}
