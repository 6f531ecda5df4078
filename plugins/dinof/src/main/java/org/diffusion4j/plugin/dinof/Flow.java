package org.diffusion4j.plugin.dinof;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.diffusion4j.api.nn.Module;
import org.diffusion4j.api.tensor.Backend;
import org.diffusion4j.api.tensor.Rng;
import org.diffusion4j.api.tensor.Tensor;

/**
 * A normalizing flow on points: K steps of (actnorm, invertible linear map, affine coupling), the
 * step of Glow (Kingma and Dhariwal 2018, Fig. 2a) with the 1×1 convolution replaced by a linear map
 * of the D coordinates. The density is exact (seed 001, Eq. 10):
 * <pre>  log p(x) = log N(f(x); 0, I) + Σ_layers log |det ∂f_k/∂f_{k−1}|.</pre>
 * Parameters are named {@code step<k>.actnorm.*}, {@code step<k>.linear.*} and
 * {@code step<k>.coupling.net.*}.
 */
public final class Flow extends Module implements NormalizingFlow {

    private final int dimension;
    private final List<FlowLayer> layers = new ArrayList<>();
    private final List<String> names = new ArrayList<>();

    /**
     * @param dimension D of a point (at least 2)
     * @param steps     K
     * @param hidden    units of the coupling networks' hidden layers
     */
    public Flow(Backend backend, Rng rng, int dimension, int steps, int hidden) {
        if (dimension < 2 || steps < 1 || hidden < 1) {
            throw new IllegalArgumentException("a flow needs dimension >= 2, steps >= 1 and hidden >= 1, got "
                    + dimension + ", " + steps + ", " + hidden);
        }
        this.dimension = dimension;
        for (int k = 0; k < steps; k++) {
            Step step = child("step" + k, new Step(backend, rng, dimension, hidden));
            for (FlowLayer l : step.layers) {
                layers.add(l);
                names.add("step" + k + "." + l.kind());
            }
        }
    }

    /** One step's three layers, a module so their parameters share the prefix {@code step<k>.}. */
    private static final class Step extends Module {
        final List<FlowLayer> layers;

        Step(Backend backend, Rng rng, int dimension, int hidden) {
            layers = List.of(child("actnorm", new ActNorm(backend, dimension)),
                    child("linear", new InvertibleLinear(backend, dimension)),
                    child("coupling", new AffineCoupling(backend, rng, dimension, hidden)));
        }
    }

    @Override
    public int dimension() {
        return dimension;
    }

    /** The layers in forward order. */
    public List<FlowLayer> layers() {
        return Collections.unmodifiableList(layers);
    }

    /** Names of the layers, {@code step<k>.<kind>}, in forward order (for error messages). */
    public List<String> layerNames() {
        return Collections.unmodifiableList(names);
    }

    /** z = f(x) and the summed log-determinant per sample. */
    @Override
    public FlowLayer.Transformed forward(Tensor x) {
        Tensor z = x;
        Tensor logDet = null;
        for (FlowLayer l : layers) {
            FlowLayer.Transformed t = l.forward(z);
            z = t.z();
            logDet = logDet == null ? t.logDet() : logDet.add(t.logDet());
        }
        return new FlowLayer.Transformed(z, logDet);
    }

    /** log p(x) per sample, {@code [batch, 1]}, in nats. */
    @Override
    public Tensor logProb(Tensor x) {
        FlowLayer.Transformed t = forward(x);
        return standardNormalLogDensity(t.z()).add(t.logDet());
    }

    /** log N(z; 0, I) per row: −|z|²/2 − (D/2)·log 2π. */
    static Tensor standardNormalLogDensity(Tensor z) {
        int d = z.dim(1);
        return z.square().sum(1).mul(-0.5).add(-0.5 * d * Math.log(2 * Math.PI));
    }

    /** x = f⁻¹(z): what the prior pushes standard-normal draws through. */
    @Override
    public Tensor inverse(Tensor z) {
        Tensor x = z;
        for (int k = layers.size() - 1; k >= 0; k--) {
            x = layers.get(k).inverse(x);
        }
        return x;
    }

    /**
     * The first layer whose output for x has a non-finite value, as {@code step<k>.<kind>}, or null when
     * all are finite: what a diverged training step names.
     */
    @Override
    public String firstNonFiniteLayer(Tensor x) {
        Tensor z = x;
        for (int k = 0; k < layers.size(); k++) {
            FlowLayer.Transformed t = layers.get(k).forward(z);
            if (!allFinite(t.z()) || !allFinite(t.logDet())) {
                return names.get(k);
            }
            z = t.z();
        }
        return null;
    }

    static boolean allFinite(Tensor t) {
        for (float v : t.toArray()) {
            if (!Float.isFinite(v)) {
                return false;
            }
        }
        return true;
    }
}
