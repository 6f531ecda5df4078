package org.diffusion4j.runtime.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.diffusion4j.api.PointSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImageGridTest {

    private static final int H = 3;
    private static final int W = 4;

    @TempDir
    Path dir;

    /** Grey 3×4 images: 0 black, 1 white, 2 a horizontal gradient, 3 a marked top-left pixel, 4 out of range. */
    private static PointSet greyImages() {
        float[] v = new float[5 * H * W];
        Arrays.fill(v, 0, H * W, -1f);
        Arrays.fill(v, H * W, 2 * H * W, 1f);
        for (int y = 0; y < H; y++) {
            for (int x = 0; x < W; x++) {
                v[2 * H * W + y * W + x] = -1f + 2f * x / (W - 1);
                v[3 * H * W + y * W + x] = -1f;
                v[4 * H * W + y * W + x] = y == 0 ? -3f : y == 1 ? 7f : Float.NaN;
            }
        }
        v[3 * H * W] = 1f;
        return new PointSet(new int[]{1, H, W}, v, null);
    }

    private static int grey(BufferedImage img, int x, int y) {
        int rgb = img.getRGB(x, y);
        int r = (rgb >> 16) & 0xff;
        assertThat((rgb >> 8) & 0xff).as("green = red at (%d, %d)", x, y).isEqualTo(r);
        assertThat(rgb & 0xff).as("blue = red at (%d, %d)", x, y).isEqualTo(r);
        return r;
    }

    /** Top-left pixel of the tile at (row, column), no labels. */
    private static int[] origin(int row, int col) {
        return new int[]{ImageGrid.GAP + col * (W * ImageGrid.SCALE + ImageGrid.GAP),
                ImageGrid.GAP + row * (H * ImageGrid.SCALE + ImageGrid.GAP)};
    }

    @Test
    void knownTilesHaveTheirPixelValuesUpscaledTwiceWithTwoPixelGaps() throws IOException {
        Path png = dir.resolve("out/grid.png");
        ImageGrid.write(greyImages(), 3, null, png);
        BufferedImage img = ImageIO.read(png.toFile());

        // 3 columns, 2 rows: width 2 + 3·(8 + 2), height 2 + 2·(6 + 2)
        assertThat(img.getWidth()).isEqualTo(32);
        assertThat(img.getHeight()).isEqualTo(18);

        int[] black = origin(0, 0);
        int[] white = origin(0, 1);
        int[] gradient = origin(0, 2);
        for (int y = 0; y < H * 2; y++) {
            for (int x = 0; x < W * 2; x++) {
                assertThat(grey(img, black[0] + x, black[1] + y)).isZero();
                assertThat(grey(img, white[0] + x, white[1] + y)).isEqualTo(255);
                // nearest-neighbour ×2: source column x/2 of the gradient -1, -1/3, 1/3, 1
                assertThat(grey(img, gradient[0] + x, gradient[1] + y))
                        .isEqualTo(new int[]{0, 85, 170, 255}[x / 2]);
            }
        }
        // Orientation: the marked pixel [0, 0] of image 3 is the top-left 2×2 block of its tile.
        int[] marked = origin(1, 0);
        assertThat(grey(img, marked[0], marked[1])).isEqualTo(255);
        assertThat(grey(img, marked[0] + 1, marked[1] + 1)).isEqualTo(255);
        assertThat(grey(img, marked[0] + 2, marked[1])).isZero();
        assertThat(grey(img, marked[0], marked[1] + 2)).isZero();
        // Clipping: below -1 is 0, above 1 is 255, NaN is 0.
        int[] clipped = origin(1, 1);
        assertThat(grey(img, clipped[0], clipped[1])).isZero();
        assertThat(grey(img, clipped[0], clipped[1] + 2)).isEqualTo(255);
        assertThat(grey(img, clipped[0], clipped[1] + 4)).isZero();
        // The gaps (between tiles, around the grid) and the unused last tile are white.
        assertThat(grey(img, 0, 0)).isEqualTo(255);
        assertThat(grey(img, black[0] + 8, 5)).isEqualTo(255);
        assertThat(grey(img, black[0] + 9, 5)).isEqualTo(255);
        assertThat(grey(img, 5, black[1] + 6)).isEqualTo(255);
        int[] unused = origin(1, 2);
        assertThat(grey(img, unused[0] + 3, unused[1] + 3)).isEqualTo(255);
        assertThat(Files.list(png.getParent()).map(p -> p.getFileName().toString())).containsExactly("grid.png");
    }

    @Test
    void everyByteLevelSurvivesTheDatasetScalingAndBack() {
        for (int x = 0; x <= 255; x++) {
            assertThat(ImageGrid.level(x / 127.5f - 1f)).as("level %d", x).isEqualTo(x);
        }
    }

    @Test
    void rgbChannelsAreRedGreenBlue() throws IOException {
        float[] v = new float[3 * 2 * 2];
        Arrays.fill(v, 0, 4, 1f);        // red plane full
        Arrays.fill(v, 4, 8, -1f);       // green plane off
        Arrays.fill(v, 8, 12, 0f);       // blue plane half: level 128 (127.5 rounds to even)
        Path png = dir.resolve("rgb.png");
        ImageGrid.write(new PointSet(new int[]{3, 2, 2}, v, null), 8, null, png);
        BufferedImage img = ImageIO.read(png.toFile());
        assertThat(img.getWidth()).isEqualTo(2 + 4 + 2);
        assertThat(img.getHeight()).isEqualTo(2 + 4 + 2);
        assertThat(img.getRGB(2, 2) & 0xffffff).isEqualTo(0xFF0080);
        assertThat(img.getRGB(5, 5) & 0xffffff).isEqualTo(0xFF0080);
    }

    @Test
    void rowLabelsWidenTheGridAndAreDrawnLeftOfTheirRows() throws IOException {
        PointSet images = greyImages();
        BufferedImage plain = ImageGrid.render(images, 3, null);
        BufferedImage labelled = ImageGrid.render(images, 3, List.of("ddim", "euler"));
        int labelWidth = labelled.getWidth() - plain.getWidth();
        assertThat(labelWidth).isPositive();
        assertThat(labelled.getHeight()).isEqualTo(plain.getHeight());
        // Some dark text pixels in the label column of each row, none elsewhere in that column.
        for (int row = 0; row < 2; row++) {
            int top = ImageGrid.GAP + row * (H * 2 + ImageGrid.GAP);
            boolean dark = false;
            for (int y = Math.max(0, top - 4); y < Math.min(labelled.getHeight(), top + H * 2 + 4); y++) {
                for (int x = 0; x < labelWidth; x++) {
                    dark |= (labelled.getRGB(x, y) & 0xff) < 128;
                }
            }
            assertThat(dark).as("text of row %d", row).isTrue();
        }
        // The tiles are where they were, shifted right by the label column.
        int[] white = origin(0, 1);
        assertThat(labelled.getRGB(labelWidth + white[0], white[1]) & 0xffffff).isEqualTo(0xFFFFFF);
        int[] black = origin(0, 0);
        assertThat(labelled.getRGB(labelWidth + black[0], black[1]) & 0xffffff).isZero();
        // Null labels draw no label column.
        assertThat(ImageGrid.render(images, 3, Arrays.asList(null, " ")).getWidth()).isEqualTo(plain.getWidth());
    }

    @Test
    void anExistingFileIsReplacedAsAWhole() throws IOException {
        Path png = Files.writeString(dir.resolve("grid.png"), "old");
        ImageGrid.write(greyImages().head(1), 10, null, png);
        BufferedImage img = ImageIO.read(png.toFile());
        assertThat(img.getWidth()).isEqualTo(2 + 8 + 2);
        try (Stream<Path> files = Files.list(dir)) {
            assertThat(files.map(p -> p.getFileName().toString())).containsExactly("grid.png");
        }
    }

    @Test
    void whatIsNotAnImageIsRefused() {
        Path png = dir.resolve("x.png");
        assertThatThrownBy(() -> ImageGrid.write(new PointSet(2, new float[]{1, 2}), 10, null, png))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("[1, H, W]").hasMessageContaining("[2]");
        assertThatThrownBy(() -> ImageGrid.write(new PointSet(new int[]{2, 2, 2}, new float[8], null), 10, null, png))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("[2, 2, 2]");
        assertThatThrownBy(() -> ImageGrid.write(greyImages(), 0, null, png))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("column");
        assertThatThrownBy(() -> ImageGrid.write(greyImages(), 3, List.of("a", "b", "c"), png))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("3 row labels").hasMessageContaining("2 rows");
        assertThat(png).doesNotExist();
    }
}
