package org.diffusion4j.api.io;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.Writer;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Locale;
import org.diffusion4j.api.DataException;
import org.diffusion4j.api.PointSet;

/**
 * Samples on disk: CSV (one point per line, after an optional header line such as {@code x,y}; points
 * only) and NumPy
 * {@code .npy} (version 1–3, little- or big-endian float32/float64, C order) of shape
 * {@code [count, ...sampleShape]}: {@code [N, D]} for points, {@code [N, C, H, W]} for images.
 * Errors name the file and the problem.
 */
public final class PointFiles {

    private PointFiles() {
    }

    /** Reads a {@code .csv} or {@code .npy} file, chosen by extension. */
    public static PointSet read(Path file) {
        String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
        try {
            if (name.endsWith(".npy")) {
                return readNpy(file);
            }
            if (name.endsWith(".csv")) {
                return readCsv(file);
            }
        } catch (NoSuchFileException e) {
            throw new DataException("data file not found: " + file);
        } catch (IOException e) {
            throw new DataException("cannot read data file " + file + ": " + e.getMessage());
        }
        throw new DataException("unsupported data file " + file + "; allowed: .csv, .npy");
    }

    /**
     * Reads a CSV file of points, one per non-blank line, with or without a header line: the first
     * non-blank line is a header when not all its fields are numbers ({@code x,y}), else it is the
     * first point. Every other line must hold as many numbers as the first.
     *
     * @throws DataException naming the file and line of a field that is not a finite
     *                                  number or of a row of another length
     */
    public static PointSet readCsv(Path file) throws IOException {
        try (BufferedReader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            String line;
            int lineNo = 0;
            String first = null;
            while (first == null && (line = r.readLine()) != null) {
                lineNo++;
                if (!line.isBlank()) {
                    first = line;
                }
            }
            if (first == null) {
                throw new DataException("data file " + file + " is empty (expected one point per line, "
                        + "optionally after a header line such as x,y)");
            }
            String[] firstCells = first.split(",", -1);
            int dim = firstCells.length;
            boolean header = !allNumbers(firstCells);
            FloatList values = new FloatList();
            if (!header) {
                parseRow(file, lineNo, firstCells, dim, false, values);
            }
            while ((line = r.readLine()) != null) {
                lineNo++;
                if (line.isBlank()) {
                    continue;
                }
                parseRow(file, lineNo, line.split(",", -1), dim, header, values);
            }
            if (values.size() == 0) {
                throw new DataException("data file " + file + " has a header (" + first.strip()
                        + ") but no points");
            }
            return new PointSet(dim, values.toArray());
        }
    }

    /**
     * The header line of a CSV point file, empty when its first non-blank line is already a point
     * (all its fields numbers), as {@link #readCsv} decides.
     */
    public static java.util.Optional<String> csvHeader(Path file) throws IOException {
        try (BufferedReader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            String line;
            while ((line = r.readLine()) != null) {
                if (!line.isBlank()) {
                    return allNumbers(line.split(",", -1)) ? java.util.Optional.empty()
                            : java.util.Optional.of(line.strip());
                }
            }
            return java.util.Optional.empty();
        }
    }

    /**
     * One line saying what {@link #read} took from {@code file}: "read 1000 points of dimension 2
     * from F (header: x,y)", "(no header)" for a CSV without one, the array's shape for a .npy.
     */
    public static String describe(Path file, PointSet points) {
        int[] shape = points.sampleShape();
        String n1 = points.count() == 1 ? "" : "s";
        String what = shape.length == 1 ? points.count() + " point" + n1 + " of dimension " + points.dimension()
                : points.count() + " sample" + n1 + " of shape " + java.util.Arrays.toString(shape);
        String name = file.getFileName() == null ? "" : file.getFileName().toString().toLowerCase(Locale.ROOT);
        String how;
        if (name.endsWith(".csv")) {
            try {
                how = csvHeader(file).map(h -> "header: " + h).orElse("no header: the first line is a point");
            } catch (IOException e) {
                how = "csv";
            }
        } else {
            how = ".npy";
        }
        return "read " + what + " from " + file + " (" + how + ")";
    }

    private static boolean allNumbers(String[] cells) {
        for (String c : cells) {
            try {
                Float.parseFloat(c.trim());
            } catch (NumberFormatException e) {
                return false;
            }
        }
        return true;
    }

    private static void parseRow(Path file, int lineNo, String[] cells, int dim, boolean header, FloatList values) {
        if (cells.length != dim) {
            throw new DataException("data file " + file + " line " + lineNo + ": " + cells.length
                    + " values, the " + (header ? "header has " : "first point has ") + dim);
        }
        for (String c : cells) {
            float v;
            try {
                v = Float.parseFloat(c.trim());
            } catch (NumberFormatException e) {
                throw new DataException("data file " + file + " line " + lineNo + ": '" + c
                        + "' is not a number" + (header ? "" : " (only the first line may be a header, and this"
                        + " file's first line is a point)"));
            }
            if (!Float.isFinite(v)) {
                throw new DataException("data file " + file + " line " + lineNo + ": non-finite value " + c);
            }
            values.add(v);
        }
    }

    /**
     * Writes a CSV with header {@code x,y} (2-D) or {@code x0,x1,…}; values printed to round-trip exactly.
     *
     * @throws DataException when the samples are not points ({@code sampleShape} of rank
     *                                  other than 1, images say): CSV holds points only, use .npy
     */
    public static void writeCsv(PointSet points, Writer out) throws IOException {
        int[] shape = points.sampleShape();
        if (shape.length != 1) {
            throw new DataException("samples of shape " + java.util.Arrays.toString(shape)
                    + " cannot be written as CSV, which holds points [count, dimension] only; use a .npy file");
        }
        int d = points.dimension();
        StringBuilder sb = new StringBuilder();
        for (int j = 0; j < d; j++) {
            sb.append(j == 0 ? "" : ",").append(d == 2 ? (j == 0 ? "x" : "y") : "x" + j);
        }
        out.write(sb.append('\n').toString());
        float[] v = points.values();
        for (int i = 0; i < points.count(); i++) {
            sb.setLength(0);
            for (int j = 0; j < d; j++) {
                sb.append(j == 0 ? "" : ",").append(v[i * d + j]);
            }
            out.write(sb.append('\n').toString());
        }
    }

    /**
     * The samples as a NumPy {@code .npy} file (format 1.0, little-endian float32, C order) of shape
     * {@code [count, ...sampleShape]} ({@code (N, D)} for points, {@code (N, 1, 28, 28)} for grey
     * 28×28 images), readable by {@code numpy.load} and by {@link #readNpy}.
     */
    public static byte[] toNpy(PointSet points) {
        StringBuilder shape = new StringBuilder().append(points.count());
        for (int s : points.sampleShape()) {
            shape.append(", ").append(s);
        }
        String dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (" + shape + "), }";
        // magic (6) + version (2) + length (2) + header, padded with spaces and a newline to a multiple of 64
        int unpadded = 10 + dict.length() + 1;
        String header = dict + " ".repeat((64 - unpadded % 64) % 64) + "\n";
        float[] v = points.values();
        ByteBuffer b = ByteBuffer.allocate(10 + header.length() + 4 * v.length).order(ByteOrder.LITTLE_ENDIAN);
        b.put(new byte[]{(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0});
        b.putShort((short) header.length());
        b.put(header.getBytes(StandardCharsets.ISO_8859_1));
        for (float f : v) {
            b.putFloat(f);
        }
        return b.array();
    }

    /**
     * Reads a float32 or float64 {@code .npy} array of at least two dimensions {@code [count, ...]}:
     * one sample per entry of the first axis, {@code sampleShape} = the rest of the shape
     * ({@code [D]} for a 2-D array of points, {@code [C, H, W]} for a 4-D array of images).
     */
    public static PointSet readNpy(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            byte[] magic = in.readNBytes(8);
            if (magic.length < 8 || (magic[0] & 0xff) != 0x93 || magic[1] != 'N' || magic[2] != 'U' || magic[3] != 'M'
                    || magic[4] != 'P' || magic[5] != 'Y') {
                throw new DataException("data file " + file + " is not a .npy file (bad magic)");
            }
            int major = magic[6];
            if (major < 1 || major > 3) {
                throw new DataException("data file " + file + " has .npy format version " + major + "."
                        + magic[7] + "; supported: 1.0, 2.0, 3.0");
            }
            byte[] lenBytes = in.readNBytes(major == 1 ? 2 : 4);
            if (lenBytes.length < (major == 1 ? 2 : 4)) {
                throw new DataException("data file " + file + " is truncated inside its .npy header");
            }
            ByteBuffer lb = ByteBuffer.wrap(lenBytes).order(ByteOrder.LITTLE_ENDIAN);
            long headerLen = major == 1 ? (lb.getShort() & 0xffff) : (lb.getInt() & 0xffffffffL);
            if (headerLen > 1 << 20) {
                throw new DataException("data file " + file + " has an implausible .npy header length "
                        + headerLen + " (at most " + (1 << 20) + " bytes)");
            }
            if (headerLen == 0) {
                throw new DataException("data file " + file + " has an empty .npy header (length 0; expected"
                        + " a dict with 'descr', 'fortran_order' and 'shape')");
            }
            byte[] headerBytes = in.readNBytes((int) headerLen);
            if (headerBytes.length < headerLen) {
                throw new DataException("data file " + file + " is truncated inside its .npy header");
            }
            String header = new String(headerBytes, StandardCharsets.ISO_8859_1).strip();
            if (!header.startsWith("{") || !header.endsWith("}")) {
                throw new DataException("data file " + file + " has a malformed .npy header: not a dict in"
                        + " braces {...} (unterminated or truncated?)");
            }
            String descr = field(header, "descr", file);
            if (descr.length() < 2) {
                throw new DataException("data file " + file + " has a malformed .npy dtype '" + descr
                        + "'; allowed: float32 (<f4), float64 (<f8)");
            }
            boolean fortran = field(header, "fortran_order", file).startsWith("True");
            String shape = field(header, "shape", file);
            String[] dims = shape.replaceAll("[()\\s]", "").split(",");
            if (fortran || dims.length < 2 || dims[dims.length - 1].isEmpty()) {
                throw new DataException("data file " + file + " must hold a C-order array [count, ...sample "
                        + "shape] of at least 2 dimensions (2-D [count, dimension] for points), has shape " + shape
                        + (fortran ? " in Fortran order" : ""));
            }
            int[] sampleShape = new int[dims.length - 1];
            int n;
            long d = 1;
            try {
                n = Integer.parseInt(dims[0]);
                for (int k = 1; k < dims.length; k++) {
                    sampleShape[k - 1] = Integer.parseInt(dims[k]);
                }
            } catch (NumberFormatException e) {
                throw new DataException("data file " + file + " has a malformed .npy shape " + shape
                        + " (dimensions must be integers from 0 to " + Integer.MAX_VALUE + ")");
            }
            if (n < 0) {
                throw new DataException("data file " + file + " has shape " + shape
                        + "; a negative count of samples");
            }
            for (int s : sampleShape) {
                if (s < 1) {
                    throw new DataException("data file " + file + " has shape " + shape
                            + "; every sample dimension must be at least 1");
                }
            }
            long limit = Integer.MAX_VALUE - 8;
            long perSample = 1;
            for (int k = 0; k <= sampleShape.length; k++) {
                // checked at every factor, so the product cannot overflow a long on the way
                d *= k < sampleShape.length ? sampleShape[k] : n;
                if (k < sampleShape.length) {
                    perSample = d;
                }
                if (d > limit) {
                    throw new DataException("data file " + file + " has shape " + shape
                            + ", too many values for one array (at most " + limit + ")");
                }
            }
            ByteOrder order = descr.charAt(0) == '>' ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN;
            String type = descr.substring(1);
            int width = switch (type) {
                case "f4" -> 4;
                case "f8" -> 8;
                default -> throw new DataException("data file " + file + " has dtype " + descr
                        + "; allowed: float32 (<f4), float64 (<f8)");
            };
            int total = (int) d;
            float[] v = new float[total];
            // In chunks, so a large file never needs its bytes and its floats in memory at once.
            byte[] chunk = new byte[width * 8192];
            int i = 0;
            while (i < total) {
                int count = Math.min(8192, total - i);
                int got = in.readNBytes(chunk, 0, count * width);
                if (got < count * width) {
                    throw new DataException("data file " + file + " is truncated: " + ((long) i * width + got)
                            + " of " + (long) total * width + " data bytes");
                }
                ByteBuffer b = ByteBuffer.wrap(chunk, 0, got).order(order);
                for (int k = 0; k < count; k++) {
                    float value = width == 4 ? b.getFloat() : (float) b.getDouble();
                    if (!Float.isFinite(value)) {
                        throw new DataException("data file " + file + " holds a non-finite value " + value
                                + " at index " + (i + k) + " (sample " + (i + k) / perSample
                                + "); data must be finite numbers");
                    }
                    v[i + k] = value;
                }
                i += count;
            }
            return new PointSet(sampleShape, v, null);
        }
    }

    private static String field(String header, String key, Path file) {
        int i = header.indexOf("'" + key + "'");
        if (i < 0) {
            throw new DataException("data file " + file + " has a .npy header without '" + key + "'");
        }
        int colon = header.indexOf(':', i);
        if (colon < 0) {
            throw new DataException("data file " + file + " has a malformed .npy header: no value for '"
                    + key + "'");
        }
        String rest = header.substring(colon + 1).trim();
        int end = rest.startsWith("(") ? rest.indexOf(')') : rest.startsWith("'") ? rest.indexOf('\'', 1) : 0;
        if (end < 0) {
            throw new DataException("data file " + file + " has a malformed .npy header: the value of '"
                    + key + "' is not terminated");
        }
        if (rest.startsWith("(")) {
            return rest.substring(0, end + 1);
        }
        if (rest.startsWith("'")) {
            return rest.substring(1, end);
        }
        return rest;
    }

    /** A growable float array. */
    private static final class FloatList {
        private float[] data = new float[1024];
        private int size;

        void add(float v) {
            if (size == data.length) {
                data = java.util.Arrays.copyOf(data, size * 2);
            }
            data[size++] = v;
        }

        int size() {
            return size;
        }

        float[] toArray() {
            return java.util.Arrays.copyOf(data, size);
        }
    }
}
