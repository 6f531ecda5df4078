package org.diffusion4j.runtime.backend;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.diffusion4j.api.nn.Activation;
import org.diffusion4j.api.nn.Linear;
import org.diffusion4j.api.nn.Sequential;
import org.diffusion4j.api.tensor.Backend;
import org.diffusion4j.api.tensor.Rng;
import org.diffusion4j.api.tensor.Storage;
import org.diffusion4j.api.tensor.Tensor;

/**
 * Not a test: times one training step (forward, backward, Adam) of the seed MLP
 * (3→64, ReLU, 64→64, ReLU, 64→2; batch 512; MSE loss) on {@link JavaBackend}.
 * Run with {@code java -cp <test-classes>:<classes>:<api> org.diffusion4j.runtime.backend.MlpStepBench [threads…]}.
 * Timings are printed, never asserted.
 */
public final class MlpStepBench {

    private MlpStepBench() {
    }

    public static void main(String[] args) {
        int[] counts = args.length == 0 ? new int[]{1, 2} : Arrays.stream(args).mapToInt(Integer::parseInt).toArray();
        for (int round = 0; round < 2; round++) {
            for (int threads : counts) {
                try (JavaBackend backend = new JavaBackend(threads)) {
                    double[] ms = time(backend, 3000, 7, 500);
                    Arrays.sort(ms);
                    System.out.printf("threads=%d  ms/step: min %.3f  median %.3f  max %.3f%n", threads, ms[0],
                            ms[ms.length / 2], ms[ms.length - 1]);
                }
            }
        }
    }

    /** Milliseconds per step for {@code rounds} rounds of {@code steps} steps after {@code warmup}. */
    static double[] time(Backend backend, int warmup, int rounds, int steps) {
        Trainer trainer = new Trainer(backend, 42);
        for (int i = 0; i < warmup; i++) {
            trainer.step();
        }
        double[] ms = new double[rounds];
        for (int r = 0; r < rounds; r++) {
            long t0 = System.nanoTime();
            for (int i = 0; i < steps; i++) {
                trainer.step();
            }
            ms[r] = (System.nanoTime() - t0) / 1e6 / steps;
        }
        return ms;
    }

    /** The seed MLP with plain Adam (Kingma and Ba 2015, Algorithm 1) on a fixed batch. */
    static final class Trainer {
        final Backend backend;
        final Sequential mlp;
        final List<Tensor> params;
        final Storage[] m;
        final Storage[] v;
        final Tensor x;
        final Tensor y;
        int t;

        Trainer(Backend backend, long seed) {
            this.backend = backend;
            Rng rng = new Rng(seed);
            Rng init = rng.split("init");
            mlp = new Sequential(List.of(
                    new Linear(backend, init, 3, 64), new Activation(Activation.Function.RELU),
                    new Linear(backend, init, 64, 64), new Activation(Activation.Function.RELU),
                    new Linear(backend, init, 64, 2)));
            params = new ArrayList<>(mlp.parameters().values());
            m = new Storage[params.size()];
            v = new Storage[params.size()];
            for (int i = 0; i < params.size(); i++) {
                m[i] = backend.allocate(params.get(i).size());
                v[i] = backend.allocate(params.get(i).size());
            }
            Rng data = rng.split("data");
            x = Tensor.randn(backend, data, 512, 3);
            y = Tensor.randn(backend, data, 512, 2);
        }

        float step() {
            Tensor loss = mlp.forward(x).sub(y).square().mean();
            List<Tensor> grads = Tensor.grad(loss, params, false);
            t++;
            float b1 = 0.9f;
            float b2 = 0.999f;
            float c1 = (float) (1 - Math.pow(b1, t));
            float c2 = (float) (1 - Math.pow(b2, t));
            for (int i = 0; i < params.size(); i++) {
                Tensor p = params.get(i);
                backend.adamStep(p.storage(), grads.get(i).storage(), m[i], v[i], p.size(), 1e-3f, b1, b2, 1e-8f, 0f,
                        c1, c2);
            }
            return loss.item();
        }
    }
}
