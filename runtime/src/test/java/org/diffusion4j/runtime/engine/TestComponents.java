package org.diffusion4j.runtime.engine;

import java.util.List;
import java.util.Map;
import org.diffusion4j.api.Affine;
import org.diffusion4j.api.ComponentContext;
import org.diffusion4j.api.ComponentProvider;
import org.diffusion4j.api.Dataset;
import org.diffusion4j.api.Kind;
import org.diffusion4j.api.Loss;
import org.diffusion4j.api.Model;
import org.diffusion4j.api.Network;
import org.diffusion4j.api.Parameterization;
import org.diffusion4j.api.PointSet;
import org.diffusion4j.api.Split;
import org.diffusion4j.api.View;
import org.diffusion4j.api.config.Config;
import org.diffusion4j.api.config.ConfigSpec;
import org.diffusion4j.api.nn.Activation;
import org.diffusion4j.api.nn.Linear;
import org.diffusion4j.api.nn.Module;
import org.diffusion4j.api.nn.Sequential;
import org.diffusion4j.api.tensor.Rng;
import org.diffusion4j.api.tensor.Tensor;
import org.diffusion4j.runtime.plugin.Registry;
import org.diffusion4j.runtime.testing.PluginTestSupport;

/**
 * Minimal components written against the api alone, so the engine can be tested without plugins
 * (runtime cannot depend on them): a Gaussian dataset, the linear interpolant, a velocity target,
 * a small MLP and a flow-matching-style loss with an option to inject NaN.
 */
final class TestComponents {

    private TestComponents() {
    }

    static Registry registry() {
        return Registry.of("test", List.of(
                provider(Kind.DATASET, "gauss", ConfigSpec.builder().integer("count", 300, 1, null, "points").build(),
                        (c, ctx) -> new Dataset() {
                            public int dimension() {
                                return 2;
                            }

                            public PointSet load(Split split) {
                                Rng r = new Rng(5).split(split.name());
                                float[] v = new float[c.getInt("count") * 2];
                                for (int i = 0; i < v.length; i++) {
                                    v[i] = (float) (r.nextGaussian() * 0.5 + (i % 2 == 0 ? 2 : -1));
                                }
                                return new PointSet(2, v);
                            }
                        }),
                provider(Kind.SCHEDULE, "linear", ConfigSpec.empty(), (c, ctx) -> PluginTestSupport.linearInterpolant()),
                provider(Kind.PARAMETERIZATION, "velocity", ConfigSpec.empty(),
                        (c, ctx) -> (Parameterization) () -> View.VELOCITY),
                provider(Kind.NETWORK, "mlp", ConfigSpec.builder().integer("width", 16, 1, null, "width").build(),
                        (c, ctx) -> new Mlp(ctx, c.getInt("width"))),
                provider(Kind.LOSS, "mse", ConfigSpec.builder().integer("nan-at", 0, 0, null, "step to poison").build(),
                        (c, ctx) -> new Mse(c.getInt("nan-at")))));
    }

    static String spec(int steps, int checkpointEvery) {
        return """
                seed: 4
                dataset: {name: gauss}
                schedule: {name: linear}
                parameterization: {name: velocity}
                network: {name: mlp}
                loss: {name: mse}
                training: {batch-size: 64, steps: %d, checkpoint-every: %d, ema-decay: 0.9}
                metrics: []
                """.formatted(steps, checkpointEvery);
    }

    static final class Mlp extends Module implements Network {
        private final Sequential body;

        Mlp(ComponentContext ctx, int width) {
            var rng = ctx.rng();
            body = child("body", new Sequential(List.of(new Linear(ctx.backend(), rng, 3, width),
                    new Activation(Activation.Function.SILU), new Linear(ctx.backend(), rng, width, 2))));
        }

        @Override
        public Tensor forward(Tensor x, Tensor t) {
            return body.forward(Tensor.concatColumns(x, t));
        }
    }

    /** Squared error to the parameterization's target at uniform t; NaN from step {@code nanAt} on. */
    static final class Mse implements Loss {
        private final int nanAt;
        private int calls;

        Mse(int nanAt) {
            this.nanAt = nanAt;
        }

        @Override
        public Tensor compute(Model model, Tensor x0, Rng rng) {
            calls++;
            int b = x0.dim(0);
            var be = x0.backend();
            float[] t = new float[b];
            float[] al = new float[b];
            float[] si = new float[b];
            float[] ta = new float[b];
            float[] tb = new float[b];
            for (int i = 0; i < b; i++) {
                double ti = rng.nextDouble();
                Affine target = model.parameterization().target(model.schedule(), ti);
                t[i] = (float) ti;
                al[i] = (float) model.schedule().alpha(ti);
                si[i] = (float) model.schedule().sigma(ti);
                ta[i] = (float) target.p();
                tb[i] = (float) target.q();
            }
            Tensor eps = Tensor.randn(be, rng, b, x0.dim(1));
            Tensor xt = x0.mul(Tensor.of(be, al, b, 1)).add(eps.mul(Tensor.of(be, si, b, 1)));
            Tensor target = x0.mul(Tensor.of(be, ta, b, 1)).add(eps.mul(Tensor.of(be, tb, b, 1)));
            Tensor out = model.network().forward(xt, Tensor.of(be, t, b, 1));
            Tensor loss = out.sub(target).square().mean();
            return nanAt > 0 && calls >= nanAt ? loss.mul(Double.NaN) : loss;
        }
    }

    interface Factory<T> {
        T create(Config c, ComponentContext ctx);
    }

    static <T> ComponentProvider<T> provider(Kind kind, String name, ConfigSpec spec, Factory<T> f) {
        return new ComponentProvider<>() {
            public Kind kind() {
                return kind;
            }

            public String name() {
                return name;
            }

            public String description() {
                return "test " + name;
            }

            public ConfigSpec config() {
                return spec;
            }

            public T create(Config config, ComponentContext context) {
                return f.create(config, context);
            }
        };
    }

    static Map<String, float[]> snapshot(Map<String, Tensor> ts) {
        Map<String, float[]> out = new java.util.LinkedHashMap<>();
        ts.forEach((k, v) -> out.put(k, v.toArray()));
        return out;
    }
}
