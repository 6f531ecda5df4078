package org.diffusion4j.plugin.ncsn;

import java.util.Map;
import java.util.ServiceLoader;
import org.diffusion4j.api.ComponentContext;
import org.diffusion4j.api.ComponentProvider;
import org.diffusion4j.api.Kind;
import org.diffusion4j.api.Model;
import org.diffusion4j.api.Parameterization;
import org.diffusion4j.api.Schedule;
import org.diffusion4j.api.View;
import org.diffusion4j.api.tensor.Backend;
import org.diffusion4j.api.tensor.Rng;
import org.diffusion4j.api.tensor.Tensor;
import org.diffusion4j.runtime.backend.JavaBackend;
import org.diffusion4j.runtime.oracle.GaussianMixture;
import org.diffusion4j.runtime.oracle.GaussianMixtureOracle;

/** Shared fixtures: backend, components through providers, the SDEs, oracle models and distances. */
final class TestSupport {

    private TestSupport() {
    }

    record Context(Backend backend, Rng rng, int dataDimension, int extraOutputs) implements ComponentContext {
    }

    static Backend backend() {
        return new JavaBackend(2);
    }

    static ComponentContext context(Backend backend) {
        return new Context(backend, new Rng(1), 2, 0);
    }

    @SuppressWarnings("unchecked")
    static <T> T create(Kind kind, String name, Map<String, ?> options, ComponentContext context) {
        for (ComponentProvider<?> p : ServiceLoader.load(ComponentProvider.class)) {
            if (p.kind() == kind && p.name().equals(name)) {
                return (T) p.create(p.config().resolve(name, options), context);
            }
        }
        throw new AssertionError("no provider " + kind.id() + " " + name);
    }

    static Parameterization predicting(View view) {
        return new Parameterization() {
            @Override
            public View predicts() {
                return view;
            }
        };
    }

    static GaussianMixture twoBlobs() {
        return GaussianMixture.twoBlobs();
    }

    static Model scoreOracle(GaussianMixture mixture, Schedule schedule) {
        Parameterization p = new NoiseConditionalScore();
        return new Model(new GaussianMixtureOracle(mixture, schedule, p), schedule, p);
    }

    /** See {@link GaussianMixture#sampleError}. */
    static double mixtureError(GaussianMixture mixture, float[] points) {
        return mixture.sampleError(points);
    }

    /** Root-mean-square distance between paired 2-D points. */
    static double rms(float[] a, float[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            double diff = a[i] - b[i];
            s += diff * diff;
        }
        return Math.sqrt(s / (a.length / 2));
    }

    static void assertFinite(float[] values) {
        for (float v : values) {
            if (!Float.isFinite(v)) {
                throw new AssertionError("non-finite value " + v);
            }
        }
    }
}
