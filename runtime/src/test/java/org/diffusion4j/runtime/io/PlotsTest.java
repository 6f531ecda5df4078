package org.diffusion4j.runtime.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.awt.Color;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.IntPredicate;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PlotsTest {

    private static final IntPredicate REDDISH = rgb -> red(rgb) > green(rgb) + 60 && red(rgb) > blue(rgb) + 60;
    private static final IntPredicate BLUISH = rgb -> blue(rgb) > red(rgb) + 60 && blue(rgb) > green(rgb) + 60;

    @TempDir
    Path dir;

    @Test
    void aLogAxisCarriesAtLeastThreeLabelsWhateverItsSpan() {
        // a loss curve from 2.8 to 9: only "5" of 1, 2, 5 falls inside, so 1 … 9 are used
        assertThat(Plots.logTicks(2.8, 9.0)).extracting(Plots.Tick::label)
                .containsExactly("3", "4", "5", "6", "7", "8", "9");
        assertThat(Plots.logTicks(0.01, 1)).extracting(Plots.Tick::label)
                .containsExactly("0.01", "0.02", "0.05", "0.1", "0.2", "0.5", "1");
        assertThat(Plots.logTicks(0.01, 100)).extracting(Plots.Tick::label).containsExactly("0.01", "0.1", "1", "10", "100");
        assertThat(Plots.logTicks(3.1, 3.9)).as("narrower than one mantissa step: evenly spaced")
                .hasSizeGreaterThanOrEqualTo(3)
                .allSatisfy(tick -> assertThat(tick.value()).isBetween(3.1, 3.9));
    }

    @Test
    void scatterPanelsShareOneAxisRange() throws IOException {
        // Red points only near (1, 1), blue only near (-1, -1): with a shared range the red cloud sits in
        // the top-right of its panel and the blue one in the bottom-left of its panel.
        SplittableRandom random = new SplittableRandom(1);
        Plots.Panel red = new Plots.Panel("data", cloud(random, 1, 1, 2000), Color.RED);
        Plots.Panel blue = new Plots.Panel("samples", cloud(random, -1, -1, 2000), Color.BLUE);
        Path png = dir.resolve("plots/samples.png");

        Plots.scatterPanels(png, List.of(red, blue), 300);

        BufferedImage image = ImageIO.read(png.toFile());
        assertThat(image).isNotNull();
        assertThat(image.getWidth()).isEqualTo(600);
        assertThat(image.getHeight()).isEqualTo(300);
        assertThat(image.getRGB(2, 2) & 0xffffff).as("background").isEqualTo(0xffffff);
        // Left panel: x in [0, 300).
        assertThat(count(image, 150, 300, 0, 150, REDDISH)).as("red, top right of left panel").isGreaterThan(200);
        assertThat(count(image, 0, 150, 150, 300, REDDISH)).as("red, bottom left of left panel").isZero();
        assertThat(count(image, 0, 300, 0, 300, BLUISH)).as("blue in left panel").isZero();
        // Right panel: x in [300, 600).
        assertThat(count(image, 300, 450, 150, 300, BLUISH)).as("blue, bottom left of right panel").isGreaterThan(200);
        assertThat(count(image, 450, 600, 0, 150, BLUISH)).as("blue, top right of right panel").isZero();
        assertThat(count(image, 300, 600, 0, 300, REDDISH)).as("red in right panel").isZero();
        // Axes, ticks and titles are drawn in dark grey.
        assertThat(count(image, 0, 600, 0, 300, rgb -> red(rgb) < 80 && green(rgb) < 80 && blue(rgb) < 80))
                .isGreaterThan(100);
        try (Stream<Path> files = Files.list(png.getParent())) {
            assertThat(files).containsExactly(png);
        }
    }

    @Test
    void scatterHandlesManyPointsAndSkipsNonFiniteOnes() throws IOException {
        SplittableRandom random = new SplittableRandom(2);
        float[] xy = cloud(random, 0, 0, 10_000);
        xy[0] = Float.NaN;
        xy[3] = Float.POSITIVE_INFINITY;
        Path png = dir.resolve("many.png");
        Plots.scatterPanels(png, List.of(new Plots.Panel("10k", xy, Color.RED),
                new Plots.Panel("none", new float[0], Color.BLUE)));
        BufferedImage image = ImageIO.read(png.toFile());
        assertThat(image.getWidth()).isEqualTo(2 * Plots.DEFAULT_PANEL_SIZE);
        assertThat(image.getHeight()).isEqualTo(Plots.DEFAULT_PANEL_SIZE);
        assertThat(count(image, 0, image.getWidth() / 2, 0, image.getHeight(), REDDISH)).isGreaterThan(1000);
    }

    @Test
    void scatterRejectsBadArguments() {
        assertThatThrownBy(() -> new Plots.Panel("odd", new float[3], Color.RED))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("even");
        assertThatThrownBy(() -> Plots.scatterPanels(dir.resolve("x.png"), List.of()))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Plots.scatterPanels(dir.resolve("x.png"),
                List.of(new Plots.Panel("p", new float[2], Color.RED)), 10))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("10 px");
        assertThat(dir.resolve("x.png")).doesNotExist();
    }

    @Test
    void lineChartHasTheRequestedSizeAndADecreasingCurveGoesDown() throws IOException {
        int n = 400;
        double[] x = new double[n];
        double[] y = new double[n];
        SplittableRandom random = new SplittableRandom(3);
        for (int i = 0; i < n; i++) {
            x[i] = i + 1;
            y[i] = 5 * Math.exp(-i / 80.0) + 0.3 * random.nextDouble();
        }
        for (boolean logY : new boolean[] {false, true}) {
            Path png = dir.resolve("loss-" + logY + ".png");
            Plots.lineChart(png, "training loss", "step", "loss", x, y, logY, 20, 640, 400);
            BufferedImage image = ImageIO.read(png.toFile());
            assertThat(image.getWidth()).isEqualTo(640);
            assertThat(image.getHeight()).isEqualTo(400);
            // The moving average (red) starts high on the left and ends low on the right.
            double leftY = meanRow(image, 80, 140, REDDISH);
            double rightY = meanRow(image, 560, 620, REDDISH);
            assertThat(leftY).as("log=%s", logY).isLessThan(rightY - 100);
            // The raw curve (faint blue) is drawn too.
            assertThat(count(image, 74, 620, 40, 348, rgb -> blue(rgb) > red(rgb) + 25)).isGreaterThan(100);
        }
    }

    @Test
    void lineChartDefaultsAndDegenerateData() throws IOException {
        Path png = dir.resolve("short.png");
        Plots.lineChart(png, "t", "x", "y", new double[] {1, 2, 3}, new double[] {2, 2, 2}, false);
        BufferedImage image = ImageIO.read(png.toFile());
        assertThat(image.getWidth()).isEqualTo(Plots.DEFAULT_CHART_WIDTH);
        assertThat(image.getHeight()).isEqualTo(Plots.DEFAULT_CHART_HEIGHT);
        assertThat(count(image, 0, image.getWidth(), 0, image.getHeight(), REDDISH)).as("no average for 3 points").isZero();

        Path empty = dir.resolve("empty.png");
        Plots.lineChart(empty, "t", "x", "y", new double[0], new double[0], true);
        assertThat(ImageIO.read(empty.toFile()).getWidth()).isEqualTo(Plots.DEFAULT_CHART_WIDTH);

        Path nonPositive = dir.resolve("log.png");
        Plots.lineChart(nonPositive, "t", "x", "y", new double[] {1, 2, 3, 4}, new double[] {0, -1, Double.NaN, 3},
                true);
        assertThat(ImageIO.read(nonPositive.toFile())).isNotNull();

        assertThatThrownBy(() -> Plots.lineChart(dir.resolve("bad.png"), "t", "x", "y", new double[2], new double[3],
                false)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("same length");
    }

    @Test
    void movingAverageIsCentredAndSkipsNonFiniteValues() {
        assertThat(Plots.movingAverage(new double[] {1, 2, 3, 4, 5}, 3, false)).containsExactly(1.5, 2, 3, 4, 4.5);
        assertThat(Plots.movingAverage(new double[] {1, 2, 3, 4}, 2, false)).containsExactly(1.5, 2.5, 3.5, 4);
        assertThat(Plots.movingAverage(new double[] {1, Double.NaN, 3, 5}, 3, false)).containsExactly(1, 2, 4, 4);
        assertThat(Plots.movingAverage(new double[] {2, 4, 6}, 10, false)).containsExactly(4, 4, 4);
        assertThat(Plots.movingAverage(new double[] {1, 100, -5, 10_000}, 3, true))
                .usingComparatorWithPrecision(1e-9).containsExactly(10, 10, 1000, 10_000);
    }

    @Test
    void niceStepsAreOneTwoOrFiveTimesAPowerOfTen() {
        assertThat(Plots.niceStep(0.13)).isCloseTo(0.2, org.assertj.core.data.Offset.offset(1e-12));
        assertThat(Plots.niceStep(3)).isEqualTo(5);
        assertThat(Plots.niceStep(7)).isEqualTo(10);
        assertThat(Plots.niceStep(1000)).isEqualTo(1000);
        assertThat(Plots.niceStep(0)).isEqualTo(1);
    }

    private static float[] cloud(SplittableRandom random, double cx, double cy, int n) {
        float[] xy = new float[2 * n];
        for (int i = 0; i < n; i++) {
            xy[2 * i] = (float) (cx + 0.2 * random.nextDouble(-1, 1));
            xy[2 * i + 1] = (float) (cy + 0.2 * random.nextDouble(-1, 1));
        }
        return xy;
    }

    private static int count(BufferedImage image, int x0, int x1, int y0, int y1, IntPredicate colour) {
        int n = 0;
        for (int y = y0; y < y1; y++) {
            for (int x = x0; x < x1; x++) {
                if (colour.test(image.getRGB(x, y))) {
                    n++;
                }
            }
        }
        return n;
    }

    /** Mean row of the pixels of a colour within columns [x0, x1). */
    private static double meanRow(BufferedImage image, int x0, int x1, IntPredicate colour) {
        long sum = 0;
        int n = 0;
        for (int y = 0; y < image.getHeight(); y++) {
            for (int x = x0; x < x1; x++) {
                if (colour.test(image.getRGB(x, y))) {
                    sum += y;
                    n++;
                }
            }
        }
        assertThat(n).as("pixels of the colour in columns %d..%d", x0, x1).isGreaterThan(0);
        return (double) sum / n;
    }

    private static int red(int rgb) {
        return rgb >> 16 & 0xff;
    }

    private static int green(int rgb) {
        return rgb >> 8 & 0xff;
    }

    private static int blue(int rgb) {
        return rgb & 0xff;
    }
}
