package org.diffusion4j.plugin.imagedata;

import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.ColorModel;
import java.awt.image.DataBuffer;
import java.awt.image.IndexColorModel;
import java.awt.image.Raster;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;
import org.diffusion4j.api.DataException;

/**
 * Decodes one image file with {@code javax.imageio} into 8-bit samples, and the two deterministic
 * transformations {@link ImageFolderDataset} may apply: a channel conversion and an area-averaging
 * resize. Everything after decoding is integer arithmetic, so the same file gives the same samples
 * bit for bit on every machine and thread count.
 *
 * <p>Channels of a decoded image: an indexed (palette) image is grey (1) when every palette entry has
 * red = green = blue, else RGB (3) — PNG stores grey images of 1, 2 or 4 bits this way; any other
 * image is grey (1) or RGB (3) by its colour space. An alpha channel is dropped, as PIL's
 * {@code convert("RGB")} (torchvision's default loader) drops it. Samples of another bit depth than 8
 * (16-bit PNG, 1/2/4-bit grey) are rescaled to 0..255 by {@code round(v · 255 / (2^bits − 1))}.
 * The raw samples are used, never the colour model's conversion to sRGB, which would apply a gamma
 * curve to linear-grey images.
 *
 * <p>Every error is a {@link DataException} whose one-line message names the file. An image
 * of more than {@link #MAX_PIXELS} pixels is refused from its header, before its pixels are decoded.
 */
final class ImageFiles {

    /** The most pixels an image may have (8192 × 8192); a larger one is refused before it is decoded. */
    static final long MAX_PIXELS = 1L << 26;

    private ImageFiles() {
    }

    /**
     * An image as 8-bit samples {@code 0..255}, channel-first: {@code samples[c·height·width + y·width + x]},
     * channels in RGB order.
     */
    record Pixels(int channels, int width, int height, int[] samples) {

        String describe() {
            return channels == 1 ? "1 channel (grey)" : channels + " channels (RGB)";
        }
    }

    /** Decodes a file; a decoder warning (a truncated JPEG, say) is an error, not a half-grey image. */
    static Pixels read(Path file) {
        BufferedImage image;
        String format;
        try (ImageInputStream in = ImageIO.createImageInputStream(file.toFile())) {
            if (in == null) {
                throw new DataException("image file " + file + " cannot be opened");
            }
            Iterator<ImageReader> readers = ImageIO.getImageReaders(in);
            if (!readers.hasNext()) {
                throw new DataException("image file " + file + " is not an image javax.imageio can decode "
                        + "(expected PNG or JPEG content; is it damaged or of another format?)");
            }
            ImageReader reader = readers.next();
            format = reader.getFormatName();
            List<String> warnings = new ArrayList<>();
            try {
                reader.addIIOReadWarningListener((source, warning) -> warnings.add(warning));
                reader.setInput(in, true, true);
                long pixels = (long) reader.getWidth(0) * reader.getHeight(0);
                if (pixels > MAX_PIXELS) {
                    // Checked from the header: a small file may declare a huge image (a decompression bomb).
                    throw new DataException("image file " + file + " is " + reader.getWidth(0) + "x"
                            + reader.getHeight(0) + " pixels, more than the " + MAX_PIXELS + " an image may have here; "
                            + "shrink it first");
                }
                image = reader.read(0);
            } finally {
                reader.dispose();
            }
            if (!warnings.isEmpty()) {
                // JPEG decoders fill what a truncated file lacks with grey and only warn: refuse, never train on it.
                throw new DataException("image file " + file + " is damaged: the " + format
                        + " decoder reported '" + oneLine(warnings.getFirst()) + "'");
            }
        } catch (IOException e) {
            throw new DataException("image file " + file + " cannot be decoded" + (Files.isReadable(file) ? ""
                    : " (not readable)") + ": " + reason(e));
        } catch (DataException e) {
            throw e;
        } catch (IllegalArgumentException e) {
            throw new DataException("image file " + file + " cannot be decoded: " + reason(e));
        } catch (RuntimeException e) {
            // Decoders of damaged files throw what they happen to trip on (index out of bounds, ...).
            throw new DataException("image file " + file + " cannot be decoded: " + reason(e));
        }
        if (image == null) {
            throw new DataException("image file " + file + " cannot be decoded: the " + format
                    + " decoder returned no image");
        }
        return pixels(file, image);
    }

    /** The 8-bit samples of a decoded image. */
    static Pixels pixels(Path file, BufferedImage image) {
        int w = image.getWidth();
        int h = image.getHeight();
        int n = w * h;
        ColorModel cm = image.getColorModel();
        Raster r = image.getRaster();
        if (cm instanceof IndexColorModel icm) {
            boolean grey = true;
            for (int i = 0; i < icm.getMapSize() && grey; i++) {
                grey = icm.getRed(i) == icm.getGreen(i) && icm.getGreen(i) == icm.getBlue(i);
            }
            int[] index = r.getSamples(0, 0, w, h, 0, (int[]) null);
            int channels = grey ? 1 : 3;
            int[] s = new int[channels * n];
            for (int p = 0; p < n; p++) {
                int k = index[p];
                s[p] = icm.getRed(k);
                if (!grey) {
                    s[n + p] = icm.getGreen(k);
                    s[2 * n + p] = icm.getBlue(k);
                }
            }
            return new Pixels(channels, w, h, s);
        }
        int space = cm.getColorSpace().getType();
        int channels = space == ColorSpace.TYPE_GRAY ? 1 : space == ColorSpace.TYPE_RGB ? 3 : 0;
        int type = r.getTransferType();
        if (channels == 0 || cm.getNumColorComponents() != channels
                || (type != DataBuffer.TYPE_BYTE && type != DataBuffer.TYPE_USHORT && type != DataBuffer.TYPE_INT)) {
            throw new DataException("image file " + file + " has " + cm.getNumColorComponents()
                    + " colour components in colour space type " + space + " with " + cm.getPixelSize()
                    + " bits per pixel; expected grey or RGB with integer samples (convert it to an 8-bit PNG)");
        }
        int[] s = new int[channels * n];
        // The raster's bands are in the colour model's component order (R, G, B[, A]) whatever the byte layout.
        for (int b = 0; b < channels; b++) {
            int bits = r.getSampleModel().getSampleSize(b);
            int[] band = r.getSamples(0, 0, w, h, b, (int[]) null);
            long max = (1L << bits) - 1;
            for (int p = 0; p < n; p++) {
                s[b * n + p] = bits == 8 ? band[p] : (int) (((band[p] & 0xffffffffL) * 510 + max) / (2 * max));
            }
        }
        return new Pixels(channels, w, h, s);
    }

    /**
     * The image with {@code channels} channels: RGB to grey by the ITU-R BT.601 luma
     * {@code Y = (299·R + 587·G + 114·B + 500) / 1000} in integers (the weights PIL's {@code convert("L")}
     * uses), grey to RGB by copying the grey value into each channel.
     */
    static Pixels convert(Pixels p, int channels) {
        if (p.channels() == channels) {
            return p;
        }
        int n = p.width() * p.height();
        int[] s = p.samples();
        int[] out = new int[channels * n];
        if (channels == 1 && p.channels() == 3) {
            for (int i = 0; i < n; i++) {
                out[i] = (299 * s[i] + 587 * s[n + i] + 114 * s[2 * n + i] + 500) / 1000;
            }
        } else if (channels == 3 && p.channels() == 1) {
            for (int c = 0; c < 3; c++) {
                System.arraycopy(s, 0, out, c * n, n);
            }
        } else {
            throw new IllegalArgumentException("no conversion from " + p.channels() + " to " + channels + " channels");
        }
        return new Pixels(channels, p.width(), p.height(), out);
    }

    /**
     * The image resized to {@code width × height} by exact area averaging (a box filter, as PIL's
     * {@code BOX} and OpenCV's {@code INTER_AREA} when shrinking): each output pixel is the mean of
     * the source pixels under it, each weighted by the area it covers, rounded half up to an integer.
     * Output pixel {@code j} of a row covers source columns {@code [j·sw/dw, (j+1)·sw/dw)}; measured in
     * units of {@code 1/dw} source pixel, every overlap is an integer and the weights of one output
     * pixel sum to {@code sw·sh}, so the whole computation is exact in {@code long}. When enlarging,
     * this replicates pixels and blends the ones cut by an output pixel's border. The aspect ratio is
     * not kept: the image is stretched to the target.
     */
    static Pixels resize(Pixels p, int width, int height) {
        int sw = p.width();
        int sh = p.height();
        if (sw == width && sh == height) {
            return p;
        }
        Overlaps xs = overlaps(sw, width);
        Overlaps ys = overlaps(sh, height);
        long total = (long) sw * sh;
        int[] s = p.samples();
        int[] out = new int[p.channels() * width * height];
        for (int c = 0; c < p.channels(); c++) {
            int in0 = c * sw * sh;
            int out0 = c * width * height;
            for (int y = 0; y < height; y++) {
                for (int x = 0; x < width; x++) {
                    long sum = 0;
                    for (int a = 0; a < ys.weights[y].length; a++) {
                        long wy = ys.weights[y][a];
                        int row = in0 + (ys.first[y] + a) * sw;
                        long rowSum = 0;
                        for (int b = 0; b < xs.weights[x].length; b++) {
                            rowSum += xs.weights[x][b] * (long) s[row + xs.first[x] + b];
                        }
                        sum += wy * rowSum;
                    }
                    out[out0 + y * width + x] = (int) ((2 * sum + total) / (2 * total));
                }
            }
        }
        return new Pixels(p.channels(), width, height, out);
    }

    /** Per output pixel along one axis: the first source pixel it covers and the overlap of each. */
    private record Overlaps(int[] first, long[][] weights) {
    }

    private static Overlaps overlaps(int source, int target) {
        int[] first = new int[target];
        long[][] weights = new long[target][];
        for (int j = 0; j < target; j++) {
            // In units of 1/target source pixel: output j covers [j·source, (j+1)·source),
            // source pixel i covers [i·target, (i+1)·target).
            long lo = (long) j * source;
            long hi = lo + source;
            int i0 = (int) (lo / target);
            int i1 = (int) ((hi + target - 1) / target);
            first[j] = i0;
            weights[j] = new long[i1 - i0];
            for (int i = i0; i < i1; i++) {
                weights[j][i - i0] = Math.min((long) (i + 1) * target, hi) - Math.max((long) i * target, lo);
            }
        }
        return new Overlaps(first, weights);
    }

    private static String reason(Throwable e) {
        StringBuilder b = new StringBuilder(e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName());
        for (Throwable c = e.getCause(); c != null && c != c.getCause(); c = c.getCause()) {
            b.append(" (").append(c.getMessage() != null ? c.getMessage() : c.getClass().getSimpleName()).append(')');
        }
        return oneLine(b.toString());
    }

    private static String oneLine(String s) {
        return s.replace('\n', ' ').replace('\r', ' ').strip();
    }
}
