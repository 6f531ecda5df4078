package org.diffusion4j.jmh;

import java.util.concurrent.TimeUnit;
import org.diffusion4j.api.tensor.Backend;
import org.diffusion4j.api.tensor.Storage;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * The Java backend's GEMM, C (m×n) = A (m×k) · B (k×n), at the bench's shapes: square 1024³ and
 * 4096³, and the skinny products the MLP layers make (512×64×64: a 64-wide layer at batch 512;
 * 10000×128×128: a 128-wide layer over 10 000 samples). GFLOP/s = 2·m·n·k · (ops/s) / 10⁹.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class GemmBenchmark {

    /** m x n x k. */
    @Param({"1024x1024x1024", "512x64x64", "10000x128x128", "4096x4096x4096"})
    public String shape;

    @Param({"2"})
    public int threads;

    private Backend backend;
    private Storage a;
    private Storage b;
    private Storage c;
    private int m;
    private int n;
    private int k;

    @Setup
    public void setUp() {
        String[] d = shape.split("x");
        m = Integer.parseInt(d[0]);
        n = Integer.parseInt(d[1]);
        k = Integer.parseInt(d[2]);
        backend = Benches.backend(threads);
        a = backend.upload(values(m * k, 1));
        b = backend.upload(values(k * n, 2));
        c = backend.allocate(m * n);
    }

    @TearDown
    public void tearDown() {
        backend.close();
    }

    @Benchmark
    public Storage gemm() {
        backend.gemm(1, false, false, m, n, k, a, 0, b, 0, c, false);
        return c;
    }

    private static float[] values(int size, int salt) {
        float[] v = new float[size];
        for (int i = 0; i < size; i++) {
            v[i] = (((i + 1L) * 2654435761L + salt) % 1000) / 1000f - 0.5f;
        }
        return v;
    }
}
