package org.diffusion4j.it;

import java.nio.file.Path;
import org.diffusion4j.api.ComponentProvider;

/** Sources of the third-party plugins the tests compile, and where they put them. */
final class ThirdPartyPlugins {

    static final String COSINE = "thirdparty.cosine-interpolant";

    private ThirdPartyPlugins() {
    }

    /** Provider + schedule: the cosine interpolant α = cos(πt/2), σ = sin(πt/2), in package {@code pkg}. */
    static PluginJar cosine(PluginJar jar, String pkg) {
        return jar.source(pkg.replace('.', '/') + "/CosineInterpolantProvider.java", """
                package %1$s;

                import org.diffusion4j.api.ComponentContext;
                import org.diffusion4j.api.ComponentProvider;
                import org.diffusion4j.api.Kind;
                import org.diffusion4j.api.Schedule;
                import org.diffusion4j.api.config.Config;
                import org.diffusion4j.api.config.ConfigSpec;

                public final class CosineInterpolantProvider implements ComponentProvider<Schedule> {
                    @Override public Kind kind() { return Kind.SCHEDULE; }
                    @Override public String name() { return "%2$s"; }
                    @Override public String description() {
                        return "third-party cosine interpolant, alpha = cos(pi t / 2), sigma = sin(pi t / 2)";
                    }
                    @Override public ConfigSpec config() { return ConfigSpec.empty(); }
                    @Override public Schedule create(Config config, ComponentContext context) {
                        return new CosineInterpolant();
                    }
                    @Override public String version() { return "0.0.1-it"; }
                }
                """.formatted(pkg, COSINE))
                .source(pkg.replace('.', '/') + "/CosineInterpolant.java", """
                package %s;

                import org.diffusion4j.api.Schedule;

                final class CosineInterpolant implements Schedule {
                    private static final double H = Math.PI / 2;
                    @Override public double alpha(double t) { return Math.cos(H * t); }
                    @Override public double sigma(double t) { return Math.sin(H * t); }
                    @Override public double alphaDot(double t) { return -H * Math.sin(H * t); }
                    @Override public double sigmaDot(double t) { return H * Math.cos(H * t); }
                }
                """.formatted(pkg));
    }

    /** A modular jar with the cosine schedule, module {@code module}. */
    static PluginJar modularCosine(String module) {
        return cosine(PluginJar.modular(), "thirdparty.cosine").source("module-info.java", """
                module %s {
                    requires org.diffusion4j.api;
                    provides %s with thirdparty.cosine.CosineInterpolantProvider;
                }
                """.formatted(module, ComponentProvider.class.getName()));
    }

    /** A plain jar (META-INF/services) with the cosine schedule. */
    static PluginJar plainCosine() {
        return cosine(PluginJar.plain("thirdparty.plain.CosineInterpolantProvider"), "thirdparty.plain");
    }

    /** A modular jar whose sampler is called {@code name} (to clash with a built-in one). */
    static PluginJar modularSampler(String module, String name) {
        return PluginJar.modular().source("thirdparty/dup/ClashingSamplerProvider.java", """
                package thirdparty.dup;

                import org.diffusion4j.api.ComponentContext;
                import org.diffusion4j.api.ComponentProvider;
                import org.diffusion4j.api.Kind;
                import org.diffusion4j.api.Sampler;
                import org.diffusion4j.api.config.Config;
                import org.diffusion4j.api.config.ConfigSpec;

                public final class ClashingSamplerProvider implements ComponentProvider<Sampler> {
                    @Override public Kind kind() { return Kind.SAMPLER; }
                    @Override public String name() { return "%s"; }
                    @Override public String description() { return "a sampler that reuses a taken name"; }
                    @Override public ConfigSpec config() { return ConfigSpec.empty(); }
                    @Override public Sampler create(Config config, ComponentContext context) {
                        throw new UnsupportedOperationException("never created");
                    }
                }
                """.formatted(name)).source("module-info.java", """
                module %s {
                    requires org.diffusion4j.api;
                    provides %s with thirdparty.dup.ClashingSamplerProvider;
                }
                """.formatted(module, ComponentProvider.class.getName()));
    }

    /**
     * A modular jar whose loss {@code name} has a bug: {@code compute} throws an
     * {@link IllegalArgumentException} (as a shape check would) the first time it is used.
     */
    static PluginJar modularBuggyLoss(String module, String name) {
        return PluginJar.modular().source("thirdparty/buggy/BuggyLossProvider.java", """
                package thirdparty.buggy;

                import org.diffusion4j.api.ComponentContext;
                import org.diffusion4j.api.ComponentProvider;
                import org.diffusion4j.api.Kind;
                import org.diffusion4j.api.Loss;
                import org.diffusion4j.api.config.Config;
                import org.diffusion4j.api.config.ConfigSpec;

                public final class BuggyLossProvider implements ComponentProvider<Loss> {
                    @Override public Kind kind() { return Kind.LOSS; }
                    @Override public String name() { return "%s"; }
                    @Override public String description() { return "a loss with a bug"; }
                    @Override public ConfigSpec config() { return ConfigSpec.empty(); }
                    @Override public Loss create(Config config, ComponentContext context) {
                        return new BuggyLoss();
                    }
                }
                """.formatted(name)).source("thirdparty/buggy/BuggyLoss.java", """
                package thirdparty.buggy;

                import org.diffusion4j.api.Loss;
                import org.diffusion4j.api.Model;
                import org.diffusion4j.api.tensor.Rng;
                import org.diffusion4j.api.tensor.Tensor;

                final class BuggyLoss implements Loss {
                    @Override public Tensor compute(Model model, Tensor x0, Rng rng) {
                        throw new IllegalArgumentException("buggy: wrong shape [3, 7]");
                    }
                }
                """).source("module-info.java", """
                module %s {
                    requires org.diffusion4j.api;
                    provides %s with thirdparty.buggy.BuggyLossProvider;
                }
                """.formatted(module, ComponentProvider.class.getName()));
    }

    /** A modular jar whose provider's constructor throws with {@code message}. */
    static PluginJar modularThrowingProvider(String module, String message) {
        return PluginJar.modular().source("thirdparty/throwing/ThrowingProvider.java", """
                package thirdparty.throwing;

                import org.diffusion4j.api.ComponentContext;
                import org.diffusion4j.api.ComponentProvider;
                import org.diffusion4j.api.Kind;
                import org.diffusion4j.api.Schedule;
                import org.diffusion4j.api.config.Config;
                import org.diffusion4j.api.config.ConfigSpec;

                public final class ThrowingProvider implements ComponentProvider<Schedule> {
                    public ThrowingProvider() {
                        throw new IllegalStateException("%s");
                    }
                    @Override public Kind kind() { return Kind.SCHEDULE; }
                    @Override public String name() { return "thirdparty.throwing"; }
                    @Override public String description() { return "never created"; }
                    @Override public ConfigSpec config() { return ConfigSpec.empty(); }
                    @Override public Schedule create(Config config, ComponentContext context) { return null; }
                }
                """.formatted(message)).source("module-info.java", """
                module %s {
                    requires org.diffusion4j.api;
                    provides %s with thirdparty.throwing.ThrowingProvider;
                }
                """.formatted(module, ComponentProvider.class.getName()));
    }

    /** Builds {@code jar} into {@code home/plugins/folder/name.jar}. */
    static Path install(PluginJar jar, Path home, Path scratch, String folder, String name) {
        return jar.build(Distribution.apiJar(home), scratch, home.resolve("plugins").resolve(folder).resolve(name));
    }
}
