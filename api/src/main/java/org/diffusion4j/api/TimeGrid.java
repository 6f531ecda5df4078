package org.diffusion4j.api;

import java.util.Arrays;

/**
 * The times a sampler visits, terminal value included: step i goes from {@code t(i)} to
 * {@code t(i+1)}. Immutable; the next time is always read from the grid, never recomputed from a
 * stride (the source of diffusers bugs #9261 and #12633).
 */
public final class TimeGrid {

    private final double[] times;

    private TimeGrid(double[] times) {
        this.times = times;
    }

    /** A grid from explicit times (at least two, strictly monotone). */
    public static TimeGrid of(double... times) {
        if (times.length < 2) {
            throw new IllegalArgumentException("a time grid needs at least two times");
        }
        double dir = Math.signum(times[1] - times[0]);
        for (int i = 1; i < times.length; i++) {
            if (Math.signum(times[i] - times[i - 1]) != dir || dir == 0) {
                throw new IllegalArgumentException("time grid is not strictly monotone: " + Arrays.toString(times));
            }
        }
        return new TimeGrid(times.clone());
    }

    /** {@code steps} equal steps from {@code from} to {@code to}, both included. */
    public static TimeGrid uniform(double from, double to, int steps) {
        if (steps < 1) {
            throw new IllegalArgumentException("steps must be at least 1, got " + steps);
        }
        double[] t = new double[steps + 1];
        for (int i = 0; i <= steps; i++) {
            t[i] = from + (to - from) * i / steps;
        }
        t[steps] = to;
        return new TimeGrid(t);
    }

    /** Number of steps (one less than the number of times). */
    public int steps() {
        return times.length - 1;
    }

    public double t(int i) {
        return times[i];
    }

    public double[] toArray() {
        return times.clone();
    }
}
