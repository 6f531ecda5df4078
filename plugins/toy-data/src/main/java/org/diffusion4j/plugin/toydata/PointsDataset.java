package org.diffusion4j.plugin.toydata;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.diffusion4j.api.DataException;
import org.diffusion4j.api.Dataset;
import org.diffusion4j.api.PointSet;
import org.diffusion4j.api.Split;
import org.diffusion4j.api.config.ConfigException;
import org.diffusion4j.api.io.PointFiles;

/**
 * A user's point clouds, one file per split, read with {@link PointFiles}: CSV (one point per line,
 * after an optional header line) or NumPy {@code .npy} (2-D float32/float64). Every read is logged in
 * one line (count, dimension, the header found or its absence). The train file is required; the
 * test and reference files are optional, and asking for a split that was not given is an error
 * that says which option to set. Every split must have the train file's dimension. Files are read
 * on every {@link #load}, so a file replaced between runs is picked up.
 */
public final class PointsDataset implements Dataset {

    private final String name;
    private final Map<Split, Path> files;
    private final java.util.function.Consumer<String> log;

    /**
     * @param name      the component name, for messages ({@code points})
     * @param train     the training points (required)
     * @param test      the held-out test points, or {@code null}
     * @param reference the second held-out set, or {@code null}
     * @param log       where to say what was read (one line per file read)
     */
    public PointsDataset(String name, Path train, Path test, Path reference, java.util.function.Consumer<String> log) {
        this.name = name;
        this.log = Objects.requireNonNull(log, "log");
        this.files = new EnumMap<>(Split.class);
        files.put(Split.TRAIN, Objects.requireNonNull(train, "train"));
        if (test != null) {
            files.put(Split.TEST, test);
        }
        if (reference != null) {
            files.put(Split.REFERENCE, reference);
        }
    }

    /** The file of {@code split}, if one was given. */
    public Optional<Path> file(Split split) {
        return Optional.ofNullable(files.get(split));
    }

    /** The option that names the file of {@code split}: {@code train}, {@code test} or {@code reference}. */
    public static String option(Split split) {
        return SyntheticDataset.streamName(split);
    }

    /** The dimension declared by the train file: the column count of its first CSV line, or the .npy shape. */
    @Override
    public int dimension() {
        return declaredDimension(files.get(Split.TRAIN));
    }

    @Override
    public PointSet load(Split split) {
        Path file = files.get(split);
        if (file == null) {
            throw new ConfigException(name + ": no " + option(split) + " split was given; set option '"
                    + option(split) + "' to a .csv or .npy file");
        }
        PointSet points = PointFiles.read(file);
        log.accept(name + " " + option(split) + ": " + PointFiles.describe(file, points));
        if (split != Split.TRAIN) {
            int expected = dimension();
            if (points.dimension() != expected) {
                throw new DataException(name + ": " + option(split) + " file " + file + " holds "
                        + points.dimension() + "-D points but the train file " + files.get(Split.TRAIN) + " holds "
                        + expected + "-D points; all splits must have the same dimension");
            }
        }
        return points;
    }

    /** Checks that {@code file} has an extension {@link PointFiles#read} accepts. */
    static void checkExtension(String name, String option, Path file) {
        String f = file.getFileName() == null ? "" : file.getFileName().toString().toLowerCase(Locale.ROOT);
        if (!f.endsWith(".csv") && !f.endsWith(".npy")) {
            throw new ConfigException(name + ": option '" + option + "' = '" + file
                    + "' is not a supported data file; allowed: .csv (with header), .npy");
        }
    }

    private static final Pattern SHAPE = Pattern.compile("'shape'\\s*:\\s*\\(([^)]*)\\)");

    /**
     * The dimension a point file declares without reading its points: the number of columns of the
     * first non-blank CSV line (header or point), or the second entry of a 2-D {@code .npy} shape.
     *
     * @throws DataException naming the file and the problem
     */
    static int declaredDimension(Path file) {
        String f = file.getFileName() == null ? "" : file.getFileName().toString().toLowerCase(Locale.ROOT);
        try {
            if (f.endsWith(".csv")) {
                try (var r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
                    String first;
                    do {
                        first = r.readLine();
                    } while (first != null && first.isBlank());
                    if (first == null) {
                        throw new DataException("data file " + file
                                + " is empty (expected one point per line, optionally after a header line such as x,y)");
                    }
                    return first.split(",", -1).length;
                }
            }
            if (f.endsWith(".npy")) {
                return npyDimension(file);
            }
        } catch (NoSuchFileException e) {
            throw new DataException("data file not found: " + file);
        } catch (IOException e) {
            throw new DataException("cannot read data file " + file + ": " + e.getMessage());
        }
        throw new DataException("unsupported data file " + file + "; allowed: .csv, .npy");
    }

    private static int npyDimension(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            byte[] magic = in.readNBytes(8);
            if (magic.length < 8 || (magic[0] & 0xff) != 0x93 || magic[1] != 'N' || magic[2] != 'U' || magic[3] != 'M'
                    || magic[4] != 'P' || magic[5] != 'Y') {
                throw new DataException("data file " + file + " is not a .npy file (bad magic)");
            }
            int width = magic[6] == 1 ? 2 : 4;
            byte[] lenBytes = in.readNBytes(width);
            ByteBuffer lb = ByteBuffer.wrap(lenBytes).order(ByteOrder.LITTLE_ENDIAN);
            int headerLength = lenBytes.length < width ? -1 : width == 2 ? lb.getShort() & 0xffff : lb.getInt();
            byte[] headerBytes = headerLength < 0 ? new byte[0] : in.readNBytes(headerLength);
            if (headerLength < 0 || headerBytes.length < headerLength) {
                throw new DataException("data file " + file + " is truncated inside its .npy header");
            }
            String header = new String(headerBytes, StandardCharsets.ISO_8859_1);
            Matcher m = SHAPE.matcher(header);
            if (!m.find()) {
                throw new DataException("data file " + file + " has a .npy header without 'shape'");
            }
            String shape = m.group(1).replaceAll("\\s", "");
            String[] dims = shape.split(",");
            if (dims.length != 2 || dims[1].isEmpty()) {
                throw new DataException("data file " + file
                        + " must hold a 2-D array [count, dimension], has shape (" + shape + ")");
            }
            try {
                return Integer.parseInt(dims[1]);
            } catch (NumberFormatException e) {
                throw new DataException("data file " + file + " has a malformed .npy shape (" + shape + ")");
            }
        }
    }
}
