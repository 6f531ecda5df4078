package org.diffusion4j.jmh;

import java.util.List;
import java.util.concurrent.TimeUnit;
import org.diffusion4j.api.PointSet;
import org.diffusion4j.api.tensor.Backend;
import org.diffusion4j.runtime.engine.Pipeline;
import org.diffusion4j.runtime.engine.Sampling;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * Sampling steps over 10 000 points through {@link Sampling}: the seed MLP with the Euler ODE sampler
 * (flow-matching.euler) and the DDPM ε-MLP with ancestral sampling (Ho et al. 2020, Algorithm 2), each
 * invocation {@link #STEPS} steps. Score = steps/s; × 10 000 = sample·steps/s.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class SamplingStepBenchmark {

    static final int STEPS = 20;
    static final int COUNT = 10_000;

    @Param({"seed", "ddpm"})
    public String net;

    @Param({"2"})
    public int threads;

    private Backend backend;
    private Pipeline pipeline;
    private String sampler;

    @Setup
    public void setUp() {
        backend = Benches.backend(threads);
        sampler = net.equals("seed") ? "ode" : "ancestral";
        pipeline = Benches.pipeline(net, backend, List.of("samplers." + sampler + ".steps=" + STEPS));
    }

    @TearDown
    public void tearDown() {
        backend.close();
    }

    @Benchmark
    @OperationsPerInvocation(STEPS)
    public PointSet steps() {
        return Sampling.sample(backend, pipeline.model(), pipeline.samplers().get(sampler),
                pipeline.dataset().dimension(), pipeline.spec().seed(), COUNT, COUNT, total -> null);
    }
}
