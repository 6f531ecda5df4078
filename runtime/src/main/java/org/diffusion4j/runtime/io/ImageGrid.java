package org.diffusion4j.runtime.io;

import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import org.diffusion4j.api.PointSet;

/**
 * A PNG grid of images for people to look at: samples of shape {@code [C, H, W]} with {@code C = 1}
 * (grey) or {@code C = 3} (RGB, channel 0 red), laid out row by row, {@code columns} to a row.
 *
 * <ul>
 *   <li>A value {@code v} in [−1, 1] becomes the 8-bit level {@code round((v + 1)·127.5)}, clipped to
 *       0..255 (NaN is drawn as 0): the inverse of the {@code x/127.5 − 1} scaling of the image
 *       datasets, so a data image is drawn with its original pixel values.</li>
 *   <li>Each tile is upscaled {@value #SCALE}× by nearest neighbour (a 28×28 image is 56×56 pixels);
 *       tiles are separated, and the grid framed, by a {@value #GAP}-pixel white gap. Pixel
 *       {@code (x, y)} of a tile is sample value {@code [c, y, x]}: row 0 at the top, as the image
 *       is stored.</li>
 *   <li>Optional text labels are drawn left of their rows, in a white column as wide as the longest
 *       label.</li>
 * </ul>
 *
 * <p>Encoded with ImageIO in memory and written with {@link AtomicFiles}, like {@link Plots}: an
 * existing file is replaced as a whole or left untouched, never half-written. Refusing to overwrite
 * an existing output is the caller's choice (the launcher checks before it samples). Works headless.
 */
public final class ImageGrid {

    /** Upscaling factor of each tile (nearest neighbour). */
    public static final int SCALE = 2;
    /** White gap between tiles and around the grid, in pixels. */
    public static final int GAP = 2;

    private static final int BACKGROUND = 0xFFFFFF;
    private static final Color TEXT = new Color(0x222222);
    private static final Font LABEL_FONT = new Font(Font.SANS_SERIF, Font.PLAIN, 12);
    private static final int LABEL_PADDING = 6;

    private ImageGrid() {
    }

    /**
     * Writes the grid of {@code images} to {@code png}.
     *
     * @param images    samples of shape {@code [1, H, W]} or {@code [3, H, W]}, values in [−1, 1]
     * @param columns   tiles per row, at least 1 (fewer when there are fewer images)
     * @param rowLabels text drawn left of each row ({@code null} or blank entries: none), at most one
     *                  per row; {@code null} for no label column
     * @param png       the file to write (parent folders are created)
     * @throws IllegalArgumentException when the shape is not an image shape, there are no images,
     *                                  {@code columns < 1}, or there are more labels than rows
     */
    public static void write(PointSet images, int columns, List<String> rowLabels, Path png) throws IOException {
        Plots.writePng(png, render(images, columns, rowLabels));
    }

    /**
     * As {@link #write}, but {@code png} must not exist: an existing file, one that another process
     * created meanwhile included, is never replaced.
     *
     * @throws org.diffusion4j.runtime.UserException when {@code png} exists
     */
    public static void writeNew(PointSet images, int columns, List<String> rowLabels, Path png) throws IOException {
        AtomicFiles.createNewBytes(png, Plots.pngBytes(render(images, columns, rowLabels)));
    }

    /** The grid as an image, without writing it. */
    public static BufferedImage render(PointSet images, int columns, List<String> rowLabels) {
        Objects.requireNonNull(images, "images");
        int[] shape = images.sampleShape();
        if (shape.length != 3 || (shape[0] != 1 && shape[0] != 3)) {
            throw new IllegalArgumentException("an image grid draws samples of shape [1, H, W] (grey) or [3, H, W] (RGB), "
                    + "got " + Arrays.toString(shape));
        }
        if (images.count() == 0) {
            throw new IllegalArgumentException("an image grid needs at least one image, got none");
        }
        if (columns < 1) {
            throw new IllegalArgumentException("an image grid needs at least 1 column, got " + columns);
        }
        int channels = shape[0];
        int h = shape[1];
        int w = shape[2];
        int count = images.count();
        int cols = Math.min(columns, count);
        int rows = (count + cols - 1) / cols;
        if (rowLabels != null && rowLabels.size() > rows) {
            throw new IllegalArgumentException(rowLabels.size() + " row labels for a grid of " + rows + " rows");
        }
        int labelWidth = labelWidth(rowLabels);
        int tileW = w * SCALE;
        int tileH = h * SCALE;
        long width = labelWidth + GAP + (long) cols * (tileW + GAP);
        long height = GAP + (long) rows * (tileH + GAP);
        if (width * height > Integer.MAX_VALUE / 4) {
            throw new IllegalArgumentException("an image grid of " + width + "×" + height + " pixels is too large; "
                    + "draw fewer images");
        }
        BufferedImage image = new BufferedImage((int) width, (int) height, BufferedImage.TYPE_INT_RGB);
        int[] rgb = new int[(int) (width * height)];
        Arrays.fill(rgb, BACKGROUND);
        float[] v = images.values();
        int plane = h * w;
        int d = images.dimension();
        for (int i = 0; i < count; i++) {
            int x0 = labelWidth + GAP + (i % cols) * (tileW + GAP);
            int y0 = GAP + (i / cols) * (tileH + GAP);
            int base = i * d;
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    int at = base + y * w + x;
                    int pixel;
                    if (channels == 1) {
                        int g = level(v[at]);
                        pixel = (g << 16) | (g << 8) | g;
                    } else {
                        pixel = (level(v[at]) << 16) | (level(v[at + plane]) << 8) | level(v[at + 2 * plane]);
                    }
                    for (int dy = 0; dy < SCALE; dy++) {
                        int row = (y0 + y * SCALE + dy) * (int) width + x0 + x * SCALE;
                        for (int dx = 0; dx < SCALE; dx++) {
                            rgb[row + dx] = pixel;
                        }
                    }
                }
            }
        }
        image.setRGB(0, 0, (int) width, (int) height, rgb, 0, (int) width);
        if (labelWidth > 0) {
            drawLabels(image, rowLabels, tileH);
        }
        return image;
    }

    /** The 8-bit level of a value in [−1, 1]: {@code round((v + 1)·127.5)}, clipped; NaN is 0. */
    public static int level(float v) {
        if (Float.isNaN(v)) {
            return 0;
        }
        double l = Math.rint((v + 1.0) * 127.5);
        return l <= 0 ? 0 : l >= 255 ? 255 : (int) l;
    }

    private static int labelWidth(List<String> rowLabels) {
        if (rowLabels == null || rowLabels.stream().allMatch(s -> s == null || s.isBlank())) {
            return 0;
        }
        BufferedImage scratch = new BufferedImage(1, 1, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = scratch.createGraphics();
        try {
            FontMetrics fm = g.getFontMetrics(LABEL_FONT);
            int max = 0;
            for (String s : rowLabels) {
                if (s != null) {
                    max = Math.max(max, fm.stringWidth(s.strip()));
                }
            }
            return max + 2 * LABEL_PADDING;
        } finally {
            g.dispose();
        }
    }

    private static void drawLabels(BufferedImage image, List<String> rowLabels, int tileH) {
        Graphics2D g = image.createGraphics();
        try {
            g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
            g.setFont(LABEL_FONT);
            g.setColor(TEXT);
            FontMetrics fm = g.getFontMetrics();
            for (int r = 0; r < rowLabels.size(); r++) {
                String s = rowLabels.get(r);
                if (s == null || s.isBlank()) {
                    continue;
                }
                int top = GAP + r * (tileH + GAP);
                int baseline = top + (tileH - fm.getHeight()) / 2 + fm.getAscent();
                g.drawString(s.strip(), LABEL_PADDING, baseline);
            }
        } finally {
            g.dispose();
        }
    }
}
