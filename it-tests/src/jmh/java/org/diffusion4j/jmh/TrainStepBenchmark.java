package org.diffusion4j.jmh;

import java.util.List;
import java.util.concurrent.TimeUnit;
import org.diffusion4j.api.tensor.Backend;
import org.diffusion4j.runtime.engine.Pipeline;
import org.diffusion4j.runtime.engine.Trainer;
import org.diffusion4j.runtime.engine.TrainingState;
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
 * Training steps through the real {@link Trainer} (minibatch gather, loss with its noise, backward,
 * Adam, EMA): the seed-000 flow-matching MLP (Lipman et al. 2023, CFM loss) and the DDPM ε-MLP (Ho et
 * al. 2020, L_simple). One invocation continues the same training for {@link #STEPS} steps (stopped
 * from the step hook), so the per-call set-up of {@code train} is spread over them. Score = steps/s.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class TrainStepBenchmark {

    static final int STEPS = 50;

    /** Thrown by the hook to end one invocation; preallocated, without a stack trace. */
    private static final Exception STOP = new Exception("stop", null, false, false) { };

    @Param({"seed:512", "seed:4096", "ddpm:512"})
    public String workload;

    @Param({"2"})
    public int threads;

    private Backend backend;
    private Trainer trainer;
    private TrainingState state;

    @Setup
    public void setUp() {
        String[] w = workload.split(":");
        int batch = Integer.parseInt(w[1]);
        backend = Benches.backend(threads);
        Pipeline p = Benches.pipeline(w[0], backend, List.of("dataset.count=" + 8 * batch,
                "training.batch-size=" + batch, "training.steps=100000000"));
        trainer = new Trainer(p);
        state = new TrainingState(backend, p.model().network().parameters());
    }

    @TearDown
    public void tearDown() {
        backend.close();
    }

    @Benchmark
    @OperationsPerInvocation(STEPS)
    public long steps() throws Exception {
        long stopAt = state.step() + STEPS;
        try {
            trainer.train(state, s -> {
                if (s.step() >= stopAt) {
                    throw STOP;
                }
            }, null);
        } catch (Exception e) {
            if (e != STOP) {
                throw e;
            }
        }
        return state.step();
    }
}
