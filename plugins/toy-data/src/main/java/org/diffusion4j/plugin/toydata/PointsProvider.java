package org.diffusion4j.plugin.toydata;

import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import org.diffusion4j.api.AbstractProvider;
import org.diffusion4j.api.ComponentContext;
import org.diffusion4j.api.Dataset;
import org.diffusion4j.api.Kind;
import org.diffusion4j.api.config.Config;
import org.diffusion4j.api.config.ConfigSpec;
import org.diffusion4j.api.DataException;
import org.diffusion4j.api.config.ConfigException;

/**
 * Provides {@link PointsDataset} as dataset {@value #NAME}. Options {@code train} (required),
 * {@code test} and {@code reference} are file paths, relative ones resolved against the working
 * directory; an empty string means "not given". Every given file must exist and end in
 * {@code .csv} or {@code .npy}, checked when the dataset is created.
 */
public final class PointsProvider extends AbstractProvider<Dataset> {

    /** Component name. */
    public static final String NAME = "points";

    private static final ConfigSpec SPEC = ConfigSpec.builder()
            .path("train", null, "training points: a .csv (one point per line, optional header line) or a 2-D .npy (required)")
            .path("test", "", "held-out points the samples are scored against (empty: none)")
            .path("reference", "", "a second held-out set, for the metric floor (empty: none)")
            .build();

    public PointsProvider() {
        super(Kind.DATASET, NAME,
                "Your point clouds from files, one per split: CSV (optional header line x,y) or NumPy .npy [count, dimension]",
                SPEC);
    }

    @Override
    public Dataset create(Config config, ComponentContext context) {
        Path train = file(config, "train");
        if (train == null) {
            throw new ConfigException(NAME + ": option 'train' is required; set it to a .csv (with header) or .npy file");
        }
        return new PointsDataset(NAME, train, file(config, "test"), file(config, "reference"), context::log);
    }

    /** The checked path of an option, or {@code null} when it is empty. */
    private static Path file(Config config, String option) {
        String value = config.getString(option).trim();
        if (value.isEmpty()) {
            return null;
        }
        Path p;
        try {
            p = Path.of(value);
        } catch (InvalidPathException e) {
            throw new ConfigException(NAME + ": option '" + option + "' = '" + value + "' is not a valid path: "
                    + e.getReason());
        }
        PointsDataset.checkExtension(NAME, option, p);
        if (!Files.isRegularFile(p)) {
            throw new DataException(NAME + ": option '" + option + "' = '" + value + "': data file not found"
                    + (Files.isDirectory(p) ? " (it is a directory)" : ""));
        }
        return p;
    }
}
