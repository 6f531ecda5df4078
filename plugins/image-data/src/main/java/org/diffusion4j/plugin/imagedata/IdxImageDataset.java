package org.diffusion4j.plugin.imagedata;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;
import org.diffusion4j.api.Dataset;
import org.diffusion4j.api.PointSet;
import org.diffusion4j.api.Split;
import org.diffusion4j.api.DataException;
import org.diffusion4j.api.config.ConfigException;

/**
 * Grey images from IDX files ({@link IdxFiles}), as samples of shape {@code [1, rows, columns]}
 * with pixels scaled to [−1, 1] as {@code x/127.5 − 1} in float32 (0 → −1, 255 → 1; the PyTorch
 * peer's {@code load_fmnist}).
 *
 * <p>Splits:
 * <ul>
 *   <li>{@link Split#TRAIN}: the train image file, or its first {@code trainSubset} images;</li>
 *   <li>{@link Split#TEST}: images {@code 0 .. n/2 − 1} of the test file of {@code n} images;</li>
 *   <li>{@link Split#REFERENCE}: images {@code n/2 .. 2·(n/2) − 1} of the test file: a second
 *       held-out set disjoint from TEST and of its size (for metric floors); with an odd
 *       {@code n} the last image is unused.</li>
 * </ul>
 * {@code testSubset} takes the first images of each held-out half. A split carries labels when its
 * label file was given; every label is checked to lie in {@code 0 .. classes − 1} and the label file
 * must hold as many labels as its image file holds images.
 *
 * <p>A split is read once and kept: later {@link #load} calls return the same set; TEST and
 * REFERENCE are read together from one pass over the test file.
 */
public final class IdxImageDataset implements Dataset {

    /**
     * A file and, for messages, the option that names it and how to set it.
     *
     * @param file   the file
     * @param option the option to set when it is missing ({@code dir}, {@code train-images}, …)
     * @param advice what to set the option to, ending the "not found" message
     */
    public record Source(Path file, String option, String advice) {
        public Source {
            Objects.requireNonNull(file, "file");
            Objects.requireNonNull(option, "option");
            Objects.requireNonNull(advice, "advice");
        }
    }

    private final String name;
    private final Source trainImages;
    private final Source trainLabels;
    private final Source testImages;
    private final Source testLabels;
    private final int classes;
    private final int trainSubset;
    private final int testSubset;
    private final SplitCache splits = new SplitCache(this::loadTrain, this::loadHeldOut);
    private IdxFiles.ImageHeader trainHeader;

    /**
     * @param name        the component name, for messages
     * @param trainImages the train image file (required)
     * @param trainLabels its labels, or {@code null}
     * @param testImages  the held-out image file split into TEST and REFERENCE, or {@code null}
     * @param testLabels  its labels, or {@code null}
     * @param classes     the number of classes labels may take (labels {@code 0 .. classes − 1})
     * @param trainSubset 0 for all training images, else the first {@code trainSubset}
     * @param testSubset  0 for all of each held-out half, else its first {@code testSubset}
     */
    public IdxImageDataset(String name, Source trainImages, Source trainLabels, Source testImages, Source testLabels,
            int classes, int trainSubset, int testSubset) {
        this.name = Objects.requireNonNull(name, "name");
        this.trainImages = Objects.requireNonNull(trainImages, "trainImages");
        this.trainLabels = trainLabels;
        this.testImages = testImages;
        this.testLabels = testLabels;
        if (classes < 1 || classes > 256) {
            throw new ConfigException(name + ": classes = " + classes + " is not valid; IDX labels are bytes, "
                    + "so it takes an integer in [1, 256]");
        }
        if (trainSubset < 0 || testSubset < 0) {
            throw new ConfigException(name + ": train-subset and test-subset take integers >= 0 (0 = all), got "
                    + trainSubset + " and " + testSubset);
        }
        if (testLabels != null && testImages == null) {
            throw new ConfigException(name + ": test labels " + testLabels.file() + " were given without test images; "
                    + "set option 'test-images'");
        }
        this.classes = classes;
        this.trainSubset = trainSubset;
        this.testSubset = testSubset;
    }

    /** Checks that every given file exists, naming the option to set when one does not. */
    public void checkFilesExist() {
        for (Source s : new Source[]{trainImages, trainLabels, testImages, testLabels}) {
            if (s != null) {
                requireFile(s);
            }
        }
    }

    /** {@code rows × columns}, from the train image file's header. */
    @Override
    public int dimension() {
        return trainHeader().pixels();
    }

    /** Pixels are scaled to [−1, 1]. */
    @Override
    public java.util.OptionalDouble range() {
        return java.util.OptionalDouble.of(1.0);
    }

    /** {@code [1, rows, columns]}, from the train image file's header. */
    @Override
    public int[] sampleShape() {
        IdxFiles.ImageHeader h = trainHeader();
        return new int[]{1, h.rows(), h.columns()};
    }

    /** The number of classes when the train images carry labels, else 0. */
    @Override
    public int labelCount() {
        return trainLabels == null ? 0 : classes;
    }

    @Override
    public PointSet load(Split split) {
        return splits.get(split);
    }

    private PointSet loadTrain() {
        IdxFiles.ImageHeader h = trainHeader();
        if (trainSubset > h.count()) {
            throw new ConfigException(name + ": option 'train-subset' = " + trainSubset + " is more than the "
                    + h.count() + " images of " + trainImages.file() + "; set at most " + h.count() + " (0 = all)");
        }
        int n = trainSubset == 0 ? h.count() : trainSubset;
        if (n == 0) {
            throw new DataException(name + ": " + trainImages.file() + " holds no images");
        }
        IdxFiles.Images images = IdxFiles.readImages(trainImages.file(), n);
        int[] labels = trainLabels == null ? null : labels(trainLabels, trainImages, images.header().count());
        return images(images, 0, n, labels);
    }

    private SplitCache.HeldOut loadHeldOut() {
        if (testImages == null) {
            throw new ConfigException(name + ": no held-out images were given; set option 'test-images' to an "
                    + "IDX image file (its two halves are the test and reference splits)");
        }
        requireFile(testImages);
        IdxFiles.Images images = IdxFiles.readImages(testImages.file(), Integer.MAX_VALUE);
        IdxFiles.ImageHeader h = images.header();
        IdxFiles.ImageHeader train = trainHeader();
        if (h.rows() != train.rows() || h.columns() != train.columns()) {
            throw new DataException(name + ": " + testImages.file() + " holds " + h.rows() + "×" + h.columns()
                    + " images but " + trainImages.file() + " holds " + train.rows() + "×" + train.columns()
                    + "; all splits must have the same image size");
        }
        int half = h.count() / 2;
        if (half == 0) {
            throw new DataException(name + ": " + testImages.file() + " holds " + h.count()
                    + " images; at least 2 are needed, one half for the test split and one for the reference split");
        }
        if (testSubset > half) {
            throw new ConfigException(name + ": option 'test-subset' = " + testSubset + " is more than the "
                    + half + " images of each held-out half of " + testImages.file() + "; set at most " + half
                    + " (0 = all)");
        }
        int n = testSubset == 0 ? half : testSubset;
        int[] labels = testLabels == null ? null : labels(testLabels, testImages, h.count());
        return new SplitCache.HeldOut(images(images, 0, n, labels), images(images, half, n, labels));
    }

    /** The labels of {@code of}, checked against its image count. */
    private int[] labels(Source file, Source of, int imageCount) {
        requireFile(file);
        int[] labels = IdxFiles.readLabels(file.file(), classes);
        if (labels.length != imageCount) {
            throw new DataException(name + ": " + file.file() + " holds " + labels.length + " labels but "
                    + of.file() + " holds " + imageCount + " images; each image needs one label");
        }
        return labels;
    }

    /** Images {@code from .. from + n − 1}, scaled, with their labels. */
    private static PointSet images(IdxFiles.Images images, int from, int n, int[] allLabels) {
        int d = images.header().pixels();
        byte[] pixels = images.pixels();
        float[] v = new float[n * d];
        for (int i = 0; i < v.length; i++) {
            v[i] = scale(pixels[from * d + i]);
        }
        int[] labels = null;
        if (allLabels != null) {
            labels = new int[n];
            System.arraycopy(allLabels, from, labels, 0, n);
        }
        return new PointSet(new int[]{1, images.header().rows(), images.header().columns()}, v, labels);
    }

    /** An unsigned byte as a value in [−1, 1]: {@code x/127.5 − 1} in float32, as NumPy computes it. */
    static float scale(byte pixel) {
        return (pixel & 0xff) / 127.5f - 1f;
    }

    private synchronized IdxFiles.ImageHeader trainHeader() {
        if (trainHeader == null) {
            requireFile(trainImages);
            trainHeader = IdxFiles.readImageHeader(trainImages.file());
        }
        return trainHeader;
    }

    private void requireFile(Source s) {
        if (!Files.isRegularFile(s.file())) {
            throw new DataException(name + ": " + s.file() + " not found"
                    + (Files.isDirectory(s.file()) ? " (it is a folder)" : "") + "; set option '" + s.option() + "' "
                    + s.advice());
        }
    }
}
