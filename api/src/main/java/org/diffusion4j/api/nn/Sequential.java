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
 * are {@link Linear}s and pointwise {@link Activation}s, the forward pass runs without building
 * tensors for the hidden activations: each affine layer writes its bias-added product into one of
 * two buffers this thread keeps for this network, and each activation overwrites it in place.
 * Only the output is a new tensor. The kernels and their order are those of the layer-by-layer
 * pass, so the values are the same bits.
 */
public final class Sequential extends Layer {

    private final List<Layer> layers;
    private final ThreadLocal<Buffers> buffers = ThreadLocal.withInitial(Buffers::new);

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

    /** Whether the buffered pass applies: no gradient anywhere, known layers, a first affine layer. */
    private boolean inferable(Tensor x) {
        if (x.requiresGrad() || x.rank() != 2 || layers.isEmpty() || !(layers.get(0) instanceof Linear)) {
            return false;
        }
        for (Layer l : layers) {
            if (l instanceof Linear lin) {
                if (lin.weight().requiresGrad() || lin.bias().requiresGrad()) {
                    return false;
                }
            } else if (!(l instanceof Activation a && a.function() != Activation.Function.GELU)) {
                return false;
            }
        }
        return true;
    }

    private Tensor infer(Tensor x) {
        Backend be = x.backend();
        int rows = x.dim(0);
        int lastLinear = 0;
        int widest = 0;
        for (int i = 0; i < layers.size(); i++) {
            if (layers.get(i) instanceof Linear lin) {
                lastLinear = i;
                widest = Math.max(widest, lin.outFeatures());
            }
        }
        Buffers buf = buffers.get();
        buf.ensure(be, rows * widest);
        Storage h = x.storage();
        int width = x.dim(1);
        int next = 0;
        for (int i = 0; i < layers.size(); i++) {
            Layer l = layers.get(i);
            if (l instanceof Linear lin) {
                int out = lin.outFeatures();
                Storage dst = i == lastLinear ? be.allocateOutput(rows * out) : buf.hidden[next];
                next ^= 1;
                be.gemmBias(false, false, rows, out, width, h, lin.weight().storage(), lin.bias().storage(), dst);
                h = dst;
                width = out;
            } else {
                applyInPlace(be, ((Activation) l).function(), h, buf.scratch, rows, width);
            }
        }
        return Tensor.wrap(be, h, rows, width);
    }

    /** {@code h = f(h)} on rows × width values, by the kernels {@link Activation#forward} uses. */
    private static void applyInPlace(Backend be, Activation.Function f, Storage h, Storage scratch, int rows,
                                     int width) {
        int n = rows * width;
        switch (f) {
            case RELU -> be.unary(UnaryOp.RELU, h, h, n);
            case TANH -> be.unary(UnaryOp.TANH, h, h, n);
            case SIGMOID -> be.unary(UnaryOp.SIGMOID, h, h, n);
            case SILU -> {
                // x·σ(x) in place, as Tensor.silu (σ goes to scratch).
                be.silu(h, h, scratch, n);
            }
            case GELU -> throw new IllegalStateException("GELU takes the layer-by-layer pass");
        }
    }

    /** Two hidden-layer buffers and one scratch buffer, grown to the largest batch seen. */
    private static final class Buffers {
        final Storage[] hidden = new Storage[2];
        Storage scratch;
        Backend backend;

        void ensure(Backend be, int size) {
            if (backend != be || scratch.size() < size) {
                for (int i = 0; i < 2; i++) {
                    hidden[i] = be.allocatePersistent(size);
                }
                scratch = be.allocatePersistent(size);
                backend = be;
            }
        }
    }
}
