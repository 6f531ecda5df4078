package org.diffusion4j.runtime.io;

import java.io.Console;
import java.io.PrintStream;
import java.util.Locale;
import java.util.Objects;
import java.util.function.LongSupplier;

/**
 * Reports the progress of long work (training steps, sampling batches): count, rate, time left and a
 * free-form detail such as {@code "loss 5.53"}.
 *
 * <p>On an interactive terminal one line is redrawn in place with {@code '\r'}, at most ten times per
 * second:
 * <pre>train [########------------]  450/1000  45% | 12.3 it/s | ETA 0:44 | loss 5.53</pre>
 * Otherwise (logs, CI, redirected output) plain lines are printed each time another tenth of the work
 * is done, or after {@value #LOG_INTERVAL_SECONDS} seconds without a line:
 * <pre>train: 450/1000 (45%), 12.3 it/s, ETA 0:44, loss 5.53</pre>
 * {@link #finish()} prints the final line with the total time.
 *
 * <p>The rate is measured from the first {@link #update} (so a run resumed at step 5000 does not
 * count the 5000 steps as instantaneous) and the time left extrapolates it, but only once
 * {@value #ETA_MIN_UNITS} units and {@value #ETA_MIN_SECONDS} s have passed since that first update
 * ({@link #etaKnown}): the first steps of a run pay for warming up and would promise hours for a
 * run of seconds. Before that no time left is shown. A total of 0 or less means
 * "unknown": no bar, percentage or ETA, and plain lines every {@value #LOG_INTERVAL_SECONDS} seconds.
 * Thread-safe.
 */
public final class Progress {

    /** Longest silence between plain log lines, in seconds. */
    public static final long LOG_INTERVAL_SECONDS = 30;

    /** Units that must be done since the first update before a time left is shown. */
    public static final long ETA_MIN_UNITS = 3;

    /** Seconds that must pass since the first update before a time left is shown. */
    public static final long ETA_MIN_SECONDS = 1;

    private static final long REDRAW_NANOS = 100_000_000L;
    private static final long LOG_INTERVAL_NANOS = LOG_INTERVAL_SECONDS * 1_000_000_000L;
    private static final int BAR_WIDTH = 24;

    private final String label;
    private final long total;
    private final PrintStream out;
    private final boolean interactive;
    private final LongSupplier nanoTime;
    private final long startNanos;

    private boolean started;
    private long firstNanos;
    private long firstDone;
    private long done;
    private String detail = "";
    private long lastPrintNanos;
    private boolean printedOnce;
    /** Non-interactive: the tenth of the work last reported. */
    private long lastTenth = -1;
    /** Interactive: length of the line on screen, to blank out the rest when a shorter one follows. */
    private int shownLength;
    private boolean finished;

    /** A reporter on the system clock. */
    public Progress(String label, long total, PrintStream out, boolean interactive) {
        this(label, total, out, interactive, System::nanoTime);
    }

    /** A reporter on the given clock (nanoseconds, as {@link System#nanoTime()}); tests pass a fake one. */
    public Progress(String label, long total, PrintStream out, boolean interactive, LongSupplier nanoTime) {
        this.label = Objects.requireNonNull(label, "label");
        this.total = total;
        this.out = Objects.requireNonNull(out, "out");
        this.interactive = interactive;
        this.nanoTime = Objects.requireNonNull(nanoTime, "nanoTime");
        this.startNanos = nanoTime.getAsLong();
        this.lastPrintNanos = startNanos;
    }

    /**
     * A reporter on standard error, redrawing a line in place when the JVM runs on a terminal
     * ({@link System#console()} is one) and {@code TERM} is not {@code dumb}, plain lines otherwise.
     */
    public static Progress forConsole(String label, long total) {
        Console console = System.console();
        boolean interactive = console != null && console.isTerminal() && !"dumb".equals(System.getenv("TERM"));
        return new Progress(label, total, System.err, interactive);
    }

    /** Whether this reporter redraws one line in place. */
    public boolean interactive() {
        return interactive;
    }

    /** Records that {@code done} units are complete; {@code detail} (may be null or empty) is shown after. */
    public synchronized void update(long done, String detail) {
        if (finished) {
            return;
        }
        long now = nanoTime.getAsLong();
        if (!started) {
            started = true;
            firstNanos = now;
            firstDone = done;
        }
        this.done = done;
        this.detail = detail == null ? "" : detail;
        boolean complete = total > 0 && done >= total;
        if (interactive) {
            if (!printedOnce || complete || now - lastPrintNanos >= REDRAW_NANOS) {
                redraw(now);
            }
        } else {
            long tenth = total > 0 ? Math.min(10, Math.max(0, done) * 10 / total) : -1;
            boolean nextTenth = total > 0 && tenth > lastTenth;
            if (!printedOnce || nextTenth || now - lastPrintNanos >= LOG_INTERVAL_NANOS) {
                lastTenth = Math.max(lastTenth, tenth);
                print(now, logLine(now));
            }
        }
    }

    /** Records progress without changing the detail. */
    public synchronized void update(long done) {
        update(done, detail);
    }

    /** Prints the final line (count, total time, average rate, last detail) once; later calls do nothing. */
    public synchronized void finish() {
        if (finished) {
            return;
        }
        finished = true;
        long now = nanoTime.getAsLong();
        StringBuilder line = new StringBuilder(label).append(": done ").append(count())
                .append(" in ").append(duration(now - startNanos));
        double rate = rate(now);
        if (!Double.isNaN(rate)) {
            line.append(" (").append(formatRate(rate)).append(')');
        }
        if (!detail.isEmpty()) {
            line.append(", ").append(detail);
        }
        if (interactive) {
            out.print('\r' + pad(line.toString()) + System.lineSeparator());
            out.flush();
        } else {
            print(now, line.toString());
        }
    }

    // ---------------------------------------------------------------- lines

    private void redraw(long now) {
        StringBuilder line = new StringBuilder(label).append(' ');
        if (total > 0) {
            double fraction = Math.clamp((double) done / total, 0, 1);
            int filled = (int) Math.floor(fraction * BAR_WIDTH);
            line.append('[').append("#".repeat(filled)).append("-".repeat(BAR_WIDTH - filled)).append("] ");
        }
        line.append(count());
        if (total > 0) {
            line.append(' ').append(percent());
        }
        double rate = rate(now);
        line.append(" | ").append(Double.isNaN(rate) ? "-- it/s" : formatRate(rate));
        if (total > 0 && (done >= total || etaKnown(done - firstDone, now - firstNanos))) {
            line.append(" | ETA ").append(eta(rate));
        }
        if (!detail.isEmpty()) {
            line.append(" | ").append(detail);
        }
        out.print('\r' + pad(line.toString()));
        out.flush();
        lastPrintNanos = now;
        printedOnce = true;
    }

    private String logLine(long now) {
        StringBuilder line = new StringBuilder(label).append(": ").append(count());
        if (total > 0) {
            line.append(" (").append(percent()).append(')');
        }
        double rate = rate(now);
        if (!Double.isNaN(rate)) {
            line.append(", ").append(formatRate(rate));
            if (total > 0 && done < total && etaKnown(done - firstDone, now - firstNanos)) {
                line.append(", ETA ").append(eta(rate));
            }
        }
        if (!detail.isEmpty()) {
            line.append(", ").append(detail);
        }
        return line.toString();
    }

    private void print(long now, String line) {
        out.println(line);
        out.flush();
        lastPrintNanos = now;
        printedOnce = true;
    }

    /** {@code line} padded with spaces to cover the previous, longer line on screen. */
    private String pad(String line) {
        String padded = line.length() < shownLength ? line + " ".repeat(shownLength - line.length()) : line;
        shownLength = line.length();
        return padded;
    }

    private String count() {
        return total > 0 ? done + "/" + total : Long.toString(done);
    }

    private String percent() {
        return (int) Math.floor(Math.clamp(100.0 * done / total, 0, 100)) + "%";
    }

    /** Units per second since the first update, or NaN while there is nothing to measure yet. */
    private double rate(long now) {
        long units = done - firstDone;
        long nanos = now - firstNanos;
        if (!started || nanos <= 0 || units <= 0) {
            return Double.NaN;
        }
        return units * 1e9 / nanos;
    }

    /**
     * Whether the rate is trustworthy enough to extrapolate a time left: at least
     * {@value #ETA_MIN_UNITS} units done and {@value #ETA_MIN_SECONDS} s passed since the first update.
     */
    static boolean etaKnown(long unitsSinceFirst, long nanosSinceFirst) {
        return unitsSinceFirst >= ETA_MIN_UNITS && nanosSinceFirst >= ETA_MIN_SECONDS * 1_000_000_000L;
    }

    private String eta(double rate) {
        if (Double.isNaN(rate)) {
            return "--:--";
        }
        long left = Math.max(0, total - done);
        return duration((long) Math.ceil(left / rate * 1e9));
    }

    static String formatRate(double perSecond) {
        if (perSecond < 1) {
            return String.format(Locale.ROOT, "%.1f s/it", 1 / perSecond);
        }
        String pattern = perSecond >= 100 ? "%.0f it/s" : perSecond >= 10 ? "%.1f it/s" : "%.2f it/s";
        return String.format(Locale.ROOT, pattern, perSecond);
    }

    /** {@code m:ss} below an hour, {@code h:mm:ss} above; rounded up to whole seconds. */
    static String duration(long nanos) {
        long seconds = Math.ceilDiv(Math.max(0, nanos), 1_000_000_000L);
        long h = seconds / 3600;
        long m = seconds / 60 % 60;
        long s = seconds % 60;
        return h > 0 ? String.format(Locale.ROOT, "%d:%02d:%02d", h, m, s) : String.format(Locale.ROOT, "%d:%02d", m, s);
    }
}
