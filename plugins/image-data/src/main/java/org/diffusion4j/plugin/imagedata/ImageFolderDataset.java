package org.diffusion4j.plugin.imagedata;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileVisitOption;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.diffusion4j.api.Dataset;
import org.diffusion4j.api.PointSet;
import org.diffusion4j.api.Split;
import org.diffusion4j.api.DataException;
import org.diffusion4j.api.config.ConfigException;

/**
 * Images in a folder tree with one sub-folder per class, the convention of torchvision's
 * {@code torchvision.datasets.ImageFolder} ({@code root/dog/xxx.png}, {@code root/cat/123.png}):
 * the class sub-folders sorted by name (Java {@link String} order) are labels {@code 0 .. K − 1} and
 * their names are the {@link #classNames()}. As there, each class folder is searched recursively and
 * its images are taken folder by folder, the folders in order of their path and the files of one
 * folder in order of their name; files whose name does not end in {@code .png}, {@code .jpg} or
 * {@code .jpeg} (any case) are skipped. Unlike there, names starting with a dot (hidden files and
 * folders such as {@code .ipynb_checkpoints} or macOS {@code ._x.png} resource forks) are skipped
 * too, so they neither become a class nor fail as a corrupt image.
 *
 * <p>A sample is {@code [channels, height, width]}, channel-first and in RGB order, with each 8-bit
 * sample {@code x} scaled to {@code x/127.5 − 1} in float32, as the IDX datasets do
 * ({@link IdxImageDataset#scale}). Decoding, channel conversion and resizing are in
 * {@link ImageFiles}; everything after the decoder is integer arithmetic, and files are taken in the
 * fixed order above, so the same folder gives the same {@link PointSet} bits.
 *
 * <p>Shape: {@code channels} is given (1 or 3) or taken from the first training image (class 0's
 * first file); the size is given or that of the first training image. An image with another channel
 * count or size is refused with a message naming it, what it has and what was expected, unless the
 * dataset was told to convert channels or to resize.
 *
 * <p>Splits:
 * <ul>
 *   <li>{@link Split#TRAIN}: the images of the train folder;</li>
 *   <li>{@link Split#TEST} and {@link Split#REFERENCE}: the images of the test folder, split class by
 *       class: of a class folder with {@code n} images, the first {@code n/2} (in the order above) are
 *       in TEST and the next {@code n/2} in REFERENCE (with an odd {@code n} the last is unused). The
 *       IDX datasets take the two halves of the whole file instead; here the whole list is sorted by
 *       class, so its halves would hold different classes. Split per class, the two held-out sets are
 *       disjoint, of one size and of one class mix. The test folder must hold the train folder's class
 *       folders, no more and no fewer, so that a label means the same class in every split.</li>
 * </ul>
 * A subset ({@code trainSubset}, or {@code testSubset} of each held-out half) is not the first
 * {@code N} images of the list, which would be the first classes only, but the first files of every
 * class, dealt round-robin: one file of class 0, one of class 1, …, then a second of each, a class
 * whose files are used up being passed over, until {@code N} are chosen. The chosen images stay in
 * list order. For TEST and REFERENCE the same number per class is chosen, so they stay of one size
 * and class mix.
 *
 * <p>A split is read once and kept. Errors are {@link DataException}s (or {@link ConfigException}s) with one-line
 * messages naming the folder, file or option, what was found and what was expected.
 */
public final class ImageFolderDataset implements Dataset {

    /** The file name endings read as images, compared in lower case. */
    public static final List<String> EXTENSIONS = List.of(".png", ".jpg", ".jpeg");

    /**
     * What the dataset reads and how.
     *
     * @param train           the train folder (required)
     * @param test            the held-out folder, or {@code null}
     * @param channels        1 or 3, or 0 for those of the first training image
     * @param convertChannels convert images with another channel count instead of refusing them
     * @param width           image width, or 0 for that of the first training image (with {@code height})
     * @param height          image height, or 0 for that of the first training image (with {@code width})
     * @param resize          resize images of another size instead of refusing them
     * @param trainSubset     0 for all training images, else this many
     * @param testSubset      0 for all of each held-out half, else this many of each
     */
    public record Options(Path train, Path test, int channels, boolean convertChannels, int width, int height,
            boolean resize, int trainSubset, int testSubset) {
        public Options {
            Objects.requireNonNull(train, "train");
            if (channels != 0 && channels != 1 && channels != 3) {
                throw new ConfigException("channels must be 0 (auto), 1 or 3, got " + channels);
            }
            if (width < 0 || height < 0 || (width == 0) != (height == 0)) {
                throw new ConfigException("width and height must both be positive or both 0, got " + width
                        + "x" + height);
            }
            if (trainSubset < 0 || testSubset < 0) {
                throw new ConfigException("subsets must be >= 0, got " + trainSubset + " and " + testSubset);
            }
        }
    }

    /** A scanned folder: its class names and, class by class, the image files in order. */
    record Folder(Path root, List<String> classes, List<List<Path>> files) {

        int count() {
            return files.stream().mapToInt(List::size).sum();
        }
    }

    /** The sample shape and where it came from, for messages. */
    private record Shape(int channels, int width, int height, String channelsFrom, String sizeFrom) {
    }

    private final String name;
    private final Options options;
    private final Folder train;
    private final SplitCache splits = new SplitCache(this::loadTrain, this::loadHeldOut);
    private Shape shape;

    /**
     * Scans the train folder (listing its files, decoding none) and checks that the test folder
     * exists, so that a wrong path fails before any work.
     *
     * @param name the component name, for messages
     */
    public ImageFolderDataset(String name, Options options) {
        this.name = Objects.requireNonNull(name, "name");
        this.options = Objects.requireNonNull(options, "options");
        this.train = scan("train", options.train());
        if (options.test() != null) {
            requireFolder("test", options.test());
        }
    }

    /** {@code channels · height · width}. */
    @Override
    public int dimension() {
        Shape s = shape();
        return s.channels() * s.height() * s.width();
    }

    /** Pixels are scaled to [−1, 1]. */
    @Override
    public java.util.OptionalDouble range() {
        return java.util.OptionalDouble.of(1.0);
    }

    /** {@code [channels, height, width]}. */
    @Override
    public int[] sampleShape() {
        Shape s = shape();
        return new int[]{s.channels(), s.height(), s.width()};
    }

    /** The number of class folders of the train folder. */
    @Override
    public int labelCount() {
        return train.classes().size();
    }

    /** The class folders' names, label by label. */
    @Override
    public List<String> classNames() {
        return train.classes();
    }

    @Override
    public PointSet load(Split split) {
        return splits.get(split);
    }

    private PointSet loadTrain() {
        int total = train.count();
        if (options.trainSubset() > total) {
            throw new ConfigException(name + ": option 'train-subset' = " + options.trainSubset()
                    + " is more than the " + total + " images of " + train.root() + "; set at most " + total + " (0 = all)");
        }
        int[] counts = counts(train);
        int[] take = options.trainSubset() == 0 ? counts : roundRobin(counts, options.trainSubset());
        List<Path> files = new ArrayList<>();
        List<Integer> labels = new ArrayList<>();
        for (int c = 0; c < take.length; c++) {
            for (Path f : train.files().get(c).subList(0, take[c])) {
                files.add(f);
                labels.add(c);
            }
        }
        return read(files, labels, "train-subset");
    }

    private SplitCache.HeldOut loadHeldOut() {
        if (options.test() == null) {
            throw new ConfigException(name + ": no held-out images were given; set option 'test' to a folder "
                    + "with the train folder's class sub-folders (each class's images are split in halves: the test and "
                    + "reference splits)");
        }
        Folder test = scan("test", options.test());
        if (!test.classes().equals(train.classes())) {
            TreeSet<String> missing = new TreeSet<>(train.classes());
            missing.removeAll(test.classes());
            TreeSet<String> extra = new TreeSet<>(test.classes());
            extra.removeAll(train.classes());
            throw new DataException(name + ": the test folder " + test.root() + " must have the class "
                    + "sub-folders of the train folder " + train.root() + " " + train.classes() + " so that labels agree"
                    + (missing.isEmpty() ? "" : "; missing: " + missing) + (extra.isEmpty() ? "" : "; not in train: " + extra));
        }
        int[] halves = counts(test);
        int half = 0;
        for (int c = 0; c < halves.length; c++) {
            halves[c] /= 2;
            half += halves[c];
        }
        if (half == 0) {
            throw new DataException(name + ": the test folder " + test.root() + " holds " + test.count()
                    + " images, no class with 2 or more; each class's images are split in halves, the test and reference "
                    + "splits, so at least one class needs 2");
        }
        if (options.testSubset() > half) {
            throw new ConfigException(name + ": option 'test-subset' = " + options.testSubset()
                    + " is more than the " + half + " images of each held-out half of " + test.root() + "; set at most "
                    + half + " (0 = all)");
        }
        int[] take = options.testSubset() == 0 ? halves : roundRobin(halves, options.testSubset());
        List<Path> testFiles = new ArrayList<>();
        List<Path> referenceFiles = new ArrayList<>();
        List<Integer> labels = new ArrayList<>();
        for (int c = 0; c < take.length; c++) {
            List<Path> files = test.files().get(c);
            testFiles.addAll(files.subList(0, take[c]));
            referenceFiles.addAll(files.subList(halves[c], halves[c] + take[c]));
            for (int k = 0; k < take[c]; k++) {
                labels.add(c);
            }
        }
        return new SplitCache.HeldOut(read(testFiles, labels, "test-subset"),
                read(referenceFiles, labels, "test-subset"));
    }

    /**
     * How many of each class's {@code counts} a subset of {@code n} takes: dealt one per class per
     * round, in class order, passing over classes whose files are used up.
     */
    static int[] roundRobin(int[] counts, int n) {
        int[] take = new int[counts.length];
        int chosen = 0;
        for (int round = 0; chosen < n; round++) {
            for (int c = 0; c < counts.length && chosen < n; c++) {
                if (round < counts[c]) {
                    take[c]++;
                    chosen++;
                }
            }
        }
        return take;
    }

    private static int[] counts(Folder f) {
        return f.files().stream().mapToInt(List::size).toArray();
    }

    /** Decodes the files in order into one set, refusing any image that does not fit the shape. */
    private PointSet read(List<Path> files, List<Integer> labels, String subsetOption) {
        Shape s = shape();
        int d = s.channels() * s.height() * s.width();
        if ((long) files.size() * d > Integer.MAX_VALUE - 8) {
            throw new ConfigException(name + ": " + files.size() + " images of " + d + " values are more than "
                    + "one set can hold (2^31-9 values); set option '" + subsetOption + "' to at most "
                    + (Integer.MAX_VALUE - 8) / d);
        }
        float[] values = new float[files.size() * d];
        for (int i = 0; i < files.size(); i++) {
            int[] samples = fit(files.get(i), s);
            for (int k = 0; k < d; k++) {
                values[i * d + k] = IdxImageDataset.scale((byte) samples[k]);
            }
        }
        int[] l = labels.stream().mapToInt(Integer::intValue).toArray();
        return new PointSet(new int[]{s.channels(), s.height(), s.width()}, values, l);
    }

    /** The 8-bit samples of one file in the dataset's shape, or an error naming the file. */
    private int[] fit(Path file, Shape s) {
        ImageFiles.Pixels p = decode(file);
        if (p.channels() != s.channels()) {
            if (!options.convertChannels()) {
                throw new DataException(name + ": image " + file + " has " + p.describe() + ", expected "
                        + s.channels() + " (" + s.channelsFrom() + "); set option 'convert-channels' to true to convert "
                        + "it, or 'channels' to " + p.channels());
            }
            p = ImageFiles.convert(p, s.channels());
        }
        if (p.width() != s.width() || p.height() != s.height()) {
            if (!options.resize()) {
                throw new DataException(name + ": image " + file + " is " + p.width() + "x" + p.height()
                        + " pixels (width x height), expected " + s.width() + "x" + s.height() + " (" + s.sizeFrom()
                        + "); set option 'resize' to true to resize it, or 'size' to another size");
            }
            p = ImageFiles.resize(p, s.width(), s.height());
        }
        return p.samples();
    }

    /** A decoded file; decoding errors, which name the file, are prefixed with the component's name. */
    private ImageFiles.Pixels decode(Path file) {
        try {
            return ImageFiles.read(file);
        } catch (DataException e) {
            throw new DataException(name + ": " + e.getMessage(), e);
        }
    }

    /** The shape from the options, decoding the first training image for what they leave open. */
    private synchronized Shape shape() {
        if (shape == null) {
            int channels = options.channels();
            int width = options.width();
            int height = options.height();
            String channelsFrom = "option 'channels'";
            String sizeFrom = "option 'size'";
            if (channels == 0 || width == 0) {
                Path first = train.files().getFirst().getFirst();
                ImageFiles.Pixels p = decode(first);
                if (channels == 0) {
                    channels = p.channels();
                    channelsFrom = "that of the first training image " + first + ", as option 'channels' is auto";
                }
                if (width == 0) {
                    width = p.width();
                    height = p.height();
                    sizeFrom = "that of the first training image " + first + ", as option 'size' is not set";
                }
            }
            shape = new Shape(channels, width, height, channelsFrom, sizeFrom);
        }
        return shape;
    }

    private void requireFolder(String option, Path root) {
        if (!Files.isDirectory(root)) {
            throw new DataException(name + ": folder " + root + " not found"
                    + (Files.exists(root) ? " (it is a file)" : "") + "; set option '" + option + "' to a folder with one "
                    + "sub-folder of images per class (ROOT/CLASS/IMAGE.png, as torchvision's ImageFolder)");
        }
    }

    /** The class folders of {@code root} and their image files, in order; decodes nothing. */
    private Folder scan(String option, Path root) {
        requireFolder(option, root);
        List<Path> classFolders;
        try (Stream<Path> s = Files.list(root)) {
            classFolders = s.filter(p -> !hidden(p) && Files.isDirectory(p)).sorted(Comparator.comparing(ImageFolderDataset::fileName))
                    .toList();
        } catch (IOException | UncheckedIOException e) {
            throw new DataException(name + ": cannot list folder " + root + ": " + e.getMessage());
        }
        if (classFolders.isEmpty()) {
            long loose = images(root).size();
            throw new DataException(name + ": folder " + root + " (option '" + option + "') has no class "
                    + "sub-folders" + (loose > 0 ? " (it holds " + loose + " images directly)" : "") + "; expected one "
                    + "sub-folder of images per class, ROOT/CLASS/IMAGE.png as torchvision's ImageFolder (a single "
                    + "sub-folder for unlabelled images)");
        }
        List<String> classes = new ArrayList<>();
        List<List<Path>> files = new ArrayList<>();
        for (Path c : classFolders) {
            List<Path> images = classImages(c);
            if (images.isEmpty()) {
                throw new DataException(name + ": class folder " + c + " holds no images; expected files "
                        + "ending in " + String.join(", ", EXTENSIONS) + " (any case), in it or in its sub-folders");
            }
            classes.add(fileName(c));
            files.add(images);
        }
        return new Folder(root, List.copyOf(classes), List.copyOf(files));
    }

    /**
     * The images of one class folder and its sub-folders, in torchvision's order: folders sorted by
     * their path relative to the class folder (so the class folder's own files come first), the
     * files of each sorted by name.
     */
    private List<Path> classImages(Path classFolder) {
        List<Path> folders;
        try (Stream<Path> s = Files.walk(classFolder, FileVisitOption.FOLLOW_LINKS)) {
            folders = s.filter(p -> Files.isDirectory(p) && !hiddenBelow(classFolder, p))
                    .sorted(Comparator.comparing(p -> relative(classFolder, p)))
                    .toList();
        } catch (IOException | UncheckedIOException e) {
            throw new DataException(name + ": cannot list class folder " + classFolder + ": " + e.getMessage());
        }
        List<Path> images = new ArrayList<>();
        for (Path f : folders) {
            images.addAll(images(f));
        }
        return images;
    }

    /** The image files directly in {@code folder}, sorted by name. */
    private List<Path> images(Path folder) {
        try (Stream<Path> s = Files.list(folder)) {
            return s.filter(p -> !hidden(p) && isImageName(fileName(p)) && Files.isRegularFile(p))
                    .sorted(Comparator.comparing(ImageFolderDataset::fileName))
                    .toList();
        } catch (IOException | UncheckedIOException e) {
            throw new DataException(name + ": cannot list folder " + folder + ": " + e.getMessage());
        }
    }

    static boolean isImageName(String fileName) {
        String lower = fileName.toLowerCase(Locale.ROOT);
        return EXTENSIONS.stream().anyMatch(lower::endsWith);
    }

    private static boolean hidden(Path p) {
        return fileName(p).startsWith(".");
    }

    private static boolean hiddenBelow(Path base, Path p) {
        for (Path part : base.relativize(p)) {
            if (part.toString().startsWith(".")) {
                return true;
            }
        }
        return false;
    }

    private static String relative(Path base, Path p) {
        return base.relativize(p).toString().replace(p.getFileSystem().getSeparator(), "/");
    }

    private static String fileName(Path p) {
        Path n = p.getFileName();
        return n == null ? p.toString() : n.toString();
    }
}
