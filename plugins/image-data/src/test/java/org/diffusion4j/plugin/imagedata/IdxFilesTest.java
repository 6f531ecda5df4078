package org.diffusion4j.plugin.imagedata;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.diffusion4j.api.UserError;

/** The IDX reader: exact round trips, gzip told by content, and one clear message per corruption. */
class IdxFilesTest {

    @TempDir
    Path dir;

    @ParameterizedTest(name = "gzip = {0}")
    @ValueSource(booleans = {false, true})
    void imagesAndLabelsReadBackExactlyGzipOrRaw(boolean gzip) {
        byte[] pixels = Idx.pattern(5, 3 * 2);
        byte[] images = Idx.images(5, 3, 2, pixels);
        byte[] labels = Idx.labels(0, 9, 3, 3, 1);
        // names say nothing: the gzip magic decides
        Path img = Idx.write(dir.resolve("images.bin"), gzip ? Idx.gzip(images) : images);
        Path lab = Idx.write(dir.resolve("labels.gz"), gzip ? Idx.gzip(labels) : labels);

        assertThat(IdxFiles.readImageHeader(img)).isEqualTo(new IdxFiles.ImageHeader(5, 3, 2));
        IdxFiles.Images all = IdxFiles.readImages(img, Integer.MAX_VALUE);
        assertThat(all.header()).isEqualTo(new IdxFiles.ImageHeader(5, 3, 2));
        assertThat(all.pixels()).isEqualTo(pixels);
        assertThat(IdxFiles.readImages(img, 2).pixels()).isEqualTo(Arrays.copyOf(pixels, 12));
        assertThat(IdxFiles.readLabels(lab, 10)).containsExactly(0, 9, 3, 3, 1);
    }

    @Test
    void aBadMagicNumberPrintsFoundAndExpectedInHex() {
        Path labelsAsImages = Idx.write(dir.resolve("swapped.idx"), Idx.labels(1, 2));
        assertThatThrownBy(() -> IdxFiles.readImages(labelsAsImages, 10))
                .isInstanceOf(UserError.class)
                .hasMessageContaining("swapped.idx")
                .hasMessageContaining("0x00000801").hasMessageContaining("label file")
                .hasMessageContaining("expected 0x00000803");
        Path imagesAsLabels = Idx.write(dir.resolve("swapped2.idx"), Idx.images(1, 1, 1, new byte[1]));
        assertThatThrownBy(() -> IdxFiles.readLabels(imagesAsLabels, 10))
                .hasMessageContaining("swapped2.idx")
                .hasMessageContaining("0x00000803").hasMessageContaining("expected 0x00000801");
        Path png = Idx.write(dir.resolve("picture.png"), new byte[]{(byte) 0x89, 'P', 'N', 'G', 13, 10, 26, 10, 0, 0, 0, 0,
                0, 0, 0, 0});
        assertThatThrownBy(() -> IdxFiles.readImageHeader(png))
                .hasMessageContaining("picture.png")
                .hasMessageContaining("0x89504E47").hasMessageContaining("not an IDX file")
                .hasMessageContaining("expected 0x00000803");
    }

    @ParameterizedTest(name = "gzip = {0}")
    @ValueSource(booleans = {false, true})
    void aTruncatedFileSaysHowManyBytesWereExpectedAndFound(boolean gzip) {
        byte[] full = Idx.images(4, 2, 2, Idx.pattern(4, 4));
        byte[] cut = Arrays.copyOf(full, full.length - 3);
        Path file = Idx.write(dir.resolve("cut-images"), gzip ? Idx.gzip(cut) : cut);
        assertThatThrownBy(() -> IdxFiles.readImages(file, 4))
                .isInstanceOf(UserError.class)
                .hasMessageContaining("cut-images").hasMessageContaining("truncated")
                .hasMessageContaining("4 images of 2×2").hasMessageContaining("16 bytes of pixels, found 13");
        // also when only the first image is asked for: the whole file is checked
        assertThatThrownBy(() -> IdxFiles.readImages(file, 1)).hasMessageContaining("found 13");

        Path header = Idx.write(dir.resolve("short-header"), Arrays.copyOf(full, 10));
        assertThatThrownBy(() -> IdxFiles.readImageHeader(header))
                .hasMessageContaining("short-header").hasMessageContaining("truncated")
                .hasMessageContaining("16 bytes, found 10");

        byte[] labels = Idx.labels(1, 2, 3);
        Path shortLabels = Idx.write(dir.resolve("short-labels"), Arrays.copyOf(labels, labels.length - 1));
        assertThatThrownBy(() -> IdxFiles.readLabels(shortLabels, 10))
                .hasMessageContaining("short-labels").hasMessageContaining("truncated")
                .hasMessageContaining("3 bytes of labels, found 2");
    }

    @Test
    void aGzipStreamCutShortIsTruncatedToo() {
        byte[] z = Idx.gzip(Idx.images(50, 10, 10, Idx.pattern(50, 100)));
        Path file = Idx.write(dir.resolve("cut.gz"), Arrays.copyOf(z, z.length / 2));
        assertThatThrownBy(() -> IdxFiles.readImages(file, 50))
                .isInstanceOf(UserError.class)
                .hasMessageContaining("cut.gz").hasMessageContaining("truncated");
    }

    @Test
    void moreBytesThanTheHeaderDeclaresIsAnError() {
        byte[] images = Idx.images(2, 2, 2, Idx.pattern(3, 4));   // header says 2, holds 3
        Path file = Idx.write(dir.resolve("long"), images);
        assertThatThrownBy(() -> IdxFiles.readImages(file, 1))
                .isInstanceOf(UserError.class)
                .hasMessageContaining("long").hasMessageContaining("holds 12 bytes of pixels")
                .hasMessageContaining("2 images of 2×2, 8 bytes");
    }

    @Test
    void aCorruptHeaderIsRefusedBeforeAnythingIsAllocated() {
        Path zero = Idx.write(dir.resolve("zero-rows"), Idx.images(3, 0, 28, new byte[0]));
        assertThatThrownBy(() -> IdxFiles.readImageHeader(zero))
                .hasMessageContaining("zero-rows").hasMessageContaining("0×28");
        Path huge = Idx.write(dir.resolve("huge"), Idx.images(-1, 28, 28, new byte[5]));
        assertThatThrownBy(() -> IdxFiles.readImages(huge, 10))
                .hasMessageContaining("huge").hasMessageContaining("4294967295 images");
    }

    @Test
    void aLabelOutsideTheClassesNamesTheFileTheSampleAndTheRange() {
        Path file = Idx.write(dir.resolve("labels-idx1"), Idx.labels(0, 4, 10, 2));
        assertThatThrownBy(() -> IdxFiles.readLabels(file, 10))
                .isInstanceOf(UserError.class)
                .hasMessageContaining("labels-idx1").hasMessageContaining("label 10 of sample 2")
                .hasMessageContaining("0..9");
        assertThat(IdxFiles.readLabels(file, 11)).containsExactly(0, 4, 10, 2);
        assertThatThrownBy(() -> IdxFiles.readLabels(file, 5)).hasMessageContaining("0..4");
    }

    @Test
    void aMissingFileIsNamed() {
        Path file = dir.resolve("nothing-here.gz");
        assertThatThrownBy(() -> IdxFiles.readImages(file, 1))
                .isInstanceOf(UserError.class)
                .hasMessageContaining("not found").hasMessageContaining("nothing-here.gz");
    }
}
