package org.diffusion4j.plugin.imagedata;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.diffusion4j.api.Dataset;
import org.diffusion4j.api.PointSet;
import org.diffusion4j.api.Split;
import org.diffusion4j.api.config.ConfigException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.diffusion4j.api.UserError;

/** {@code image-folder} as the runtime sees it: layout, order, labels, exact pixels, splits, subsets, errors. */
class ImageFolderDatasetTest {

    private static final int W = 4;
    private static final int H = 3;

    @TempDir
    Path dir;

    private static Dataset create(Object... keyValues) {
        ImageFolderProvider p = new ImageFolderProvider();
        Map<String, Object> raw = new HashMap<>();
        for (int i = 0; i < keyValues.length; i += 2) {
            raw.put((String) keyValues[i], keyValues[i + 1]);
        }
        return p.create(p.config().resolve(p.name(), raw), null);
    }

    /** The grey value of pixel (x, y) of the image with id {@code i}: each image and pixel different. */
    private static int grey(int i, int x, int y) {
        return (i * 40 + y * W + x) % 256;
    }

    private static float scaled(int v) {
        return v / 127.5f - 1f;
    }

    private Path greyImage(Path root, String relative, int id) {
        return Png.write(root.resolve(relative), Png.grey(W, H, (x, y) -> grey(id, x, y)));
    }

    /**
     * Three classes written out of order, with files whose names sort differently as strings and as
     * numbers, nested folders, and files that must be skipped. In dataset order the images are ids 0..7.
     */
    private Path greyTree(String name) throws IOException {
        Path root = dir.resolve(name);
        greyImage(root, "b-cat/2.png", 5);
        greyImage(root, "b-cat/10.png", 4);       // "10.png" < "2.png" in String order
        greyImage(root, "b-cat/a.PNG", 6);        // extension in any case
        greyImage(root, "c-eel/z.png", 7);
        // folders by path, as torchvision's sorted(os.walk(...)): "" < "a" < "a-z" < "a/b" ('-' < '/'),
        // which is not the depth-first order of a walk
        greyImage(root, "a-dog/a/b/r.png", 3);
        greyImage(root, "a-dog/a-z/q.png", 2);
        greyImage(root, "a-dog/a/p.png", 1);
        greyImage(root, "a-dog/x.png", 0);
        Files.writeString(root.resolve("a-dog/notes.txt"), "not an image");
        Png.bytes(root.resolve("a-dog/.hidden.png"), new byte[]{1, 2, 3});      // hidden: skipped, never decoded
        Png.bytes(root.resolve("a-dog/._x.png"), new byte[]{0, 5, 22, 7});      // a macOS resource fork
        greyImage(root, ".ipynb_checkpoints/q.png", 9);                       // hidden folder: not a class
        Files.writeString(root.resolve("README.txt"), "loose files at the root are not images of a class");
        return root;
    }

    private static void assertGreyImages(PointSet set, int... ids) {
        assertThat(set.count()).isEqualTo(ids.length);
        float[] v = set.values();
        int d = W * H;
        for (int i = 0; i < ids.length; i++) {
            for (int y = 0; y < H; y++) {
                for (int x = 0; x < W; x++) {
                    assertThat(v[i * d + y * W + x]).as("image %d pixel (%d, %d)", i, x, y)
                            .isEqualTo(scaled(grey(ids[i], x, y)));
                }
            }
        }
    }

    @Test
    void declaresItsOptionsWithDescriptions() {
        assertThat(new ImageFolderProvider().config().options()).extracting(o -> o.name())
                .containsExactly("train", "test", "channels", "convert-channels", "size", "resize", "train-subset",
                        "test-subset");
        assertThat(new ImageFolderProvider().config().options()).allSatisfy(o ->
                assertThat(o.description()).isNotBlank().doesNotContain("\n"));
        assertThat(new ImageFolderProvider().description()).contains("ImageFolder").doesNotContain("\n");
    }

    @Test
    void classFoldersInNameOrderAreTheLabelsAndFilesComeInTorchvisionOrder() throws IOException {
        Dataset d = create("train", greyTree("train").toString());
        assertThat(d.labelCount()).isEqualTo(3);
        assertThat(d.classNames()).containsExactly("a-dog", "b-cat", "c-eel");
        assertThat(d.sampleShape()).containsExactly(1, H, W);
        assertThat(d.dimension()).isEqualTo(W * H);
        PointSet train = d.load(Split.TRAIN);
        assertThat(train.sampleShape()).containsExactly(1, H, W);
        assertThat(train.labels()).containsExactly(0, 0, 0, 0, 1, 1, 1, 2);
        assertGreyImages(train, 0, 1, 2, 3, 4, 5, 6, 7);
        assertThat(train.get(0, 0)).isEqualTo(-1f);     // grey 0
        assertThat(d.load(Split.TRAIN)).isSameAs(train);
    }

    @Test
    void theSameFolderGivesTheSameBits() throws IOException {
        Path root = greyTree("train");
        float[] a = create("train", root.toString()).load(Split.TRAIN).values();
        float[] b = create("train", root.toString()).load(Split.TRAIN).values();
        for (int i = 0; i < a.length; i++) {
            assertThat(Float.floatToRawIntBits(b[i])).isEqualTo(Float.floatToRawIntBits(a[i]));
        }
    }

    @Test
    void rgbImagesAreChannelFirstInRgbOrder() {
        Path root = dir.resolve("rgb");
        for (int i = 0; i < 3; i++) {
            int id = i;
            Png.write(root.resolve((i < 2 ? "red" : "blue") + "/" + i + ".png"),
                    Png.rgb(2, 2, (x, y) -> (255 - id) << 16 | (x * 100 + y * 10) << 8 | (id * 50 + x + 2 * y)));
        }
        Dataset d = create("train", root.toString());
        assertThat(d.sampleShape()).containsExactly(3, 2, 2);
        PointSet set = d.load(Split.TRAIN);
        assertThat(set.labels()).containsExactly(0, 1, 1);   // "blue" < "red"
        int[] ids = {2, 0, 1};
        for (int i = 0; i < 3; i++) {
            for (int y = 0; y < 2; y++) {
                for (int x = 0; x < 2; x++) {
                    int p = y * 2 + x;
                    assertThat(set.get(i, p)).isEqualTo(scaled(255 - ids[i]));
                    assertThat(set.get(i, 4 + p)).isEqualTo(scaled(x * 100 + y * 10));
                    assertThat(set.get(i, 8 + p)).isEqualTo(scaled(ids[i] * 50 + x + 2 * y));
                }
            }
        }
        assertThat(set.get(1, 0)).isEqualTo(1f);   // red 255
    }

    @Test
    void otherEncodingsDecodeToEightBitSamples() {
        Path root = dir.resolve("kinds");
        // 16-bit grey: 65535 → 255, 257·100 → 100, 128 → round(128·255/65535) = 0
        Png.write(root.resolve("a/0-grey16.png"), Png.grey16(2, 1, (x, y) -> x == 0 ? 65535 : 257 * 100));
        Png.write(root.resolve("a/1-grey16.png"), Png.grey16(2, 1, (x, y) -> 128));
        // a palette of greys is one channel
        Png.write(root.resolve("a/2-palette.png"), Png.indexed(2, 1, new int[]{0x000000, 0x7f7f7f, 0xffffff},
                (x, y) -> x + 1));
        PointSet grey = create("train", root.toString()).load(Split.TRAIN);
        assertThat(grey.sampleShape()).containsExactly(1, 1, 2);
        assertThat(grey.values()).containsExactly(1f, scaled(100), -1f, -1f, scaled(0x7f), 1f);

        Path colour = dir.resolve("colour");
        Png.write(colour.resolve("a/0-palette.png"), Png.indexed(2, 1, new int[]{0x102030, 0xff8000},
                (x, y) -> x));
        Png.write(colour.resolve("a/1-rgba.png"), Png.rgba(2, 1, 0, (x, y) -> 0x0a0b0c * (x + 1)));
        PointSet rgb = create("train", colour.toString()).load(Split.TRAIN);
        assertThat(rgb.sampleShape()).containsExactly(3, 1, 2);
        assertThat(rgb.values()).containsExactly(
                scaled(0x10), scaled(0xff), scaled(0x20), scaled(0x80), scaled(0x30), scaled(0x00),
                // alpha 0 is dropped, the colour kept (PIL's convert("RGB"))
                scaled(0x0a), scaled(0x14), scaled(0x0b), scaled(0x16), scaled(0x0c), scaled(0x18));
    }

    @Test
    void jpegFilesAreReadWhateverTheCaseOfTheirExtension() {
        Path root = dir.resolve("jpeg");
        Png.jpeg(root.resolve("a/photo.JPG"), Png.rgb(8, 8, (x, y) -> 0xc86432));
        Png.jpeg(root.resolve("a/photo2.jpeg"), Png.rgb(8, 8, (x, y) -> 0xc86432));
        PointSet set = create("train", root.toString()).load(Split.TRAIN);
        assertThat(set.sampleShape()).containsExactly(3, 8, 8);
        assertThat(set.count()).isEqualTo(2);
        // lossy, but a flat colour survives within a few levels
        assertThat(set.get(0, 0)).isCloseTo(scaled(0xc8), org.assertj.core.data.Offset.offset(4 / 127.5f));
        assertThat(set.get(0, 64)).isCloseTo(scaled(0x64), org.assertj.core.data.Offset.offset(4 / 127.5f));
        assertThat(set.get(0, 128)).isCloseTo(scaled(0x32), org.assertj.core.data.Offset.offset(4 / 127.5f));
    }

    @Test
    void subsetsDealTheFirstFilesOfEveryClassRoundRobin() throws IOException {
        assertThat(ImageFolderDataset.roundRobin(new int[]{3, 1, 5}, 6)).containsExactly(3, 1, 2);
        assertThat(ImageFolderDataset.roundRobin(new int[]{3, 1, 5}, 2)).containsExactly(1, 1, 0);
        assertThat(ImageFolderDataset.roundRobin(new int[]{3, 1, 5}, 9)).containsExactly(3, 1, 5);
        Path root = greyTree("train");
        // classes hold 4, 3, 1 images: 4 = one of each, then a second of a-dog
        PointSet sub = create("train", root.toString(), "train-subset", 4).load(Split.TRAIN);
        assertThat(sub.labels()).containsExactly(0, 0, 1, 2);
        assertGreyImages(sub, 0, 1, 4, 7);
        PointSet five = create("train", root.toString(), "train-subset", 5).load(Split.TRAIN);
        assertThat(five.labels()).containsExactly(0, 0, 1, 1, 2);
        assertGreyImages(five, 0, 1, 4, 5, 7);
        assertThatThrownBy(() -> create("train", root.toString(), "train-subset", 9).load(Split.TRAIN))
                .isInstanceOf(UserError.class)
                .hasMessageContaining("'train-subset' = 9").hasMessageContaining("8 images")
                .hasMessageContaining(root.toString());
    }

    /** Test folder: a-dog 4 images (ids 10..13), b-cat 3 (ids 20..22), c-eel 2 (ids 30, 31). */
    private Path heldOut() {
        Path root = dir.resolve("test");
        for (int k = 0; k < 4; k++) {
            greyImage(root, "a-dog/" + k + ".png", 10 + k);
        }
        for (int k = 0; k < 3; k++) {
            greyImage(root, "b-cat/" + k + ".png", 20 + k);
        }
        for (int k = 0; k < 2; k++) {
            greyImage(root, "c-eel/" + k + ".png", 30 + k);
        }
        return root;
    }

    @Test
    void testAndReferenceAreTheTwoHalvesOfEachTestClass() throws IOException {
        Dataset d = create("train", greyTree("train").toString(), "test", heldOut().toString());
        PointSet test = d.load(Split.TEST);
        PointSet reference = d.load(Split.REFERENCE);
        assertThat(test.labels()).containsExactly(0, 0, 1, 2);
        assertThat(reference.labels()).containsExactly(0, 0, 1, 2);
        assertThat(test.sampleShape()).containsExactly(1, H, W);
        // b-cat's third image (id 22) is in neither: 3 images halve into 1 + 1
        assertGreyImages(test, 10, 11, 20, 30);
        assertGreyImages(reference, 12, 13, 21, 31);
        assertThat(d.load(Split.REFERENCE)).isSameAs(reference);

        Dataset sub = create("train", greyTree("train2").toString(), "test", heldOut().toString(), "test-subset", 2);
        assertThat(sub.load(Split.TEST).labels()).containsExactly(0, 1);
        assertThat(sub.load(Split.REFERENCE).labels()).containsExactly(0, 1);
        assertThat(sub.load(Split.TEST).get(1, 0)).isEqualTo(scaled(grey(20, 0, 0)));
        assertThat(sub.load(Split.REFERENCE).get(1, 0)).isEqualTo(scaled(grey(21, 0, 0)));
        Dataset tooMany = create("train", greyTree("train3").toString(), "test", heldOut().toString(),
                "test-subset", 5);
        assertThatThrownBy(() -> tooMany.load(Split.TEST))
                .isInstanceOf(UserError.class)
                .hasMessageContaining("'test-subset' = 5").hasMessageContaining("4 images of each held-out half");
    }

    @Test
    void withoutATestFolderTheHeldOutSplitsSayWhichOptionToSet() throws IOException {
        Dataset d = create("train", greyTree("train").toString());
        assertThat(d.load(Split.TRAIN).count()).isEqualTo(8);
        assertThatThrownBy(() -> d.load(Split.TEST))
                .isInstanceOf(UserError.class)
                .hasMessageContaining("image-folder").hasMessageContaining("option 'test'");
    }

    @Test
    void aTestFolderWithOtherClassesIsRefused() throws IOException {
        Path test = dir.resolve("other");
        greyImage(test, "a-dog/0.png", 1);
        greyImage(test, "a-dog/1.png", 1);
        greyImage(test, "zebra/0.png", 1);
        Dataset d = create("train", greyTree("train").toString(), "test", test.toString());
        assertThatThrownBy(() -> d.load(Split.REFERENCE))
                .isInstanceOf(UserError.class)
                .hasMessageContaining(test.toString()).hasMessageContaining("missing: [b-cat, c-eel]")
                .hasMessageContaining("not in train: [zebra]");
    }

    @Test
    void channelsAreRefusedOrConvertedOnlyWhenAsked() {
        Path root = dir.resolve("mixed");
        Png.write(root.resolve("a/0.png"), Png.grey(2, 1, (x, y) -> 7));
        Path colour = Png.write(root.resolve("a/1.png"), Png.rgb(2, 1, (x, y) -> x == 0 ? 200 << 16 | 100 << 8 | 50
                : 255 << 16));
        // auto: grey from the first image, so the RGB one is refused
        assertThatThrownBy(() -> create("train", root.toString()).load(Split.TRAIN))
                .isInstanceOf(UserError.class)
                .hasMessageContaining(colour.toString()).hasMessageContaining("3 channels (RGB)")
                .hasMessageContaining("expected 1").hasMessageContaining("convert-channels")
                .message().doesNotContain("\n");
        // converted: BT.601 luma (299·200 + 587·100 + 114·50 + 500) / 1000 = 124, (299·255 + 500) / 1000 = 76
        PointSet grey = create("train", root.toString(), "convert-channels", true).load(Split.TRAIN);
        assertThat(grey.sampleShape()).containsExactly(1, 1, 2);
        assertThat(grey.values()).containsExactly(scaled(7), scaled(7), scaled(124), scaled(76));
        // asked for RGB: the grey one is refused, or copied into the three channels
        assertThatThrownBy(() -> create("train", root.toString(), "channels", 3).load(Split.TRAIN))
                .isInstanceOf(UserError.class)
                .hasMessageContaining("0.png").hasMessageContaining("1 channel (grey)").hasMessageContaining("expected 3")
                .hasMessageContaining("option 'channels'");
        PointSet rgb = create("train", root.toString(), "channels", "3", "convert-channels", "true").load(Split.TRAIN);
        assertThat(rgb.sampleShape()).containsExactly(3, 1, 2);
        assertThat(rgb.values()).containsExactly(scaled(7), scaled(7), scaled(7), scaled(7), scaled(7), scaled(7),
                scaled(200), scaled(255), scaled(100), scaled(0), scaled(50), scaled(0));
    }

    @Test
    void imagesOfAnotherSizeAreRefusedUnlessResized() {
        Path root = dir.resolve("sizes");
        Png.write(root.resolve("a/0.png"), Png.grey(4, 4, (x, y) -> new int[]{10, 20, 0, 1, 30, 41, 0, 1,
                0, 1, 1, 1, 0, 1, 1, 2}[y * 4 + x]));
        Path small = Png.write(root.resolve("a/1.png"), Png.grey(2, 2, (x, y) -> 50 + x + 2 * y));
        assertThatThrownBy(() -> create("train", root.toString()).load(Split.TRAIN))
                .isInstanceOf(UserError.class)
                .hasMessageContaining(small.toString()).hasMessageContaining("2x2 pixels")
                .hasMessageContaining("expected 4x4").hasMessageContaining("first training image")
                .hasMessageContaining("'resize'")
                .message().doesNotContain("\n");
        assertThatThrownBy(() -> create("train", root.toString(), "size", "2x2").load(Split.TRAIN))
                .isInstanceOf(UserError.class)
                .hasMessageContaining("0.png").hasMessageContaining("4x4 pixels").hasMessageContaining("expected 2x2")
                .hasMessageContaining("option 'size'");
        // 4x4 → 2x2 by area averaging, rounded half up: (10+20+30+41)/4 = 25.25 → 25, (0+1+0+1)/4 = 0.5 → 1,
        // (0+1+0+1)/4 → 1, (1+1+1+2)/4 = 1.25 → 1; the 2x2 image unchanged
        PointSet set = create("train", root.toString(), "size", "2x2", "resize", true).load(Split.TRAIN);
        assertThat(set.sampleShape()).containsExactly(1, 2, 2);
        assertThat(set.values()).containsExactly(scaled(25), scaled(1), scaled(1), scaled(1),
                scaled(50), scaled(51), scaled(52), scaled(53));
        // resize without a size: to the first image's size
        PointSet up = create("train", root.toString(), "resize", true).load(Split.TRAIN);
        assertThat(up.sampleShape()).containsExactly(1, 4, 4);
        assertThat(up.get(1, 0)).isEqualTo(scaled(50));
        assertThat(up.get(1, 15)).isEqualTo(scaled(53));
    }

    @Test
    void areaAveragingWeighsEachSourcePixelByTheAreaItCovers() {
        // 3 → 2 columns: output 0 covers source [0, 1.5): (0·1 + 90·0.5) / 1.5 = 30; output 1: (90·0.5 + 180) / 1.5 = 150
        ImageFiles.Pixels row = new ImageFiles.Pixels(1, 3, 1, new int[]{0, 90, 180});
        assertThat(ImageFiles.resize(row, 2, 1).samples()).containsExactly(30, 150);
        // 1 → 3x2: every output pixel is the one source pixel
        ImageFiles.Pixels one = new ImageFiles.Pixels(3, 1, 1, new int[]{9, 99, 255});
        assertThat(ImageFiles.resize(one, 3, 2).samples())
                .containsExactly(9, 9, 9, 9, 9, 9, 99, 99, 99, 99, 99, 99, 255, 255, 255, 255, 255, 255);
        // 2 → 3: output 1 covers the halves of both: (10 + 21) / 2 = 15.5 → 16
        ImageFiles.Pixels two = new ImageFiles.Pixels(1, 2, 1, new int[]{10, 21});
        assertThat(ImageFiles.resize(two, 3, 1).samples()).containsExactly(10, 16, 21);
    }

    @Test
    void theSizeOptionTakesNOrWidthByHeight() {
        assertThat(ImageFolderProvider.size("28")).containsExactly(28, 28);
        assertThat(ImageFolderProvider.size(" 32x24 ")).containsExactly(32, 24);
        assertThat(ImageFolderProvider.size("32X24")).containsExactly(32, 24);
        assertThat(ImageFolderProvider.size("")).containsExactly(0, 0);
        for (String bad : List.of("0", "28x", "x28", "-3", "28x28x3", "big", "99999x99999")) {
            assertThatThrownBy(() -> ImageFolderProvider.size(bad))
                    .isInstanceOf(ConfigException.class)
                    .hasMessageContaining("image-folder: option 'size' = '" + bad + "'")
                    .hasMessageContaining("WIDTHxHEIGHT");
        }
        Path root = dir.resolve("sq");
        Png.write(root.resolve("a/0.png"), Png.grey(3, 3, (x, y) -> 0));
        assertThat(create("train", root.toString(), "size", 3, "channels", 1).sampleShape()).containsExactly(1, 3, 3);
    }

    @Test
    void aCorruptOrTruncatedImageIsNamed() {
        Path root = dir.resolve("corrupt");
        Png.write(root.resolve("a/0.png"), Png.grey(W, H, (x, y) -> 1));
        Path garbage = Png.bytes(root.resolve("a/1.png"), "this is not a PNG file".getBytes());
        assertThatThrownBy(() -> create("train", root.toString()).load(Split.TRAIN))
                .isInstanceOf(UserError.class)
                .hasMessageContaining(garbage.toString()).hasMessageContaining("not an image javax.imageio can decode")
                .message().doesNotContain("\n");

        Path root2 = dir.resolve("truncated");
        Png.write(root2.resolve("a/0.png"), Png.grey(W, H, (x, y) -> 1));
        byte[] png = Png.encode(Png.grey(40, 30, (x, y) -> (x * 7 + y * 13) % 256), "png");
        Path cut = Png.bytes(root2.resolve("a/1.png"), Png.truncated(png, png.length / 2));
        assertThatThrownBy(() -> create("train", root2.toString(), "resize", true).load(Split.TRAIN))
                .isInstanceOf(UserError.class)
                .hasMessageContaining(cut.toString()).hasMessageContaining("cannot be decoded")
                .message().doesNotContain("\n");

        // a truncated JPEG decodes with a warning and grey fill: refused, not trained on
        Path root3 = dir.resolve("truncated-jpeg");
        byte[] jpeg = Png.encode(Png.rgb(64, 64, (x, y) -> x * 4 << 16 | y * 4 << 8 | (x ^ y) * 4), "jpeg");
        Path cutJpeg = Png.bytes(root3.resolve("a/0.jpg"), Png.truncated(jpeg, jpeg.length * 2 / 3));
        assertThatThrownBy(() -> create("train", root3.toString()).load(Split.TRAIN))
                .isInstanceOf(UserError.class)
                .hasMessageContaining(cutJpeg.toString())
                .message().doesNotContain("\n");

        // an image larger than the limit is refused from its header: a 58-byte PNG declaring 10000x10000
        Path root5 = dir.resolve("huge");
        Path huge = Png.bytes(root5.resolve("a/0.png"), Png.headerOnly(10000, 10000));
        assertThatThrownBy(() -> create("train", root5.toString()).sampleShape())
                .isInstanceOf(UserError.class)
                .hasMessageContaining(huge.toString()).hasMessageContaining("10000x10000 pixels");

        // the first image, decoded for the shape, is named too
        Path root4 = dir.resolve("first");
        Path first = Png.bytes(root4.resolve("a/0.png"), new byte[]{(byte) 0x89, 'P', 'N', 'G'});
        Dataset d = create("train", root4.toString());
        assertThatThrownBy(d::sampleShape).isInstanceOf(UserError.class)
                .hasMessageContaining(first.toString());
    }

    @Test
    void aMissingFolderOrAMissingClassLayoutIsRefusedBeforeAnyWork() throws IOException {
        Path gone = dir.resolve("gone");
        assertThatThrownBy(() -> create("train", gone.toString()))
                .isInstanceOf(UserError.class)
                .hasMessageContaining("image-folder").hasMessageContaining(gone.toString())
                .hasMessageContaining("not found").hasMessageContaining("option 'train'");
        Path file = Files.writeString(dir.resolve("a-file"), "x");
        assertThatThrownBy(() -> create("train", file.toString()))
                .isInstanceOf(UserError.class)
                .hasMessageContaining("(it is a file)");
        assertThatThrownBy(() -> create("train", greyTree("train").toString(), "test", gone.toString()))
                .isInstanceOf(UserError.class)
                .hasMessageContaining(gone.toString()).hasMessageContaining("option 'test'");
        assertThatThrownBy(() -> create())
                .isInstanceOf(ConfigException.class).hasMessageContaining("'train' is required");
        assertThatThrownBy(() -> create("train", " "))
                .isInstanceOf(ConfigException.class).hasMessageContaining("'train' is required");

        Path flat = dir.resolve("flat");
        greyImage(flat, "0.png", 0);
        greyImage(flat, "1.png", 1);
        assertThatThrownBy(() -> create("train", flat.toString()))
                .isInstanceOf(UserError.class)
                .hasMessageContaining(flat.toString()).hasMessageContaining("no class sub-folders")
                .hasMessageContaining("2 images directly");

        Path emptyClass = dir.resolve("empty-class");
        greyImage(emptyClass, "a/0.png", 0);
        Files.createDirectories(emptyClass.resolve("b"));
        Files.writeString(emptyClass.resolve("b/readme.md"), "no images here");
        assertThatThrownBy(() -> create("train", emptyClass.toString()))
                .isInstanceOf(UserError.class)
                .hasMessageContaining(emptyClass.resolve("b").toString()).hasMessageContaining("holds no images")
                .hasMessageContaining(".png, .jpg, .jpeg");
    }
}
