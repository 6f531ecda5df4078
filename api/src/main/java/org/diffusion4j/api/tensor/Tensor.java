package org.diffusion4j.api.tensor;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * A float32, row-major, shape-checked tensor with reverse-mode automatic differentiation.
 *
 * <p>Every operation computes its value through the tensor's {@link Backend} and, when an input
 * requires a gradient, records how to differentiate it. Backward rules are written with tensor
 * operations themselves, so {@link #grad(Tensor, List, boolean)} with {@code createGraph = true}
 * returns gradients that can be differentiated again (sliced and implicit score matching,
 * Hutchinson divergences and classifier gradients need this).
 *
 * <p>Values are immutable once computed, except for parameters, which optimisers update in place
 * between steps.
 */
public final class Tensor {

    /** How to differentiate one recorded operation: gradients of its inputs from the output's. */
    @FunctionalInterface
    interface BackwardRule {
        Tensor[] apply(Tensor gradOutput, Tensor[] inputs, Tensor output);
    }

    private record Node(Tensor[] inputs, BackwardRule rule) {
    }

    private final Backend backend;
    private final Storage storage;
    private final int[] shape;
    private final int size;
    private boolean requiresGrad;
    private Node node;
    private Tensor grad;

    private Tensor(Backend backend, Storage storage, int[] shape) {
        this.backend = backend;
        this.storage = storage;
        this.shape = shape;
        this.size = sizeOf(shape);
        if (storage.size() < size) {
            throw new IllegalArgumentException("storage of " + storage.size() + " floats is too small for shape "
                    + Arrays.toString(shape));
        }
    }

    // ---------------------------------------------------------------- creation

    /** A tensor holding a copy of {@code data} with the given shape. */
    public static Tensor of(Backend backend, float[] data, int... shape) {
        checkShape(shape);
        if (data.length != sizeOf(shape)) {
            throw new IllegalArgumentException(data.length + " values do not fill shape " + Arrays.toString(shape));
        }
        return new Tensor(backend, backend.upload(data), shape.clone());
    }

    /** A scalar (shape []). */
    public static Tensor scalar(Backend backend, float value) {
        return new Tensor(backend, backend.upload(new float[]{value}), new int[0]);
    }

    public static Tensor zeros(Backend backend, int... shape) {
        checkShape(shape);
        return new Tensor(backend, backend.allocate(sizeOf(shape)), shape.clone());
    }

    /** A tensor whose values the caller's next kernel writes, every one of them (not cleared first). */
    private static Tensor output(Backend backend, int... shape) {
        checkShape(shape);
        return new Tensor(backend, backend.allocateOutput(sizeOf(shape)), shape.clone());
    }

    public static Tensor full(Backend backend, float value, int... shape) {
        // Filled in place: no host array and no upload copy (a sampler's time column, every step).
        Tensor out = output(backend, shape);
        backend.fill(out.storage, value, out.size);
        return out;
    }

    /** Wraps backend storage without copying. */
    public static Tensor wrap(Backend backend, Storage storage, int... shape) {
        checkShape(shape);
        return new Tensor(backend, storage, shape.clone());
    }

    /** A [rows, cols] tensor of standard normals, one stream key per row (see {@link Backend#fillNormal}). */
    public static Tensor randn(Backend backend, long[] rowKeys, long counter, int cols) {
        Tensor t = output(backend, rowKeys.length, cols);
        backend.fillNormal(t.storage, rowKeys.length, cols, rowKeys, counter);
        return t;
    }

    /** A [rows, cols] tensor of standard normals drawn from {@code rng} (advancing it by {@code rows}). */
    public static Tensor randn(Backend backend, Rng rng, int rows, int cols) {
        return randn(backend, rng.rowKeys(rows), 0, cols);
    }

    /** A [rows, cols] tensor uniform in [0, 1) drawn from {@code rng} (advancing it by {@code rows}). */
    public static Tensor rand(Backend backend, Rng rng, int rows, int cols) {
        Tensor t = output(backend, rows, cols);
        backend.fillUniform(t.storage, rows, cols, rng.rowKeys(rows), 0);
        return t;
    }

    // ---------------------------------------------------------------- accessors

    public Backend backend() {
        return backend;
    }

    public Storage storage() {
        return storage;
    }

    public int[] shape() {
        return shape.clone();
    }

    public int dim(int i) {
        return shape[i < 0 ? shape.length + i : i];
    }

    public int rank() {
        return shape.length;
    }

    public int size() {
        return size;
    }

    /** Copies the values to the host. */
    public float[] toArray() {
        float[] out = new float[storage.size()];
        backend.download(storage, out);
        return out.length == size ? out : Arrays.copyOf(out, size);
    }

    /** The value of a one-element tensor. */
    public float item() {
        if (size != 1) {
            throw new IllegalStateException("item() needs one element, shape is " + Arrays.toString(shape));
        }
        return toArray()[0];
    }

    public boolean requiresGrad() {
        return requiresGrad;
    }

    /** Marks a leaf as a variable whose gradient {@link #backward()} accumulates. */
    public Tensor requiresGrad(boolean value) {
        if (node != null) {
            throw new IllegalStateException("only leaf tensors can change requiresGrad");
        }
        this.requiresGrad = value;
        return this;
    }

    /** The gradient accumulated by {@link #backward()}, or null. */
    public Tensor grad() {
        return grad;
    }

    public void zeroGrad() {
        grad = null;
    }

    /** The same values, cut from the graph. */
    public Tensor detach() {
        return new Tensor(backend, storage, shape);
    }

    /** Overwrites this tensor's values (parameters only: no graph may depend on the old values). */
    public void copyFrom(Tensor src) {
        if (!Arrays.equals(shape, src.shape)) {
            throw new IllegalArgumentException("copyFrom: shape " + Arrays.toString(src.shape) + " into "
                    + Arrays.toString(shape));
        }
        backend.copy(src.storage, 0, storage, 0, size);
    }

    /** Overwrites this tensor's values from the host (parameters only). */
    public void load(float[] values) {
        if (values.length != size) {
            throw new IllegalArgumentException(values.length + " values for shape " + Arrays.toString(shape));
        }
        Storage s = backend.upload(values);
        backend.copy(s, 0, storage, 0, size);
    }

    @Override
    public String toString() {
        float[] v = toArray();
        return "Tensor" + Arrays.toString(shape) + (v.length <= 16 ? Arrays.toString(v) : "");
    }

    // ---------------------------------------------------------------- elementwise

    public Tensor add(Tensor o) {
        return binary(BinaryOp.ADD, o);
    }

    public Tensor sub(Tensor o) {
        return binary(BinaryOp.SUB, o);
    }

    public Tensor mul(Tensor o) {
        return binary(BinaryOp.MUL, o);
    }

    public Tensor div(Tensor o) {
        return binary(BinaryOp.DIV, o);
    }

    public Tensor add(double c) {
        return affine(1, c);
    }

    public Tensor mul(double c) {
        return affine(c, 0);
    }

    public Tensor sub(double c) {
        return affine(1, -c);
    }

    /** {@code scale·x + shift}. */
    public Tensor affine(double scale, double shift) {
        Tensor out = output(backend, shape);
        backend.affine(storage, (float) scale, (float) shift, out.storage, size);
        return record(out, (g, in, o) -> new Tensor[]{g.mul(scale)}, this);
    }

    public Tensor pow(double p) {
        Tensor out = output(backend, shape);
        backend.pow(storage, (float) p, out.storage, size);
        return record(out, (g, in, o) -> new Tensor[]{g.mul(in[0].pow(p - 1).mul(p))}, this);
    }

    public Tensor neg() {
        return unary(UnaryOp.NEG);
    }

    public Tensor exp() {
        return unary(UnaryOp.EXP);
    }

    public Tensor log() {
        return unary(UnaryOp.LOG);
    }

    public Tensor sqrt() {
        return unary(UnaryOp.SQRT);
    }

    public Tensor square() {
        return unary(UnaryOp.SQUARE);
    }

    public Tensor reciprocal() {
        return unary(UnaryOp.RECIPROCAL);
    }

    public Tensor abs() {
        return unary(UnaryOp.ABS);
    }

    public Tensor sign() {
        return unary(UnaryOp.SIGN);
    }

    public Tensor relu() {
        return unary(UnaryOp.RELU);
    }

    /** 1 where x &gt; 0, else 0; its gradient is zero. */
    public Tensor step() {
        return unary(UnaryOp.STEP);
    }

    public Tensor sigmoid() {
        return unary(UnaryOp.SIGMOID);
    }

    public Tensor tanh() {
        return unary(UnaryOp.TANH);
    }

    public Tensor sin() {
        return unary(UnaryOp.SIN);
    }

    public Tensor cos() {
        return unary(UnaryOp.COS);
    }

    /** SiLU / swish, x·σ(x) (Elfwing et al. 2018; Ramachandran et al. 2017). */
    public Tensor silu() {
        Tensor out = output(backend, shape);
        Tensor sigma = output(backend, shape);
        // One pass for x·σ(x); σ(x) is kept for the backward pass.
        backend.silu(storage, out.storage, sigma.storage, size);
        return record(out, (g, in, y) -> new Tensor[]{siluGrad(g, in[0], sigma)}, this);
    }

    /**
     * d silu/dx · g = g·σ + g·x·σ·(1−σ). Without a second graph this is one fused kernel; with one,
     * it is written with differentiable ops (σ recomputed from x) so gradients of gradients work.
     */
    private static Tensor siluGrad(Tensor g, Tensor x, Tensor sigma) {
        if (g.requiresGrad || x.requiresGrad) {
            Tensor s = x.sigmoid();
            return g.mul(s).add(g.mul(x).mul(s.mul(s.neg().add(1))));
        }
        Tensor out = output(g.backend, x.shape);
        g.backend.siluBackward(g.storage, x.storage, sigma.storage, out.storage, x.size);
        return out;
    }

    /** GELU, tanh approximation (Hendrycks and Gimpel 2016, Eq. in §2). */
    public Tensor gelu() {
        double c = Math.sqrt(2 / Math.PI);
        Tensor inner = add(pow(3).mul(0.044715)).mul(c);
        return mul(inner.tanh().add(1).mul(0.5));
    }

    private Tensor unary(UnaryOp op) {
        Tensor out = output(backend, shape);
        backend.unary(op, storage, out.storage, size);
        return record(out, (g, in, o) -> new Tensor[]{unaryGrad(op, g, in[0], o)}, this);
    }

    private static Tensor unaryGrad(UnaryOp op, Tensor g, Tensor x, Tensor y) {
        return switch (op) {
            case NEG -> g.neg();
            case EXP -> g.mul(y);
            case LOG -> g.div(x);
            case SQRT -> g.div(y).mul(0.5);
            case SQUARE -> g.mul(x).mul(2);
            case RECIPROCAL -> g.mul(y.square()).neg();
            case ABS -> g.mul(x.sign());
            case RELU -> g.mul(x.step());
            case SIGMOID -> g.mul(y.mul(y.neg().add(1)));
            case TANH -> g.mul(y.square().neg().add(1));
            case SILU -> siluGrad(g, x, x.sigmoid());
            case SIN -> g.mul(x.cos());
            case COS -> g.mul(x.sin()).neg();
            case SIGN, STEP -> zeros(g.backend, g.shape);
        };
    }

    private Tensor binary(BinaryOp op, Tensor o) {
        sameBackend(o);
        int[] outShape = broadcastShape(shape, o.shape);
        Tensor out = output(backend, outShape);
        int[] padded = pad(outShape);
        backend.binary(op, storage, broadcastStrides(shape, padded), o.storage, broadcastStrides(o.shape, padded),
                out.storage, padded);
        return record(out, (g, in, y) -> {
            Tensor a = in[0];
            Tensor b = in[1];
            return switch (op) {
                case ADD -> new Tensor[]{g.sumTo(a.shape), g.sumTo(b.shape)};
                case SUB -> new Tensor[]{g.sumTo(a.shape), g.neg().sumTo(b.shape)};
                case MUL -> new Tensor[]{g.mul(b).sumTo(a.shape), g.mul(a).sumTo(b.shape)};
                case DIV -> new Tensor[]{g.div(b).sumTo(a.shape), g.mul(a).div(b.square()).neg().sumTo(b.shape)};
            };
        }, this, o);
    }

    // ---------------------------------------------------------------- reductions and shapes

    /** Sum of all elements, as a scalar. */
    public Tensor sum() {
        return sumTo(new int[0]);
    }

    /** Mean of all elements, as a scalar. */
    public Tensor mean() {
        return sum().mul(1.0 / size);
    }

    /** Sum over one dimension, kept with size 1. */
    public Tensor sum(int dim) {
        int d = dim < 0 ? shape.length + dim : dim;
        int[] target = shape.clone();
        target[d] = 1;
        return sumTo(target);
    }

    /**
     * Sums over broadcast dimensions so the result has {@code target} shape: the adjoint of
     * broadcasting {@code target} to this shape.
     */
    public Tensor sumTo(int[] target) {
        if (Arrays.equals(shape, target)) {
            return this;
        }
        if (!Arrays.equals(broadcastShape(target, shape), shape)) {
            throw new IllegalArgumentException("cannot sum shape " + Arrays.toString(shape) + " to "
                    + Arrays.toString(target));
        }
        Tensor out = output(backend, target);
        int[] inPadded = pad(shape);
        int[] outPadded = alignTo(target, inPadded.length);
        backend.reduceSum(storage, inPadded, out.storage, outPadded);
        int[] from = shape;
        return record(out, (g, in, y) -> new Tensor[]{g.broadcastTo(from)}, this);
    }

    /** Repeats values along broadcast dimensions to {@code target} shape. */
    public Tensor broadcastTo(int[] target) {
        if (Arrays.equals(shape, target)) {
            return this;
        }
        if (!Arrays.equals(broadcastShape(shape, target), target)) {
            throw new IllegalArgumentException("cannot broadcast " + Arrays.toString(shape) + " to "
                    + Arrays.toString(target));
        }
        Tensor out = output(backend, target);
        int[] padded = pad(target);
        Tensor zero = scalar(backend, 0f);
        backend.binary(BinaryOp.ADD, storage, broadcastStrides(shape, padded), zero.storage,
                new int[Backend.MAX_RANK], out.storage, padded);
        int[] from = shape;
        return record(out, (g, in, y) -> new Tensor[]{g.sumTo(from)}, this);
    }

    /** Same values, new shape (shares storage). */
    public Tensor reshape(int... newShape) {
        checkShape(newShape);
        if (sizeOf(newShape) != size) {
            throw new IllegalArgumentException("cannot reshape " + Arrays.toString(shape) + " to "
                    + Arrays.toString(newShape));
        }
        Tensor out = new Tensor(backend, storage, newShape.clone());
        int[] from = shape;
        return record(out, (g, in, y) -> new Tensor[]{g.reshape(from)}, this);
    }

    /** Matrix product of [m, k] and [k, n]. */
    public Tensor matmul(Tensor b) {
        return matmul(b, false, false);
    }

    /**
     * Matrix product {@code op(this) · op(b)} of 2-D tensors, where op transposes when asked:
     * the transposes are folded into the GEMM kernel instead of materialised.
     */
    public Tensor matmul(Tensor b, boolean transA, boolean transB) {
        sameBackend(b);
        if (rank() != 2 || b.rank() != 2) {
            throw new IllegalArgumentException("matmul needs 2-D tensors, got " + Arrays.toString(shape) + " and "
                    + Arrays.toString(b.shape));
        }
        int m = transA ? shape[1] : shape[0];
        int k = transA ? shape[0] : shape[1];
        int kb = transB ? b.shape[1] : b.shape[0];
        int n = transB ? b.shape[0] : b.shape[1];
        if (k != kb) {
            throw new IllegalArgumentException("matmul: inner dimensions differ, " + Arrays.toString(shape)
                    + (transA ? "ᵀ" : "") + " · " + Arrays.toString(b.shape) + (transB ? "ᵀ" : ""));
        }
        Tensor out = output(backend, m, n);
        backend.gemm(1, transA, transB, m, n, k, storage, 0, b.storage, 0, out.storage, false);
        return record(out, (g, in, y) -> {
            Tensor a0 = in[0];
            Tensor b0 = in[1];
            // C = op(A) op(B): dA = g op(B)ᵀ (then transposed back if A was), dB likewise.
            Tensor da = transA ? b0.matmul(g, transB, true) : g.matmul(b0, false, !transB);
            Tensor db = transB ? g.matmul(a0, true, transA) : a0.matmul(g, !transA, false);
            return new Tensor[]{da, db};
        }, this, b);
    }

    /**
     * The affine map {@code this · weight + bias} of a [m, k] input, a [k, n] weight and a bias of
     * n values ([n] or [1, n]) broadcast over the rows: the same values as
     * {@code matmul(weight).add(bias)}, computed in one pass ({@link Backend#gemmBias}).
     */
    public Tensor linear(Tensor weight, Tensor bias) {
        sameBackend(weight);
        sameBackend(bias);
        if (rank() != 2 || weight.rank() != 2 || shape[1] != weight.shape[0]) {
            throw new IllegalArgumentException("linear: cannot multiply " + Arrays.toString(shape) + " by "
                    + Arrays.toString(weight.shape));
        }
        int m = shape[0];
        int k = shape[1];
        int n = weight.shape[1];
        if (!Arrays.equals(broadcastShape(bias.shape, new int[]{m, n}), new int[]{m, n}) || bias.size != n) {
            throw new IllegalArgumentException("linear: bias " + Arrays.toString(bias.shape) + " does not broadcast"
                    + " to the rows of [" + m + ", " + n + "]");
        }
        Tensor out = output(backend, m, n);
        backend.gemmBias(false, false, m, n, k, storage, weight.storage, bias.storage, out.storage);
        return record(out, (g, in, y) -> new Tensor[]{
                g.matmul(in[1], false, true), in[0].matmul(g, true, false), g.sumTo(in[2].shape)}, this, weight, bias);
    }

    /**
     * A multilayer perceptron as one operation: {@code h_{l+1} = f_l(h_l · W_l + b_l)} from
     * h_0 = this ([rows, widths[0]]), with W_l of shape [widths[l], widths[l+1]], b_l of
     * widths[l+1] values and f_l one of {@link Backend#mlpForward}'s activations or null. The
     * values are those of {@link #linear} and the activation op by op; the work is one
     * {@link Backend#mlpForward} call (nothing needs a gradient) or one
     * {@link Backend#mlpForwardTrain} and one {@link Backend#mlpBackward} call, which a backend
     * can fuse. Differentiating the gradients again ({@code createGraph}) goes through the
     * op-by-op graph.
     *
     * <p>Since SPI 1.2.
     */
    public Tensor mlp(Tensor[] weights, Tensor[] biases, UnaryOp[] activations) {
        int layers = weights.length;
        if (layers == 0 || biases.length != layers || activations.length != layers || rank() != 2) {
            throw new IllegalArgumentException("mlp needs a 2-D input and as many biases and activations as weights");
        }
        int rows = shape[0];
        int[] widths = new int[layers + 1];
        widths[0] = shape[1];
        Storage[] w = new Storage[layers];
        Storage[] b = new Storage[layers];
        Tensor[] inputs = new Tensor[1 + 2 * layers];
        inputs[0] = this;
        boolean grad = requiresGrad;
        for (int l = 0; l < layers; l++) {
            sameBackend(weights[l]);
            sameBackend(biases[l]);
            if (weights[l].rank() != 2 || weights[l].shape[0] != widths[l] || biases[l].size != weights[l].shape[1]) {
                throw new IllegalArgumentException("mlp: layer " + l + " has weight " + Arrays.toString(weights[l].shape)
                        + " and bias " + Arrays.toString(biases[l].shape) + " after a width of " + widths[l]);
            }
            widths[l + 1] = weights[l].shape[1];
            w[l] = weights[l].storage;
            b[l] = biases[l].storage;
            inputs[1 + 2 * l] = weights[l];
            inputs[2 + 2 * l] = biases[l];
            grad |= weights[l].requiresGrad || biases[l].requiresGrad;
        }
        Tensor out = output(backend, rows, widths[layers]);
        if (!grad) {
            backend.mlpForward(rows, widths, storage, w, b, activations, out.storage);
            return out;
        }
        Storage[] pre = new Storage[layers];
        Storage[] post = new Storage[layers];
        Storage[] sigma = new Storage[layers];
        for (int l = 0; l < layers; l++) {
            int n = rows * widths[l + 1];
            post[l] = l == layers - 1 ? out.storage : backend.allocateOutput(n);
            pre[l] = activations[l] == null ? post[l] : backend.allocateOutput(n);
            sigma[l] = activations[l] == UnaryOp.SILU ? backend.allocateOutput(n) : null;
        }
        backend.mlpForwardTrain(rows, widths, storage, w, b, activations, pre, post, sigma);
        boolean inputGrad = requiresGrad;
        return record(out, (g, in, y) -> {
            for (Tensor t : in) {
                if (t.requiresGrad || g.requiresGrad) {
                    return mlpOpByOpGrad(g, in, activations);
                }
            }
            Tensor[] grads = new Tensor[in.length];
            Storage[] gw = new Storage[layers];
            Storage[] gb = new Storage[layers];
            Storage[] wv = new Storage[layers];
            for (int l = 0; l < layers; l++) {
                grads[1 + 2 * l] = output(backend, in[1 + 2 * l].shape);
                grads[2 + 2 * l] = output(backend, in[2 + 2 * l].shape);
                gw[l] = grads[1 + 2 * l].storage;
                gb[l] = grads[2 + 2 * l].storage;
                wv[l] = in[1 + 2 * l].storage;
            }
            grads[0] = inputGrad ? output(backend, rows, widths[0]) : null;
            backend.mlpBackward(rows, widths, in[0].storage, wv, activations, pre, post, sigma, g.storage, gw, gb,
                    inputGrad ? grads[0].storage : null);
            return grads;
        }, inputs);
    }

    /** {@link #mlp}'s vector–Jacobian product through the op-by-op graph (for {@code createGraph}). */
    private static Tensor[] mlpOpByOpGrad(Tensor g, Tensor[] in, UnaryOp[] activations) {
        Tensor h = in[0];
        for (int l = 0; l < activations.length; l++) {
            h = h.linear(in[1 + 2 * l], in[2 + 2 * l]);
            if (activations[l] != null) {
                h = activations[l] == UnaryOp.SILU ? h.silu() : h.unary(activations[l]);
            }
        }
        return grad(h, g, List.of(in), true).toArray(Tensor[]::new);
    }

    /** Concatenates 2-D tensors with equal row counts along columns. */
    public static Tensor concatColumns(Tensor... parts) {
        int rows = parts[0].dim(0);
        int cols = 0;
        for (Tensor p : parts) {
            if (p.rank() != 2 || p.dim(0) != rows) {
                throw new IllegalArgumentException("concatColumns needs 2-D tensors with " + rows + " rows, got "
                        + Arrays.toString(p.shape));
            }
            parts[0].sameBackend(p);
            cols += p.dim(1);
        }
        Backend be = parts[0].backend;
        Tensor out = output(be, rows, cols);
        int start = 0;
        int[] starts = new int[parts.length];
        for (int i = 0; i < parts.length; i++) {
            starts[i] = start;
            be.copyColumns(parts[i].storage, parts[i].dim(1), 0, out.storage, cols, start, rows, parts[i].dim(1));
            start += parts[i].dim(1);
        }
        return out.record(out, (g, in, y) -> {
            Tensor[] grads = new Tensor[in.length];
            for (int i = 0; i < in.length; i++) {
                grads[i] = g.columns(starts[i], in[i].dim(1));
            }
            return grads;
        }, parts);
    }

    /** Columns {@code start .. start+width−1} of a 2-D tensor. */
    public Tensor columns(int start, int width) {
        if (rank() != 2 || start < 0 || width < 0 || start + width > shape[1]) {
            throw new IllegalArgumentException("columns(" + start + ", " + width + ") of " + Arrays.toString(shape));
        }
        int rows = shape[0];
        int cols = shape[1];
        Tensor out = output(backend, rows, width);
        backend.copyColumns(storage, cols, start, out.storage, width, 0, rows, width);
        return record(out, (g, in, y) -> new Tensor[]{g.padColumns(start, cols)}, this);
    }

    /** Places a [rows, w] tensor at column {@code start} of a zero [rows, cols] tensor. */
    private Tensor padColumns(int start, int cols) {
        int rows = shape[0];
        int width = shape[1];
        Tensor out = zeros(backend, rows, cols);
        backend.copyColumns(storage, width, 0, out.storage, cols, start, rows, width);
        return record(out, (g, in, y) -> new Tensor[]{g.columns(start, width)}, this);
    }

    /** Rows {@code indices} of a 2-D tensor (no gradient: used for data batches). */
    public Tensor gatherRows(int[] indices) {
        if (rank() != 2) {
            throw new IllegalArgumentException("gatherRows needs a 2-D tensor, got " + Arrays.toString(shape));
        }
        for (int i : indices) {
            if (i < 0 || i >= shape[0]) {
                throw new IndexOutOfBoundsException("row " + i + " of " + shape[0]);
            }
        }
        Tensor out = output(backend, indices.length, shape[1]);
        backend.gatherRows(storage, shape[1], indices, out.storage);
        return out;
    }

    // ---------------------------------------------------------------- autodiff

    private Tensor record(Tensor out, BackwardRule rule, Tensor... inputs) {
        for (Tensor in : inputs) {
            if (in.requiresGrad) {
                out.requiresGrad = true;
                out.node = new Node(inputs.clone(), rule);
                break;
            }
        }
        return out;
    }

    /** Accumulates d(this)/d(leaf) into every leaf that requires a gradient; this must be a scalar. */
    public void backward() {
        if (size != 1) {
            throw new IllegalStateException("backward() needs a scalar, shape is " + Arrays.toString(shape));
        }
        List<Tensor> leaves = new ArrayList<>();
        for (Tensor t : topologicalOrder(this)) {
            if (t.node == null && t.requiresGrad) {
                leaves.add(t);
            }
        }
        List<Tensor> grads = grad(this, leaves, false);
        for (int i = 0; i < leaves.size(); i++) {
            Tensor leaf = leaves.get(i);
            leaf.grad = leaf.grad == null ? grads.get(i) : leaf.grad.add(grads.get(i));
        }
    }

    /**
     * Gradients of the scalar {@code output} with respect to {@code inputs} (zeros where it does
     * not depend on one). With {@code createGraph} the gradients are themselves differentiable.
     */
    public static List<Tensor> grad(Tensor output, List<Tensor> inputs, boolean createGraph) {
        if (output.size != 1) {
            throw new IllegalStateException("grad() needs a scalar output, shape is " + Arrays.toString(output.shape));
        }
        return grad(output, full(output.backend, 1f, output.shape), inputs, createGraph);
    }

    /**
     * Vector–Jacobian products: gradients of {@code sum(output · gradOutput)} with respect to
     * {@code inputs}.
     */
    public static List<Tensor> grad(Tensor output, Tensor gradOutput, List<Tensor> inputs, boolean createGraph) {
        List<Tensor> order = topologicalOrder(output);
        Map<Tensor, Tensor> grads = new IdentityHashMap<>();
        grads.put(output, gradOutput);
        for (int i = order.size() - 1; i >= 0; i--) {
            Tensor t = order.get(i);
            Tensor g = grads.get(t);
            if (g == null || t.node == null) {
                continue;
            }
            Tensor[] in = t.node.inputs;
            Tensor[] args = in;
            Tensor self = t;
            if (!createGraph) {
                // Detached operands record nothing: plain backward builds no second graph.
                args = new Tensor[in.length];
                for (int j = 0; j < in.length; j++) {
                    args[j] = in[j].detach();
                }
                self = t.detach();
                g = g.detach();
            }
            Tensor[] inGrads = t.node.rule.apply(g, args, self);
            for (int j = 0; j < in.length; j++) {
                if (in[j].requiresGrad && inGrads[j] != null) {
                    Tensor prev = grads.get(in[j]);
                    grads.put(in[j], prev == null ? inGrads[j] : prev.add(inGrads[j]));
                }
            }
        }
        List<Tensor> result = new ArrayList<>(inputs.size());
        for (Tensor in : inputs) {
            Tensor g = grads.get(in);
            result.add(g != null ? g : zeros(in.backend, in.shape));
        }
        return result;
    }

    private static List<Tensor> topologicalOrder(Tensor root) {
        List<Tensor> order = new ArrayList<>();
        Map<Tensor, Boolean> visited = new IdentityHashMap<>();
        // Iterative post-order DFS: deep graphs (many sampling steps) must not overflow the stack.
        ArrayList<Object[]> stack = new ArrayList<>();
        stack.add(new Object[]{root, 0});
        visited.put(root, Boolean.TRUE);
        while (!stack.isEmpty()) {
            Object[] top = stack.get(stack.size() - 1);
            Tensor t = (Tensor) top[0];
            int next = (Integer) top[1];
            Tensor[] in = t.node == null ? new Tensor[0] : t.node.inputs;
            if (next < in.length) {
                top[1] = next + 1;
                Tensor child = in[next];
                if (child.requiresGrad && visited.put(child, Boolean.TRUE) == null) {
                    stack.add(new Object[]{child, 0});
                }
            } else {
                stack.remove(stack.size() - 1);
                order.add(t);
            }
        }
        return order;
    }

    // ---------------------------------------------------------------- shape helpers

    private void sameBackend(Tensor o) {
        if (o.backend != backend) {
            throw new IllegalArgumentException("tensors live on different backends: " + backend.name() + " and "
                    + o.backend.name());
        }
    }

    private static void checkShape(int[] shape) {
        if (shape.length > Backend.MAX_RANK) {
            throw new IllegalArgumentException("rank " + shape.length + " exceeds " + Backend.MAX_RANK);
        }
        for (int d : shape) {
            if (d < 0) {
                throw new IllegalArgumentException("negative dimension in " + Arrays.toString(shape));
            }
        }
    }

    static int sizeOf(int[] shape) {
        long n = 1;
        for (int d : shape) {
            n *= d;
        }
        if (n > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("tensor too large: " + Arrays.toString(shape));
        }
        return (int) n;
    }

    /** NumPy broadcasting of two shapes. */
    static int[] broadcastShape(int[] a, int[] b) {
        int rank = Math.max(a.length, b.length);
        int[] out = new int[rank];
        for (int i = 0; i < rank; i++) {
            int da = i < rank - a.length ? 1 : a[i - (rank - a.length)];
            int db = i < rank - b.length ? 1 : b[i - (rank - b.length)];
            if (da != db && da != 1 && db != 1) {
                throw new IllegalArgumentException("shapes " + Arrays.toString(a) + " and " + Arrays.toString(b)
                        + " do not broadcast");
            }
            out[i] = da == 1 ? db : da;
        }
        return out;
    }

    /** Left-pads a shape with 1s to {@link Backend#MAX_RANK}. */
    private static int[] pad(int[] shape) {
        return alignTo(shape, Backend.MAX_RANK);
    }

    private static int[] alignTo(int[] shape, int rank) {
        int[] out = new int[rank];
        Arrays.fill(out, 1);
        System.arraycopy(shape, 0, out, rank - shape.length, shape.length);
        return out;
    }

    /** Row-major strides of {@code shape} seen through the padded output shape, 0 where broadcast. */
    private static int[] broadcastStrides(int[] shape, int[] paddedOut) {
        int[] p = alignTo(shape, paddedOut.length);
        int[] strides = new int[paddedOut.length];
        int s = 1;
        for (int i = p.length - 1; i >= 0; i--) {
            strides[i] = p[i] == 1 && paddedOut[i] != 1 ? 0 : s;
            s *= p[i];
        }
        return strides;
    }
}
