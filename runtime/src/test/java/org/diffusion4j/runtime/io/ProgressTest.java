package org.diffusion4j.runtime.io;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class ProgressTest {

    private static final long MS = 1_000_000L;
    private static final long S = 1_000_000_000L;

    private final AtomicLong clock = new AtomicLong(123_456_789L); // nanoTime has an arbitrary origin
    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    private final PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);

    private String output() {
        return bytes.toString(StandardCharsets.UTF_8);
    }

    private List<String> lines() {
        return output().lines().toList();
    }

    private void advance(long nanos) {
        clock.addAndGet(nanos);
    }

    @Test
    void plainLinesEveryTenthAndAtTheEnd() {
        Progress p = new Progress("train", 100, out, false, clock::get);
        p.update(0, "");
        for (int k = 1; k <= 100; k++) {
            advance(S);
            p.update(k, "loss " + (101 - k));
        }
        p.finish();

        assertThat(lines()).containsExactly(
                "train: 0/100 (0%)",
                "train: 10/100 (10%), 1.00 it/s, ETA 1:30, loss 91",
                "train: 20/100 (20%), 1.00 it/s, ETA 1:20, loss 81",
                "train: 30/100 (30%), 1.00 it/s, ETA 1:10, loss 71",
                "train: 40/100 (40%), 1.00 it/s, ETA 1:00, loss 61",
                "train: 50/100 (50%), 1.00 it/s, ETA 0:50, loss 51",
                "train: 60/100 (60%), 1.00 it/s, ETA 0:40, loss 41",
                "train: 70/100 (70%), 1.00 it/s, ETA 0:30, loss 31",
                "train: 80/100 (80%), 1.00 it/s, ETA 0:20, loss 21",
                "train: 90/100 (90%), 1.00 it/s, ETA 0:10, loss 11",
                "train: 100/100 (100%), 1.00 it/s, loss 1",
                "train: done 100/100 in 1:40 (1.00 it/s), loss 1");
        assertThat(output()).doesNotContain("\r");
    }

    @Test
    void plainLinesAlsoAfterLongSilences() {
        Progress p = new Progress("sample", 1_000_000, out, false, clock::get);
        for (int k = 0; k <= 95; k++) {
            p.update(k, null);
            advance(S);
        }
        // t = 0 (first), 30 s, 60 s, 90 s; 95 units of a million never reach the next tenth.
        assertThat(lines()).containsExactly(
                "sample: 0/1000000 (0%)",
                "sample: 30/1000000 (0%), 1.00 it/s, ETA 277:46:10",
                "sample: 60/1000000 (0%), 1.00 it/s, ETA 277:45:40",
                "sample: 90/1000000 (0%), 1.00 it/s, ETA 277:45:10");
    }

    @Test
    void rateAndEtaAreMeasuredFromTheFirstUpdateSoAResumedRunIsNotTooFast() {
        Progress p = new Progress("train", 10_000, out, false, clock::get);
        advance(5 * S); // setting up before the first step does not count
        p.update(5_000, "resumed");
        advance(40 * S);
        p.update(6_000, "loss 0.25");
        p.finish();
        assertThat(lines()).containsExactly(
                "train: 5000/10000 (50%), resumed",
                "train: 6000/10000 (60%), 25.0 it/s, ETA 2:40, loss 0.25",
                "train: done 6000/10000 in 0:45 (25.0 it/s), loss 0.25");
    }

    @Test
    void interactiveRedrawsOneLineAtMostTenTimesPerSecond() {
        Progress p = new Progress("train", 100, out, true, clock::get);
        for (int k = 1; k <= 100; k++) {
            advance(10 * MS);
            p.update(k, "loss 0.5");
        }
        String beforeFinish = output();
        p.finish();
        String all = output();

        // Drawn at k = 1 (first), 11, 21, ..., 91 (100 ms apart) and 100 (complete); finish draws once more.
        assertThat(beforeFinish.chars().filter(c -> c == '\r').count()).isEqualTo(11);
        assertThat(beforeFinish).doesNotContain("\n");
        assertThat(beforeFinish).contains(
                "\rtrain [##----------------------] 11/100 11% | 100 it/s | loss 0.5");
        assertThat(beforeFinish).endsWith(
                "\rtrain [########################] 100/100 100% | 100 it/s | ETA 0:00 | loss 0.5");
        assertThat(beforeFinish).startsWith("\rtrain [------------------------] 1/100 1% | -- it/s | loss 0.5");
        assertThat(all.substring(beforeFinish.length()))
                .isEqualTo("\r" + pad("train: done 100/100 in 0:01 (100 it/s), loss 0.5",
                        "train [########################] 100/100 100% | 100 it/s | ETA 0:00 | loss 0.5".length())
                        + System.lineSeparator());
    }

    @Test
    void noTimeLeftBeforeThreeUnitsAndOneSecond() {
        assertThat(Progress.etaKnown(2, 100 * S)).as("two units are not enough").isFalse();
        assertThat(Progress.etaKnown(1000, 999 * MS)).as("under a second is not enough").isFalse();
        assertThat(Progress.etaKnown(3, S)).isTrue();
    }

    @Test
    void aSlowFirstStepPromisesNoTimeLeft() {
        // the first step pays for warming up: 5 s; then 10 steps take 10 ms each
        Progress p = new Progress("train", 1000, out, false, clock::get);
        p.update(0, "");
        advance(5 * S);
        p.update(1, "");
        for (int k = 2; k <= 100; k++) {
            advance(10 * MS);
            p.update(k, "");
        }
        assertThat(lines().get(0)).isEqualTo("train: 0/1000 (0%)");
        assertThat(lines().get(lines().size() - 1)).as("after 5.98 s and 100 steps the time left is extrapolated")
                .startsWith("train: 100/1000 (10%)").contains("ETA");
    }

    @Test
    void interactiveShowsNoTimeLeftWithinTheFirstSecond() {
        Progress p = new Progress("train", 1000, out, true, clock::get);
        p.update(0, "");
        advance(900 * MS);
        p.update(5, "");
        advance(200 * MS);
        p.update(6, "");
        String[] draws = output().split("\r", -1);
        assertThat(draws[1]).doesNotContain("ETA");
        assertThat(draws[2]).as("0.9 s: too early").doesNotContain("ETA");
        assertThat(draws[3]).as("1.1 s and 6 steps").contains("ETA");
    }

    @Test
    void interactiveShorterLinesBlankOutTheRestOfTheLongerOne() {
        Progress p = new Progress("x", 0, out, true, clock::get);
        p.update(1, "a long detail text");
        advance(S);
        p.update(2, "short");
        String[] draws = output().split("\r", -1);
        assertThat(draws).hasSize(3);
        assertThat(draws[1]).isEqualTo("x 1 | -- it/s | a long detail text");
        assertThat(draws[2]).isEqualTo("x 2 | 1.00 it/s | short" + " ".repeat(draws[1].length() - 23));
        assertThat(draws[2]).hasSameSizeAs(draws[1]);
    }

    @Test
    void unknownTotalHasNoBarPercentOrEta() {
        Progress p = new Progress("load", -1, out, false, clock::get);
        p.update(0, "");
        advance(4 * S);
        p.update(10, "");
        advance(30 * S);
        p.update(700, "");
        p.finish();
        assertThat(lines()).containsExactly(
                "load: 0",
                "load: 700, 20.6 it/s",
                "load: done 700 in 0:34 (20.6 it/s)");
    }

    @Test
    void finishOnlyOnceAndUpdatesAfterItAreIgnored() {
        Progress p = new Progress("t", 10, out, false, clock::get);
        p.finish();
        p.finish();
        p.update(5, "late");
        assertThat(lines()).containsExactly("t: done 0/10 in 0:00");
    }

    @Test
    void rateAndDurationFormats() {
        assertThat(Progress.formatRate(0.5)).isEqualTo("2.0 s/it");
        assertThat(Progress.formatRate(3.14159)).isEqualTo("3.14 it/s");
        assertThat(Progress.formatRate(12.345)).isEqualTo("12.3 it/s");
        assertThat(Progress.formatRate(1234.4)).isEqualTo("1234 it/s");
        assertThat(Progress.duration(0)).isEqualTo("0:00");
        assertThat(Progress.duration(59 * S + 1)).isEqualTo("1:00");
        assertThat(Progress.duration(3661 * S)).isEqualTo("1:01:01");
        assertThat(Progress.duration(-5 * S)).isEqualTo("0:00");
        assertThat(Progress.duration(Long.MAX_VALUE)).isEqualTo("2562047:47:17");
    }

    @Test
    void forConsoleWritesToStandardErrorAndIsNotInteractiveUnderTests() {
        // Surefire's forked JVM has no terminal.
        assertThat(Progress.forConsole("x", 5).interactive()).isEqualTo(System.console() != null
                && System.console().isTerminal() && !"dumb".equals(System.getenv("TERM")));
    }

    private static String pad(String s, int width) {
        return s + " ".repeat(Math.max(0, width - s.length()));
    }
}
