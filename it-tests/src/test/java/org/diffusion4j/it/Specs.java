package org.diffusion4j.it;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Pipeline specs the tests write: small, so that a training run takes seconds. */
final class Specs {

    private Specs() {
    }

    /**
     * A tiny flow-matching pipeline on two Gaussians with the given schedule: a 32-wide MLP trained
     * for {@code steps} steps, sampled by a 20-step Euler ODE ({@code ode}) and a 50-step reverse SDE
     * ({@code sde}), {@code count} samples.
     */
    static String tiny(String schedule, int steps, int checkpointEvery, int count) {
        return """
                # written by the diffusion4j it-tests
                name: it-tiny
                seed: 7
                dataset:          {name: two-gaussians, count: 1000}
                schedule:         {name: %s}
                parameterization: {name: flow-matching.velocity}
                network:          {name: mlp, width: 32, depth: 2}
                loss:             {name: flow-matching.cfm}
                training:         {lr: 0.002, batch-size: 128, steps: %d, checkpoint-every: %d}
                samplers:
                  ode: {name: flow-matching.euler, steps: 20}
                  sde: {name: flow-matching.sde, steps: 50}
                sampling:         {count: %d, batch-size: 10000}
                """.formatted(schedule, steps, checkpointEvery, count);
    }

    /** {@link #tiny} with the flow-matching linear interpolant. */
    static String tiny(int steps, int checkpointEvery, int count) {
        return tiny("flow-matching.linear", steps, checkpointEvery, count);
    }

    static Path write(Path file, String text) {
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
            return Files.writeString(file, text);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
