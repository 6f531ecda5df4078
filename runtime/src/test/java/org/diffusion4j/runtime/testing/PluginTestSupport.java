package org.diffusion4j.runtime.testing;

import java.util.Map;
import java.util.ServiceLoader;
import org.diffusion4j.api.ComponentContext;
import org.diffusion4j.api.ComponentProvider;
import org.diffusion4j.api.Kind;
import org.diffusion4j.api.Parameterization;
import org.diffusion4j.api.Schedule;
import org.diffusion4j.api.View;
import org.diffusion4j.api.tensor.Backend;
import org.diffusion4j.api.tensor.Rng;
import org.diffusion4j.runtime.backend.JavaBackend;

/**
 * Fixtures the plugins' unit tests share (runtime's test jar, test scope): the Java backend, a
 * component context, components created through the provider {@link ServiceLoader} finds, a
 * parameterization of any view, and point-set distances. A plugin's own {@code TestSupport} extends
 * this class, so its tests call these as {@code TestSupport.create(...)} beside the plugin's fixtures.
 * The exact models are in {@link org.diffusion4j.runtime.oracle}.
 */
public class PluginTestSupport {

    protected PluginTestSupport() {
    }

    /** A component context with fixed values. */
    public record Context(Backend backend, Rng rng, int dataDimension, int extraOutputs) implements ComponentContext {
    }

    /** The Java backend on two threads. */
    public static Backend backend() {
        return new JavaBackend(2);
    }

    /** 2-D data, seed 1, no extra outputs. */
    public static ComponentContext context(Backend backend) {
        return context(backend, 1, 2);
    }

    public static ComponentContext context(Backend backend, long seed, int dimension) {
        return new Context(backend, new Rng(seed), dimension, 0);
    }

    /** Creates a component through the provider ServiceLoader finds under {@code name}. */
    @SuppressWarnings("unchecked")
    public static <T> T create(Kind kind, String name, Map<String, ?> options, ComponentContext context) {
        for (ComponentProvider<?> p : ServiceLoader.load(ComponentProvider.class)) {
            if (p.kind() == kind && p.name().equals(name)) {
                return (T) p.create(p.config().resolve(name, options), context);
            }
        }
        throw new AssertionError("no provider " + kind.id() + " " + name);
    }

    /** A parameterization of any of the api's views, for "any parameterization" checks. */
    public static Parameterization predicting(View view) {
        return new Parameterization() {
            @Override
            public View predicts() {
                return view;
            }

            @Override
            public String toString() {
                return view.name();
            }
        };
    }

    /**
     * The flow-matching linear interpolant α = 1 − t, σ = t ("Unified Perspective", Eq. 2 with the
     * rectified-flow path), for tests that need a schedule without its plugin.
     */
    public static Schedule linearInterpolant() {
        return new Schedule() {
            @Override
            public double alpha(double t) {
                return 1 - t;
            }

            @Override
            public double sigma(double t) {
                return t;
            }

            @Override
            public double alphaDot(double t) {
                return -1;
            }

            @Override
            public double sigmaDot(double t) {
                return 1;
            }

            @Override
            public String toString() {
                return "linear interpolant";
            }
        };
    }

    /** Root-mean-square distance between paired points (row-major, dimension d). */
    public static double rms(float[] a, float[] b, int d) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            double diff = a[i] - b[i];
            s += diff * diff;
        }
        return Math.sqrt(s / (a.length / d));
    }

    /** Largest absolute difference between paired values. */
    public static double maxAbs(float[] a, float[] b) {
        double m = 0;
        for (int i = 0; i < a.length; i++) {
            m = Math.max(m, Math.abs(a[i] - b[i]));
        }
        return m;
    }

    public static void assertFinite(float[] values) {
        for (float v : values) {
            if (!Float.isFinite(v)) {
                throw new AssertionError("non-finite value " + v);
            }
        }
    }
}
