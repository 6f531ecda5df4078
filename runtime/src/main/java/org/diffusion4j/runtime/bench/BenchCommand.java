package org.diffusion4j.runtime.bench;

import java.io.PrintStream;

/** The launcher's {@code bench} command: the end-to-end speed workloads of issue 5 beside the PyTorch peer. */
public final class BenchCommand {

    private final PrintStream out;
    private final PrintStream err;

    public BenchCommand(PrintStream out, PrintStream err) {
        this.out = out;
        this.err = err;
    }

    /** Runs the command; returns the exit status. */
    public int run(String[] args) throws Exception {
        err.println("bench: not built yet");
        return 1;
    }
}
