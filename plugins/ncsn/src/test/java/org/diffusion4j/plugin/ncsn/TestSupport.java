package org.diffusion4j.plugin.ncsn;

import org.diffusion4j.api.Model;
import org.diffusion4j.api.Schedule;
import org.diffusion4j.runtime.oracle.GaussianMixture;
import org.diffusion4j.runtime.oracle.GaussianMixtureOracle;
import org.diffusion4j.runtime.testing.PluginTestSupport;

/** Shared fixtures: backend, components through providers, the SDEs, oracle models and distances. */
final class TestSupport extends PluginTestSupport {

    private TestSupport() {
    }

    static GaussianMixture twoBlobs() {
        return GaussianMixture.twoBlobs();
    }

    static Model scoreOracle(GaussianMixture mixture, Schedule schedule) {
        return GaussianMixtureOracle.model(mixture, schedule, new NoiseConditionalScore());
    }

    /** See {@link GaussianMixture#sampleError}. */
    static double mixtureError(GaussianMixture mixture, float[] points) {
        return mixture.sampleError(points);
    }

    /** Root-mean-square distance between paired 2-D points. */
    static double rms(float[] a, float[] b) {
        return rms(a, b, 2);
    }

}
