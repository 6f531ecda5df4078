package org.diffusion4j.runtime.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.function.IntConsumer;
import org.diffusion4j.api.tensor.Backend;
import org.diffusion4j.api.tensor.BinaryOp;
import org.diffusion4j.api.tensor.Storage;
import org.diffusion4j.api.tensor.UnaryOp;
import org.diffusion4j.runtime.backend.JavaBackend;

/**
 * The Java backend on one thread, counting the storage it is asked for inside and outside the
 * steps ({@link Backend#beginStep} … {@link Backend#endStep}). Storage made inside a step is
 * recycled when the step ends; storage made outside is new every time. So a sampler whose steps
 * are all scoped asks for the same out-of-step storage whatever its number of steps: the check of
 * the rule "no allocation in the sampling hot loop" that needs no timing and no heap counters.
 */
public final class StepCountingBackend implements Backend {

    /** What one {@link #count} saw. */
    public record Counts(int steps, int insideSteps, int outsideSteps) {
    }

    private final JavaBackend inner = new JavaBackend(1);
    private boolean open;
    private int steps;
    private int inside;
    private int outside;

    /** Runs {@code work} and counts the steps it opened and the storage it made in and out of them. */
    public Counts count(Runnable work) {
        steps = 0;
        inside = 0;
        outside = 0;
        work.run();
        if (open) {
            throw new AssertionError("a step was left open");
        }
        return new Counts(steps, inside, outside);
    }

    /**
     * Asserts that {@code sample} (given a number of steps) runs its steps in scopes and makes no
     * more storage outside them with {@code many} steps than with {@code few}: nothing per step
     * escapes the pool.
     */
    public void assertStepsRecycle(IntConsumer sample, int few, int many) {
        Counts a = count(() -> sample.accept(few));
        Counts b = count(() -> sample.accept(many));
        assertThat(b.steps()).as("scoped steps").isGreaterThan(a.steps());
        assertThat(b.insideSteps()).as("storage made inside steps")
                .isGreaterThan(a.insideSteps());
        assertThat(b.outsideSteps()).as("storage made outside steps, " + many
                + " steps against " + few).isEqualTo(a.outsideSteps());
    }

    private void made() {
        if (open) {
            inside++;
        } else {
            outside++;
        }
    }

    @Override
    public void beginStep() {
        if (open) {
            throw new AssertionError("a step begun inside a step");
        }
        open = true;
        steps++;
        inner.beginStep();
    }

    @Override
    public void endStep() {
        open = false;
        inner.endStep();
    }

    @Override
    public Storage allocate(int size) {
        made();
        return inner.allocate(size);
    }

    @Override
    public Storage allocateOutput(int size) {
        made();
        return inner.allocateOutput(size);
    }

    @Override
    public Storage allocatePersistent(int size) {
        outside++;   // never recycled, wherever it is made
        return inner.allocatePersistent(size);
    }

    @Override
    public Storage upload(float[] data) {
        made();
        return inner.upload(data);
    }

    @Override
    public String name() {
        return inner.name();
    }

    @Override
    public int threads() {
        return inner.threads();
    }

    @Override
    public void download(Storage src, float[] dst) {
        inner.download(src, dst);
    }

    @Override
    public void copy(Storage src, int srcOffset, Storage dst, int dstOffset, int n) {
        inner.copy(src, srcOffset, dst, dstOffset, n);
    }

    @Override
    public void gemm(int batch, boolean transA, boolean transB, int m, int n, int k, Storage a, int aBatchStride,
                     Storage b, int bBatchStride, Storage c, boolean accumulate) {
        inner.gemm(batch, transA, transB, m, n, k, a, aBatchStride, b, bBatchStride, c, accumulate);
    }

    @Override
    public void gemmBias(boolean transA, boolean transB, int m, int n, int k, Storage a, Storage b, Storage bias,
                         Storage c) {
        inner.gemmBias(transA, transB, m, n, k, a, b, bias, c);
    }

    @Override
    public void fill(Storage out, float value, int n) {
        inner.fill(out, value, n);
    }

    @Override
    public void unary(UnaryOp op, Storage x, Storage out, int n) {
        inner.unary(op, x, out, n);
    }

    @Override
    public void silu(Storage x, Storage out, Storage sigma, int n) {
        inner.silu(x, out, sigma, n);
    }

    @Override
    public void siluBackward(Storage g, Storage x, Storage sigma, Storage out, int n) {
        inner.siluBackward(g, x, sigma, out, n);
    }

    @Override
    public void affine(Storage x, float scale, float shift, Storage out, int n) {
        inner.affine(x, scale, shift, out, n);
    }

    @Override
    public void pow(Storage x, float p, Storage out, int n) {
        inner.pow(x, p, out, n);
    }

    @Override
    public void binary(BinaryOp op, Storage a, int[] aStrides, Storage b, int[] bStrides, Storage out,
                       int[] outShape) {
        inner.binary(op, a, aStrides, b, bStrides, out, outShape);
    }

    @Override
    public void reduceSum(Storage x, int[] inShape, Storage out, int[] outShape) {
        inner.reduceSum(x, inShape, out, outShape);
    }

    @Override
    public void copyColumns(Storage src, int srcCols, int srcStart, Storage dst, int dstCols, int dstStart,
                            int rows, int width) {
        inner.copyColumns(src, srcCols, srcStart, dst, dstCols, dstStart, rows, width);
    }

    @Override
    public void gatherRows(Storage src, int cols, int[] indices, Storage dst) {
        inner.gatherRows(src, cols, indices, dst);
    }

    @Override
    public void indexAdd(int rows, int cols, int[] indices, Storage src, Storage dst, int dstRows) {
        inner.indexAdd(rows, cols, indices, src, dst, dstRows);
    }

    @Override
    public void conv2d(int batch, int inChannels, int height, int width, int outChannels, int kernelH, int kernelW,
                       int stride, int padding, Storage x, Storage weight, Storage bias, Storage out) {
        inner.conv2d(batch, inChannels, height, width, outChannels, kernelH, kernelW, stride, padding, x, weight, bias,
                out);
    }

    @Override
    public void conv2dBackwardInput(int batch, int inChannels, int height, int width, int outChannels, int kernelH,
                                    int kernelW, int stride, int padding, Storage gradOut, Storage weight,
                                    Storage gradInput) {
        inner.conv2dBackwardInput(batch, inChannels, height, width, outChannels, kernelH, kernelW, stride, padding,
                gradOut, weight, gradInput);
    }

    @Override
    public void conv2dBackwardWeight(int batch, int inChannels, int height, int width, int outChannels, int kernelH,
                                     int kernelW, int stride, int padding, Storage x, Storage gradOut,
                                     Storage gradWeight) {
        inner.conv2dBackwardWeight(batch, inChannels, height, width, outChannels, kernelH, kernelW, stride, padding,
                x, gradOut, gradWeight);
    }

    @Override
    public void softmaxRows(int rows, int cols, Storage x, Storage out) {
        inner.softmaxRows(rows, cols, x, out);
    }

    @Override
    public void groupNormForward(int batch, int channels, int spatial, int groups, float eps, Storage x,
                                 Storage gamma, Storage beta, Storage out, Storage mean, Storage rstd) {
        inner.groupNormForward(batch, channels, spatial, groups, eps, x, gamma, beta, out, mean, rstd);
    }

    @Override
    public void groupNormBackward(int batch, int channels, int spatial, int groups, Storage x, Storage gamma,
                                  Storage mean, Storage rstd, Storage gradOut, Storage gradX, Storage gradGamma,
                                  Storage gradBeta) {
        inner.groupNormBackward(batch, channels, spatial, groups, x, gamma, mean, rstd, gradOut, gradX, gradGamma,
                gradBeta);
    }

    @Override
    public void fillNormal(Storage out, int rows, int cols, long[] rowKeys, long counter) {
        inner.fillNormal(out, rows, cols, rowKeys, counter);
    }

    @Override
    public void fillUniform(Storage out, int rows, int cols, long[] rowKeys, long counter) {
        inner.fillUniform(out, rows, cols, rowKeys, counter);
    }

    @Override
    public void adamStep(Storage param, Storage grad, Storage m, Storage v, int n, float lr, float beta1,
                         float beta2, float eps, float weightDecay, float biasCorrection1, float biasCorrection2) {
        inner.adamStep(param, grad, m, v, n, lr, beta1, beta2, eps, weightDecay, biasCorrection1, biasCorrection2);
    }

    @Override
    public void emaUpdate(Storage ema, Storage param, int n, float decay) {
        inner.emaUpdate(ema, param, n, decay);
    }

    @Override
    public void close() {
        inner.close();
    }
}
