package org.diffusion4j.plugin.ddpm;

import org.diffusion4j.api.Model;
import org.diffusion4j.api.Schedule;
import org.diffusion4j.api.View;
import org.diffusion4j.runtime.oracle.GaussianMixture;
import org.diffusion4j.runtime.oracle.GaussianMixtureOracle;
import org.diffusion4j.runtime.testing.PluginTestSupport;

/** Shared fixtures: backend, components through their providers, oracle models, sample statistics. */
final class TestSupport extends PluginTestSupport {

    private TestSupport() {
    }

    /** Unequal weights and widths, one narrow component; data scale ~3. */
    static GaussianMixture threeComponents() {
        return new GaussianMixture(new double[][]{{-2, 0}, {1.5, 1.5}, {1, -2}},
                new double[]{0.3, 0.5, 0.25}, new double[]{0.2, 0.5, 0.3});
    }

    static Model oracleModel(GaussianMixture mixture, Schedule schedule, View view) {
        return GaussianMixtureOracle.model(mixture, schedule, new DdpmParameterization(view));
    }

    /** See {@link GaussianMixture#sampleError}. */
    static double mixtureError(GaussianMixture mixture, float[] points) {
        return mixture.sampleError(points);
    }

    /** Root-mean-square difference per coordinate. */
    static double rms(float[] a, float[] b) {
        return rms(a, b, 1);
    }
}
