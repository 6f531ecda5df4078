package org.diffusion4j.runtime.io;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.Shape;
import java.awt.geom.AffineTransform;
import java.awt.geom.Ellipse2D;
import java.awt.geom.Line2D;
import java.awt.geom.Path2D;
import java.awt.geom.Rectangle2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriter;
import javax.imageio.stream.ImageOutputStream;
import javax.imageio.stream.MemoryCacheImageOutputStream;

/**
 * PNG charts for people to look at: side-by-side 2-D scatter panels (data next to samples) and line
 * charts (loss curves). Rendered with Java2D (antialiased, white background, axes with tick labels,
 * titles), encoded with ImageIO and written atomically with {@link AtomicFiles}. Non-finite values
 * are skipped. Works headless.
 */
public final class Plots {

    /** Default side of one square scatter panel, in pixels. */
    public static final int DEFAULT_PANEL_SIZE = 480;
    /** Default line chart size, in pixels. */
    public static final int DEFAULT_CHART_WIDTH = 800;
    public static final int DEFAULT_CHART_HEIGHT = 500;

    private static final Color GRID = new Color(0xE6E6E6);
    private static final Color FRAME = new Color(0x999999);
    private static final Color TEXT = new Color(0x222222);
    private static final Color MUTED = new Color(0x777777);
    private static final Color LINE = new Color(0x1F77B4);
    private static final Color AVERAGE = new Color(0xD62728);
    private static final Font TICK_FONT = new Font(Font.SANS_SERIF, Font.PLAIN, 11);
    private static final Font LABEL_FONT = new Font(Font.SANS_SERIF, Font.PLAIN, 12);
    private static final Font TITLE_FONT = new Font(Font.SANS_SERIF, Font.BOLD, 14);

    private Plots() {
    }

    /**
     * One scatter panel: a title, points as interleaved {@code x0, y0, x1, y1, ...} and their color
     * (whose alpha is replaced by one suited to the number of points). The array is not copied.
     */
    public record Panel(String title, float[] xy, Color color) {

        public Panel {
            Objects.requireNonNull(title, "title");
            Objects.requireNonNull(xy, "xy");
            Objects.requireNonNull(color, "color");
            if (xy.length % 2 != 0) {
                throw new IllegalArgumentException("xy holds interleaved x,y pairs, so its length must be even, got "
                        + xy.length);
            }
        }

        /** Number of points. */
        public int size() {
            return xy.length / 2;
        }
    }

    /** {@link #scatterPanels(Path, List, int)} with {@value #DEFAULT_PANEL_SIZE}-pixel panels. */
    public static void scatterPanels(Path png, List<Panel> panels) throws IOException {
        scatterPanels(png, panels, DEFAULT_PANEL_SIZE);
    }

    /**
     * Writes square scatter panels side by side, {@code panels.size() * panelSize} by
     * {@code panelSize} pixels. All panels share one axis range, with equal scale on x and y, so the
     * panels compare directly. Points are small and translucent (more points, more transparent), meant
     * for up to about 10,000 per panel.
     */
    public static void scatterPanels(Path png, List<Panel> panels, int panelSize) throws IOException {
        writePng(png, renderScatterPanels(panels, panelSize));
    }

    /** {@link #scatterPanels(Path, List)} published create-new: refused when {@code png} exists meanwhile. */
    public static void scatterPanelsNew(Path png, List<Panel> panels) throws IOException {
        AtomicFiles.createNewBytes(png, pngBytes(renderScatterPanels(panels, DEFAULT_PANEL_SIZE)));
    }

    /**
     * {@link #lineChart(Path, String, String, String, double[], double[], boolean, int, int, int)} at
     * {@value #DEFAULT_CHART_WIDTH}×{@value #DEFAULT_CHART_HEIGHT} pixels, adding a moving average over
     * {@code max(5, n/50)} points when there are at least 50 points.
     */
    public static void lineChart(Path png, String title, String xLabel, String yLabel, double[] x, double[] y,
            boolean logY) throws IOException {
        int window = y.length >= 50 ? Math.max(5, y.length / 50) : 1;
        lineChart(png, title, xLabel, yLabel, x, y, logY, window, DEFAULT_CHART_WIDTH, DEFAULT_CHART_HEIGHT);
    }

    /**
     * Writes a line chart of {@code y} over {@code x} ({@code width}×{@code height} pixels). With
     * {@code movingAverage > 1} the raw curve is drawn faintly and a centred moving average over that
     * many points on top (geometric on a logarithmic axis). With {@code logY} the y axis is logarithmic and values ≤ 0 are skipped.
     */
    public static void lineChart(Path png, String title, String xLabel, String yLabel, double[] x, double[] y,
            boolean logY, int movingAverage, int width, int height) throws IOException {
        writePng(png, renderLineChart(title, xLabel, yLabel, x, y, logY, movingAverage, width, height));
    }

    // ---------------------------------------------------------------- scatter

    static BufferedImage renderScatterPanels(List<Panel> panels, int panelSize) {
        if (panels.isEmpty()) {
            throw new IllegalArgumentException("at least one panel is needed");
        }
        if (panelSize < 120 || (long) panelSize * panels.size() > 16_384) {
            throw new IllegalArgumentException("panel size " + panelSize + " px with " + panels.size()
                    + " panels: allowed are panels of at least 120 px and an image at most 16384 px wide");
        }
        double[] range = sharedSquareRange(panels);
        BufferedImage image = new BufferedImage(panelSize * panels.size(), panelSize, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = begin(image);
        try {
            for (int i = 0; i < panels.size(); i++) {
                Graphics2D pg = (Graphics2D) g.create(i * panelSize, 0, panelSize, panelSize);
                try {
                    drawScatterPanel(pg, panels.get(i), panelSize, range);
                } finally {
                    pg.dispose();
                }
            }
        } finally {
            g.dispose();
        }
        return image;
    }

    /** {xlo, xhi, ylo, yhi}: the bounding box of all finite points, squared up and padded by 5%. */
    private static double[] sharedSquareRange(List<Panel> panels) {
        double xlo = Double.POSITIVE_INFINITY;
        double xhi = Double.NEGATIVE_INFINITY;
        double ylo = Double.POSITIVE_INFINITY;
        double yhi = Double.NEGATIVE_INFINITY;
        for (Panel p : panels) {
            float[] xy = p.xy();
            for (int i = 0; i < xy.length; i += 2) {
                float x = xy[i];
                float y = xy[i + 1];
                if (Float.isFinite(x) && Float.isFinite(y)) {
                    xlo = Math.min(xlo, x);
                    xhi = Math.max(xhi, x);
                    ylo = Math.min(ylo, y);
                    yhi = Math.max(yhi, y);
                }
            }
        }
        if (xlo > xhi) {
            return new double[] {-1, 1, -1, 1};
        }
        double span = Math.max(xhi - xlo, yhi - ylo);
        double half = span > 0 ? span * 0.55 : Math.max(1, Math.abs(xlo) + Math.abs(ylo)) * 0.1;
        double cx = (xlo + xhi) / 2;
        double cy = (ylo + yhi) / 2;
        return new double[] {cx - half, cx + half, cy - half, cy + half};
    }

    private static void drawScatterPanel(Graphics2D g, Panel panel, int size, double[] range) {
        // Square plot area (equal scale on both axes): room for y tick labels on the left, the title
        // above and x tick labels below.
        int left = 52;
        int top = 34;
        int side = size - left - 16;
        int bottom = top + side;
        Rectangle2D area = new Rectangle2D.Double(left, top, side, side);
        Axis xAxis = Axis.linear(range[0], range[1], left, left + side);
        Axis yAxis = Axis.linear(range[2], range[3], bottom, top);
        drawGridAndTicks(g, area, xAxis, yAxis);

        int n = panel.size();
        float alpha = (float) Math.clamp(0.85 * Math.sqrt(600.0 / Math.max(n, 1)), 0.18, 0.85);
        double radius = n > 3000 ? 1.6 : 2.2;
        Color c = panel.color();
        g.setColor(new Color(c.getRed(), c.getGreen(), c.getBlue(), Math.round(alpha * 255)));
        Shape clip = g.getClip();
        g.clip(area);
        Ellipse2D.Double dot = new Ellipse2D.Double();
        float[] xy = panel.xy();
        for (int i = 0; i < xy.length; i += 2) {
            if (Float.isFinite(xy[i]) && Float.isFinite(xy[i + 1])) {
                dot.setFrame(xAxis.map(xy[i]) - radius, yAxis.map(xy[i + 1]) - radius, 2 * radius, 2 * radius);
                g.fill(dot);
            }
        }
        g.setClip(clip);
        drawFrame(g, area);

        g.setFont(TITLE_FONT);
        g.setColor(TEXT);
        drawCentered(g, fit(g, panel.title(), size - 8), left + side / 2.0, top - 12);
        g.setFont(TICK_FONT);
        g.setColor(MUTED);
        String count = "n = " + n;
        g.drawString(count, (float) (left + side - 4 - g.getFontMetrics().stringWidth(count)), (float) (top + 14));
    }

    // ---------------------------------------------------------------- line chart

    static BufferedImage renderLineChart(String title, String xLabel, String yLabel, double[] x, double[] y,
            boolean logY, int movingAverage, int width, int height) {
        if (x.length != y.length) {
            throw new IllegalArgumentException("x and y must have the same length, got " + x.length + " and " + y.length);
        }
        if (width < 200 || height < 150 || width > 16_384 || height > 16_384) {
            throw new IllegalArgumentException("chart size " + width + "x" + height
                    + " px: allowed are 200..16384 wide and 150..16384 high");
        }
        double[] smooth = movingAverage > 1 ? movingAverage(y, movingAverage, logY) : null;

        double xlo = Double.POSITIVE_INFINITY;
        double xhi = Double.NEGATIVE_INFINITY;
        double ylo = Double.POSITIVE_INFINITY;
        double yhi = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < x.length; i++) {
            if (usable(x[i], y[i], logY)) {
                xlo = Math.min(xlo, x[i]);
                xhi = Math.max(xhi, x[i]);
                ylo = Math.min(ylo, y[i]);
                yhi = Math.max(yhi, y[i]);
            }
        }
        if (xlo > xhi) {
            xlo = 0;
            xhi = 1;
            ylo = logY ? 0.1 : 0;
            yhi = 1;
        }
        if (xhi == xlo) {
            xlo -= 0.5;
            xhi += 0.5;
        }

        int left = 74;
        int right = width - 20;
        int top = 40;
        int bottom = height - 52;
        Rectangle2D area = new Rectangle2D.Double(left, top, right - left, bottom - top);
        Axis xAxis = Axis.linear(xlo, xhi, left, right);
        Axis yAxis;
        if (logY) {
            double a = Math.log10(ylo);
            double b = Math.log10(yhi);
            if (b - a < 1e-9) {
                a -= 0.5;
                b += 0.5;
            }
            double pad = (b - a) * 0.05;
            yAxis = Axis.log(Math.pow(10, a - pad), Math.pow(10, b + pad), bottom, top);
        } else {
            double pad = yhi > ylo ? (yhi - ylo) * 0.05 : Math.max(Math.abs(ylo) * 0.1, 0.5);
            yAxis = Axis.linear(ylo - pad, yhi + pad, bottom, top);
        }

        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = begin(image);
        try {
            drawGridAndTicks(g, area, xAxis, yAxis);
            Shape clip = g.getClip();
            g.clip(area);
            if (smooth != null) {
                g.setColor(new Color(LINE.getRed(), LINE.getGreen(), LINE.getBlue(), 90));
                g.setStroke(new BasicStroke(1f));
                g.draw(polyline(x, y, xAxis, yAxis, logY));
                g.setColor(AVERAGE);
                g.setStroke(new BasicStroke(2f, BasicStroke.CAP_ROUND, BasicStroke.JOIN_ROUND));
                g.draw(polyline(x, smooth, xAxis, yAxis, logY));
            } else {
                g.setColor(LINE);
                g.setStroke(new BasicStroke(1.6f, BasicStroke.CAP_ROUND, BasicStroke.JOIN_ROUND));
                g.draw(polyline(x, y, xAxis, yAxis, logY));
            }
            g.setClip(clip);
            g.setStroke(new BasicStroke(1f));
            drawFrame(g, area);

            g.setColor(TEXT);
            g.setFont(TITLE_FONT);
            drawCentered(g, fit(g, title, width - 10), (left + right) / 2.0, top - 14);
            g.setFont(LABEL_FONT);
            drawCentered(g, xLabel, (left + right) / 2.0, height - 12);
            AffineTransform saved = g.getTransform();
            g.rotate(-Math.PI / 2);
            // After rotating, (u, v) draws at screen (v, -u).
            drawCentered(g, yLabel, -(top + bottom) / 2.0, 16);
            g.setTransform(saved);
            if (smooth != null) {
                drawLegend(g, right, top, yLabel.isBlank() ? "value" : yLabel,
                        "moving average (" + movingAverage + ")");
            }
        } finally {
            g.dispose();
        }
        return image;
    }

    private static boolean usable(double x, double y, boolean logY) {
        return Double.isFinite(x) && Double.isFinite(y) && (!logY || y > 0);
    }

    /**
     * Centred moving average over {@code window} points ({@code (window-1)/2} before, the rest after;
     * fewer at the ends), ignoring non-finite values. With {@code geometric} it averages logarithms
     * and ignores values ≤ 0, so that it follows the curve on a logarithmic axis.
     */
    static double[] movingAverage(double[] y, int window, boolean geometric) {
        int n = y.length;
        double[] sum = new double[n + 1];
        int[] count = new int[n + 1];
        for (int i = 0; i < n; i++) {
            boolean ok = Double.isFinite(y[i]) && (!geometric || y[i] > 0);
            sum[i + 1] = sum[i] + (ok ? (geometric ? Math.log(y[i]) : y[i]) : 0);
            count[i + 1] = count[i] + (ok ? 1 : 0);
        }
        double[] out = new double[n];
        int before = (window - 1) / 2;
        for (int i = 0; i < n; i++) {
            int lo = Math.max(0, i - before);
            int hi = Math.min(n, i - before + window);
            int c = count[hi] - count[lo];
            double mean = c > 0 ? (sum[hi] - sum[lo]) / c : Double.NaN;
            out[i] = geometric ? Math.exp(mean) : mean;
        }
        return out;
    }

    /** A path through the usable points; gaps at unusable ones. */
    private static Path2D polyline(double[] x, double[] y, Axis xAxis, Axis yAxis, boolean logY) {
        Path2D.Double path = new Path2D.Double();
        boolean pen = false;
        for (int i = 0; i < x.length; i++) {
            if (!usable(x[i], y[i], logY)) {
                pen = false;
                continue;
            }
            double px = xAxis.map(x[i]);
            double py = yAxis.map(y[i]);
            if (pen) {
                path.lineTo(px, py);
            } else {
                path.moveTo(px, py);
                path.lineTo(px, py);
                pen = true;
            }
        }
        return path;
    }

    private static void drawLegend(Graphics2D g, int right, int top, String raw, String smooth) {
        g.setFont(TICK_FONT);
        FontMetrics fm = g.getFontMetrics();
        int w = Math.max(fm.stringWidth(raw), fm.stringWidth(smooth)) + 40;
        int x = right - w - 8;
        int y = top + 8;
        g.setColor(new Color(255, 255, 255, 220));
        g.fillRect(x, y, w, 38);
        g.setColor(FRAME);
        g.drawRect(x, y, w, 38);
        g.setColor(new Color(LINE.getRed(), LINE.getGreen(), LINE.getBlue(), 140));
        g.draw(new Line2D.Double(x + 6, y + 13, x + 28, y + 13));
        g.setColor(AVERAGE);
        g.setStroke(new BasicStroke(2f));
        g.draw(new Line2D.Double(x + 6, y + 28, x + 28, y + 28));
        g.setStroke(new BasicStroke(1f));
        g.setColor(TEXT);
        g.drawString(raw, x + 34, y + 17);
        g.drawString(smooth, x + 34, y + 32);
    }

    // ---------------------------------------------------------------- axes

    /** Maps data values to pixels along one axis, and knows its tick positions. */
    private record Axis(double lo, double hi, double from, double to, boolean log) {

        static Axis linear(double lo, double hi, double from, double to) {
            return new Axis(lo, hi, from, to, false);
        }

        static Axis log(double lo, double hi, double from, double to) {
            return new Axis(lo, hi, from, to, true);
        }

        double map(double v) {
            double t = log ? (Math.log10(v) - Math.log10(lo)) / (Math.log10(hi) - Math.log10(lo)) : (v - lo) / (hi - lo);
            return from + t * (to - from);
        }

        List<Tick> ticks() {
            return log ? logTicks(lo, hi) : linearTicks(lo, hi, Math.abs(to - from) >= 300 ? 8 : 5);
        }
    }

    record Tick(double value, String label) {
    }

    private static List<Tick> linearTicks(double lo, double hi, int target) {
        double step = niceStep((hi - lo) / target);
        int decimals = Math.max(0, (int) -Math.floor(Math.log10(step) + 1e-9));
        List<Tick> ticks = new ArrayList<>();
        long first = (long) Math.ceil(lo / step - 1e-9);
        long last = (long) Math.floor(hi / step + 1e-9);
        for (long k = first; k <= last && ticks.size() < 50; k++) {
            double v = k * step;
            ticks.add(new Tick(v, formatTick(v, step, decimals)));
        }
        return ticks;
    }

    private static String formatTick(double v, double step, int decimals) {
        if (Math.abs(v) < step * 1e-6) {
            return "0";
        }
        double magnitude = Math.max(Math.abs(v), step);
        if (magnitude >= 1e6 || step < 1e-4) {
            return String.format(Locale.ROOT, "%.2g", v);
        }
        return String.format(Locale.ROOT, "%." + Math.min(decimals, 6) + "f", v);
    }

    /** The number of the form 1, 2 or 5 times a power of ten nearest above {@code raw}. */
    static double niceStep(double raw) {
        if (!(raw > 0) || !Double.isFinite(raw)) {
            return 1;
        }
        double power = Math.pow(10, Math.floor(Math.log10(raw)));
        double f = raw / power;
        double nice = f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10;
        return nice * power;
    }

    /**
     * Ticks of a logarithmic axis: 1, 2, 5 per decade (every k-th decade's 1 over many decades); a
     * range within about one decade (a loss from 3 to 9) gets 1 … 9 per decade, and one narrower
     * still evenly spaced values, so the axis always carries at least three labels where it can.
     */
    static List<Tick> logTicks(double lo, double hi) {
        int a = (int) Math.floor(Math.log10(lo));
        int b = (int) Math.ceil(Math.log10(hi));
        int decades = b - a;
        int every = Math.max(1, (int) Math.ceil(decades / 8.0));
        int[][] choices = decades <= 2 ? new int[][] {{1, 2, 5}, {1, 2, 3, 4, 5, 6, 7, 8, 9}} : new int[][] {{1}};
        for (int[] mantissas : choices) {
            List<Tick> ticks = new ArrayList<>();
            for (int e = a; e <= b; e++) {
                if (Math.floorMod(e, every) != 0) {
                    continue;
                }
                for (int m : mantissas) {
                    double v = m * Math.pow(10, e);
                    if (v >= lo * (1 - 1e-9) && v <= hi * (1 + 1e-9)) {
                        ticks.add(new Tick(v, formatLog(m, e)));
                    }
                }
            }
            if (ticks.size() >= 3 || decades > 2) {
                return ticks;
            }
        }
        return linearTicks(lo, hi, 4);
    }

    private static String formatLog(int mantissa, int exponent) {
        if (exponent >= -3 && exponent <= 4) {
            return new java.math.BigDecimal(mantissa).scaleByPowerOfTen(exponent).stripTrailingZeros().toPlainString();
        }
        return mantissa + "e" + exponent;
    }

    private static void drawGridAndTicks(Graphics2D g, Rectangle2D area, Axis xAxis, Axis yAxis) {
        g.setFont(TICK_FONT);
        FontMetrics fm = g.getFontMetrics();
        g.setStroke(new BasicStroke(1f));
        for (Tick t : xAxis.ticks()) {
            double px = xAxis.map(t.value());
            g.setColor(GRID);
            g.draw(new Line2D.Double(px, area.getMinY(), px, area.getMaxY()));
            g.setColor(FRAME);
            g.draw(new Line2D.Double(px, area.getMaxY(), px, area.getMaxY() + 4));
            g.setColor(TEXT);
            drawCentered(g, t.label(), px, area.getMaxY() + 6 + fm.getAscent());
        }
        for (Tick t : yAxis.ticks()) {
            double py = yAxis.map(t.value());
            g.setColor(GRID);
            g.draw(new Line2D.Double(area.getMinX(), py, area.getMaxX(), py));
            g.setColor(FRAME);
            g.draw(new Line2D.Double(area.getMinX() - 4, py, area.getMinX(), py));
            g.setColor(TEXT);
            g.drawString(t.label(), (float) (area.getMinX() - 7 - fm.stringWidth(t.label())),
                    (float) (py + fm.getAscent() / 2.0 - 1));
        }
    }

    private static void drawFrame(Graphics2D g, Rectangle2D area) {
        g.setColor(FRAME);
        g.setStroke(new BasicStroke(1f));
        g.draw(area);
    }

    // ---------------------------------------------------------------- helpers

    private static Graphics2D begin(BufferedImage image) {
        Graphics2D g = image.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setRenderingHint(RenderingHints.KEY_STROKE_CONTROL, RenderingHints.VALUE_STROKE_PURE);
        g.setRenderingHint(RenderingHints.KEY_RENDERING, RenderingHints.VALUE_RENDER_QUALITY);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, image.getWidth(), image.getHeight());
        return g;
    }

    private static void drawCentered(Graphics2D g, String text, double cx, double baseline) {
        g.drawString(text, (float) (cx - g.getFontMetrics().stringWidth(text) / 2.0), (float) baseline);
    }

    /** {@code text}, shortened with an ellipsis to at most {@code width} pixels. */
    private static String fit(Graphics2D g, String text, int width) {
        FontMetrics fm = g.getFontMetrics();
        if (fm.stringWidth(text) <= width) {
            return text;
        }
        String s = text;
        while (!s.isEmpty() && fm.stringWidth(s + "…") > width) {
            s = s.substring(0, s.length() - 1);
        }
        return s + "…";
    }

    static void writePng(Path png, BufferedImage image) throws IOException {
        AtomicFiles.writeBytes(png, pngBytes(image));
    }

    /** The image encoded as PNG, in memory. */
    static byte[] pngBytes(BufferedImage image) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(1 << 16);
        Iterator<ImageWriter> writers = ImageIO.getImageWritersByFormatName("png");
        if (!writers.hasNext()) {
            throw new IllegalStateException("no PNG writer available in this JDK");
        }
        ImageWriter writer = writers.next();
        // In memory: ImageIO's default would cache through a temporary file.
        try (ImageOutputStream out = new MemoryCacheImageOutputStream(bytes)) {
            writer.setOutput(out);
            writer.write(image);
        } finally {
            writer.dispose();
        }
        return bytes.toByteArray();
    }
}
