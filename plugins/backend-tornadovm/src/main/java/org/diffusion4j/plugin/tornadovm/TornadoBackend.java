package org.diffusion4j.plugin.tornadovm;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.ref.Cleaner;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.diffusion4j.api.tensor.Backend;
import org.diffusion4j.api.tensor.BinaryOp;
import org.diffusion4j.api.tensor.Rng;
import org.diffusion4j.api.tensor.Storage;
import org.diffusion4j.api.tensor.UnaryOp;
import uk.ac.manchester.tornado.api.GridScheduler;
import uk.ac.manchester.tornado.api.ImmutableTaskGraph;
import uk.ac.manchester.tornado.api.KernelContext;
import uk.ac.manchester.tornado.api.TaskGraph;
import uk.ac.manchester.tornado.api.TornadoExecutionPlan;
import uk.ac.manchester.tornado.api.WorkerGrid1D;
import uk.ac.manchester.tornado.api.common.TornadoFunctions.Task4;
import uk.ac.manchester.tornado.api.enums.DataTransferMode;
import uk.ac.manchester.tornado.api.exceptions.TornadoExecutionPlanException;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;
import uk.ac.manchester.tornado.api.types.arrays.IntArray;

/**
 * The TornadoVM backend: every tensor lives in one device buffer, the arena, and every kernel is a
 * task graph of one {@link DeviceKernels} method over it. All the graphs are in one
 * {@link TornadoExecutionPlan}; each graph consumes the arena from the device and persists it there
 * ({@code consumeFromDevice} / {@code persistOnDevice}), so between kernels nothing is copied to the
 * host. What crosses the bus:
 * <ul>
 *   <li>per kernel, its parameters ({@value #IP} ints and {@value #FP} floats: offsets, sizes,
 *       scalars), since a task graph fixes scalar arguments when it is built;</li>
 *   <li>{@link #upload} and {@link #download} through staging buffers of three sizes (a download of
 *       one float moves {@value #STAGE_SMALL} floats), and the random fills, drawn on the host
 *       with {@link Rng} (the same counter-based streams as the Java backend) and uploaded;</li>
 *   <li>the index lists of {@link #gatherRows} and {@link #indexAdd}.</li>
 * </ul>
 * {@link #counters()} counts them; {@code bench} reports them per step.
 *
 * <p>Each graph is JIT-compiled by TornadoVM on its first execution (Graal to OpenCL C or PTX, then
 * the driver's compiler) and reused for every later call with any shapes and offsets. A step's kernels
 * are not captured and replayed as one graph: each kernel call is one execution of its own graph
 * (see the README for what that costs on PoCL).
 *
 * <p>Storage made between {@link #beginStep} and {@link #endStep} goes back to the arena when the step
 * ends; other storage when it becomes unreachable (a {@link Cleaner}). Calls are serialised: the
 * parameter arrays and the plan are shared.
 */
final class TornadoBackend implements Backend {

    /** Arena size in megabytes (system property; default {@value #DEFAULT_ARENA_MB}). */
    static final String ARENA_PROPERTY = "diffusion4j.tornadovm.arenaMB";
    static final int DEFAULT_ARENA_MB = 1024;

    static final int IP = 32;
    static final int FP = 8;
    static final int STAGE_SMALL = 256;
    static final int STAGE_MEDIUM = 16_384;
    static final int STAGE_LARGE = 1 << 20;
    static final int INDEX_CAPACITY = 4096;
    /** Work-group size; global sizes are rounded up to a multiple of it. */
    static final int LOCAL = 64;

    private static final Cleaner CLEANER = Cleaner.create();

    // Graph indices in the plan.
    private static final int INIT = 0, FILL = 1, COPY = 2, UNARY = 3, SILU = 4, SILU_BACKWARD = 5, AFFINE = 6,
            POW = 7, BINARY = 8, REDUCE = 9, GEMM = 10, COPY_COLUMNS = 11, GATHER = 12, INDEX_ADD = 13, ADAM = 14,
            EMA = 15, SOFTMAX = 16, CONV = 17, CONV_BACKWARD_INPUT = 18, CONV_BACKWARD_WEIGHT = 19, GN_STATS = 20,
            GN_APPLY = 21, GN_CHANNEL_SUMS = 22, GN_GRAD_X = 23, SUM_OVER_BATCH = 24, UP_SMALL = 25,
            UP_MEDIUM = 26, UP_LARGE = 27, DOWN_SMALL = 28, DOWN_MEDIUM = 29, DOWN_LARGE = 30, GEMM_TILED = 31, GRAPHS = 32;

    private final int threads;
    private final Arena arena;
    private final FloatArray heap;
    private final IntArray ip = new IntArray(IP);
    private final FloatArray fp = new FloatArray(FP);
    private final IntArray indices = new IntArray(INDEX_CAPACITY);
    private final FloatArray[] stages = {new FloatArray(STAGE_SMALL), new FloatArray(STAGE_MEDIUM),
            new FloatArray(STAGE_LARGE)};
    private final WorkerGrid1D[] grids = new WorkerGrid1D[GRAPHS];
    private final TornadoExecutionPlan plan;
    private final String device;
    private final ThreadLocal<List<Arena.Region>> step = new ThreadLocal<>();

    // Counters (guarded by this).
    private long launches;
    private long paramBytes;
    private long uploadBytes;
    private long downloadBytes;
    private long uploads;
    private long downloads;
    private boolean closed;

    TornadoBackend(int threads, long arenaFloats) {
        this.threads = threads;
        this.arena = new Arena(arenaFloats);
        this.heap = new FloatArray((int) arenaFloats);
        KernelContext kc = new KernelContext();
        ImmutableTaskGraph[] graphs = new ImmutableTaskGraph[GRAPHS];
        GridScheduler scheduler = new GridScheduler();
        for (int g = 0; g < GRAPHS; g++) {
            String name = "d4j" + g;
            TaskGraph tg = new TaskGraph(name);
            if (g == INIT) {
                // The first graph to run puts the arena on the device; all later ones consume it there.
                tg.transferToDevice(DataTransferMode.FIRST_EXECUTION, heap);
            } else {
                tg.consumeFromDevice(heap);
            }
            if (g >= UP_SMALL && g <= UP_LARGE) {
                FloatArray s = stages[g - UP_SMALL];
                tg.transferToDevice(DataTransferMode.EVERY_EXECUTION, ip, s);
                tg.task("t", DeviceKernels::fromStage, kc, heap, ip, s);
            } else if (g >= DOWN_SMALL && g <= DOWN_LARGE) {
                FloatArray s = stages[g - DOWN_SMALL];
                tg.transferToDevice(DataTransferMode.EVERY_EXECUTION, ip);
                tg.task("t", DeviceKernels::toStage, kc, heap, ip, s);
                tg.transferToHost(DataTransferMode.EVERY_EXECUTION, s);
            } else if (g == GATHER || g == INDEX_ADD) {
                tg.transferToDevice(DataTransferMode.EVERY_EXECUTION, ip, indices);
                if (g == GATHER) {
                    tg.task("t", DeviceKernels::gatherRows, kc, heap, ip, indices);
                } else {
                    tg.task("t", DeviceKernels::indexAdd, kc, heap, ip, indices);
                }
            } else {
                tg.transferToDevice(DataTransferMode.EVERY_EXECUTION, ip, fp);
                tg.task("t", kernel(g), kc, heap, ip, fp);
            }
            tg.persistOnDevice(heap);
            graphs[g] = tg.snapshot();
            grids[g] = new WorkerGrid1D(LOCAL);
            grids[g].setLocalWork(LOCAL, 1, 1);
            scheduler.addWorkerGrid(name + ".t", grids[g]);
        }
        this.plan = new TornadoExecutionPlan(graphs);
        plan.withGridScheduler(scheduler);
        ip.set(0, 1);
        ip.set(1, 0);
        execute(INIT, 1);
        this.device = plan.getDevice(0).getPhysicalDevice().getDeviceName();
    }

    private static Task4<KernelContext, FloatArray, IntArray, FloatArray> kernel(int g) {
        return switch (g) {
            case INIT -> DeviceKernels::init;
            case FILL -> DeviceKernels::fill;
            case COPY -> DeviceKernels::copy;
            case UNARY -> DeviceKernels::unary;
            case SILU -> DeviceKernels::silu;
            case SILU_BACKWARD -> DeviceKernels::siluBackward;
            case AFFINE -> DeviceKernels::affine;
            case POW -> DeviceKernels::power;
            case BINARY -> DeviceKernels::binary;
            case REDUCE -> DeviceKernels::reduceSum;
            case GEMM -> DeviceKernels::gemm;
            case GEMM_TILED -> DeviceKernels::gemmTiled;
            case COPY_COLUMNS -> DeviceKernels::copyColumns;
            case ADAM -> DeviceKernels::adamStep;
            case EMA -> DeviceKernels::emaUpdate;
            case SOFTMAX -> DeviceKernels::softmaxRows;
            case CONV -> DeviceKernels::conv2d;
            case CONV_BACKWARD_INPUT -> DeviceKernels::conv2dBackwardInput;
            case CONV_BACKWARD_WEIGHT -> DeviceKernels::conv2dBackwardWeight;
            case GN_STATS -> DeviceKernels::groupNormStats;
            case GN_APPLY -> DeviceKernels::groupNormApply;
            case GN_CHANNEL_SUMS -> DeviceKernels::groupNormChannelSums;
            case GN_GRAD_X -> DeviceKernels::groupNormGradX;
            case SUM_OVER_BATCH -> DeviceKernels::sumOverBatch;
            default -> throw new IllegalArgumentException("no kernel for graph " + g);
        };
    }

    /** Runs graph {@code g} over {@code items} work items with the parameters already in ip/fp. */
    private void execute(int g, int items) {
        if (closed) {
            throw new IllegalStateException("the tornadovm backend has been closed");
        }
        long global = (items + (long) LOCAL - 1) / LOCAL * LOCAL;
        grids[g].setGlobalWork(global, 1, 1);
        grids[g].setLocalWork(LOCAL, 1, 1);
        plan.withGraph(g).execute();
        launches++;
        paramBytes += (long) IP * 4 + (g == GATHER || g == INDEX_ADD ? INDEX_CAPACITY * 4L : FP * 4L);
    }

    private void params(int... values) {
        for (int i = 0; i < values.length; i++) {
            ip.set(i, values[i]);
        }
    }

    @Override
    public String name() {
        return "tornadovm";
    }

    @Override
    public int threads() {
        return threads;
    }

    /** The device TornadoVM runs the kernels on. */
    String device() {
        return device;
    }

    @Override
    public String toString() {
        return "TornadoBackend[" + device + ", arena " + arena.capacity() * 4 / (1 << 20) + " MB]";
    }

    /**
     * Transfer and launch counts since the backend was made: {@code launches} (kernel graph
     * executions, transfers included), {@code uploads}, {@code downloads} (host↔device copies of
     * tensor data), {@code uploadBytes}, {@code downloadBytes} (their bytes, staging buffers whole),
     * {@code paramBytes} (kernel parameters and index lists, host→device), {@code arenaPeakBytes}.
     */
    @Override
    public synchronized Map<String, Long> counters() {
        Map<String, Long> m = new LinkedHashMap<>();
        m.put("launches", launches);
        m.put("uploads", uploads);
        m.put("downloads", downloads);
        m.put("uploadBytes", uploadBytes);
        m.put("downloadBytes", downloadBytes);
        m.put("paramBytes", paramBytes);
        m.put("arenaPeakBytes", arena.peakFloats() * 4);
        return m;
    }

    @Override
    public synchronized void close() {
        if (!closed) {
            closed = true;
            try {
                plan.freeDeviceMemory();
                plan.close();
            } catch (TornadoExecutionPlanException e) {
                throw new IllegalStateException("closing the TornadoVM execution plan failed", e);
            }
        }
    }

    // ------------------------------------------------------------------------------- storage

    private TornadoStorage newStorage(int size, boolean persistent) {
        if (size < 0) {
            throw new IllegalArgumentException("negative storage size " + size);
        }
        Arena.Region r = arena.allocate(size);
        // Regions of unreachable storage go back through the cleaner, asynchronously: give it a chance.
        for (int attempt = 0; r == null && attempt < 5; attempt++) {
            System.gc();
            try {
                Thread.sleep(20L << attempt);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
            r = arena.allocate(size);
        }
        if (r == null) {
            throw arena.full(size);
        }
        TornadoStorage s = new TornadoStorage(this, r.offset, size);
        List<Arena.Region> open = persistent ? null : step.get();
        if (open != null) {
            open.add(r);
        }
        CLEANER.register(s, r);
        return s;
    }

    private int off(Storage s) {
        if (s instanceof TornadoStorage ts && ts.owner == this) {
            return ts.offset;
        }
        throw new IllegalArgumentException("storage " + s + " does not belong to this tornadovm backend");
    }

    @Override
    public synchronized Storage allocate(int size) {
        TornadoStorage s = newStorage(size, false);
        fillRegion(s.offset, size, 0f);
        return s;
    }

    @Override
    public synchronized Storage allocateOutput(int size) {
        return newStorage(size, false);
    }

    @Override
    public synchronized Storage allocatePersistent(int size) {
        TornadoStorage s = newStorage(size, true);
        fillRegion(s.offset, size, 0f);
        return s;
    }

    @Override
    public synchronized Storage upload(float[] data) {
        TornadoStorage s = newStorage(data.length, false);
        write(data, 0, s.offset, data.length);
        return s;
    }

    /** Copies {@code n} host floats from {@code data[from]} to arena offset {@code dst} through the staging buffers. */
    private void write(float[] data, int from, int dst, int n) {
        int done = 0;
        while (done < n) {
            int tier = tier(n - done);
            FloatArray stage = stages[tier];
            int len = Math.min(n - done, stage.getSize());
            MemorySegment.copy(data, from + done, stage.getSegment(), ValueLayout.JAVA_FLOAT, 0, len);
            params(len, dst + done);
            execute(UP_SMALL + tier, len);
            uploads++;
            uploadBytes += stage.getSize() * 4L;
            done += len;
        }
    }

    private static int tier(int n) {
        return n <= STAGE_SMALL ? 0 : n <= STAGE_MEDIUM ? 1 : 2;
    }

    @Override
    public synchronized void download(Storage src, float[] dst) {
        int from = off(src);
        int n = src.size();
        int done = 0;
        while (done < n) {
            int tier = tier(n - done);
            FloatArray stage = stages[tier];
            int len = Math.min(n - done, stage.getSize());
            params(len, from + done);
            execute(DOWN_SMALL + tier, len);
            MemorySegment.copy(stage.getSegment(), ValueLayout.JAVA_FLOAT, 0, dst, done, len);
            downloads++;
            downloadBytes += stage.getSize() * 4L;
            done += len;
        }
    }

    @Override
    public synchronized void copy(Storage src, int srcOffset, Storage dst, int dstOffset, int n) {
        if (n <= 0) {
            return;
        }
        int s = off(src) + srcOffset;
        int d = off(dst) + dstOffset;
        if (s == d) {
            return;
        }
        if (s < d + n && d < s + n) {
            // Overlapping ranges: the work items would race, so go through a scratch region.
            Arena.Region tmp = arena.allocate(n);
            if (tmp == null) {
                throw arena.full(n);
            }
            try {
                copyRegion(s, tmp.offset, n);
                copyRegion(tmp.offset, d, n);
            } finally {
                tmp.release();
            }
            return;
        }
        copyRegion(s, d, n);
    }

    private void copyRegion(int s, int d, int n) {
        params(n, s, d);
        execute(COPY, n);
    }

    private void fillRegion(int offset, int n, float value) {
        if (n <= 0) {
            return;
        }
        params(n, offset);
        fp.set(0, value);
        execute(FILL, n);
    }

    @Override
    public synchronized void fill(Storage out, float value, int n) {
        fillRegion(off(out), n, value);
    }

    /** Storage made from here to {@link #endStep} on this thread goes back to the arena when the step ends. */
    @Override
    public void beginStep() {
        step.set(new ArrayList<>());
    }

    @Override
    public synchronized void endStep() {
        List<Arena.Region> open = step.get();
        if (open != null) {
            step.remove();
            open.forEach(Arena.Region::release);
        }
    }

    // ---------------------------------------------------------------------------------- GEMM

    @Override
    public synchronized void gemm(int batch, boolean transA, boolean transB, int m, int n, int k, Storage a,
                                  int aBatchStride, Storage b, int bBatchStride, Storage c, boolean accumulate) {
        if (batch <= 0 || m <= 0 || n <= 0) {
            return;
        }
        if (k <= 0) {
            if (!accumulate) {
                fillRegion(off(c), batch * m * n, 0f);
            }
            return;
        }
        // op(A)[i, p] = A[i·aRow + p·aInner]; op(B)[p, j] = B[p·bInner + j·bCol].
        int aRow = transA ? 1 : k;
        int aInner = transA ? m : 1;
        int bInner = transB ? 1 : n;
        int bCol = transB ? k : 1;
        // 4×4 blocks of C per work item where C is at least that big; one element each otherwise.
        boolean tiled = m >= 4 && n >= 4;
        int items = tiled ? batch * ((m + 3) / 4) * ((n + 3) / 4) : batch * m * n;
        params(items, off(a), off(b), off(c), m, n, k, aBatchStride, bBatchStride, aRow, aInner, bInner, bCol,
                accumulate ? 1 : 0);
        execute(tiled ? GEMM_TILED : GEMM, items);
    }

    // ---------------------------------------------------------------------------- elementwise

    @Override
    public synchronized void unary(UnaryOp op, Storage x, Storage out, int n) {
        if (n <= 0) {
            return;
        }
        params(n, op.ordinal(), off(x), off(out));
        execute(UNARY, n);
    }

    @Override
    public synchronized void silu(Storage x, Storage out, Storage sigma, int n) {
        if (n <= 0) {
            return;
        }
        params(n, off(x), off(out), off(sigma));
        execute(SILU, n);
    }

    @Override
    public synchronized void siluBackward(Storage g, Storage x, Storage sigma, Storage out, int n) {
        if (n <= 0) {
            return;
        }
        params(n, off(g), off(x), off(sigma), off(out));
        execute(SILU_BACKWARD, n);
    }

    @Override
    public synchronized void affine(Storage x, float scale, float shift, Storage out, int n) {
        if (n <= 0) {
            return;
        }
        params(n, off(x), off(out));
        fp.set(0, scale);
        fp.set(1, shift);
        execute(AFFINE, n);
    }

    @Override
    public synchronized void pow(Storage x, float p, Storage out, int n) {
        if (n <= 0) {
            return;
        }
        params(n, off(x), off(out));
        fp.set(0, p);
        execute(POW, n);
    }

    @Override
    public synchronized void binary(BinaryOp op, Storage a, int[] aStrides, Storage b, int[] bStrides, Storage out,
                                    int[] outShape) {
        int n = outShape[0] * outShape[1] * outShape[2] * outShape[3];
        if (n <= 0) {
            return;
        }
        params(n, op.ordinal(), off(a), off(b), off(out), outShape[0], outShape[1], outShape[2], outShape[3],
                aStrides[0], aStrides[1], aStrides[2], aStrides[3], bStrides[0], bStrides[1], bStrides[2],
                bStrides[3]);
        execute(BINARY, n);
    }

    @Override
    public synchronized void reduceSum(Storage x, int[] inShape, Storage out, int[] outShape) {
        int n = outShape[0] * outShape[1] * outShape[2] * outShape[3];
        int total = inShape[0] * inShape[1] * inShape[2] * inShape[3];
        if (n <= 0) {
            return;
        }
        if (total == 0) {
            fillRegion(off(out), n, 0f);
            return;
        }
        int[] reduced = new int[MAX_RANK];
        for (int d = 0; d < MAX_RANK; d++) {
            reduced[d] = outShape[d] == 1 && inShape[d] != 1 ? 1 : 0;
        }
        params(n, off(x), off(out), inShape[0], inShape[1], inShape[2], inShape[3], reduced[0], reduced[1],
                reduced[2], reduced[3]);
        execute(REDUCE, n);
    }

    @Override
    public synchronized void copyColumns(Storage src, int srcCols, int srcStart, Storage dst, int dstCols,
                                         int dstStart, int rows, int width) {
        if (rows <= 0 || width <= 0) {
            return;
        }
        params(rows * width, off(src), srcCols, srcStart, off(dst), dstCols, dstStart, width);
        execute(COPY_COLUMNS, rows * width);
    }

    @Override
    public synchronized void gatherRows(Storage src, int cols, int[] rowIndices, Storage dst) {
        if (cols <= 0) {
            return;
        }
        for (int r0 = 0; r0 < rowIndices.length; r0 += INDEX_CAPACITY) {
            int rows = Math.min(INDEX_CAPACITY, rowIndices.length - r0);
            for (int r = 0; r < rows; r++) {
                indices.set(r, rowIndices[r0 + r]);
            }
            params(rows * cols, off(src), off(dst) + r0 * cols, cols);
            execute(GATHER, rows * cols);
        }
    }

    @Override
    public synchronized void indexAdd(int rows, int cols, int[] rowIndices, Storage src, Storage dst, int dstRows) {
        if (rows <= 0 || cols <= 0) {
            return;
        }
        // Chunks of rows in order keep the fixed summation order of repeated indices.
        for (int r0 = 0; r0 < rows; r0 += INDEX_CAPACITY) {
            int len = Math.min(INDEX_CAPACITY, rows - r0);
            for (int r = 0; r < len; r++) {
                indices.set(r, rowIndices[r0 + r]);
            }
            params(cols, off(src) + r0 * cols, off(dst), len);
            execute(INDEX_ADD, cols);
        }
    }

    // --------------------------------------------------------------------------------- images

    @Override
    public synchronized void conv2d(int batch, int inChannels, int height, int width, int outChannels, int kernelH,
                                    int kernelW, int stride, int padding, Storage x, Storage weight, Storage bias,
                                    Storage out) {
        int ho = (height + 2 * padding - kernelH) / stride + 1;
        int wo = (width + 2 * padding - kernelW) / stride + 1;
        int n = batch * outChannels * ho * wo;
        if (n <= 0) {
            return;
        }
        params(n, off(x), off(weight), bias == null ? -1 : off(bias), off(out), inChannels, height, width, outChannels,
                kernelH, kernelW, stride, padding, ho, wo);
        execute(CONV, n);
    }

    @Override
    public synchronized void conv2dBackwardInput(int batch, int inChannels, int height, int width, int outChannels,
                                                 int kernelH, int kernelW, int stride, int padding, Storage gradOut,
                                                 Storage weight, Storage gradInput) {
        int ho = (height + 2 * padding - kernelH) / stride + 1;
        int wo = (width + 2 * padding - kernelW) / stride + 1;
        int n = batch * inChannels * height * width;
        if (n <= 0) {
            return;
        }
        params(n, off(gradOut), off(weight), off(gradInput), inChannels, height, width, outChannels, kernelH, kernelW,
                stride, padding, ho, wo);
        execute(CONV_BACKWARD_INPUT, n);
    }

    @Override
    public synchronized void conv2dBackwardWeight(int batch, int inChannels, int height, int width, int outChannels,
                                                  int kernelH, int kernelW, int stride, int padding, Storage x,
                                                  Storage gradOut, Storage gradWeight) {
        int ho = (height + 2 * padding - kernelH) / stride + 1;
        int wo = (width + 2 * padding - kernelW) / stride + 1;
        int n = outChannels * inChannels * kernelH * kernelW;
        if (n <= 0) {
            return;
        }
        params(n, off(x), off(gradOut), off(gradWeight), batch, inChannels, height, width, outChannels, kernelH,
                kernelW, stride, padding, ho, wo);
        execute(CONV_BACKWARD_WEIGHT, n);
    }

    @Override
    public synchronized void softmaxRows(int rows, int cols, Storage x, Storage out) {
        if (rows <= 0 || cols <= 0) {
            return;
        }
        params(rows, off(x), off(out), cols);
        execute(SOFTMAX, rows);
    }

    @Override
    public synchronized void groupNormForward(int batch, int channels, int spatial, int groups, float eps, Storage x,
                                              Storage gamma, Storage beta, Storage out, Storage mean, Storage rstd) {
        int items = batch * groups;
        if (items <= 0) {
            return;
        }
        params(items, off(x), off(mean), off(rstd), channels / groups * spatial);
        fp.set(0, eps);
        execute(GN_STATS, items);
        int n = batch * channels * spatial;
        params(n, off(x), off(out), off(mean), off(rstd), gamma == null ? -1 : off(gamma),
                beta == null ? -1 : off(beta), channels, spatial, groups);
        execute(GN_APPLY, n);
    }

    @Override
    public synchronized void groupNormBackward(int batch, int channels, int spatial, int groups, Storage x,
                                               Storage gamma, Storage mean, Storage rstd, Storage gradOut,
                                               Storage gradX, Storage gradGamma, Storage gradBeta) {
        int bc = batch * channels;
        if (bc <= 0) {
            return;
        }
        Arena.Region sums = arena.allocate(2 * bc);
        if (sums == null) {
            throw arena.full(2 * bc);
        }
        try {
            int sumG = sums.offset;
            int sumGx = sums.offset + bc;
            params(bc, off(x), off(gradOut), off(mean), off(rstd), sumG, sumGx, channels, spatial, groups);
            execute(GN_CHANNEL_SUMS, bc);
            if (gradX != null) {
                int n = bc * spatial;
                params(n, off(x), off(gradOut), off(mean), off(rstd), sumG, sumGx, gamma == null ? -1 : off(gamma),
                        off(gradX), channels, spatial, groups);
                execute(GN_GRAD_X, n);
            }
            if (gradGamma != null) {
                params(channels, sumGx, off(gradGamma), batch);
                execute(SUM_OVER_BATCH, channels);
            }
            if (gradBeta != null) {
                params(channels, sumG, off(gradBeta), batch);
                execute(SUM_OVER_BATCH, channels);
            }
        } finally {
            sums.release();
        }
    }

    // ------------------------------------------------------------------------------- random

    /** Drawn on the host from the same counter-based streams as the Java backend, then uploaded. */
    @Override
    public synchronized void fillNormal(Storage out, int rows, int cols, long[] rowKeys, long counter) {
        if (rows <= 0 || cols <= 0) {
            return;
        }
        float[] v = new float[rows * cols];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                v[r * cols + c] = (float) Rng.normal(rowKeys[r], counter + c);
            }
        }
        write(v, 0, off(out), v.length);
    }

    @Override
    public synchronized void fillUniform(Storage out, int rows, int cols, long[] rowKeys, long counter) {
        if (rows <= 0 || cols <= 0) {
            return;
        }
        float[] v = new float[rows * cols];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                v[r * cols + c] = Math.min((float) Rng.uniform(rowKeys[r], counter + c), 0x1.fffffep-1f);
            }
        }
        write(v, 0, off(out), v.length);
    }

    // ---------------------------------------------------------------------------- optimisers

    @Override
    public synchronized void adamStep(Storage param, Storage grad, Storage m, Storage v, int n, float lr, float beta1,
                                      float beta2, float eps, float weightDecay, float biasCorrection1,
                                      float biasCorrection2) {
        if (n <= 0) {
            return;
        }
        params(n, off(param), off(grad), off(m), off(v));
        fp.set(0, lr);
        fp.set(1, beta1);
        fp.set(2, beta2);
        fp.set(3, eps);
        fp.set(4, weightDecay);
        fp.set(5, biasCorrection1);
        fp.set(6, biasCorrection2);
        execute(ADAM, n);
    }

    @Override
    public synchronized void emaUpdate(Storage ema, Storage param, int n, float decay) {
        if (n <= 0) {
            return;
        }
        params(n, off(ema), off(param));
        fp.set(0, decay);
        execute(EMA, n);
    }
}
