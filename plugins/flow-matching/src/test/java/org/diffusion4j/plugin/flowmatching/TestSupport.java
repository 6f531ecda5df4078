package org.diffusion4j.plugin.flowmatching;

import java.util.ServiceLoader;
import org.diffusion4j.api.ComponentProvider;
import org.diffusion4j.api.Model;
import org.diffusion4j.runtime.oracle.GaussianMixture;
import org.diffusion4j.runtime.oracle.GaussianMixtureOracle;
import org.diffusion4j.runtime.testing.PluginTestSupport;

/** Shared fixtures: backend, component creation through providers, mixtures and distances. */
final class TestSupport extends PluginTestSupport {

    private TestSupport() {
    }

    static ComponentProvider<?> provider(String name) {
        for (ComponentProvider<?> p : ServiceLoader.load(ComponentProvider.class)) {
            if (p.name().equals(name)) {
                return p;
            }
        }
        throw new AssertionError("no provider " + name);
    }

    /** The blog's data: (4, 4), (4, −4), std 0.5, equal weights. */
    static GaussianMixture twoBlobs() {
        return GaussianMixture.twoBlobs();
    }

    /** A harder mixture: unequal weights and widths, one narrow component. */
    static GaussianMixture threeComponents() {
        return new GaussianMixture(new double[][]{{-3, 0}, {2, 2.5}, {1.5, -3}},
                new double[]{0.3, 0.6, 0.2}, new double[]{0.2, 0.5, 0.3});
    }

    static Model oracleModel(GaussianMixture mixture) {
        return GaussianMixtureOracle.model(mixture, new LinearInterpolantSchedule(), new VelocityParameterization());
    }

    /** Mean Euclidean distance between paired points. */
    static double meanDistance(float[] a, float[] b, int d) {
        double s = 0;
        int n = a.length / d;
        for (int i = 0; i < n; i++) {
            double sq = 0;
            for (int j = 0; j < d; j++) {
                double diff = a[i * d + j] - b[i * d + j];
                sq += diff * diff;
            }
            s += Math.sqrt(sq);
        }
        return s / n;
    }

    /**
     * Energy distance 2E|X−Y| − E|X−X′| − E|Y−Y′| (Székely and Rizzo), U-statistics within sets.
     * Zero in expectation when both sets come from one distribution.
     */
    static double energyDistance(float[] x, float[] y, int d) {
        return 2 * meanPairDistance(x, y, d, false) - meanPairDistance(x, x, d, true) - meanPairDistance(y, y, d, true);
    }

    private static double meanPairDistance(float[] x, float[] y, int d, boolean skipDiagonal) {
        int n = x.length / d;
        int m = y.length / d;
        double s = 0;
        long count = 0;
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < m; j++) {
                if (skipDiagonal && i == j) {
                    continue;
                }
                double sq = 0;
                for (int k = 0; k < d; k++) {
                    double diff = x[i * d + k] - y[j * d + k];
                    sq += diff * diff;
                }
                s += Math.sqrt(sq);
                count++;
            }
        }
        return s / count;
    }
}
