package org.diffusion4j.plugin.unet;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import org.diffusion4j.api.Conditioning;
import org.diffusion4j.api.Network;
import org.diffusion4j.api.tensor.Backend;
import org.diffusion4j.api.tensor.Tensor;
import org.junit.jupiter.api.Test;

/**
 * The Java U-Net against the PyTorch peer itself: a tiny conditional network of the peer's
 * {@code UNet} class with perturbed weights (resource {@code parity-tiny.txt}, written by
 * {@code make_parity.py} beside it) is loaded into ours, transposing exactly the parameters
 * {@link UNetNetwork#isTransposedFromPyTorch} names; the output and every parameter's gradient
 * must agree. This is the "a checkpoint carries across" claim, checked.
 */
class UNetParityTest {

    private record Entry(int[] shape, float[] values) {
    }

    private static Map<String, Entry> read(String resource) throws IOException {
        Map<String, Entry> out = new LinkedHashMap<>();
        try (InputStream in = UNetParityTest.class.getResourceAsStream(resource)) {
            BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
            for (String line; (line = r.readLine()) != null; ) {
                if (line.startsWith("#") || line.isBlank()) {
                    continue;
                }
                String[] parts = line.split(" ");
                String[] dims = parts[2].split(",");
                int[] shape = new int[dims.length];
                for (int i = 0; i < dims.length; i++) {
                    shape[i] = Integer.parseInt(dims[i]);
                }
                float[] v = new float[parts.length - 3];
                for (int i = 0; i < v.length; i++) {
                    v[i] = Float.parseFloat(parts[3 + i]);
                }
                out.put(parts[0] + " " + parts[1], new Entry(shape, v));
            }
        }
        return out;
    }

    /** A [rows, cols] row-major matrix transposed. */
    private static float[] transpose(float[] v, int rows, int cols) {
        float[] t = new float[v.length];
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < cols; j++) {
                t[j * rows + i] = v[i * cols + j];
            }
        }
        return t;
    }

    @Test
    void outputAndGradientsMatchThePyTorchPeer() throws IOException {
        Map<String, Entry> ref = read("parity-tiny.txt");
        Backend backend = UNetTestSupport.backend();
        Network n = UNetTestSupport.unet(backend, Map.of("base-channels", 4, "channel-multipliers", "1,2", "blocks", 1,
                "attention-resolutions", "2", "groups", 2, "classes", 2), 0, new int[]{1, 4, 4}, 2, 0);
        Map<String, Tensor> params = n.parameters();
        long torchParams = ref.keySet().stream().filter(k -> k.startsWith("param ")).count();
        assertThat(params).hasSize((int) torchParams);
        for (Map.Entry<String, Tensor> p : params.entrySet()) {
            Entry e = ref.get("param " + p.getKey());
            assertThat(e).as(p.getKey()).isNotNull();
            p.getValue().load(UNetNetwork.isTransposedFromPyTorch(p.getKey())
                    ? transpose(e.values(), e.shape()[0], e.shape()[1]) : e.values());
        }
        Tensor x = Tensor.of(backend, ref.get("input x").values(), 2, 1, 4, 4);
        float[] steps = ref.get("input t").values();
        // The peer feeds integer steps; ours runs t in [0, 1] and the embedding multiplies by time-scale = 1000.
        Tensor t = Tensor.of(backend, new float[]{steps[0] / 1000f, steps[1] / 1000f}, 2, 1);
        float[] y = ref.get("input y").values();
        Tensor w = Tensor.of(backend, ref.get("input w").values(), 2, 1, 4, 4);

        Tensor out = n.forward(x, t, Conditioning.labels((int) y[0], (int) y[1]));
        assertClose("output", out.toArray(), ref.get("output out").values(), 2e-5);

        out.mul(w).sum().backward();
        for (Map.Entry<String, Tensor> p : params.entrySet()) {
            Entry g = ref.get("grad " + p.getKey());
            float[] expected = UNetNetwork.isTransposedFromPyTorch(p.getKey())
                    ? transpose(g.values(), g.shape()[0], g.shape()[1]) : g.values();
            assertClose("gradient of " + p.getKey(), p.getValue().grad().toArray(), expected, 1e-4);
        }
    }

    /** |a − b| ≤ tol · (1 + max |b|) element-wise. */
    private static void assertClose(String what, float[] actual, float[] expected, double tol) {
        assertThat(actual).as(what).hasSize(expected.length);
        double scale = 0;
        for (float v : expected) {
            scale = Math.max(scale, Math.abs(v));
        }
        double worst = 0;
        for (int i = 0; i < actual.length; i++) {
            worst = Math.max(worst, Math.abs(actual[i] - expected[i]));
        }
        assertThat(worst).as(what + ": largest difference (scale " + scale + ")").isLessThanOrEqualTo(tol * (1 + scale));
    }
}
