package org.diffusion4j.plugin.imagedata;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import org.diffusion4j.api.ComponentProvider;
import org.diffusion4j.api.Dataset;
import org.diffusion4j.api.Kind;
import org.diffusion4j.api.PointSet;
import org.diffusion4j.api.Split;
import org.diffusion4j.api.config.ConfigException;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.diffusion4j.api.UserError;

/** The two dataset components as the runtime sees them: options, splits, scaling, caching, errors. */
class IdxImageDatasetTest {

    private static final int ROWS = 3;
    private static final int COLS = 2;
    private static final int D = ROWS * COLS;

    @TempDir
    Path dir;

    private Path trainImages;
    private Path trainLabels;
    private Path testImages;
    private Path testLabels;
    private byte[] trainPixels;
    private byte[] testPixels;

    @BeforeEach
    void files() {
        trainPixels = Idx.pattern(7, D);
        testPixels = Idx.pattern(11, D);   // odd: halves 0..4 and 5..9, image 10 unused
        for (int k = 0; k < D; k++) {
            testPixels[k] = (byte) 255;
        }
        trainImages = Idx.write(dir.resolve("train-images-idx3-ubyte.gz"), Idx.gzip(Idx.images(7, ROWS, COLS, trainPixels)));
        trainLabels = Idx.write(dir.resolve("train-labels-idx1-ubyte.gz"), Idx.gzip(Idx.labels(0, 1, 2, 3, 4, 5, 9)));
        testImages = Idx.write(dir.resolve("t10k-images-idx3-ubyte"), Idx.images(11, ROWS, COLS, testPixels));
        testLabels = Idx.write(dir.resolve("t10k-labels-idx1-ubyte"), Idx.labels(9, 8, 7, 6, 5, 4, 3, 2, 1, 0, 9));
    }

    private static Dataset create(ComponentProvider<?> p, Object... keyValues) {
        Map<String, Object> raw = new HashMap<>();
        for (int i = 0; i < keyValues.length; i += 2) {
            raw.put((String) keyValues[i], keyValues[i + 1]);
        }
        return (Dataset) p.create(p.config().resolve(p.name(), raw), null);
    }

    private Dataset idx(Object... more) {
        Object[] base = {"train-images", trainImages.toString(), "train-labels", trainLabels.toString(),
                "test-images", testImages.toString(), "test-labels", testLabels.toString()};
        Object[] all = new Object[base.length + more.length];
        System.arraycopy(base, 0, all, 0, base.length);
        System.arraycopy(more, 0, all, base.length, more.length);
        return create(new IdxImagesProvider(), all);
    }

    private static float scaled(byte b) {
        return (b & 0xff) / 127.5f - 1f;
    }

    @Test
    void theDatasetComponentsAreFoundByServiceLoaderWithDeclaredOptions() {
        List<ComponentProvider<?>> ps = ServiceLoader.load(ComponentProvider.class).stream()
                .<ComponentProvider<?>>map(ServiceLoader.Provider::get)
                .filter(p -> p.getClass().getPackageName().equals("org.diffusion4j.plugin.imagedata"))
                .toList();
        assertThat(ps).extracting(ComponentProvider::name).containsExactlyInAnyOrder("fashion-mnist", "idx-images",
                "image-folder");
        for (ComponentProvider<?> p : ps) {
            assertThat(p.kind()).isEqualTo(Kind.DATASET);
            assertThat(p.description()).isNotBlank().doesNotContain("\n");
        }
        assertThat(new FashionMnistProvider().config().options()).extracting(o -> o.name())
                .containsExactly("dir", "train-subset", "test-subset");
        assertThat(new IdxImagesProvider().config().options()).extracting(o -> o.name())
                .containsExactly("train-images", "train-labels", "test-images", "test-labels", "classes", "train-subset",
                        "test-subset");
    }

    @Test
    void theTrainSplitIsTheTrainFileScaledToMinusOneOne() {
        Dataset d = idx();
        assertThat(d.sampleShape()).containsExactly(1, ROWS, COLS);
        assertThat(d.dimension()).isEqualTo(D);
        assertThat(d.labelCount()).isEqualTo(10);
        PointSet train = d.load(Split.TRAIN);
        assertThat(train.count()).isEqualTo(7);
        assertThat(train.sampleShape()).containsExactly(1, ROWS, COLS);
        assertThat(train.labels()).containsExactly(0, 1, 2, 3, 4, 5, 9);
        float[] v = train.values();
        for (int i = 0; i < v.length; i++) {
            assertThat(v[i]).isEqualTo(scaled(trainPixels[i]));
        }
        // image 0 pixel 0 is byte 0 → −1; the test file's first image is all 255 → 1
        assertThat(train.get(0, 0)).isEqualTo(-1f);
        assertThat(d.load(Split.TEST).values()).startsWith(1f, 1f, 1f, 1f, 1f, 1f);
    }

    @Test
    void scalingIsXOver127Point5MinusOneInFloat32() {
        assertThat(IdxImageDataset.scale((byte) 0)).isEqualTo(-1f);
        assertThat(IdxImageDataset.scale((byte) 255)).isEqualTo(1f);
        assertThat(IdxImageDataset.scale((byte) 128)).isEqualTo(128f / 127.5f - 1f).isPositive();
        assertThat(IdxImageDataset.scale((byte) 127)).isNegative();
    }

    @Test
    void testAndReferenceAreTheDisjointHalvesOfTheTestFile() {
        Dataset d = idx();
        PointSet test = d.load(Split.TEST);
        PointSet reference = d.load(Split.REFERENCE);
        assertThat(test.count()).isEqualTo(5);
        assertThat(reference.count()).isEqualTo(5);
        assertThat(test.labels()).containsExactly(9, 8, 7, 6, 5);
        assertThat(reference.labels()).containsExactly(4, 3, 2, 1, 0);
        float[] t = test.values();
        float[] r = reference.values();
        for (int k = 0; k < 5 * D; k++) {
            assertThat(t[k]).isEqualTo(scaled(testPixels[k]));
            assertThat(r[k]).isEqualTo(scaled(testPixels[5 * D + k]));
        }
    }

    @Test
    void subsetsTakeTheFirstImagesOfTrainAndOfEachHeldOutHalf() {
        Dataset d = idx("train-subset", 3, "test-subset", 2);
        PointSet train = d.load(Split.TRAIN);
        assertThat(train.count()).isEqualTo(3);
        assertThat(train.labels()).containsExactly(0, 1, 2);
        assertThat(train.values()).isEqualTo(idx().load(Split.TRAIN).head(3).values());
        PointSet test = d.load(Split.TEST);
        PointSet reference = d.load(Split.REFERENCE);
        assertThat(test.count()).isEqualTo(2);
        assertThat(test.labels()).containsExactly(9, 8);
        assertThat(reference.count()).isEqualTo(2);
        assertThat(reference.labels()).containsExactly(4, 3);
        assertThat(reference.get(0, 1)).isEqualTo(scaled(testPixels[5 * D + 1]));
    }

    @Test
    void aSubsetLargerThanTheFileIsAnErrorNotSilentlyClamped() {
        assertThatThrownBy(() -> idx("train-subset", 8).load(Split.TRAIN))
                .isInstanceOf(UserError.class)
                .hasMessageContaining("'train-subset' = 8").hasMessageContaining("7 images")
                .hasMessageContaining("train-images-idx3-ubyte.gz");
        assertThatThrownBy(() -> idx("test-subset", 6).load(Split.REFERENCE))
                .isInstanceOf(UserError.class)
                .hasMessageContaining("'test-subset' = 6").hasMessageContaining("5 images of each held-out half");
    }

    @Test
    void aLoadedSplitIsKept() {
        Dataset d = idx();
        assertThat(d.load(Split.TRAIN)).isSameAs(d.load(Split.TRAIN));
        assertThat(d.load(Split.REFERENCE)).isSameAs(d.load(Split.REFERENCE));
    }

    @Test
    void labelsAreOptional() {
        Dataset d = create(new IdxImagesProvider(), "train-images", trainImages.toString(),
                "test-images", testImages.toString());
        assertThat(d.labelCount()).isZero();
        assertThat(d.load(Split.TRAIN).labels()).isNull();
        assertThat(d.load(Split.TEST).labels()).isNull();
        assertThat(d.load(Split.TEST).count()).isEqualTo(5);
    }

    @Test
    void withoutTestImagesTheHeldOutSplitsSayWhichOptionToSet() {
        Dataset d = create(new IdxImagesProvider(), "train-images", trainImages.toString());
        assertThat(d.load(Split.TRAIN).count()).isEqualTo(7);
        assertThatThrownBy(() -> d.load(Split.TEST))
                .isInstanceOf(UserError.class)
                .hasMessageContaining("idx-images").hasMessageContaining("'test-images'");
        assertThatThrownBy(() -> create(new IdxImagesProvider()))
                .isInstanceOf(ConfigException.class).hasMessageContaining("'train-images' is required");
    }

    @Test
    void aMissingFileNamesTheOptionToSet() {
        Path gone = dir.resolve("gone.idx");
        assertThatThrownBy(() -> create(new IdxImagesProvider(), "train-images", trainImages.toString(),
                "test-labels", gone.toString(), "test-images", testImages.toString()))
                .isInstanceOf(UserError.class)
                .hasMessageContaining("gone.idx").hasMessageContaining("not found")
                .hasMessageContaining("option 'test-labels'");
        Path empty = dir.resolve("empty-folder");
        assertThatThrownBy(() -> create(new FashionMnistProvider(), "dir", empty.toString()))
                .isInstanceOf(UserError.class)
                .hasMessageContaining("fashion-mnist").hasMessageContaining("empty-folder")
                .hasMessageContaining("train-images-idx3-ubyte.gz").hasMessageContaining("not found")
                .hasMessageContaining("option 'dir'").hasMessageContaining("dataset-fashion-mnist");
    }

    @Test
    void labelsThatDoNotMatchTheImagesAreRefusedNamingBothFiles() {
        Path few = Idx.write(dir.resolve("few-labels"), Idx.labels(1, 2, 3));
        Dataset d = create(new IdxImagesProvider(), "train-images", trainImages.toString(),
                "train-labels", few.toString());
        assertThatThrownBy(() -> d.load(Split.TRAIN))
                .isInstanceOf(UserError.class)
                .hasMessageContaining("few-labels").hasMessageContaining("3 labels")
                .hasMessageContaining("train-images-idx3-ubyte.gz").hasMessageContaining("7 images");
        Dataset fewClasses = idx("classes", 5);
        assertThatThrownBy(() -> fewClasses.load(Split.TRAIN))
                .isInstanceOf(UserError.class)
                .hasMessageContaining("train-labels-idx1-ubyte.gz").hasMessageContaining("label 5 of sample 5")
                .hasMessageContaining("0..4");
    }

    @Test
    void heldOutImagesOfAnotherSizeAreRefused() {
        Path big = Idx.write(dir.resolve("big-images"), Idx.images(2, 4, 4, new byte[32]));
        Dataset d = create(new IdxImagesProvider(), "train-images", trainImages.toString(),
                "test-images", big.toString());
        assertThatThrownBy(() -> d.load(Split.TEST))
                .isInstanceOf(UserError.class)
                .hasMessageContaining("big-images").hasMessageContaining("4×4").hasMessageContaining("3×2");
    }

    @Test
    void fashionMnistReadsTheFourFilesOfItsFolder() {
        // the synthetic files above carry the Fashion-MNIST names
        Path t10kImages = Idx.write(dir.resolve("t10k-images-idx3-ubyte.gz"), Idx.gzip(Idx.images(11, ROWS, COLS,
                testPixels)));
        Idx.write(dir.resolve("t10k-labels-idx1-ubyte.gz"), Idx.gzip(Idx.labels(9, 8, 7, 6, 5, 4, 3, 2, 1, 0, 9)));
        assertThat(t10kImages).exists();
        Dataset d = create(new FashionMnistProvider(), "dir", dir.toString(), "test-subset", 4);
        assertThat(d.sampleShape()).containsExactly(1, ROWS, COLS);
        assertThat(d.labelCount()).isEqualTo(10);
        assertThat(d.load(Split.TRAIN).count()).isEqualTo(7);
        assertThat(d.load(Split.TEST).labels()).containsExactly(9, 8, 7, 6);
        assertThat(d.load(Split.REFERENCE).labels()).containsExactly(4, 3, 2, 1);
    }
}
