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
     * Matrix product {@code op(this) · op(b)}, where op transposes (the last two dimensions) when
     * asked: the transposes are folded into the GEMM kernel instead of materialised. Both operands
     * are 2-D ([m, k] · [k, n]) or both 3-D with the same leading batch dimension
     * ([batch, m, k] · [batch, k, n], one product per batch entry; since SPI 1.3).
     */
    public Tensor matmul(Tensor b, boolean transA, boolean transB) {
        sameBackend(b);
        int r = rank();
        if ((r != 2 && r != 3) || b.rank() != r || (r == 3 && shape[0] != b.shape[0])) {
            throw new IllegalArgumentException("matmul needs two 2-D tensors or two 3-D tensors with the same batch,"
                    + " got " + Arrays.toString(shape) + " and " + Arrays.toString(b.shape));
        }
        int batch = r == 3 ? shape[0] : 1;
        int o = r - 2;
        int m = transA ? shape[o + 1] : shape[o];
        int k = transA ? shape[o] : shape[o + 1];
        int kb = transB ? b.shape[o + 1] : b.shape[o];
        int n = transB ? b.shape[o] : b.shape[o + 1];
        if (k != kb) {
            throw new IllegalArgumentException("matmul: inner dimensions differ, " + Arrays.toString(shape)
                    + (transA ? "ᵀ" : "") + " · " + Arrays.toString(b.shape) + (transB ? "ᵀ" : ""));
        }
        Tensor out = r == 3 ? output(backend, batch, m, n) : output(backend, m, n);
        backend.gemm(batch, transA, transB, m, n, k, storage, m * k, b.storage, k * n, out.storage, false);
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

    // ---------------------------------------------------------------- images (SPI 1.3)

    /** The sizes of one convolution: input [b, cin, h, w], weight [cout, cin, kh, kw], output [b, cout, ho, wo]. */
    private record Conv(int b, int cin, int h, int w, int cout, int kh, int kw, int stride, int pad, int ho, int wo) {

        void forward(Backend be, Storage x, Storage weight, Storage bias, Storage out) {
            be.conv2d(b, cin, h, w, cout, kh, kw, stride, pad, x, weight, bias, out);
        }

        void backwardInput(Backend be, Storage g, Storage weight, Storage gx) {
            be.conv2dBackwardInput(b, cin, h, w, cout, kh, kw, stride, pad, g, weight, gx);
        }

        void backwardWeight(Backend be, Storage x, Storage g, Storage gw) {
            be.conv2dBackwardWeight(b, cin, h, w, cout, kh, kw, stride, pad, x, g, gw);
        }
    }

    /**
     * 2-D convolution with PyTorch's {@code nn.Conv2d} semantics (a cross-correlation with zero
     * padding): this [B, Cin, H, W], weight [Cout, Cin, kh, kw], bias [Cout] or null; the result is
     * [B, Cout, Ho, Wo] with {@code Ho = (H + 2·padding − kh) / stride + 1}, likewise Wo. Its
     * gradients are a transposed convolution (input), a correlation of input and output gradient
     * (weight) and a sum over B, Ho, Wo (bias); those are differentiable operations too, so
     * gradients of gradients work.
     *
     * <p>Since SPI 1.3.
     */
    public Tensor conv2d(Tensor weight, Tensor bias, int stride, int padding) {
        sameBackend(weight);
        if (rank() != 4 || weight.rank() != 4 || weight.shape[1] != shape[1]) {
            throw new IllegalArgumentException("conv2d needs an input [B, Cin, H, W] and a weight [Cout, Cin, kh, kw],"
                    + " got " + Arrays.toString(shape) + " and " + Arrays.toString(weight.shape));
        }
        if (stride < 1 || padding < 0) {
            throw new IllegalArgumentException("conv2d: stride " + stride + " and padding " + padding);
        }
        int cout = weight.shape[0];
        if (bias != null) {
            sameBackend(bias);
            if (bias.size != cout || bias.rank() != 1) {
                throw new IllegalArgumentException("conv2d: bias " + Arrays.toString(bias.shape) + " for " + cout
                        + " output channels");
            }
        }
        int kh = weight.shape[2];
        int kw = weight.shape[3];
        int hp = shape[2] + 2 * padding;
        int wp = shape[3] + 2 * padding;
        if (hp < kh || wp < kw) {
            throw new IllegalArgumentException("conv2d: kernel " + kh + "×" + kw + " larger than the padded input "
                    + hp + "×" + wp);
        }
        Conv c = new Conv(shape[0], shape[1], shape[2], shape[3], cout, kh, kw, stride, padding,
                (hp - kh) / stride + 1, (wp - kw) / stride + 1);
        Tensor out = output(backend, c.b, cout, c.ho, c.wo);
        c.forward(backend, storage, weight.storage, bias == null ? null : bias.storage, out.storage);
        Tensor x0 = this;
        BackwardRule rule = (g, in, y) -> new Tensor[]{
                x0.requiresGrad ? convInputGrad(g, in[1], c) : null,
                weight.requiresGrad ? convWeightGrad(in[0], g, c) : null,
                in.length > 2 ? g.sumTo(new int[]{1, cout, 1, 1}).reshape(cout) : null};
        return bias == null ? record(out, rule, this, weight) : record(out, rule, this, weight, bias);
    }

    /** The input gradient of a convolution: a transposed convolution of g by w. */
    private static Tensor convInputGrad(Tensor g, Tensor w, Conv c) {
        Tensor out = output(g.backend, c.b, c.cin, c.h, c.w);
        c.backwardInput(g.backend, g.storage, w.storage, out.storage);
        // Linear in g and in w: ⟨convInputGrad(g, w), G⟩ = ⟨g, conv(G, w)⟩.
        return out.record(out, (gg, in, y) -> new Tensor[]{
                gg.conv2d(in[1], null, c.stride, c.pad), convWeightGrad(gg, in[0], c)}, g, w);
    }

    /** The weight gradient of a convolution: the correlation of the input x with g, summed over the batch. */
    private static Tensor convWeightGrad(Tensor x, Tensor g, Conv c) {
        Tensor out = output(x.backend, c.cout, c.cin, c.kh, c.kw);
        c.backwardWeight(x.backend, x.storage, g.storage, out.storage);
        // Linear in x and in g: ⟨convWeightGrad(x, g), W⟩ = ⟨conv(x, W), g⟩.
        return out.record(out, (gw, in, y) -> new Tensor[]{
                convInputGrad(in[1], gw, c), in[0].conv2d(gw, null, c.stride, c.pad)}, x, g);
    }

    /**
     * Softmax along the last dimension, numerically stable (the row maximum is subtracted first).
     * Its gradient {@code y ⊙ (g − Σ(g ⊙ y))} is written with tensor operations.
     *
     * <p>Since SPI 1.3.
     */
    public Tensor softmax() {
        if (rank() == 0) {
            throw new IllegalArgumentException("softmax needs at least one dimension");
        }
        int cols = shape[shape.length - 1];
        Tensor out = output(backend, shape);
        backend.softmaxRows(cols == 0 ? 0 : size / cols, cols, storage, out.storage);
        return record(out, (g, in, y) -> new Tensor[]{y.mul(g.sub(g.mul(y).sum(-1)))}, this);
    }

    /**
     * Elements {@code start … start+length−1} along dimension {@code dim} (negative counts from the
     * end); the other dimensions are kept. For dim 1 of [B, C, H, W], a block of channels.
     *
     * <p>Since SPI 1.3.
     */
    public Tensor narrow(int dim, int start, int length) {
        int d = dim < 0 ? shape.length + dim : dim;
        if (d < 0 || d >= shape.length || start < 0 || length < 0 || start + length > shape[d]) {
            throw new IllegalArgumentException("narrow(" + dim + ", " + start + ", " + length + ") of "
                    + Arrays.toString(shape));
        }
        int[] outShape = shape.clone();
        outShape[d] = length;
        int rows = 1;
        for (int i = 0; i < d; i++) {
            rows *= shape[i];
        }
        int inner = 1;
        for (int i = d + 1; i < shape.length; i++) {
            inner *= shape[i];
        }
        Tensor out = output(backend, outShape);
        backend.copyColumns(storage, shape[d] * inner, start * inner, out.storage, length * inner, 0, rows,
                length * inner);
        int full = shape[d];
        return record(out, (g, in, y) -> new Tensor[]{g.padDim(d, start, full)}, this);
    }

    /** Places this tensor at {@code start} along {@code d} of a zero tensor {@code full} long there. */
    private Tensor padDim(int d, int start, int full) {
        int[] outShape = shape.clone();
        outShape[d] = full;
        int rows = 1;
        for (int i = 0; i < d; i++) {
            rows *= shape[i];
        }
        int length = shape[d];
        int inner = 1;
        for (int i = d + 1; i < shape.length; i++) {
            inner *= shape[i];
        }
        Tensor out = zeros(backend, outShape);
        backend.copyColumns(storage, length * inner, 0, out.storage, full * inner, start * inner, rows,
                length * inner);
        return record(out, (g, in, y) -> new Tensor[]{g.narrow(d, start, length)}, this);
    }

    /**
     * Concatenation along dimension {@code dim} (negative counts from the end) of tensors whose
     * other dimensions agree. For dim 1 of [B, C, H, W], channels (a U-Net's skip connections).
     *
     * <p>Since SPI 1.3.
     */
    public static Tensor concat(int dim, Tensor... parts) {
        if (parts.length == 0) {
            throw new IllegalArgumentException("concat needs at least one tensor");
        }
        int[] first = parts[0].shape;
        int d = dim < 0 ? first.length + dim : dim;
        if (d < 0 || d >= first.length) {
            throw new IllegalArgumentException("concat: no dimension " + dim + " in " + Arrays.toString(first));
        }
        int total = 0;
        for (Tensor p : parts) {
            parts[0].sameBackend(p);
            boolean ok = p.shape.length == first.length;
            for (int i = 0; ok && i < first.length; i++) {
                ok = i == d || p.shape[i] == first[i];
            }
            if (!ok) {
                throw new IllegalArgumentException("concat along " + d + ": " + Arrays.toString(p.shape)
                        + " does not match " + Arrays.toString(first));
            }
            total += p.shape[d];
        }
        int rows = 1;
        for (int i = 0; i < d; i++) {
            rows *= first[i];
        }
        int inner = 1;
        for (int i = d + 1; i < first.length; i++) {
            inner *= first[i];
        }
        int[] outShape = first.clone();
        outShape[d] = total;
        Backend be = parts[0].backend;
        Tensor out = output(be, outShape);
        int[] starts = new int[parts.length];
        int start = 0;
        for (int i = 0; i < parts.length; i++) {
            starts[i] = start;
            int len = parts[i].shape[d];
            be.copyColumns(parts[i].storage, len * inner, 0, out.storage, total * inner, start * inner, rows,
                    len * inner);
            start += len;
        }
        return out.record(out, (g, in, y) -> {
            Tensor[] grads = new Tensor[in.length];
            for (int i = 0; i < in.length; i++) {
                grads[i] = g.narrow(d, starts[i], in[i].shape[d]);
            }
            return grads;
        }, parts);
    }

    /**
     * Nearest-neighbour upsampling of [B, C, H, W] by an integer factor to [B, C, f·H, f·W]
     * (each value repeated in an f × f block).
     *
     * <p>Since SPI 1.3.
     */
    public Tensor upsampleNearest(int factor) {
        if (rank() != 4 || factor < 1) {
            throw new IllegalArgumentException("upsampleNearest(" + factor + ") needs [B, C, H, W], got "
                    + Arrays.toString(shape));
        }
        if (factor == 1) {
            return this;
        }
        int rows = shape[0] * shape[1] * shape[2];
        int w = shape[3];
        return reshape(rows, 1, w, 1).broadcastTo(new int[]{rows, factor, w, factor})
                .reshape(shape[0], shape[1], shape[2] * factor, w * factor);
    }

    /**
     * Average pooling of [B, C, H, W] over k × k blocks (kernel = stride = k; H and W divisible by
     * k) to [B, C, H/k, W/k].
     *
     * <p>Since SPI 1.3.
     */
    public Tensor avgPool(int k) {
        if (rank() != 4 || k < 1 || shape[2] % k != 0 || shape[3] % k != 0) {
            throw new IllegalArgumentException("avgPool(" + k + ") needs [B, C, H, W] with H and W divisible by "
                    + k + ", got " + Arrays.toString(shape));
        }
        if (k == 1) {
            return this;
        }
        int ho = shape[2] / k;
        int wo = shape[3] / k;
        int rows = shape[0] * shape[1] * ho;
        return reshape(rows, k, wo, k).sumTo(new int[]{rows, 1, wo, 1}).mul(1.0 / (k * k))
                .reshape(shape[0], shape[1], ho, wo);
    }

    /**
     * Group normalisation (Wu and He 2018) with PyTorch's {@code nn.GroupNorm} semantics: this is
     * [B, C, ...] (any number of trailing dimensions, at least one), the C channels are cut into
     * {@code groups} groups of consecutive channels, each (sample, group) is normalised by its mean
     * and biased variance ({@code eps} inside the square root), then scaled by gamma [C] and
     * shifted by beta [C] (either may be null: 1 and 0). Forward and backward are one fused
     * kernel each; when a second-order graph is built, the gradient goes through the same
     * computation written with tensor operations.
     *
     * <p>Since SPI 1.3.
     */
    public Tensor groupNorm(int groups, Tensor gamma, Tensor beta, double eps) {
        if (rank() < 2 || groups < 1 || shape[1] % groups != 0) {
            throw new IllegalArgumentException("groupNorm(" + groups + ") needs [B, C, ...] with C divisible by the"
                    + " groups, got " + Arrays.toString(shape));
        }
        int c = shape[1];
        for (Tensor p : new Tensor[]{gamma, beta}) {
            if (p != null) {
                sameBackend(p);
                if (p.size != c) {
                    throw new IllegalArgumentException("groupNorm: affine parameter " + Arrays.toString(p.shape)
                            + " for " + c + " channels");
                }
            }
        }
        int batch = shape[0];
        int spatial = c == 0 || batch == 0 ? 0 : size / batch / c;
        Tensor out = output(backend, shape);
        Storage mean = backend.allocateOutput(batch * groups);
        Storage rstd = backend.allocateOutput(batch * groups);
        backend.groupNormForward(batch, c, spatial, groups, (float) eps, storage,
                gamma == null ? null : gamma.storage, beta == null ? null : beta.storage, out.storage, mean, rstd);
        List<Tensor> inputs = new ArrayList<>(3);
        inputs.add(this);
        if (gamma != null) {
            inputs.add(gamma);
        }
        if (beta != null) {
            inputs.add(beta);
        }
        Tensor[] ins = inputs.toArray(Tensor[]::new);
        boolean hasGamma = gamma != null;
        boolean hasBeta = beta != null;
        int[] xShape = shape;
        return record(out, (g, in, y) -> {
            for (Tensor t : in) {
                if (t.requiresGrad || g.requiresGrad) {
                    Tensor h = groupNormComposite(in[0], groups, hasGamma ? in[1] : null,
                            hasBeta ? in[hasGamma ? 2 : 1] : null, eps);
                    return grad(h, g, List.of(in), true).toArray(Tensor[]::new);
                }
            }
            Backend be = g.backend;
            Tensor gx = output(be, xShape);
            Tensor gGamma = hasGamma ? output(be, in[1].shape) : null;
            Tensor gBeta = hasBeta ? output(be, in[hasGamma ? 2 : 1].shape) : null;
            be.groupNormBackward(batch, c, spatial, groups, in[0].storage, hasGamma ? in[1].storage : null, mean,
                    rstd, g.storage, gx.storage, gGamma == null ? null : gGamma.storage,
                    gBeta == null ? null : gBeta.storage);
            Tensor[] grads = new Tensor[in.length];
            grads[0] = gx;
            if (hasGamma) {
                grads[1] = gGamma;
            }
            if (hasBeta) {
                grads[hasGamma ? 2 : 1] = gBeta;
            }
            return grads;
        }, ins);
    }

    /** {@link #groupNorm} written with differentiable tensor operations. */
    private static Tensor groupNormComposite(Tensor x, int groups, Tensor gamma, Tensor beta, double eps) {
        int batch = x.shape[0];
        int c = x.shape[1];
        int per = x.size / batch / groups;
        Tensor v = x.reshape(batch, groups, per);
        Tensor centred = v.sub(v.sum(-1).mul(1.0 / per));
        Tensor var = centred.square().sum(-1).mul(1.0 / per);
        Tensor h = centred.mul(var.add(eps).pow(-0.5)).reshape(batch, c, x.size / batch / c);
        if (gamma != null) {
            h = h.mul(gamma.reshape(c, 1));
        }
        if (beta != null) {
            h = h.add(beta.reshape(c, 1));
        }
        return h.reshape(x.shape);
    }

    /**
     * Rows {@code rows} of a 2-D [n, d] tensor, as [rows.length, d], differentiable: the gradient
     * adds each row's gradient back into its source row, repeated indices summed in a fixed order
     * (an embedding table's lookup).
     *
     * <p>Since SPI 1.3.
     */
    public Tensor indexSelect(int[] rows) {
        Tensor out = gatherRows(rows);
        int n = shape[0];
        int[] idx = rows.clone();
        return record(out, (g, in, y) -> new Tensor[]{g.indexAddInto(idx, n)}, this);
    }

    /** A zero [n, d] tensor with row r of this added into row {@code rows[r]} (the adjoint of indexSelect). */
    private Tensor indexAddInto(int[] rows, int n) {
        int d = shape[1];
        Tensor out = zeros(backend, n, d);
        backend.indexAdd(rows.length, d, rows, storage, out.storage, n);
        return record(out, (g, in, y) -> new Tensor[]{g.indexSelect(rows)}, this);
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
