package org.diffusion4j.runtime.backend;

import java.util.Arrays;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import org.diffusion4j.api.tensor.Backend;
import org.diffusion4j.api.tensor.BinaryOp;
import org.diffusion4j.api.tensor.Storage;
import org.diffusion4j.api.tensor.UnaryOp;

/**
 * The pure-Java backend: heap {@code float[]} storage and the {@link Kernels}, run on the calling
 * thread and {@code threads − 1} daemon worker threads of its own ({@link #close()} stops them).
 *
 * <p><b>Determinism.</b> Each kernel call is one parallel loop over work items. The loop is cut
 * into chunks whose boundaries depend only on the problem size (never on the thread count), and
 * every kernel computes each output element within one item in a fixed order, so any thread
 * count, any interleaving, gives bit-identical results. Reductions to few outputs sum fixed-size
 * blocks and combine the block sums in a fixed order. Small problems run inline on the calling
 * thread, where a fork would cost more than it saves; the calling thread also works on the
 * chunks of large ones, helped by the workers.
 *
 * <p><b>Speed.</b> With the JDK Vector API in the boot layer ({@link #VECTOR}), GEMM runs the packed,
 * register-blocked tiles of {@link VectorKernels}, and an MLP runs fused: forward, blocks of rows
 * through every layer ({@link VectorKernels#mlp}, {@link VectorKernels#mlpTrain}); backward, groups
 * of rows back through every layer ({@link FusedMlp}). Without it the scalar {@link Kernels} run
 * (GEMM: op(B) packed one array per row, two rows of C by four of B for C2's auto-vectoriser), with
 * the same bits. Outputs with fewer than 16 columns use scalar kernels with independent FMA chains,
 * or the transposed product when that makes the long side contiguous.
 *
 * <p>The backend may be used from several threads at once: per-call state lives in the call, and
 * scratch buffers are per thread.
 */
public final class JavaBackend implements Backend {

    /**
     * Below this estimated cost (≈ nanoseconds of single-thread work) a kernel runs inline: handing
     * work to another core costs a few microseconds even when its worker is spinning (moving the
     * data between caches), and more when the worker must be woken. Tuned on the seed MLP.
     */
    private static final long INLINE_WORK = 20_000;
    /** Smallest chunk worth handing to another thread. */
    private static final long MIN_CHUNK_WORK = 8_000;
    /** At most this many chunks per call (more only adds scheduling overhead). */
    private static final int MAX_CHUNKS = 64;

    // Single-thread costs per item in ns, measured on a 2.6 GHz AVX-512 core with this JIT. They
    // only size chunks: any values keep results deterministic.
    private static final double COST_VECTOR = 0.12;    // vectorised elementwise, per element
    private static final double COST_SCALAR = 0.45;    // scalar elementwise, per element
    private static final double COST_TRANSCENDENTAL = 6.0;
    private static final double COST_FMA = 0.06;       // packed GEMM, per multiply-add
    private static final double COST_SCALAR_FMA = 0.25; // narrow GEMM, per multiply-add
    private static final double COST_VECTOR_FMA = 0.015; // Vector API GEMM, per multiply-add
    private static final double COST_RANDOM = 25.0;
    private static final double COST_TRANSPOSE = 1.0;  // strided, on data just written elsewhere

    /** Block length of sums to a few outputs: fixed, so the summation order is fixed. */
    private static final int SUM_BLOCK = 4096;
    /** Elements per row block of column sums. */
    private static final int COLUMN_SUM_BLOCK = 16384;
    private static final int COLUMN_SUM_TILE = 4096;

    /** GEMMs with fewer output columns than this take the narrow or the transposed path. */
    private static final int NARROW_N = 16;
    /**
     * Rows of C shorter than this are slow for the vector loop (64 columns run at half the speed
     * of 512): with many more rows, the transposed product is faster even with its transposes.
     */
    private static final int SHORT_N = 128;
    /** ... but only with enough work per element to pay for the transposes. */
    private static final int TRANSPOSED_MIN_K = 32;
    /**
     * ... and only while the packed op(A)ᵀ (m·k floats) stays in the L2 cache: beyond it the
     * packing and the final transpose stream through memory, and the direct product is faster
     * (measured for n = k = 64 with the 64-column kernel: about even at m = 512, the direct
     * product ahead by 10–30 % from m = 2048 on).
     */
    private static final long TRANSPOSED_MAX_PACKED = 64 * 1024;

    /**
     * Whether the JDK Vector API (incubator module {@code jdk.incubator.vector}) is in the boot
     * layer ({@code --add-modules jdk.incubator.vector}); without it the scalar kernels run. The
     * property {@code diffusion4j.vector=false} turns it off (to compare the two).
     */
    static final boolean VECTOR = ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent()
            && !"false".equals(System.getProperty("diffusion4j.vector"));

    private final int threads;
    private final Workers workers;
    private final ThreadLocal<Scratch> scratch = ThreadLocal.withInitial(Scratch::new);
    private final ThreadLocal<StepPool> steps = ThreadLocal.withInitial(StepPool::new);
    private volatile boolean closed;

    /** @param threads threads that compute kernels (the calling thread is one of them), ≥ 1 */
    public JavaBackend(int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be at least 1, got " + threads);
        }
        this.threads = threads;
        this.workers = threads == 1 ? null : new Workers(threads - 1);
    }

    @Override
    public String name() {
        return "java";
    }

    @Override
    public int threads() {
        return threads;
    }

    @Override
    public void close() {
        closed = true;
        if (workers != null) {
            workers.close();
        }
    }

    @Override
    public String toString() {
        return "JavaBackend[threads=" + threads + (VECTOR ? ", vector" : "") + "]";
    }

    // ------------------------------------------------------------------------------- storage

    @Override
    public Storage allocate(int size) {
        if (size < 0) {
            throw new IllegalArgumentException("negative storage size " + size);
        }
        StepPool pool = steps.get();
        if (pool.active) {
            float[] a = pool.take(size);
            if (a != null) {
                Arrays.fill(a, 0f);
                return pool.track(a);
            }
            return pool.track(new float[size]);
        }
        return new JavaStorage(new float[size]);
    }

    @Override
    public Storage allocatePersistent(int size) {
        if (size < 0) {
            throw new IllegalArgumentException("negative storage size " + size);
        }
        return new JavaStorage(new float[size]);
    }

    @Override
    public Storage allocateOutput(int size) {
        StepPool pool = steps.get();
        if (pool.active && size >= 0) {
            float[] a = pool.take(size);
            return pool.track(a != null ? a : new float[size]);
        }
        return allocate(size);
    }

    @Override
    public Storage upload(float[] data) {
        StepPool pool = steps.get();
        if (pool.active) {
            float[] a = pool.take(data.length);
            if (a != null) {
                System.arraycopy(data, 0, a, 0, data.length);
                return pool.track(a);
            }
            return pool.track(data.clone());
        }
        return new JavaStorage(data.clone());
    }

    /**
     * Storage made from here to {@link #endStep} on this thread comes from, and goes back to, a
     * per-thread pool: a training step makes the same buffers every time, so from the second step
     * on it allocates no arrays (and the JVM zeroes none). A step begun while another is open
     * forgets the open one's storage (left to the garbage collector, never recycled).
     */
    @Override
    public void beginStep() {
        StepPool pool = steps.get();
        pool.live.clear();
        pool.active = true;
    }

    /**
     * Ends the step: every storage made since {@link #beginStep} on this thread goes back to the
     * pool and is unusable from now on (the trainer reads the loss and applies the update before
     * this; nothing made in a step may outlive it).
     */
    @Override
    public void endStep() {
        StepPool pool = steps.get();
        if (pool.active) {
            pool.active = false;
            pool.recycle();
        }
    }

    @Override
    public void download(Storage src, float[] dst) {
        float[] s = arr(src);
        System.arraycopy(s, 0, dst, 0, s.length);
    }

    @Override
    public void copy(Storage src, int srcOffset, Storage dst, int dstOffset, int n) {
        System.arraycopy(arr(src), srcOffset, arr(dst), dstOffset, n);
    }

    private static float[] arr(Storage s) {
        if (s instanceof JavaStorage js) {
            return js.array();
        }
        throw new IllegalArgumentException("storage " + s + " does not belong to the java backend");
    }

    // ---------------------------------------------------------------------------------- GEMM

    @Override
    public void gemm(int batch, boolean transA, boolean transB, int m, int n, int k, Storage a, int aBatchStride,
                     Storage b, int bBatchStride, Storage c, boolean accumulate) {
        float[] av = arr(a);
        float[] bv = arr(b);
        float[] cv = arr(c);
        if (batch <= 0 || m <= 0 || n <= 0) {
            return;
        }
        if (k <= 0) {
            if (!accumulate) {
                Arrays.fill(cv, 0, batch * m * n, 0f);
            }
            return;
        }
        Scratch s = scratch.get();
        boolean narrow = n < NARROW_N;
        if (VECTOR && !narrow) {
            vectorGemm(s, batch, transA, transB, m, n, k, av, aBatchStride, bv, bBatchStride, cv, accumulate, null);
            return;
        }
        if (narrow ? transA && m >= 2 * NARROW_N : n < SHORT_N && m >= 4 * n && k >= TRANSPOSED_MIN_K
                && (long) m * k <= TRANSPOSED_MAX_PACKED) {
            // The vector loop runs over the n columns of C, and short rows waste most of it. With
            // m much larger, compute the m-wide Cᵀ = op(B)ᵀ · op(A)ᵀ and transpose: op(B)ᵀ is read
            // in place (transposed iff B was not) and op(A)ᵀ is packed one row per p.
            float[] ct = s.buffer(Scratch.TRANSPOSED, batch * m * n);
            if (accumulate) {
                parallel(Kernels.transposeItems(batch, n), COST_TRANSPOSE * Kernels.TRANSPOSE_BLOCK * m,
                        (lo, hi) -> Kernels.transpose(lo, hi, cv, ct, m, n));
            }
            if (VECTOR) {
                // Cᵀ is m ≥ 32 wide, so the vector tiles apply; same FMA chain per element.
                vectorGemm(s, batch, !transB, !transA, n, m, k, bv, bBatchStride, av, aBatchStride, ct, accumulate,
                        null);
            } else {
                int aBatches = aBatchStride == 0 ? 1 : batch;
                float[][] packed = s.packed(aBatches * k, m);
                pack(av, aBatchStride, aBatches, !transA, k, m, packed);
                runGemm(batch, !transB, n, m, k, bv, bBatchStride, packed, aBatchStride == 0 ? 0 : k, ct,
                        accumulate);
            }
            parallel(Kernels.transposeItems(batch, m), COST_TRANSPOSE * Kernels.TRANSPOSE_BLOCK * n,
                    (lo, hi) -> Kernels.transpose(lo, hi, ct, cv, n, m));
            return;
        }
        if (narrow) {
            parallel(Kernels.gemmNarrowItems(batch, m), COST_SCALAR_FMA * 8 * n * k, (lo, hi) ->
                    Kernels.gemmNarrow(lo, hi, av, aBatchStride, transA, m, k, bv, bBatchStride, transB, n, cv,
                            m * n, accumulate));
            return;
        }
        int bBatches = bBatchStride == 0 ? 1 : batch;
        float[][] packed = s.packed(bBatches * k, n);
        pack(bv, bBatchStride, bBatches, transB, k, n, packed);
        runGemm(batch, transA, m, n, k, av, aBatchStride, packed, bBatchStride == 0 ? 0 : k, cv, accumulate);
    }

    @Override
    public void gemmBias(boolean transA, boolean transB, int m, int n, int k, Storage a, Storage b, Storage bias,
                         Storage c) {
        if (!VECTOR || n < NARROW_N || m <= 0 || k <= 0) {
            Backend.super.gemmBias(transA, transB, m, n, k, a, b, bias, c);
            return;
        }
        vectorGemm(scratch.get(), 1, transA, transB, m, n, k, arr(a), 0, arr(b), 0, arr(c), false, arr(bias));
    }

    /** The Vector API path: op(B) packed into panels, then register-blocked tiles of C (see {@link VectorKernels}). */
    private void vectorGemm(Scratch s, int batch, boolean transA, boolean transB, int m, int n, int k, float[] av,
                            int aBatchStride, float[] bv, int bBatchStride, float[] cv, boolean accumulate,
                            float[] bias) {
        int bBatches = bBatchStride == 0 ? 1 : batch;
        int panels = VectorKernels.panels(n);
        float[] packed = s.buffer(Scratch.PANELS, bBatches * VectorKernels.packedSize(k, n));
        parallel(bBatches * panels, (transB ? COST_TRANSPOSE : COST_VECTOR) * k * VectorKernels.PANEL,
                (lo, hi) -> VectorKernels.packB(lo, hi, bv, bBatchStride, transB, k, n, packed, 0));
        int ai = transA ? 1 : k;
        int ap = transA ? m : 1;
        int rows = VectorKernels.rowsPerItem(batch, m, n);
        double perItem = COST_VECTOR_FMA * rows * Math.min(n, VectorKernels.NC) * k + 100;
        parallel(VectorKernels.items(batch, m, n), perItem, (lo, hi) -> {
            Scratch own = scratch.get();
            VectorKernels.gemm(lo, hi, batch, av, aBatchStride, ai, ap, m, n, k, packed, bBatchStride == 0, cv,
                    accumulate, bias, own.aPad(), own.cPad());
        });
    }

    /**
     * The fused pass of {@link VectorKernels#mlp}: the weights packed once by this thread, then one
     * parallel loop over blocks of rows, each taken through every layer. Without the Vector API the
     * layer-by-layer default runs (the same bits).
     */
    @Override
    public void mlpForward(int rows, int[] widths, Storage x, Storage[] weights, Storage[] biases,
                           UnaryOp[] activations, Storage out) {
        if (!VECTOR || rows <= 0) {
            Backend.super.mlpForward(rows, widths, x, weights, biases, activations, out);
            return;
        }
        Stack st = new Stack(widths, weights, biases, activations, scratch.get());
        float[] xv = arr(x);
        float[] ov = arr(out);
        parallel(VectorKernels.mlpItems(rows), st.costPerBlock, (lo, hi) -> {
            Scratch own = scratch.get();
            VectorKernels.mlp(lo, hi, rows, widths, xv, st.packed, st.packOff, NARROW_N, st.w, st.b, st.act, ov,
                    own.buffer(Scratch.MLP_A, st.hidden), own.buffer(Scratch.MLP_B, st.hidden), own.aPad(), own.cPad());
        });
    }

    /** {@link VectorKernels#mlpTrain}; without the Vector API the layer-by-layer default (the same bits). */
    @Override
    public void mlpForwardTrain(int rows, int[] widths, Storage x, Storage[] weights, Storage[] biases,
                                UnaryOp[] activations, Storage[] pre, Storage[] post, Storage[] sigma) {
        if (!VECTOR || rows <= 0) {
            Backend.super.mlpForwardTrain(rows, widths, x, weights, biases, activations, pre, post, sigma);
            return;
        }
        Stack st = new Stack(widths, weights, biases, activations, scratch.get());
        float[] xv = arr(x);
        float[][] pv = arrays(pre);
        float[][] qv = arrays(post);
        float[][] sv = arrays(sigma);
        parallel(VectorKernels.mlpItems(rows), st.costPerBlock, (lo, hi) -> {
            Scratch own = scratch.get();
            VectorKernels.mlpTrain(lo, hi, rows, widths, xv, st.packed, st.packOff, NARROW_N, st.w, st.b, st.act, pv,
                    qv, sv, own.aPad(), own.cPad());
        });
    }

    /**
     * {@link FusedMlp}: groups of rows back through every layer in one parallel loop, then the
     * groups' partial weight and bias gradients added in group order. The same bits with and
     * without the Vector API, and for any thread count.
     */
    @Override
    public void mlpBackward(int rows, int[] widths, Storage x, Storage[] weights, UnaryOp[] activations,
                            Storage[] pre, Storage[] post, Storage[] sigma, Storage gOut, Storage[] gWeights,
                            Storage[] gBiases, Storage gx) {
        int layers = weights.length;
        if (rows <= 0) {
            Backend.super.mlpBackward(rows, widths, x, weights, activations, pre, post, sigma, gOut, gWeights,
                    gBiases, gx);
            return;
        }
        Scratch s = scratch.get();
        float[][] w = arrays(weights);
        int[] act = activationCodes(activations);
        int widest = 0;
        double fmas = 0;
        int[] wtOff = new int[layers];
        int packedTotal = 0;
        for (int l = 0; l < layers; l++) {
            widest = Math.max(widest, Math.max(widths[l], widths[l + 1]));
            fmas += 2.0 * widths[l] * widths[l + 1];
            wtOff[l] = packedTotal;
            if (VECTOR && widths[l] >= NARROW_N && (l > 0 || gx != null)) {
                packedTotal += VectorKernels.packedSize(widths[l + 1], widths[l]);
            }
        }
        float[] wtPacked = s.buffer(Scratch.PANELS, packedTotal);
        for (int l = 0; l < layers; l++) {
            if (VECTOR && widths[l] >= NARROW_N && (l > 0 || gx != null)) {
                VectorKernels.packB(0, VectorKernels.panels(widths[l]), w[l], 0, true, widths[l + 1], widths[l],
                        wtPacked, wtOff[l]);
            }
        }
        int[] offsets = FusedMlp.partialOffsets(widths);
        int stride = offsets[2 * layers];
        int groups = FusedMlp.groups(rows);
        float[] partials = s.buffer(Scratch.MLP_PARTIALS, groups * stride);
        float[] xv = arr(x);
        float[][] pv = arrays(pre);
        float[][] qv = arrays(post);
        float[][] sv = arrays(sigma);
        float[] gv = arr(gOut);
        float[] gxv = gx == null ? null : arr(gx);
        int buffer = FusedMlp.GROUP * widest;
        int gzPacked = VECTOR ? VectorKernels.packedSize(FusedMlp.GROUP, widest) : 0;
        double perGroup = (VECTOR ? COST_VECTOR_FMA : COST_SCALAR_FMA) * FusedMlp.GROUP * fmas + 500;
        parallel(groups, perGroup, (lo, hi) -> {
            Scratch own = scratch.get();
            FusedMlp.backward(lo, hi, VECTOR, NARROW_N, rows, widths, xv, w, wtPacked, wtOff, act, pv, qv, sv, gv,
                    partials, offsets, gxv, own.buffer(Scratch.MLP_A, buffer), own.buffer(Scratch.MLP_B, buffer),
                    own.buffer(Scratch.MLP_GZ_PACKED, gzPacked), own.aPad(), own.cPad());
        });
        float[] total = groups == 1 ? partials : s.buffer(Scratch.MLP_TOTAL, stride);
        if (groups > 1) {
            if (VECTOR) {
                parallel(stride, COST_VECTOR * groups,
                        (lo, hi) -> VectorKernels.reduce(lo, hi, partials, groups, stride, total));
            } else {
                parallel(stride, COST_SCALAR * groups,
                        (lo, hi) -> FusedMlp.reduce(lo, hi, partials, groups, stride, total));
            }
        }
        for (int l = 0; l < layers; l++) {
            System.arraycopy(total, offsets[2 * l], arr(gWeights[l]), 0, widths[l] * widths[l + 1]);
            System.arraycopy(total, offsets[2 * l + 1], arr(gBiases[l]), 0, widths[l + 1]);
        }
    }

    private static float[][] arrays(Storage[] s) {
        float[][] a = new float[s.length][];
        for (int i = 0; i < s.length; i++) {
            a[i] = s[i] == null ? null : arr(s[i]);
        }
        return a;
    }

    private static int[] activationCodes(UnaryOp[] activations) {
        int[] act = new int[activations.length];
        for (int l = 0; l < act.length; l++) {
            act[l] = activations[l] == null ? VectorKernels.NONE : switch (activations[l]) {
                case RELU -> Kernels.RELU;
                case SILU -> Kernels.SILU;
                case SIGMOID -> Kernels.SIGMOID;
                case TANH -> Kernels.TANH;
                default -> throw new IllegalArgumentException("MLP kernels: unsupported activation "
                        + activations[l] + " (relu, silu, sigmoid, tanh)");
            };
        }
        return act;
    }

    /** The layers of one fused MLP call: arrays, activation codes, packed weights, sizes and cost. */
    private static final class Stack {
        final float[][] w;
        final float[][] b;
        final int[] act;
        final int[] packOff;
        final float[] packed;
        final int hidden;
        final double costPerBlock;

        Stack(int[] widths, Storage[] weights, Storage[] biases, UnaryOp[] activations, Scratch s) {
            int layers = weights.length;
            w = arrays(weights);
            b = arrays(biases);
            act = activationCodes(activations);
            packOff = new int[layers];
            int packedTotal = 0;
            int widest = 1;
            double fmasPerRow = 0;
            for (int l = 0; l < layers; l++) {
                int n = widths[l + 1];
                packOff[l] = packedTotal;
                if (n >= NARROW_N) {
                    packedTotal += VectorKernels.packedSize(widths[l], n);
                }
                if (l < layers - 1) {
                    widest = Math.max(widest, n);
                }
                fmasPerRow += (double) widths[l] * n * (n >= NARROW_N ? 1 : COST_SCALAR_FMA / COST_VECTOR_FMA);
            }
            packed = s.buffer(Scratch.PANELS, packedTotal);
            for (int l = 0; l < layers; l++) {
                int n = widths[l + 1];
                if (n >= NARROW_N) {
                    VectorKernels.packB(0, VectorKernels.panels(n), w[l], 0, false, widths[l], n, packed, packOff[l]);
                }
            }
            hidden = VectorKernels.MLP_ROWS * widest;
            costPerBlock = COST_VECTOR_FMA * VectorKernels.MLP_ROWS * fmasPerRow + 200;
        }
    }

    /**
     * Packs {@code batches} k×len matrices into one array per row: copied rows of a row-major
     * matrix, or gathered columns of the row-major len×k matrix it is the transpose of.
     */
    private void pack(float[] src, int batchStride, int batches, boolean transposed, int k, int len,
                      float[][] packed) {
        if (transposed) {
            parallel(Kernels.packColumnsItems(batches, len), COST_TRANSPOSE * Kernels.TRANSPOSE_BLOCK * k,
                    (lo, hi) -> Kernels.packColumns(lo, hi, src, batchStride, k, len, packed));
        } else {
            parallel(batches * k, COST_VECTOR * len, (lo, hi) -> Kernels.packRows(lo, hi, src, batchStride, k, len,
                    packed));
        }
    }

    /** C[b] (+)= op(A[b]) · B[b] with B already packed into rows; C row-major m×n per batch. */
    private void runGemm(int batch, boolean transA, int m, int n, int k, float[] a, int aBatchStride,
                         float[][] bRows, int bBatchRows, float[] c, boolean accumulate) {
        int items = Kernels.gemmItems(batch, m, n);
        double perItem = COST_FMA * 4.0 * Math.min(n, Kernels.GEMM_TILE_N) * k + 50;
        parallel(items, perItem, (lo, hi) -> {
            Scratch own = scratch.get();
            own.ensureAccumulators(n);
            Kernels.gemmRows(lo, hi, a, aBatchStride, transA, m, k, bRows, bBatchRows, n, c, m * n, accumulate,
                    own.acc0, own.acc1);
        });
    }

    // ---------------------------------------------------------------------------- elementwise

    @Override
    public void unary(UnaryOp op, Storage x, Storage out, int n) {
        float[] xv = arr(x);
        float[] ov = arr(out);
        int code = switch (op) {
            case NEG -> Kernels.NEG;
            case EXP -> Kernels.EXP;
            case LOG -> Kernels.LOG;
            case SQRT -> Kernels.SQRT;
            case SQUARE -> Kernels.SQUARE;
            case RECIPROCAL -> Kernels.RECIPROCAL;
            case ABS -> Kernels.ABS;
            case SIGN -> Kernels.SIGN;
            case RELU -> Kernels.RELU;
            case STEP -> Kernels.STEP;
            case SIGMOID -> Kernels.SIGMOID;
            case TANH -> Kernels.TANH;
            case SIN -> Kernels.SIN;
            case COS -> Kernels.COS;
            case SILU -> Kernels.SILU;
        };
        double cost = switch (op) {
            case EXP, LOG, SIGMOID, TANH, SIN, COS, SILU -> COST_TRANSCENDENTAL;
            default -> COST_VECTOR;
        };
        if (VECTOR && op == UnaryOp.SIGMOID) {
            parallel(n, COST_VECTOR, (lo, hi) -> VectorKernels.sigmoid(lo, hi, xv, ov));
            return;
        }
        if (VECTOR && op == UnaryOp.SILU) {
            parallel(n, COST_VECTOR, (lo, hi) -> VectorKernels.silu(lo, hi, xv, ov));
            return;
        }
        parallel(n, cost, (lo, hi) -> Kernels.unary(lo, hi, code, xv, ov));
    }

    @Override
    public void fill(Storage out, float value, int n) {
        Arrays.fill(arr(out), 0, n, value);
    }

    @Override
    public void silu(Storage x, Storage out, Storage sigma, int n) {
        float[] xv = arr(x);
        float[] ov = arr(out);
        float[] sv = arr(sigma);
        if (VECTOR) {
            parallel(n, COST_VECTOR, (lo, hi) -> VectorKernels.silu(lo, hi, xv, ov, sv));
        } else {
            parallel(n, COST_SCALAR, (lo, hi) -> Kernels.silu(lo, hi, xv, ov, sv));
        }
    }

    @Override
    public void siluBackward(Storage g, Storage x, Storage sigma, Storage out, int n) {
        float[] gv = arr(g);
        float[] xv = arr(x);
        float[] sv = arr(sigma);
        float[] ov = arr(out);
        parallel(n, COST_VECTOR, (lo, hi) -> Kernels.siluBackward(lo, hi, gv, xv, sv, ov));
    }

    @Override
    public void affine(Storage x, float scale, float shift, Storage out, int n) {
        float[] xv = arr(x);
        float[] ov = arr(out);
        parallel(n, COST_VECTOR, (lo, hi) -> Kernels.affine(lo, hi, xv, scale, shift, ov));
    }

    @Override
    public void pow(Storage x, float p, Storage out, int n) {
        float[] xv = arr(x);
        float[] ov = arr(out);
        double cost = p == 1f || p == 2f || p == 3f ? COST_VECTOR : COST_TRANSCENDENTAL;
        parallel(n, cost, (lo, hi) -> Kernels.pow(lo, hi, xv, p, ov));
    }

    @Override
    public void binary(BinaryOp op, Storage a, int[] aStrides, Storage b, int[] bStrides, Storage out,
                       int[] outShape) {
        float[] av = arr(a);
        float[] bv = arr(b);
        float[] ov = arr(out);
        int code = switch (op) {
            case ADD -> Kernels.ADD;
            case SUB -> Kernels.SUB;
            case MUL -> Kernels.MUL;
            case DIV -> Kernels.DIV;
        };
        // Merge dimensions both operands step through contiguously, so broadcasting [B, N] with
        // [1, N] runs as rows of N and same-shape operands as one flat loop.
        int[] shape = new int[MAX_RANK];
        int[] as = new int[MAX_RANK];
        int[] bs = new int[MAX_RANK];
        int total = mergeBroadcastDims(outShape, aStrides, bStrides, shape, as, bs);
        if (total == 0) {
            return;
        }
        int[] contiguous = contiguousStrides(shape);
        boolean aFull = Arrays.equals(as, contiguous);
        boolean bFull = Arrays.equals(bs, contiguous);
        double cost = (aFull && bFull) || (aFull && bs[3] == 0) || (bFull && as[3] == 0) ? COST_VECTOR : COST_SCALAR;
        parallel(total, cost, (lo, hi) -> Kernels.binary(lo, hi, code, av, as, aFull, bv, bs, bFull, ov, shape));
    }

    /**
     * Drops size-1 dimensions and merges neighbours that both operands traverse as one run;
     * writes the result right-aligned (padded with size-1, stride-0 dimensions) and returns the
     * element count.
     */
    static int mergeBroadcastDims(int[] shape, int[] aStrides, int[] bStrides, int[] outShape, int[] outA,
                                  int[] outB) {
        int[] sz = new int[MAX_RANK];
        int[] sa = new int[MAX_RANK];
        int[] sb = new int[MAX_RANK];
        int q = 0;
        int total = 1;
        for (int d = 0; d < MAX_RANK; d++) {
            total *= shape[d];
            if (shape[d] == 1) {
                continue;
            }
            if (q > 0 && sa[q - 1] == aStrides[d] * shape[d] && sb[q - 1] == bStrides[d] * shape[d]) {
                sz[q - 1] *= shape[d];
                sa[q - 1] = aStrides[d];
                sb[q - 1] = bStrides[d];
            } else {
                sz[q] = shape[d];
                sa[q] = aStrides[d];
                sb[q] = bStrides[d];
                q++;
            }
        }
        Arrays.fill(outShape, 1);
        Arrays.fill(outA, 0);
        Arrays.fill(outB, 0);
        for (int i = 0; i < q; i++) {
            int d = MAX_RANK - q + i;
            outShape[d] = sz[i];
            outA[d] = sa[i];
            outB[d] = sb[i];
        }
        if (total > 0) {
            // Strides of padded size-1 dimensions never matter; make "full" comparable.
            int[] contiguous = contiguousStrides(outShape);
            for (int d = 0; d < MAX_RANK - q; d++) {
                outA[d] = contiguous[d];
                outB[d] = contiguous[d];
            }
        }
        return total;
    }

    private static int[] contiguousStrides(int[] shape) {
        int[] s = new int[shape.length];
        int acc = 1;
        for (int d = shape.length - 1; d >= 0; d--) {
            s[d] = acc;
            acc *= shape[d];
        }
        return s;
    }

    // ----------------------------------------------------------------------------- reductions

    @Override
    public void reduceSum(Storage x, int[] inShape, Storage out, int[] outShape) {
        float[] xv = arr(x);
        float[] ov = arr(out);
        // Canonical form: drop size-1 dimensions, merge neighbours of the same kind (kept or
        // summed). What remains alternates kept/summed, at most four groups.
        int[] size = new int[MAX_RANK];
        boolean[] kept = new boolean[MAX_RANK];
        int q = 0;
        int total = 1;
        for (int d = 0; d < MAX_RANK; d++) {
            total *= inShape[d];
            if (inShape[d] == 1) {
                continue;
            }
            boolean keep = outShape[d] == inShape[d];
            if (q > 0 && kept[q - 1] == keep) {
                size[q - 1] *= inShape[d];
            } else {
                size[q] = inShape[d];
                kept[q] = keep;
                q++;
            }
        }
        if (total == 0) {
            Arrays.fill(ov, 0, sizeOf(outShape), 0f);
            return;
        }
        reduceCanonical(xv, Arrays.copyOf(size, q), Arrays.copyOf(kept, q), ov);
    }

    private void reduceCanonical(float[] x, int[] size, boolean[] kept, float[] out) {
        int q = size.length;
        if (q == 0 || (q == 1 && kept[0])) {
            int n = q == 0 ? 1 : size[0];
            System.arraycopy(x, 0, out, 0, n);
            return;
        }
        if (!kept[q - 1]) {
            int inner = size[q - 1];
            int rows = 1;
            for (int i = 0; i < q - 1; i++) {
                rows *= size[i];
            }
            if (q <= 2) {
                sumRows(x, rows, inner, out);           // [R] or [K, R]
                return;
            }
            // [R, K, R] or [K, R, K, R]: sum the inner run first, then what is left.
            float[] partial = new float[rows];
            sumRows(x, rows, inner, partial);
            reduceCanonical(partial, Arrays.copyOf(size, q - 1), Arrays.copyOf(kept, q - 1), out);
            return;
        }
        if (q == 2) {
            sumColumns(x, size[0], size[1], out);        // [R, K]
            return;
        }
        // [K, R, K] or [R, K, R, K]: right-align into four dimensions with the last kept.
        int[] s = {1, 1, 1, 1};
        boolean[] keep = {true, true, true, true};
        for (int i = 0; i < q; i++) {
            s[MAX_RANK - q + i] = size[i];
            keep[MAX_RANK - q + i] = kept[i];
        }
        int rows = 1;
        for (int d = 0; d < 3; d++) {
            if (keep[d]) {
                rows *= s[d];
            }
        }
        int perRow = s[0] * s[1] * s[2] / rows * s[3];
        parallel(rows, COST_SCALAR * perRow, (lo, hi) ->
                Kernels.sumKeptInner(lo, hi, x, s[0], s[1], s[2], s[3], keep[0], keep[1], keep[2], out));
    }

    /** Sums of each of {@code rows} contiguous rows; long rows in fixed blocks of {@link #SUM_BLOCK}. */
    private void sumRows(float[] x, int rows, int rowLen, float[] out) {
        int blocks = (rowLen + SUM_BLOCK - 1) / SUM_BLOCK;
        int blockLen = Math.min(rowLen, SUM_BLOCK);
        if (blocks == 1) {
            parallel(rows, COST_SCALAR * rowLen, (lo, hi) -> Kernels.sumSegments(lo, hi, x, rowLen, 1, rowLen, out));
            return;
        }
        float[] partials = new float[rows * blocks];
        parallel(rows * blocks, COST_SCALAR * blockLen, (lo, hi) ->
                Kernels.sumSegments(lo, hi, x, rowLen, blocks, blockLen, partials));
        parallel(rows, COST_SCALAR * blocks, (lo, hi) -> Kernels.combineSegments(lo, hi, partials, blocks, out));
    }

    /** Column sums of a row-major rows × cols matrix; many rows in fixed blocks of rows. */
    private void sumColumns(float[] x, int rows, int cols, float[] out) {
        int blockRows = Math.max(1, COLUMN_SUM_BLOCK / cols);
        int blocks = (rows + blockRows - 1) / blockRows;
        int tiles = (cols + COLUMN_SUM_TILE - 1) / COLUMN_SUM_TILE;
        double perItem = COST_SCALAR * Math.min(rows, blockRows) * Math.min(cols, COLUMN_SUM_TILE);
        if (blocks == 1) {
            parallel(tiles, perItem, (lo, hi) ->
                    columnBlocks(lo, hi, x, rows, cols, blockRows, out));
            return;
        }
        float[] partials = new float[blocks * cols];
        parallel(blocks * tiles, perItem, (lo, hi) ->
                columnBlocks(lo, hi, x, rows, cols, blockRows, partials));
        parallel(cols, COST_SCALAR * blocks, (lo, hi) ->
                Kernels.combineColumnBlocks(lo, hi, partials, blocks, cols, out));
    }

    /** {@link Kernels#sumColumnBlocks}, or its Vector API twin (the same sums in the same order). */
    private static void columnBlocks(int lo, int hi, float[] x, int rows, int cols, int blockRows, float[] dst) {
        if (VECTOR) {
            VectorKernels.sumColumnBlocks(lo, hi, x, rows, cols, blockRows, COLUMN_SUM_TILE, dst);
        } else {
            Kernels.sumColumnBlocks(lo, hi, x, rows, cols, blockRows, COLUMN_SUM_TILE, dst);
        }
    }

    private static int sizeOf(int[] shape) {
        int n = 1;
        for (int d : shape) {
            n *= d;
        }
        return n;
    }

    // ------------------------------------------------------------------------- data movement

    @Override
    public void copyColumns(Storage src, int srcCols, int srcStart, Storage dst, int dstCols, int dstStart,
                            int rows, int width) {
        float[] sv = arr(src);
        float[] dv = arr(dst);
        parallel(rows, COST_VECTOR * width + 10, (lo, hi) ->
                Kernels.copyColumns(lo, hi, sv, srcCols, srcStart, dv, dstCols, dstStart, width));
    }

    @Override
    public void gatherRows(Storage src, int cols, int[] indices, Storage dst) {
        float[] sv = arr(src);
        float[] dv = arr(dst);
        parallel(indices.length, COST_VECTOR * cols + 10,
                (lo, hi) -> Kernels.gatherRows(lo, hi, sv, cols, indices, dv));
    }

    // ------------------------------------------------------------------------------- images

    /** Floats of im2col matrices per chunk of images: bounds the scratch memory of a convolution. */
    private static final int CONV_CHUNK_FLOATS = 1 << 21;

    /** Images per chunk: a function of the sizes only (so the weight gradient's sum order is fixed). */
    private static int convChunk(int batch, long perImage) {
        return (int) Math.max(1, Math.min(batch, CONV_CHUNK_FLOATS / Math.max(1, perImage)));
    }

    private static boolean pointwise(int kh, int kw, int stride, int padding) {
        return kh == 1 && kw == 1 && stride == 1 && padding == 0;
    }

    /**
     * im2col on chunks of images and one batched {@link #gemm} per chunk ({@code W · cols}, the
     * weight shared); a 1×1 convolution with stride 1 is the GEMM alone. The bias is added after
     * the products.
     */
    @Override
    public void conv2d(int batch, int inChannels, int height, int width, int outChannels, int kernelH, int kernelW,
                       int stride, int padding, Storage x, Storage weight, Storage bias, Storage out) {
        float[] xv = arr(x);
        float[] ov = arr(out);
        float[] bv = bias == null ? null : arr(bias);
        int ho = (height + 2 * padding - kernelH) / stride + 1;
        int wo = (width + 2 * padding - kernelW) / stride + 1;
        int plane = ho * wo;
        int k = inChannels * kernelH * kernelW;
        if (batch <= 0 || outChannels <= 0 || plane <= 0) {
            return;
        }
        double biasCost = COST_VECTOR * plane + 10;
        if (k == 0 || pointwise(kernelH, kernelW, stride, padding)) {
            gemm(batch, false, false, outChannels, plane, k, weight, 0, x, k * plane, out, false);
            if (bv != null) {
                parallel(batch * outChannels, biasCost, (lo, hi) ->
                        ImageKernels.addChannelBias(lo, hi, ov, 0, ov, 0, outChannels, plane, bv));
            }
            return;
        }
        Scratch s = scratch.get();
        int chunk = convChunk(batch, (long) k * plane);
        float[] cols = s.buffer(Scratch.CONV_COLS, chunk * k * plane);
        float[] staged = chunk == batch ? ov : s.buffer(Scratch.CONV_STAGE, chunk * outChannels * plane);
        Storage colsS = new JavaStorage(cols);
        Storage stagedS = chunk == batch ? out : new JavaStorage(staged);
        for (int b0 = 0; b0 < batch; b0 += chunk) {
            int nb = Math.min(chunk, batch - b0);
            int xOff = b0 * inChannels * height * width;
            parallel(nb * k, COST_VECTOR * plane + 10, (lo, hi) -> ImageKernels.im2col(lo, hi, xv, xOff, inChannels,
                    height, width, kernelH, kernelW, stride, padding, ho, wo, cols));
            gemm(nb, false, false, outChannels, plane, k, weight, 0, colsS, k * plane, stagedS, false);
            if (staged != ov || bv != null) {
                int oOff = b0 * outChannels * plane;
                parallel(nb * outChannels, biasCost, (lo, hi) ->
                        ImageKernels.addChannelBias(lo, hi, staged, 0, ov, oOff, outChannels, plane, bv));
            }
        }
    }

    /** {@code Wᵀ · gradOut} per image ({@link #gemm}), then col2im; a 1×1 convolution with stride 1 is the GEMM alone. */
    @Override
    public void conv2dBackwardInput(int batch, int inChannels, int height, int width, int outChannels, int kernelH,
                                    int kernelW, int stride, int padding, Storage gradOut, Storage weight,
                                    Storage gradInput) {
        float[] gv = arr(gradOut);
        float[] gxv = arr(gradInput);
        int ho = (height + 2 * padding - kernelH) / stride + 1;
        int wo = (width + 2 * padding - kernelW) / stride + 1;
        int plane = ho * wo;
        int k = inChannels * kernelH * kernelW;
        if (batch <= 0 || inChannels <= 0 || height * width <= 0) {
            return;
        }
        if (pointwise(kernelH, kernelW, stride, padding)) {
            gemm(batch, true, false, inChannels, plane, outChannels, weight, 0, gradOut, outChannels * plane,
                    gradInput, false);
            return;
        }
        Scratch s = scratch.get();
        int chunk = convChunk(batch, (long) k * plane);
        float[] cols = s.buffer(Scratch.CONV_COLS, chunk * k * plane);
        float[] staged = chunk == batch ? gv : s.buffer(Scratch.CONV_STAGE, chunk * outChannels * plane);
        Storage colsS = new JavaStorage(cols);
        Storage stagedS = chunk == batch ? gradOut : new JavaStorage(staged);
        int hw = height * width;
        for (int b0 = 0; b0 < batch; b0 += chunk) {
            int nb = Math.min(chunk, batch - b0);
            if (staged != gv) {
                System.arraycopy(gv, b0 * outChannels * plane, staged, 0, nb * outChannels * plane);
            }
            gemm(nb, true, false, k, plane, outChannels, weight, 0, stagedS, outChannels * plane, colsS, false);
            int gxOff = b0 * inChannels * hw;
            parallel(nb * inChannels, COST_SCALAR * kernelH * kernelW * plane + 10, (lo, hi) ->
                    ImageKernels.col2im(lo, hi, cols, inChannels, height, width, kernelH, kernelW, stride, padding, ho,
                            wo, gxv, gxOff));
        }
    }

    /**
     * Per image {@code gradOut · colsᵀ} ({@link #gemm} on im2col matrices, transposed by its packing; one partial gradient per
     * image), then the partials added in image order (chunk by chunk, each chunk's partials
     * followed by the running total): a fixed order for any thread count.
     */
    @Override
    public void conv2dBackwardWeight(int batch, int inChannels, int height, int width, int outChannels, int kernelH,
                                     int kernelW, int stride, int padding, Storage x, Storage gradOut,
                                     Storage gradWeight) {
        float[] xv = arr(x);
        float[] gv = arr(gradOut);
        float[] gwv = arr(gradWeight);
        int ho = (height + 2 * padding - kernelH) / stride + 1;
        int wo = (width + 2 * padding - kernelW) / stride + 1;
        int plane = ho * wo;
        int k = inChannels * kernelH * kernelW;
        int size = outChannels * k;
        if (size <= 0) {
            return;
        }
        if (batch <= 0 || plane <= 0) {
            Arrays.fill(gwv, 0, size, 0f);
            return;
        }
        Scratch s = scratch.get();
        int chunk = convChunk(batch, (long) k * plane);
        float[] rows = s.buffer(Scratch.CONV_COLS, chunk * k * plane);
        float[] staged = chunk == batch ? gv : s.buffer(Scratch.CONV_STAGE, chunk * outChannels * plane);
        float[] partials = s.buffer(Scratch.CONV_PARTIALS, (chunk + 1) * size);
        Storage rowsS = new JavaStorage(rows);
        Storage stagedS = chunk == batch ? gradOut : new JavaStorage(staged);
        Storage partialsS = new JavaStorage(partials);
        for (int b0 = 0; b0 < batch; b0 += chunk) {
            int nb = Math.min(chunk, batch - b0);
            int xOff = b0 * inChannels * height * width;
            // im2col's contiguous copies, and the transpose left to the GEMM's packing: im2row's
            // scattered writes were a third of a U-Net training step (JFR).
            parallel(nb * k, COST_VECTOR * plane + 10, (lo, hi) -> ImageKernels.im2col(lo, hi, xv, xOff,
                    inChannels, height, width, kernelH, kernelW, stride, padding, ho, wo, rows));
            if (staged != gv) {
                System.arraycopy(gv, b0 * outChannels * plane, staged, 0, nb * outChannels * plane);
            }
            gemm(nb, false, true, outChannels, k, plane, stagedS, outChannels * plane, rowsS, plane * k, partialsS,
                    false);
            int groups = nb;
            if (b0 > 0) {
                System.arraycopy(gwv, 0, partials, nb * size, size);
                groups++;
            }
            int g = groups;
            if (VECTOR) {
                parallel(size, COST_VECTOR * g, (lo, hi) -> VectorKernels.reduce(lo, hi, partials, g, size, gwv));
            } else {
                parallel(size, COST_SCALAR * g, (lo, hi) -> FusedMlp.reduce(lo, hi, partials, g, size, gwv));
            }
        }
    }

    @Override
    public void softmaxRows(int rows, int cols, Storage x, Storage out) {
        float[] xv = arr(x);
        float[] ov = arr(out);
        if (cols <= 0) {
            return;
        }
        parallel(rows, COST_TRANSCENDENTAL * cols + 10, (lo, hi) -> ImageKernels.softmaxRows(lo, hi, xv, cols, ov));
    }

    @Override
    public void groupNormForward(int batch, int channels, int spatial, int groups, float eps, Storage x,
                                 Storage gamma, Storage beta, Storage out, Storage mean, Storage rstd) {
        float[] xv = arr(x);
        float[] ov = arr(out);
        float[] gm = gamma == null ? null : arr(gamma);
        float[] bt = beta == null ? null : arr(beta);
        float[] mv = arr(mean);
        float[] rv = arr(rstd);
        int n = channels / groups * spatial;
        parallel(batch * groups, COST_SCALAR * 3 * n + 50, (lo, hi) ->
                ImageKernels.groupNormForward(lo, hi, xv, channels, spatial, groups, eps, gm, bt, ov, mv, rv));
    }

    @Override
    public void groupNormBackward(int batch, int channels, int spatial, int groups, Storage x, Storage gamma,
                                  Storage mean, Storage rstd, Storage gradOut, Storage gradX, Storage gradGamma,
                                  Storage gradBeta) {
        float[] xv = arr(x);
        float[] gm = gamma == null ? null : arr(gamma);
        float[] mv = arr(mean);
        float[] rv = arr(rstd);
        float[] gv = arr(gradOut);
        float[] gxv = gradX == null ? null : arr(gradX);
        // per (sample, channel) sums, added over the samples afterwards (batch·channels floats: small)
        float[] sumG = new float[batch * channels];
        float[] sumGx = new float[batch * channels];
        int n = channels / groups * spatial;
        parallel(batch * groups, COST_SCALAR * 4 * n + 50, (lo, hi) -> ImageKernels.groupNormBackward(lo, hi, xv,
                channels, spatial, groups, gm, mv, rv, gv, gxv, sumG, sumGx));
        if (gradGamma != null) {
            float[] out = arr(gradGamma);
            parallel(channels, COST_SCALAR * batch, (lo, hi) ->
                    ImageKernels.sumOverBatch(lo, hi, sumGx, batch, channels, out));
        }
        if (gradBeta != null) {
            float[] out = arr(gradBeta);
            parallel(channels, COST_SCALAR * batch, (lo, hi) ->
                    ImageKernels.sumOverBatch(lo, hi, sumG, batch, channels, out));
        }
    }

    @Override
    public void indexAdd(int rows, int cols, int[] indices, Storage src, Storage dst, int dstRows) {
        float[] sv = arr(src);
        float[] dv = arr(dst);
        int tiles = (cols + ImageKernels.INDEX_ADD_TILE - 1) / ImageKernels.INDEX_ADD_TILE;
        parallel(tiles, COST_SCALAR * rows * Math.min(cols, ImageKernels.INDEX_ADD_TILE) + 10, (lo, hi) ->
                ImageKernels.indexAdd(lo, hi, sv, rows, cols, indices, dv));
    }

    // -------------------------------------------------------------------------------- random

    @Override
    public void fillNormal(Storage out, int rows, int cols, long[] rowKeys, long counter) {
        float[] ov = arr(out);
        if (rows <= 0 || cols <= 0) {
            return;
        }
        parallel(rows * cols, COST_RANDOM, (lo, hi) -> Kernels.fillNormal(lo, hi, ov, cols, rowKeys, counter));
    }

    @Override
    public void fillUniform(Storage out, int rows, int cols, long[] rowKeys, long counter) {
        float[] ov = arr(out);
        if (rows <= 0 || cols <= 0) {
            return;
        }
        parallel(rows * cols, COST_RANDOM / 2, (lo, hi) -> Kernels.fillUniform(lo, hi, ov, cols, rowKeys, counter));
    }

    // ---------------------------------------------------------------------------- optimisers

    @Override
    public void adamStep(Storage param, Storage grad, Storage m, Storage v, int n, float lr, float beta1,
                         float beta2, float eps, float weightDecay, float biasCorrection1, float biasCorrection2) {
        float[] pv = arr(param);
        float[] gv = arr(grad);
        float[] mv = arr(m);
        float[] vv = arr(v);
        parallel(n, 4 * COST_VECTOR, (lo, hi) -> Kernels.adamStep(lo, hi, pv, gv, mv, vv, lr, beta1, beta2, eps,
                weightDecay, biasCorrection1, biasCorrection2));
    }

    @Override
    public void emaUpdate(Storage ema, Storage param, int n, float decay) {
        float[] ev = arr(ema);
        float[] pv = arr(param);
        parallel(n, COST_VECTOR, (lo, hi) -> Kernels.emaUpdate(lo, hi, ev, pv, decay));
    }

    // ------------------------------------------------------------------------------ scheduling

    /** The body of one parallel loop: processes items [lo, hi). */
    @FunctionalInterface
    interface RangeTask {
        void run(int lo, int hi);
    }

    /**
     * Items per chunk for a loop of {@code items} items costing {@code costPerItem} each: a
     * function of the problem size alone, so the decomposition is the same for every thread count.
     */
    static int chunkSize(int items, double costPerItem) {
        double total = items * costPerItem;
        if (total <= INLINE_WORK) {
            return items;
        }
        int byWork = (int) Math.min(items, Math.ceil(MIN_CHUNK_WORK / Math.max(costPerItem, 1e-9)));
        int byCount = (items + MAX_CHUNKS - 1) / MAX_CHUNKS;
        return Math.max(1, Math.max(byWork, byCount));
    }

    /** Runs {@code task} over [0, items) in size-determined chunks, on this thread and the pool. */
    void parallel(int items, double costPerItem, RangeTask task) {
        if (items <= 0) {
            return;
        }
        if (closed) {
            throw new IllegalStateException("the java backend has been closed");
        }
        int chunk = chunkSize(items, costPerItem);
        int chunks = (items + chunk - 1) / chunk;
        if (chunks == 1) {
            task.run(0, items);
            return;
        }
        if (workers == null) {
            for (int lo = 0; lo < items; lo += chunk) {
                task.run(lo, Math.min(items, lo + chunk));
            }
            return;
        }
        Job job = new Job(task, items, chunk, chunks);
        workers.submit(job);
        job.work();
        workers.retire(job);
        job.awaitAll();
    }

    /**
     * One parallel loop in flight. Threads claim chunks from a counter; the caller waits for all
     * chunks to be <em>done</em>, not for helpers to start, so a helper that wakes late finds
     * nothing to do and the caller never waits on a thread wake-up for work it could do itself.
     */
    private static final class Job {
        private final RangeTask task;
        private final int items;
        private final int chunk;
        private final int chunks;
        private final AtomicInteger next = new AtomicInteger();
        private final AtomicInteger done = new AtomicInteger();
        private final Thread waiter = Thread.currentThread();
        private volatile Throwable failure;

        Job(RangeTask task, int items, int chunk, int chunks) {
            this.task = task;
            this.items = items;
            this.chunk = chunk;
            this.chunks = chunks;
        }

        void work() {
            int c;
            while ((c = next.getAndIncrement()) < chunks) {
                int lo = c * chunk;
                try {
                    if (failure == null) {
                        task.run(lo, Math.min(items, lo + chunk));
                    }
                } catch (Throwable t) {
                    if (failure == null) {
                        failure = t;
                    }
                } finally {
                    if (done.incrementAndGet() == chunks && Thread.currentThread() != waiter) {
                        LockSupport.unpark(waiter);
                    }
                }
            }
        }

        void awaitAll() {
            int spins = 0;
            while (done.get() < chunks) {
                // The last chunks are in progress on other threads: spin briefly, then park.
                if (spins < 20_000) {
                    spins++;
                    Thread.onSpinWait();
                } else {
                    LockSupport.parkNanos(this, 50_000);
                }
            }
            Throwable t = failure;
            if (t instanceof RuntimeException re) {
                throw re;
            }
            if (t instanceof Error err) {
                throw err;
            }
            if (t != null) {
                throw new IllegalStateException("kernel failed", t);
            }
        }
    }

    /**
     * The helper threads. Between kernels they spin for a short while before parking: the
     * kernels of one training step follow each other within microseconds, and a parked thread
     * takes longer than that to wake (OpenMP runtimes wait the same way).
     */
    private static final class Workers {
        private static final long SPIN_NANOS = 50_000;

        private final Thread[] threads;
        private final ConcurrentLinkedQueue<Job> queue = new ConcurrentLinkedQueue<>();
        private final AtomicInteger sleeping = new AtomicInteger();
        private volatile boolean closed;

        Workers(int count) {
            String id = Integer.toHexString(System.identityHashCode(this));
            threads = new Thread[count];
            for (int i = 0; i < count; i++) {
                threads[i] = Thread.ofPlatform().daemon().name("d4j-java-backend-" + id + "-" + (i + 1))
                        .unstarted(this::loop);
                threads[i].start();
            }
        }

        void submit(Job job) {
            queue.add(job);
            // Sequentially consistent with the worker's increment-then-recheck: no lost wake-up.
            if (sleeping.get() > 0) {
                for (Thread t : threads) {
                    LockSupport.unpark(t);
                }
            }
        }

        /** The caller has claimed its last chunk: nobody needs to find this job any more. */
        void retire(Job job) {
            queue.remove(job);
        }

        void close() {
            closed = true;
            for (Thread t : threads) {
                LockSupport.unpark(t);
            }
        }

        private void loop() {
            long idleSince = System.nanoTime();
            while (!closed) {
                Job job = queue.peek();
                if (job != null) {
                    job.work();
                    queue.remove(job);
                    idleSince = System.nanoTime();
                } else if (System.nanoTime() - idleSince < SPIN_NANOS) {
                    Thread.onSpinWait();
                } else {
                    sleeping.incrementAndGet();
                    if (queue.isEmpty() && !closed) {
                        LockSupport.park(this);
                    }
                    sleeping.decrementAndGet();
                    idleSince = System.nanoTime();
                }
            }
        }
    }

    /** The storage of the open step of one thread, and the arrays of earlier steps by length. */
    private static final class StepPool {
        /** Arrays kept per length: more than one step's worth is never needed again. */
        private static final int MAX_PER_LENGTH = 256;

        boolean active;
        final java.util.ArrayList<JavaStorage> live = new java.util.ArrayList<>();
        private final java.util.HashMap<Integer, java.util.ArrayDeque<float[]>> free = new java.util.HashMap<>();

        float[] take(int size) {
            java.util.ArrayDeque<float[]> q = free.get(size);
            return q == null ? null : q.pollLast();
        }

        JavaStorage track(float[] a) {
            JavaStorage s = new JavaStorage(a);
            live.add(s);
            return s;
        }

        void recycle() {
            for (JavaStorage s : live) {
                float[] a = s.release();
                java.util.ArrayDeque<float[]> q = free.computeIfAbsent(a.length, n -> new java.util.ArrayDeque<>());
                if (q.size() < MAX_PER_LENGTH) {
                    q.addLast(a);
                }
            }
            live.clear();
        }
    }

    /** Per-thread buffers, reused across calls and grown on demand. */
    private static final class Scratch {
        /**
         * Packed rows by power-of-two row length: rows sized for one shape stay dense for it.
         * (One pool sized for the longest rows ever seen put 64-float rows 2 KiB apart, and the
         * cache-set conflicts made a 64×64×512 GEMM 40 % slower.)
         */
        final float[][][] packedByLength = new float[32][][];
        /** Reused buffers, by use: packed B panels, a transposed C, the fused MLP's per-thread blocks. */
        static final int PANELS = 0, TRANSPOSED = 1, MLP_A = 2, MLP_B = 3, MLP_GZ_PACKED = 4, MLP_PARTIALS = 5,
                MLP_TOTAL = 6, CONV_COLS = 7, CONV_STAGE = 8, CONV_PARTIALS = 9;
        final float[][] buffers = new float[10][0];
        float[] aPad;   // Vector API kernels only (sized by their constants)
        float[] cPad;
        float[] acc0 = new float[0];
        float[] acc1 = new float[0];

        float[][] packed(int rows, int len) {
            int bucket = 32 - Integer.numberOfLeadingZeros(Math.max(len, 16) - 1);
            float[][] p = packedByLength[bucket];
            if (p == null || p.length < rows) {
                float[][] grown = new float[rows][];
                int kept = p == null ? 0 : p.length;
                if (kept > 0) {
                    System.arraycopy(p, 0, grown, 0, kept);
                }
                for (int i = kept; i < rows; i++) {
                    grown[i] = new float[1 << bucket];
                }
                packedByLength[bucket] = grown;
                p = grown;
            }
            return p;
        }

        /** Null without the Vector API: touching VectorKernels would load jdk.incubator.vector. */
        float[] aPad() {
            if (!VECTOR) {
                return null;
            }
            if (aPad == null) {
                aPad = new float[VectorKernels.A_PAD];
            }
            return aPad;
        }

        float[] cPad() {
            if (!VECTOR) {
                return null;
            }
            if (cPad == null) {
                cPad = new float[VectorKernels.C_PAD];
            }
            return cPad;
        }

        /** Buffer {@code which} (one of the constants above), grown to at least {@code size} floats. */
        float[] buffer(int which, int size) {
            if (buffers[which].length < size) {
                buffers[which] = new float[size];
            }
            return buffers[which];
        }

        void ensureAccumulators(int n) {
            if (acc0.length < n) {
                acc0 = new float[n];
                acc1 = new float[n];
            }
        }
    }
}
