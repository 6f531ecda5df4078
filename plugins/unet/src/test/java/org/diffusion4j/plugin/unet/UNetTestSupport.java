package org.diffusion4j.plugin.unet;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.diffusion4j.api.ComponentContext;
import org.diffusion4j.api.Kind;
import org.diffusion4j.api.Network;
import org.diffusion4j.api.tensor.Backend;
import org.diffusion4j.api.tensor.Rng;
import org.diffusion4j.api.tensor.Tensor;
import org.diffusion4j.runtime.testing.PluginTestSupport;

/** Fixtures of the U-Net tests: image contexts, the provider by ServiceLoader, the peer's listings. */
final class UNetTestSupport extends PluginTestSupport {

    private UNetTestSupport() {
    }

    /** A context for image data of {@code shape} with {@code labels} classes and {@code extra} extra outputs per sample. */
    record ImageContext(Backend backend, Rng rng, int[] dataShape, int dataLabelCount, int extraOutputs)
            implements ComponentContext {
        @Override
        public int dataDimension() {
            int n = 1;
            for (int d : dataShape) {
                n *= d;
            }
            return n;
        }

        @Override
        public int[] dataShape() {
            return dataShape.clone();
        }
    }

    static Network unet(Backend backend, Map<String, ?> options, long seed, int[] shape, int labels, int extra) {
        return create(Kind.NETWORK, UNetProvider.NAME, options,
                new ImageContext(backend, new Rng(seed), shape, labels, extra));
    }

    static long count(Network n) {
        return n.parameters().values().stream().mapToLong(Tensor::size).sum();
    }

    /** One parameter of the peer's PyTorch state_dict: name and shape. */
    record TorchParameter(String name, int[] shape) {
    }

    /** A listing written by the command in its header (a resource next to this class). */
    static List<TorchParameter> torchListing(String resource) throws IOException {
        List<TorchParameter> out = new ArrayList<>();
        try (InputStream in = UNetTestSupport.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IOException("missing test resource " + resource);
            }
            BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
            for (String line; (line = r.readLine()) != null; ) {
                if (line.isBlank() || line.startsWith("#")) {
                    continue;
                }
                String[] parts = line.trim().split(" ");
                String[] dims = parts[1].split(",");
                int[] shape = new int[dims.length];
                for (int i = 0; i < dims.length; i++) {
                    shape[i] = Integer.parseInt(dims[i]);
                }
                out.add(new TorchParameter(parts[0], shape));
            }
        }
        return out;
    }

    /** The PyTorch shape of one of our parameters (see {@link UNetNetwork#isTransposedFromPyTorch}). */
    static int[] torchShape(String name, int[] ours) {
        if (UNetNetwork.isTransposedFromPyTorch(name)) {
            return new int[]{ours[1], ours[0]};
        }
        if (ours.length == 2 && ours[0] == 1 && name.endsWith(".bias")) {   // api Linear's [1, out] bias
            return new int[]{ours[1]};
        }
        return ours;
    }

    /** Gives the zero-initialised layers (and every other parameter) small random values, so every path is live. */
    static void perturb(Network n, long seed) {
        Rng rng = new Rng(seed);
        for (Tensor p : n.parameters().values()) {
            float[] v = p.toArray();
            for (int i = 0; i < v.length; i++) {
                v[i] += (float) (0.2 * rng.nextGaussian());
            }
            p.load(v);
        }
    }
}
