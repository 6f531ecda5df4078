package org.diffusion4j.api.tensor;

/**
 * The primitive kernels every tensor operation lowers to. A backend owns the storage of its
 * tensors: ops never copy to the host, so a GPU backend can keep weights and activations on the
 * device. Implementations must be deterministic: the same inputs give bit-identical outputs
 * whatever the number of threads.
 *
 * <p>Shapes passed to kernels are already checked by {@link Tensor}; kernels do not validate.
 * Broadcasting kernels take shapes padded to {@link #MAX_RANK} dimensions with strides that are 0
 * along broadcast dimensions.
 *
 * <p>A backend that captures the kernels of one training or sampling step and replays them as one
 * graph (TornadoVM's task graphs) gets the step's boundaries through {@link #beginStep} and
 * {@link #endStep}; the default is to run each kernel eagerly.
 */
public interface Backend extends AutoCloseable {

    /** Broadcasting kernels see every shape padded to this rank. */
    int MAX_RANK = 4;

    /** Short name recorded in manifests ({@code java}). */
    String name();

    /** Degree of parallelism (never changes results). */
    int threads();

    /** A zero-filled buffer of {@code size} floats. */
    Storage allocate(int size);

    /**
     * A buffer of {@code size} floats that the caller's next kernel overwrites entirely, so its
     * initial contents do not matter (a backend that recycles buffers need not clear it). The
     * default is {@link #allocate}.
     */
    default Storage allocateOutput(int size) {
        return allocate(size);
    }

    /**
     * A zero-filled buffer that is never recycled with a step's storage (see {@link #beginStep}),
     * even when made inside one: for buffers a caller keeps and reuses across calls. The default
     * is {@link #allocate}.
     */
    default Storage allocatePersistent(int size) {
        return allocate(size);
    }

    /** A buffer holding a copy of {@code data}. */
    Storage upload(float[] data);

    /** Copies the whole buffer into {@code dst} (length at least {@code src.size()}). */
    void download(Storage src, float[] dst);

    /** Copies {@code n} floats from {@code src} to {@code dst}. */
    void copy(Storage src, int srcOffset, Storage dst, int dstOffset, int n);

    /**
     * Batched matrix product {@code C[b] (+)= op(A[b]) · op(B[b])} with row-major operands;
     * {@code op(A)} is m×k, {@code op(B)} is k×n, C is m×n. A batch stride of 0 shares the operand.
     *
     * @param accumulate add into C instead of overwriting it
     */
    void gemm(int batch, boolean transA, boolean transB, int m, int n, int k,
              Storage a, int aBatchStride, Storage b, int bBatchStride, Storage c, boolean accumulate);

    /**
     * The affine layer {@code C = op(A) · op(B) + bias}, bias (n floats) added to every row of the
     * m×n result after the product, so a backend can fuse it into the GEMM's epilogue with the
     * same bits as {@link #gemm} followed by a broadcast add (which is the default).
     */
    default void gemmBias(boolean transA, boolean transB, int m, int n, int k, Storage a, Storage b, Storage bias,
                          Storage c) {
        gemm(1, transA, transB, m, n, k, a, 0, b, 0, c, false);
        binary(BinaryOp.ADD, c, new int[]{0, 0, n, 1}, bias, new int[]{0, 0, 0, 1}, c, new int[]{1, 1, m, n});
    }

    /**
     * The forward pass of a multilayer perceptron whose weights need no gradient (sampling,
     * evaluation): {@code h_0 = x} (rows × widths[0]), {@code h_{l+1} = f_l(h_l · W_l + b_l)},
     * {@code out = h_L} (rows × widths[L]), with W_l row-major widths[l] × widths[l+1], b_l of
     * widths[l+1] floats and f_l one of {@link UnaryOp#RELU}, {@link UnaryOp#SILU},
     * {@link UnaryOp#TANH}, {@link UnaryOp#SIGMOID}, or null for none.
     *
     * <p>Every layer's values are the bits of {@link #gemmBias} followed by {@link #unary} in
     * place, which is what the default does, layer by layer. A backend may instead take a block of
     * rows through all the layers at once, so the hidden activations stay in cache and the whole
     * pass is one parallel loop: the "fully fused" MLP of Müller et al., "Real-time Neural Radiance
     * Caching for Path Tracing" (SIGGRAPH 2021, §5), for small widths.
     *
     * <p>Since SPI 1.2.
     */
    default void mlpForward(int rows, int[] widths, Storage x, Storage[] weights, Storage[] biases,
                            UnaryOp[] activations, Storage out) {
        int layers = weights.length;
        int widest = 0;
        for (int l = 1; l < layers; l++) {
            widest = Math.max(widest, widths[l]);
        }
        Storage[] hidden = layers > 1
                ? new Storage[]{allocateOutput(rows * widest), allocateOutput(rows * widest)} : new Storage[0];
        Storage h = x;
        for (int l = 0; l < layers; l++) {
            int n = widths[l + 1];
            Storage dst = l == layers - 1 ? out : hidden[l & 1];
            gemmBias(false, false, rows, n, widths[l], h, weights[l], biases[l], dst);
            if (activations[l] != null) {
                unary(activations[l], dst, dst, rows * n);
            }
            h = dst;
        }
    }

    /**
     * The forward pass of a trainable MLP: the values of {@link #mlpForward}, and what
     * {@link #mlpBackward} needs: for every layer l, {@code pre[l] = h_l · W_l + b_l} and
     * {@code post[l] = f_l(pre[l])} (rows × widths[l+1]; {@code post[L−1]} is {@code out}, and
     * {@code pre[l]} is the same storage as {@code post[l]} where f_l is null), and
     * {@code sigma[l] = σ(pre[l])} where f_l is SILU (null elsewhere). The default runs the layers
     * one after the other with {@link #gemmBias}, {@link #unary} and {@link #silu}; a backend may
     * take blocks of rows through all layers (same bits).
     *
     * <p>Since SPI 1.2.
     */
    default void mlpForwardTrain(int rows, int[] widths, Storage x, Storage[] weights, Storage[] biases,
                                 UnaryOp[] activations, Storage[] pre, Storage[] post, Storage[] sigma) {
        Storage h = x;
        for (int l = 0; l < weights.length; l++) {
            int n = widths[l + 1];
            gemmBias(false, false, rows, n, widths[l], h, weights[l], biases[l], pre[l]);
            if (activations[l] == UnaryOp.SILU) {
                silu(pre[l], post[l], sigma[l], rows * n);
            } else if (activations[l] != null) {
                unary(activations[l], pre[l], post[l], rows * n);
            }
            h = post[l];
        }
    }

    /**
     * The backward pass of {@link #mlpForwardTrain}: from {@code gOut} = ∂L/∂out, the gradients
     * {@code gWeights[l]} (widths[l] × widths[l+1]) and {@code gBiases[l]} (widths[l+1]), and
     * {@code gx} = ∂L/∂x unless it is null. The outputs are overwritten. The default is the
     * chain rule layer by layer: {@code gz = gPost ⊙ f'(pre)}, {@code gW = h_lᵀ · gz}, {@code gb}
     * the column sums of gz, {@code gPost_{l−1} = gz · W_lᵀ}. A backend that fuses it sums the
     * rows in another fixed order: its bits may differ from the default's, never between runs.
     *
     * <p>Since SPI 1.2.
     */
    default void mlpBackward(int rows, int[] widths, Storage x, Storage[] weights, UnaryOp[] activations,
                             Storage[] pre, Storage[] post, Storage[] sigma, Storage gOut, Storage[] gWeights,
                             Storage[] gBiases, Storage gx) {
        Storage g = gOut;
        for (int l = weights.length - 1; l >= 0; l--) {
            int n = widths[l + 1];
            int k = widths[l];
            Storage gz = activationBackward(activations[l], g, pre[l], post[l], sigma[l], rows * n);
            Storage in = l == 0 ? x : post[l - 1];
            gemm(1, true, false, k, n, rows, in, 0, gz, 0, gWeights[l], false);
            reduceSum(gz, new int[]{1, 1, rows, n}, gBiases[l], new int[]{1, 1, 1, n});
            if (l > 0 || gx != null) {
                Storage gh = l == 0 ? gx : allocateOutput(rows * k);
                gemm(1, false, true, rows, k, n, gz, 0, weights[l], 0, gh, false);
                g = gh;
            }
        }
    }

    /**
     * {@code g ⊙ f'(pre)} for n values, the way the chain rule through the op-by-op forward
     * computes it (ReLU: {@code g·step(pre)}; SiLU: {@link #siluBackward}; sigmoid and tanh from
     * their outputs); g itself when f is null.
     */
    private Storage activationBackward(UnaryOp f, Storage g, Storage pre, Storage post, Storage sigma, int n) {
        if (f == null) {
            return g;
        }
        Storage out = allocateOutput(n);
        int[] strides = {0, 0, 0, 1};
        int[] shape = {1, 1, 1, n};
        switch (f) {
            case RELU -> unary(UnaryOp.STEP, pre, out, n);
            case SILU -> {
                siluBackward(g, pre, sigma, out, n);
                return out;
            }
            case SIGMOID -> {
                affine(post, -1f, 1f, out, n);                                     // 1 − y
                binary(BinaryOp.MUL, post, strides, out, strides, out, shape);     // y·(1 − y)
            }
            case TANH -> {
                unary(UnaryOp.SQUARE, post, out, n);
                affine(out, -1f, 1f, out, n);                                      // 1 − y²
            }
            default -> throw new IllegalArgumentException("mlpBackward: unsupported activation " + f);
        }
        binary(BinaryOp.MUL, g, strides, out, strides, out, shape);
        return out;
    }

    /** {@code out[i] = value} for i &lt; n. The default uploads a filled array and copies it. */
    default void fill(Storage out, float value, int n) {
        float[] d = new float[n];
        java.util.Arrays.fill(d, value);
        copyColumns(upload(d), n, 0, out, n, 0, 1, n);
    }

    /** {@code out[i] = op(x[i])} for i &lt; n. */
    void unary(UnaryOp op, Storage x, Storage out, int n);

    /**
     * SiLU forward (Elfwing et al. 2018, Eq. 1): {@code sigma[i] = σ(x[i])} rounded to float as
     * {@link UnaryOp#SIGMOID}, then {@code out[i] = x[i]·sigma[i]}. out may be x. The default is the
     * two kernels; a backend fuses them into one pass with the same bits.
     */
    default void silu(Storage x, Storage out, Storage sigma, int n) {
        unary(UnaryOp.SIGMOID, x, sigma, n);
        int[] strides = {0, 0, 0, 1};
        int[] shape = {1, 1, 1, n};
        binary(BinaryOp.MUL, x, strides, sigma, strides, out, shape);
    }

    /**
     * SiLU backward: {@code out[i] = g·s + (g·x)·(s·(1−s))} with s = sigma[i], left to right in float,
     * which is what the chain rule through x·σ(x) gives op by op (Elfwing et al. 2018, Eq. 2).
     */
    default void siluBackward(Storage g, Storage x, Storage sigma, Storage out, int n) {
        int[] strides = {0, 0, 0, 1};
        int[] shape = {1, 1, 1, n};
        Storage a = allocate(n);
        Storage b = allocate(n);
        binary(BinaryOp.MUL, g, strides, sigma, strides, a, shape);          // g·s
        affine(sigma, -1f, 1f, b, n);                                      // 1−s
        binary(BinaryOp.MUL, sigma, strides, b, strides, b, shape);        // s·(1−s)
        binary(BinaryOp.MUL, g, strides, x, strides, out, shape);          // g·x
        binary(BinaryOp.MUL, out, strides, b, strides, out, shape);        // (g·x)·(s·(1−s))
        binary(BinaryOp.ADD, a, strides, out, strides, out, shape);
    }

    /** {@code out[i] = scale·x[i] + shift}. */
    void affine(Storage x, float scale, float shift, Storage out, int n);

    /** {@code out[i] = x[i]^p}. */
    void pow(Storage x, float p, Storage out, int n);

    /**
     * {@code out = a op b} with broadcasting; all shapes and strides have {@link #MAX_RANK} entries.
     */
    void binary(BinaryOp op, Storage a, int[] aStrides, Storage b, int[] bStrides, Storage out, int[] outShape);

    /**
     * Sums {@code x} (shape {@code inShape}) over the dimensions where {@code outShape} is 1 and
     * {@code inShape} is not. Both shapes have {@link #MAX_RANK} entries.
     */
    void reduceSum(Storage x, int[] inShape, Storage out, int[] outShape);

    /**
     * Copies a block of columns between two row-major matrices with the same number of rows:
     * {@code dst[r, dstStart + j] = src[r, srcStart + j]} for j &lt; width.
     */
    void copyColumns(Storage src, int srcCols, int srcStart, Storage dst, int dstCols, int dstStart,
                     int rows, int width);

    /** {@code dst[r, :] = src[indices[r], :]}. */
    void gatherRows(Storage src, int cols, int[] indices, Storage dst);

    /**
     * Adds rows of {@code src} (rows × cols) into rows of {@code dst}:
     * {@code dst[indices[r], :] += src[r, :]}, for r = 0, 1, … in that order, so repeated indices
     * are summed in a fixed order (the backward pass of {@link #gatherRows}, as embeddings need it).
     * The default multiplies by a one-hot matrix with {@link #gemm} (accumulating into dst).
     *
     * <p>Since SPI 1.3.
     */
    default void indexAdd(int rows, int cols, int[] indices, Storage src, Storage dst, int dstRows) {
        if (rows == 0 || cols == 0) {
            return;
        }
        float[] oneHot = new float[rows * dstRows];
        for (int r = 0; r < rows; r++) {
            oneHot[r * dstRows + indices[r]] = 1f;
        }
        gemm(1, true, false, dstRows, cols, rows, upload(oneHot), 0, src, 0, dst, true);
    }

    // ------------------------------------------------------------------ images (SPI 1.3)

    /**
     * 2-D convolution, PyTorch's {@code conv2d} (a cross-correlation with zero padding):
     * x is [batch, inChannels, height, width], weight [outChannels, inChannels, kernelH, kernelW],
     * bias [outChannels] or null, out [batch, outChannels, outH, outW] (overwritten) with
     * {@code outH = (height + 2·padding − kernelH) / stride + 1}, likewise outW:
     * {@code out[b, o, y, x] = Σ_{c, i, j} w[o, c, i, j] · x[b, c, y·stride − padding + i,
     * x·stride − padding + j] (+ bias[o])}, the bias added after the sum.
     *
     * <p>Since SPI 1.3. The default throws {@link UnsupportedOperationException}.
     */
    default void conv2d(int batch, int inChannels, int height, int width, int outChannels, int kernelH, int kernelW,
                        int stride, int padding, Storage x, Storage weight, Storage bias, Storage out) {
        throw unsupported("conv2d");
    }

    /**
     * The gradient of {@link #conv2d} with respect to its input (a transposed convolution):
     * {@code gradInput[b, c, y, x] = Σ gradOut[b, o, oy, ox] · w[o, c, i, j]} over the output
     * positions that read (y, x). gradInput [batch, inChannels, height, width] is overwritten.
     *
     * <p>Since SPI 1.3. The default throws {@link UnsupportedOperationException}.
     */
    default void conv2dBackwardInput(int batch, int inChannels, int height, int width, int outChannels, int kernelH,
                                     int kernelW, int stride, int padding, Storage gradOut, Storage weight,
                                     Storage gradInput) {
        throw unsupported("conv2dBackwardInput");
    }

    /**
     * The gradient of {@link #conv2d} with respect to its weight:
     * {@code gradWeight[o, c, i, j] = Σ_{b, oy, ox} gradOut[b, o, oy, ox] · x[b, c, oy·stride − padding + i,
     * ox·stride − padding + j]}, summed over the batch in a fixed order. gradWeight
     * [outChannels, inChannels, kernelH, kernelW] is overwritten.
     *
     * <p>Since SPI 1.3. The default throws {@link UnsupportedOperationException}.
     */
    default void conv2dBackwardWeight(int batch, int inChannels, int height, int width, int outChannels, int kernelH,
                                      int kernelW, int stride, int padding, Storage x, Storage gradOut,
                                      Storage gradWeight) {
        throw unsupported("conv2dBackwardWeight");
    }

    /**
     * Softmax of each row of a row-major rows × cols matrix, numerically stable:
     * {@code out[r, j] = exp(x[r, j] − max_r) / Σ_j exp(x[r, j] − max_r)}.
     *
     * <p>Since SPI 1.3. The default throws {@link UnsupportedOperationException}.
     */
    default void softmaxRows(int rows, int cols, Storage x, Storage out) {
        throw unsupported("softmaxRows");
    }

    /**
     * Group normalisation (Wu and He 2018), PyTorch's {@code GroupNorm}: x is [batch, channels,
     * spatial] with the channels cut into {@code groups} groups of consecutive channels; for each
     * (b, g) the mean μ and the biased variance σ² over its channels·spatial / groups values give
     * {@code out = (x − μ)·rstd·gamma[c] + beta[c]} with {@code rstd = 1/√(σ² + eps)}.
     * {@code mean} and {@code rstd} (batch·groups floats each) receive μ and rstd for the backward
     * pass. gamma and beta may be null (1 and 0).
     *
     * <p>Since SPI 1.3. The default throws {@link UnsupportedOperationException}.
     */
    default void groupNormForward(int batch, int channels, int spatial, int groups, float eps, Storage x,
                                  Storage gamma, Storage beta, Storage out, Storage mean, Storage rstd) {
        throw unsupported("groupNormForward");
    }

    /**
     * The backward pass of {@link #groupNormForward} from gradOut: with x̂ = (x − μ)·rstd and
     * ĝ = gradOut·gamma, {@code gradX = rstd·(ĝ − mean_group(ĝ) − x̂·mean_group(ĝ·x̂))},
     * {@code gradGamma[c] = Σ_{b, s} gradOut·x̂}, {@code gradBeta[c] = Σ_{b, s} gradOut}, sums in a
     * fixed order. Outputs are overwritten; gradGamma and gradBeta may be null (not wanted), gamma
     * may be null (1).
     *
     * <p>Since SPI 1.3. The default throws {@link UnsupportedOperationException}.
     */
    default void groupNormBackward(int batch, int channels, int spatial, int groups, Storage x, Storage gamma,
                                   Storage mean, Storage rstd, Storage gradOut, Storage gradX, Storage gradGamma,
                                   Storage gradBeta) {
        throw unsupported("groupNormBackward");
    }

    private UnsupportedOperationException unsupported(String kernel) {
        return new UnsupportedOperationException("the " + name() + " backend has no " + kernel
                + " kernel (Backend SPI 1.3)");
    }

    /**
     * Standard normal values from counter-based streams: element (r, c) is a pure function of
     * {@code rowKeys[r]} and {@code counter + c} (see {@link Rng#normal(long, long)}), so it does
     * not depend on the thread that computes it or on the other rows.
     */
    void fillNormal(Storage out, int rows, int cols, long[] rowKeys, long counter);

    /** Uniform values in [0, 1) from counter-based streams, as {@link #fillNormal}. */
    void fillUniform(Storage out, int rows, int cols, long[] rowKeys, long counter);

    /**
     * One Adam/AdamW update in place (Kingma and Ba 2015, Algorithm 1; Loshchilov and Hutter 2019
     * for the decoupled weight decay): {@code m = β1 m + (1−β1) g; v = β2 v + (1−β2) g²;
     * p −= lr·(m/c1 / (sqrt(v/c2) + ε) + wd·p)}, with bias corrections c1, c2.
     */
    void adamStep(Storage param, Storage grad, Storage m, Storage v, int n, float lr, float beta1, float beta2,
                  float eps, float weightDecay, float biasCorrection1, float biasCorrection2);

    /** {@code ema = decay·ema + (1−decay)·param}. */
    void emaUpdate(Storage ema, Storage param, int n, float decay);

    /**
     * Start of one training or sampling step (a capture point for graph-replaying backends). A
     * backend may recycle the storage of every tensor made between this and {@link #endStep} on
     * the same thread when the step ends, so none of them may be used after it.
     */
    default void beginStep() {
    }

    /** End of the step begun by {@link #beginStep}. */
    default void endStep() {
    }

    /**
     * Running totals a backend keeps about itself since it was made, by name (a device backend:
     * kernel launches, host↔device transfers and their bytes), for {@code bench} to report per
     * step as differences. The default is none.
     *
     * <p>Since SPI 1.5 (a default method: plugins built before it still load).
     */
    default java.util.Map<String, Long> counters() {
        return java.util.Map.of();
    }

    @Override
    default void close() {
    }
}
