package org.diffusion4j.api.nn;

import java.util.List;
import org.diffusion4j.api.tensor.Backend;
import org.diffusion4j.api.tensor.Storage;
import org.diffusion4j.api.tensor.Tensor;
import org.diffusion4j.api.tensor.UnaryOp;

/**
 * Layers applied in order; parameters are named by position ({@code 0.weight}).
 *
 * <p>When nothing needs a gradient (sampling and evaluation freeze the weights) and the layers
 * are {@link Linear}s, each followed by at most one pointwise {@link Activation}, the forward pass
 * is one {@link Backend#mlpForward} call: no tensors for the hidden activations, and a backend
 * may fuse the whole stack. Its values are the bits of the layer-by-layer pass.
 */
public final class Sequential extends Layer {

    private final List<Layer> layers;

    public Sequential(List<? extends Layer> layers) {
        this.layers = List.copyOf(layers);
        for (int i = 0; i < this.layers.size(); i++) {
            child(Integer.toString(i), this.layers.get(i));
        }
    }

    @Override
    public Tensor forward(Tensor x) {
        if (inferable(x)) {
            return infer(x);
        }
        Tensor h = x;
        for (Layer l : layers) {
            h = l.forward(h);
        }
        return h;
    }

    /**
     * Whether the fused pass applies: no gradient anywhere, and affine layers each followed by at
     * most one activation {@link Backend#mlpForward} knows.
     */
    private boolean inferable(Tensor x) {
        if (x.requiresGrad() || x.rank() != 2) {
            return false;
        }
        boolean afterLinear = false;
        for (Layer l : layers) {
            if (l instanceof Linear lin) {
                if (lin.weight().requiresGrad() || lin.bias().requiresGrad()) {
                    return false;
                }
                afterLinear = true;
            } else if (afterLinear && l instanceof Activation a && a.function() != Activation.Function.GELU) {
                afterLinear = false;
            } else {
                return false;
            }
        }
        return !layers.isEmpty();
    }

    private Tensor infer(Tensor x) {
        Backend be = x.backend();
        int count = 0;
        for (Layer l : layers) {
            count += l instanceof Linear ? 1 : 0;
        }
        int[] widths = new int[count + 1];
        Storage[] weights = new Storage[count];
        Storage[] biases = new Storage[count];
        UnaryOp[] activations = new UnaryOp[count];
        widths[0] = x.dim(1);
        int l = -1;
        for (Layer layer : layers) {
            if (layer instanceof Linear lin) {
                l++;
                widths[l + 1] = lin.outFeatures();
                weights[l] = lin.weight().storage();
                biases[l] = lin.bias().storage();
            } else {
                activations[l] = switch (((Activation) layer).function()) {
                    case RELU -> UnaryOp.RELU;
                    case SILU -> UnaryOp.SILU;
                    case TANH -> UnaryOp.TANH;
                    case SIGMOID -> UnaryOp.SIGMOID;
                    case GELU -> throw new IllegalStateException("GELU takes the layer-by-layer pass");
                };
            }
        }
        int rows = x.dim(0);
        Storage out = be.allocateOutput(rows * widths[count]);
        be.mlpForward(rows, widths, x.storage(), weights, biases, activations, out);
        return Tensor.wrap(be, out, rows, widths[count]);
    }
}
