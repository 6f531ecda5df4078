package org.diffusion4j.plugin.imagedata;

import java.nio.file.Path;
import org.diffusion4j.api.AbstractProvider;
import org.diffusion4j.api.ComponentContext;
import org.diffusion4j.api.Dataset;
import org.diffusion4j.api.Kind;
import org.diffusion4j.api.config.Config;
import org.diffusion4j.api.config.ConfigSpec;
import org.diffusion4j.api.config.ConfigException;

/**
 * Provides {@link IdxImageDataset} as dataset {@value #NAME}: any MNIST-format IDX image files
 * (gzip or raw, told apart by content), with optional label files. Paths are relative to the
 * working directory; an empty string means "not given". Every given file must exist, checked when
 * the dataset is created. TEST and REFERENCE are the two halves of {@code test-images}.
 */
public final class IdxImagesProvider extends AbstractProvider<Dataset> {

    /** Component name. */
    public static final String NAME = "idx-images";

    static final ConfigSpec SPEC = ConfigSpec.builder()
            .path("train-images", null, "training images: an IDX file of unsigned bytes [count, rows, columns], "
                    + "gzip or raw")
            .path("train-labels", "", "their labels: an IDX file of unsigned bytes [count] (empty: unlabelled)")
            .path("test-images", "", "held-out images; the first half is the test split, the second the reference "
                    + "split (empty: none)")
            .path("test-labels", "", "their labels (empty: none)")
            .integer("classes", 10, 1, 256, "number of classes the labels take (0 .. classes-1)")
            .integer("train-subset", 0, 0, null, "use only the first N training images (0 = all)")
            .integer("test-subset", 0, 0, null, "use only the first N images of each held-out half (0 = all)")
            .build();

    public IdxImagesProvider() {
        super(Kind.DATASET, NAME, "Grey images from MNIST-format IDX files (gzip or raw), optionally labelled; pixels "
                + "scaled to [-1, 1]; test and reference are the two halves of the test file", SPEC);
    }

    @Override
    public Dataset create(Config config, ComponentContext context) {
        IdxImageDataset d = new IdxImageDataset(NAME,
                source(config, "train-images", "to an IDX image file"),
                source(config, "train-labels", "to an IDX label file, or leave it empty"),
                source(config, "test-images", "to an IDX image file, or leave it empty"),
                source(config, "test-labels", "to an IDX label file, or leave it empty"),
                config.getInt("classes"), config.getInt("train-subset"), config.getInt("test-subset"));
        d.checkFilesExist();
        return d;
    }

    private static IdxImageDataset.Source source(Config config, String option, String advice) {
        String value = config.getString(option).trim();
        if (value.isEmpty()) {
            if (option.equals("train-images")) {
                throw new ConfigException(NAME + ": option 'train-images' is required; set it " + advice);
            }
            return null;
        }
        Path p = Sources.path(NAME, option, value);
        return new IdxImageDataset.Source(p, option, advice);
    }
}
