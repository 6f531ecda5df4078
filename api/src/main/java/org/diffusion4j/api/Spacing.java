package org.diffusion4j.api;

import java.util.Locale;
import org.diffusion4j.api.Schedule;
import org.diffusion4j.api.TimeGrid;
import org.diffusion4j.api.config.ConfigException;

/**
 * Which S of the T training steps a strided sampler visits (Nichol and Dhariwal 2021, §4; Song et
 * al. 2020, DDIM §4.2 "accelerated generation"; Lin et al. 2024, "Common diffusion noise schedules
 * and sample steps are flawed", Table 2 names the spacings). With 0-based step indices k = 0..T−1
 * (training time t = (k + 1)/T) and c = ⌊T/S⌋:
 * <ul>
 * <li>{@code LEADING}: k = 0, c, 2c, …, (S−1)·c (the official DDIM code's "uniform" skip);</li>
 * <li>{@code TRAILING}: k = T−1, T−1−c, …, T−1−(S−1)·c (always starts at the last step);</li>
 * <li>{@code LINSPACE}: k = round(j·(T−1)/(S−1)), j = 0..S−1 (both ends; k = T−1 for S = 1).</li>
 * </ul>
 * The grid is the chosen times in descending order <b>plus its terminal value tMin</b> (ᾱ = 1, the
 * data), so every chosen time must lie above tMin (a schedule whose smallest training time is tMin,
 * as NCSN's geometric levels, is refused with that reason by the spacings that pick it). Built once as
 * an immutable {@link TimeGrid}: step i always goes to {@code grid.t(i + 1)}, never to a time
 * recomputed from the stride (diffusers #9261, #12633). A continuous-time schedule (no training times)
 * is treated as {@value #CONTINUOUS_CANDIDATES} equal steps on (tMin, tMax].
 * Part of the SPI so that every strided sampler (ancestral, DDIM, …) names the same spacings.
 */
public enum Spacing {
    LEADING,
    TRAILING,
    LINSPACE;

    /** Candidate count for a schedule without discrete training times. */
    public static final int CONTINUOUS_CANDIDATES = 1000;

    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static Spacing parse(String id) {
        return valueOf(id.toUpperCase(Locale.ROOT));
    }

    /**
     * The 0-based indices, ascending, of {@code steps} of {@code candidates} training steps.
     *
     * @throws IllegalArgumentException when steps is not in [1, candidates]
     */
    public int[] indices(int candidates, int steps) {
        if (steps < 1 || steps > candidates) {
            throw new ConfigException("steps = " + steps + " is not in [1, " + candidates
                    + "] (the schedule's number of training steps)");
        }
        int[] k = new int[steps];
        int c = candidates / steps;
        for (int j = 0; j < steps; j++) {
            k[j] = switch (this) {
                case LEADING -> j * c;
                case TRAILING -> candidates - 1 - (steps - 1 - j) * c;
                case LINSPACE -> steps == 1 ? candidates - 1
                        : (int) Math.round((double) j * (candidates - 1) / (steps - 1));
            };
        }
        return k;
    }

    /** The candidate times of a schedule, ascending: its training times, or equal steps on (tMin, tMax]. */
    public static double[] candidates(Schedule schedule) {
        double[] times = schedule.trainingTimes();
        if (times.length > 0) {
            return times;
        }
        double lo = schedule.tMin();
        double hi = schedule.tMax();
        double[] t = new double[CONTINUOUS_CANDIDATES];
        for (int i = 1; i <= CONTINUOUS_CANDIDATES; i++) {
            t[i - 1] = lo + (hi - lo) * i / CONTINUOUS_CANDIDATES;
        }
        t[CONTINUOUS_CANDIDATES - 1] = hi;
        return t;
    }

    /** The descending grid of {@code steps} chosen times, terminal value tMin included. */
    public TimeGrid grid(Schedule schedule, int steps) {
        double[] candidates = candidates(schedule);
        int[] k = indices(candidates.length, steps);
        double[] t = new double[steps + 1];
        for (int j = 0; j < steps; j++) {
            t[steps - 1 - j] = candidates[k[j]];
        }
        t[steps] = schedule.tMin();
        if (!(t[steps - 1] > t[steps])) {
            // NCSN's geometric levels put the smallest noise level at tMin: a step from it to itself.
            throw new ConfigException("spacing " + id() + " picks the training time t = " + t[steps - 1]
                    + ", which is the schedule's end tMin = " + t[steps] + ": the chain's last step goes from the"
                    + " smallest chosen time down to tMin (the data, ᾱ = 1 on DDPM's schedules), so every chosen time"
                    + " must lie above tMin, but this schedule's smallest noise level (σ = " + schedule.sigma(t[steps])
                    + ") is a training time at tMin itself; spacing trailing with steps < " + candidates.length
                    + " picks times above it");
        }
        return TimeGrid.of(t);
    }
}
