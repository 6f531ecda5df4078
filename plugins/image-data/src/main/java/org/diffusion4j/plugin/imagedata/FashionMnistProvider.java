package org.diffusion4j.plugin.imagedata;

import java.nio.file.Path;
import java.util.List;
import org.diffusion4j.api.AbstractProvider;
import org.diffusion4j.api.ComponentContext;
import org.diffusion4j.api.Dataset;
import org.diffusion4j.api.Kind;
import org.diffusion4j.api.PointSet;
import org.diffusion4j.api.Split;
import org.diffusion4j.api.config.Config;
import org.diffusion4j.api.config.ConfigSpec;

/**
 * Provides Fashion-MNIST (Xiao, Rasul and Vollgraf, "Fashion-MNIST: a Novel Image Dataset for
 * Benchmarking Machine Learning Algorithms", arXiv:1708.07747, 2017) as dataset {@value #NAME}:
 * 28×28 grey images of 10 clothing classes, read from the four gzip IDX files in {@code dir}
 * ({@code train-images-idx3-ubyte.gz}, {@code train-labels-idx1-ubyte.gz},
 * {@code t10k-images-idx3-ubyte.gz}, {@code t10k-labels-idx1-ubyte.gz}), by default where Debian's
 * {@code dataset-fashion-mnist} package installs them. TRAIN is the 60,000 training images; TEST
 * and REFERENCE are t10k images 0..4999 and 5000..9999 (see {@link IdxImageDataset}).
 */
public final class FashionMnistProvider extends AbstractProvider<Dataset> {

    /** Component name. */
    public static final String NAME = "fashion-mnist";
    /** Where Debian's dataset-fashion-mnist package installs the files. */
    public static final String DEFAULT_DIR = "/usr/share/datasets/fashion-mnist";
    /** Classes of Fashion-MNIST. */
    public static final int CLASSES = 10;
    /** The class names, label by label (Xiao et al. 2017, Table 1). */
    public static final List<String> CLASS_NAMES = List.of("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
            "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot");

    static final ConfigSpec SPEC = ConfigSpec.builder()
            .path("dir", DEFAULT_DIR, "folder holding {train,t10k}-{images-idx3,labels-idx1}-ubyte.gz")
            .integer("train-subset", 0, 0, null, "use only the first N training images (0 = all 60,000)")
            .integer("test-subset", 0, 0, null, "use only the first N images of each held-out half, test and reference "
                    + "(0 = all 5,000)")
            .build();

    public FashionMnistProvider() {
        super(Kind.DATASET, NAME, "Fashion-MNIST (Xiao et al. 2017): 28x28 grey clothing images, 10 classes, pixels "
                + "scaled to [-1, 1]; test and reference are the two halves of the 10,000 t10k images", SPEC);
    }

    @Override
    public Dataset create(Config config, ComponentContext context) {
        Path dir = Sources.path(NAME, "dir", config.getString("dir"));
        String advice = "to the folder holding the Fashion-MNIST files {train,t10k}-{images-idx3,labels-idx1}-ubyte.gz "
                + "(Debian: apt install dataset-fashion-mnist puts them in " + DEFAULT_DIR + ")";
        IdxImageDataset d = new IdxImageDataset(NAME,
                new IdxImageDataset.Source(dir.resolve("train-images-idx3-ubyte.gz"), "dir", advice),
                new IdxImageDataset.Source(dir.resolve("train-labels-idx1-ubyte.gz"), "dir", advice),
                new IdxImageDataset.Source(dir.resolve("t10k-images-idx3-ubyte.gz"), "dir", advice),
                new IdxImageDataset.Source(dir.resolve("t10k-labels-idx1-ubyte.gz"), "dir", advice),
                CLASSES, config.getInt("train-subset"), config.getInt("test-subset"));
        d.checkFilesExist();
        return new Named(d);
    }

    /** The IDX dataset with Fashion-MNIST's class names. */
    private record Named(IdxImageDataset files) implements Dataset {
        @Override
        public int dimension() {
            return files.dimension();
        }

        /** Pixels are scaled to [−1, 1]. */
        @Override
        public java.util.OptionalDouble range() {
            return java.util.OptionalDouble.of(1.0);
        }

        @Override
        public int[] sampleShape() {
            return files.sampleShape();
        }

        @Override
        public int labelCount() {
            return files.labelCount();
        }

        @Override
        public List<String> classNames() {
            return CLASS_NAMES;
        }

        @Override
        public PointSet load(Split split) {
            return files.load(split);
        }
    }
}
