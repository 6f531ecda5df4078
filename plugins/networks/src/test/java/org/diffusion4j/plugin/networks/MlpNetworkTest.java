package org.diffusion4j.plugin.networks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.HashMap;
import java.util.Map;
import java.util.ServiceLoader;
import org.diffusion4j.api.ComponentProvider;
import org.diffusion4j.api.Kind;
import org.diffusion4j.api.Network;
import org.diffusion4j.api.config.ConfigException;
import org.diffusion4j.api.tensor.Backend;
import org.diffusion4j.api.tensor.Rng;
import org.diffusion4j.api.tensor.Tensor;
import org.diffusion4j.runtime.backend.JavaBackend;
import org.diffusion4j.runtime.testing.PluginTestSupport.Context;
import org.junit.jupiter.api.Test;

class MlpNetworkTest {

    private final Backend backend = new JavaBackend(2);

    private static ComponentProvider<?> provider() {
        for (ComponentProvider<?> p : ServiceLoader.load(ComponentProvider.class)) {
            if (p.name().equals("mlp")) {
                return p;
            }
        }
        throw new AssertionError("mlp provider not found by ServiceLoader");
    }

    private Network mlp(Map<String, ?> options, long seed, int dimension, int extra) {
        ComponentProvider<?> p = provider();
        return (Network) p.create(p.config().resolve("mlp", options), new Context(backend, new Rng(seed), dimension, extra));
    }

    private static long count(Network n) {
        return n.parameters().values().stream().mapToLong(Tensor::size).sum();
    }

    @Test
    void defaultsAreTheBlogsVectorFieldMlp() {
        Network n = mlp(Map.of(), 1, 2, 0);
        // (2+1)→64→ReLU→64→ReLU→2: 3·64+64 + 64·64+64 + 64·2+2 = 4 546 (peers/README).
        assertThat(count(n)).isEqualTo(4_546);
        assertThat(n.parameters().keySet()).containsExactly(
                "net.0.weight", "net.0.bias", "net.2.weight", "net.2.bias", "net.4.weight", "net.4.bias");
        assertThat(n.parameters().get("net.0.weight").shape()).containsExactly(3, 64);
        assertThat(n.parameters().get("net.4.bias").shape()).containsExactly(1, 2);
        assertThat(provider().kind()).isEqualTo(Kind.NETWORK);
    }

    @Test
    void outputHasDataDimensionPlusExtraOutputs() {
        Tensor x = Tensor.randn(backend, new Rng(2), 5, 3);
        Tensor t = Tensor.full(backend, 0.3f, 5, 1);
        assertThat(mlp(Map.of(), 1, 3, 0).forward(x, t).shape()).containsExactly(5, 3);
        assertThat(mlp(Map.of("depth", 3, "width", 8), 1, 3, 2).forward(x, t).shape()).containsExactly(5, 5);
        Network sin = mlp(Map.of("time-embedding", "sinusoidal", "activation", "silu", "width", 128, "depth", 3), 1, 2, 0);
        // The DDPM ε-MLP of peers/README: 34→128→128→128→2 SiLU, 37 762 parameters.
        assertThat(count(sin)).isEqualTo(37_762);
        assertThat(sin.forward(Tensor.randn(backend, new Rng(3), 4, 2), Tensor.full(backend, 0.5f, 4, 1)).shape())
                .containsExactly(4, 2);
    }

    @Test
    void initialisationIsDeterministicForASeedAndPyTorchUniform() {
        Map<String, Tensor> a = mlp(Map.of(), 42, 2, 0).parameters();
        Map<String, Tensor> b = mlp(Map.of(), 42, 2, 0).parameters();
        Map<String, Tensor> c = mlp(Map.of(), 43, 2, 0).parameters();
        for (String name : a.keySet()) {
            assertThat(a.get(name).toArray()).as(name).containsExactly(b.get(name).toArray());
            assertThat(a.get(name).toArray()).as(name).isNotEqualTo(c.get(name).toArray());
        }
        // PyTorch's nn.Linear default: uniform in ±1/√fan_in.
        float[] w = a.get("net.2.weight").toArray();
        double bound = 1 / Math.sqrt(64);
        double max = 0;
        for (float v : w) {
            max = Math.max(max, Math.abs(v));
        }
        assertThat(max).isLessThanOrEqualTo(bound).isGreaterThan(0.95 * bound);
    }

    @Test
    void rawTimeEntersAsOneInputColumn() {
        Network n = mlp(Map.of("depth", 1, "width", 4, "activation", "tanh"), 5, 2, 0);
        Map<String, Tensor> p = n.parameters();
        float[] w0 = p.get("net.0.weight").toArray();  // [3, 4]
        float[] b0 = p.get("net.0.bias").toArray();
        float[] w1 = p.get("net.2.weight").toArray();  // [4, 2]
        float[] b1 = p.get("net.2.bias").toArray();
        float[] in = {0.5f, -1f, 0.25f};               // x = (0.5, −1), t = 0.25
        float[] out = n.forward(Tensor.of(backend, new float[]{0.5f, -1f}, 1, 2),
                Tensor.of(backend, new float[]{0.25f}, 1, 1)).toArray();
        for (int o = 0; o < 2; o++) {
            double y = b1[o];
            for (int h = 0; h < 4; h++) {
                double a = b0[h];
                for (int i = 0; i < 3; i++) {
                    a += in[i] * w0[i * 4 + h];
                }
                y += Math.tanh(a) * w1[h * 2 + o];
            }
            assertThat((double) out[o]).isCloseTo(y, within(1e-5));
        }
    }

    @Test
    void gradientsFlowToEveryParameter() {
        Network n = mlp(Map.of("time-embedding", "sinusoidal", "activation", "gelu"), 9, 2, 0);
        Tensor loss = n.forward(Tensor.randn(backend, new Rng(1), 16, 2), Tensor.full(backend, 0.7f, 16, 1))
                .square().mean();
        loss.backward();
        Map<String, Boolean> nonzero = new HashMap<>();
        n.parameters().forEach((k, v) -> {
            boolean any = false;
            for (float g : v.grad().toArray()) {
                any |= g != 0;
            }
            nonzero.put(k, any);
        });
        assertThat(nonzero).doesNotContainValue(false);
    }

    @Test
    void badOptionsAreErrorsNamingTheOption() {
        assertThatThrownBy(() -> mlp(Map.of("activation", "sigmoid"), 1, 2, 0))
                .isInstanceOf(ConfigException.class).hasMessageContaining("activation")
                .hasMessageContaining("relu, silu, gelu, tanh");
        assertThatThrownBy(() -> mlp(Map.of("time-embedding", "sinusoidal", "embedding-dim", 7), 1, 2, 0))
                .isInstanceOf(ConfigException.class).hasMessageContaining("embedding-dim");
        assertThatThrownBy(() -> mlp(Map.of("embedding-dim", 16), 1, 2, 0))
                .isInstanceOf(ConfigException.class).hasMessageContaining("raw");
        assertThatThrownBy(() -> mlp(Map.of("width", 0), 1, 2, 0))
                .isInstanceOf(ConfigException.class).hasMessageContaining("width");
        assertThatThrownBy(() -> mlp(Map.of(), 1, 2, 0).forward(Tensor.zeros(backend, 3, 5), Tensor.zeros(backend, 3, 1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("[batch, 2]");
    }
}
