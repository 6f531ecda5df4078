package org.diffusion4j.plugin.ddpm;

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
import org.diffusion4j.runtime.backend.JavaBackend;
import org.diffusion4j.runtime.oracle.GaussianMixture;
import org.diffusion4j.runtime.oracle.GaussianMixtureOracle;

/** Shared fixtures: backend, components through their providers, oracle models, sample statistics. */
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

    /** Creates a component through the provider ServiceLoader finds under {@code name}. */
    @SuppressWarnings("unchecked")
    static <T> T create(Kind kind, String name, Map<String, ?> options, ComponentContext context) {
        for (ComponentProvider<?> p : ServiceLoader.load(ComponentProvider.class)) {
            if (p.kind() == kind && p.name().equals(name)) {
                return (T) p.create(p.config().resolve(name, options), context);
            }
        }
        throw new AssertionError("no provider " + kind.id() + " " + name);
    }

    /** Unequal weights and widths, one narrow component; data scale ~3. */
    static GaussianMixture threeComponents() {
        return new GaussianMixture(new double[][]{{-2, 0}, {1.5, 1.5}, {1, -2}},
                new double[]{0.3, 0.5, 0.25}, new double[]{0.2, 0.5, 0.3});
    }

    static Model oracleModel(GaussianMixture mixture, Schedule schedule, View view) {
        Parameterization p = new DdpmParameterization(view);
        return new Model(new GaussianMixtureOracle(mixture, schedule, p), schedule, p);
    }

    /** See {@link GaussianMixture#sampleError}. */
    static double mixtureError(GaussianMixture mixture, float[] points) {
        return mixture.sampleError(points);
    }

    static double maxAbs(float[] a, float[] b) {
        double m = 0;
        for (int i = 0; i < a.length; i++) {
            m = Math.max(m, Math.abs(a[i] - b[i]));
        }
        return m;
    }

    static double rms(float[] a, float[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += (a[i] - b[i]) * (double) (a[i] - b[i]);
        }
        return Math.sqrt(s / a.length);
    }
}
