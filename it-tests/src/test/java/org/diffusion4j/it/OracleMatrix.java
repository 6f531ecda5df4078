package org.diffusion4j.it;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.diffusion4j.api.Kind;
import org.diffusion4j.api.Model;
import org.diffusion4j.api.Network;
import org.diffusion4j.api.Parameterization;
import org.diffusion4j.api.Sampler;
import org.diffusion4j.api.Schedule;
import org.diffusion4j.api.config.ConfigSpec;
import org.diffusion4j.api.tensor.Backend;
import org.diffusion4j.api.tensor.Rng;
import org.diffusion4j.runtime.engine.Components;
import org.diffusion4j.runtime.engine.Sampling;
import org.diffusion4j.runtime.oracle.DifferentiableMixtureOracle;
import org.diffusion4j.runtime.oracle.GaussianMixture;
import org.diffusion4j.runtime.oracle.GaussianMixtureOracle;
import org.diffusion4j.runtime.plugin.ComponentEntry;
import org.diffusion4j.runtime.plugin.PluginManager;
import org.diffusion4j.runtime.plugin.Registry;
import org.diffusion4j.runtime.spec.ComponentRef;

/**
 * The components of every plugin in the built distribution, loaded in process by the runtime's
 * {@link PluginManager} (one module layer per plugin folder, as the launcher does), and models
 * whose network is the exact Gaussian-mixture oracle ({@link GaussianMixtureOracle}) under a given
 * schedule and parameterization: a perfectly trained network, so that what a sampler gets wrong is
 * the sampler's (or the combination's) alone.
 *
 * <p>Needs the distribution's {@code lib/} as the test JVM's module path (the it-tests pom sets it):
 * the plugin layers resolve {@code org.diffusion4j.api} in the boot layer, exactly as under the
 * launcher.
 */
final class OracleMatrix {

    /**
     * Three unequal, well separated isotropic components in the unit box, the scale the built-in
     * schedules' defaults are made for (DDPM's data in [−1, 1], NCSN's σ_1 = 1 ≈ the largest
     * distance between data points). Unequal weights make a sampler that mixes modes wrongly fail.
     */
    static final GaussianMixture MIXTURE = new GaussianMixture(
            new double[][]{{-0.6, 0.0}, {0.45, 0.5}, {0.4, -0.55}},
            new double[]{0.12, 0.15, 0.08},
            new double[]{0.5, 0.3, 0.2});

    private final Registry registry;
    private final Backend backend;

    private OracleMatrix(Registry registry, Backend backend) {
        this.registry = registry;
        this.backend = backend;
    }

    /** Loads the plugins of the distribution at {@code home}; one backend thread (samplers here are host-bound). */
    static OracleMatrix load(Path home) {
        PluginManager pm = PluginManager.load(home.resolve("plugins"));
        return new OracleMatrix(pm.registry(), pm.backend("java").create(1));
    }

    Backend backend() {
        return backend;
    }

    /** Names of the providers of a kind, sorted. */
    List<String> names(Kind kind) {
        return registry.list(kind).stream().map(e -> e.provider().name()).toList();
    }

    ComponentEntry entry(Kind kind, String name) {
        return registry.find(kind, name);
    }

    ConfigSpec config(Kind kind, String name) {
        return entry(kind, name).provider().config();
    }

    /** Creates a component through the registry: options checked against its declared config, defaults filled in. */
    <T> T create(Kind kind, String name, Map<String, ?> options) {
        return create(kind, name, options, MIXTURE.dimension());
    }

    /** {@link #create(Kind, String, Map)} for data of another dimension. */
    <T> T create(Kind kind, String name, Map<String, ?> options, int dimension) {
        ComponentRef ref = new ComponentRef(kind.id(), name, new LinkedHashMap<>(options));
        return new Components(registry, backend, 7).create(kind, kind.id(), ref, dimension, 0);
    }

    /**
     * The exact model of {@link #MIXTURE} under a schedule, its network's output in a parameterization
     * (both with default config): the runtime's host oracle, or, where a component takes the
     * network's gradient with respect to x (a likelihood's divergence), the same formulas in
     * tensor ops.
     */
    Model model(String schedule, String parameterization, boolean differentiable) {
        Schedule s = create(Kind.SCHEDULE, schedule, Map.of());
        Parameterization p = create(Kind.PARAMETERIZATION, parameterization, Map.of());
        Network net = differentiable ? new DifferentiableMixtureOracle(MIXTURE, s, p) : new GaussianMixtureOracle(MIXTURE, s, p);
        return new Model(net, s, p);
    }

    /**
     * How far the samplers' and likelihoods' prior N(0, σ(tMax)²·I) is from the true marginal p_tMax
     * of {@link #MIXTURE} under the schedule: the largest |log p_tMax(y) − log N(y; 0, σ²·I)| over a
     * grid of y with |y_j| ≤ 2σ(tMax) (where data points land at tMax). A probability-flow
     * likelihood can be no more exact than this: 0.64 nats for NCSN's σ_1 = 1 (where the measured
     * likelihood is off by up to 0.25 nats), 0.005 or less for the schedules that reach σ = 50 or α ≈ 0.
     */
    static double priorMismatch(Schedule schedule) {
        double t = schedule.tMax();
        double sigma = schedule.sigma(t);
        GaussianMixture marginal = MIXTURE.marginal(schedule, t);
        GaussianMixture prior = GaussianMixture.of(new double[][]{new double[MIXTURE.dimension()]}, sigma);
        double worst = 0;
        int n = 40;
        for (int i = 0; i <= n; i++) {
            for (int j = 0; j <= n; j++) {
                double[] y = {sigma * (4.0 * i / n - 2), sigma * (4.0 * j / n - 2)};
                worst = Math.max(worst, Math.abs(marginal.logDensity(y) - prior.logDensity(y)));
            }
        }
        return worst;
    }

    /** {@code count} exact draws from {@link #MIXTURE}, flattened [count, 2]. */
    float[] exactDraws(int count, long seed) {
        double[][] p = MIXTURE.sample(new Rng(seed).split("exact"), count);
        float[] out = new float[count * MIXTURE.dimension()];
        for (int i = 0; i < count; i++) {
            for (int j = 0; j < MIXTURE.dimension(); j++) {
                out[i * MIXTURE.dimension() + j] = (float) p[i][j];
            }
        }
        return out;
    }

    /**
     * {@code count} samples, drawn as the launcher draws them ({@link Sampling}: x_T = σ(tMax)·z, one
     * noise stream per sample), in one batch.
     */
    float[] sample(Model model, Sampler sampler, int count, long seed) {
        return Sampling.sample(backend, model, sampler, MIXTURE.dimension(), seed, count, count, n -> null).values();
    }
}
