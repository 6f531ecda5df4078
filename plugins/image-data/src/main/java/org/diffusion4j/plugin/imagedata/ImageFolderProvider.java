package org.diffusion4j.plugin.imagedata;

import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.diffusion4j.api.AbstractProvider;
import org.diffusion4j.api.ComponentContext;
import org.diffusion4j.api.Dataset;
import org.diffusion4j.api.Kind;
import org.diffusion4j.api.config.Config;
import org.diffusion4j.api.config.ConfigException;
import org.diffusion4j.api.config.ConfigSpec;

/**
 * Provides {@link ImageFolderDataset} as dataset {@value #NAME}: PNG and JPEG files in one sub-folder
 * per class, the layout of torchvision's {@code ImageFolder} (class folders in name order are labels
 * 0..K−1). Paths are relative to the working directory; an empty {@code test} means "no held-out
 * images". The train folder is scanned (not decoded) and the test folder checked when the dataset is
 * created, so a wrong path fails before any work.
 *
 * <p>Nothing about the images is adapted silently: by default an image whose channel count or size
 * differs from the dataset's is refused, naming it; {@code convert-channels} and {@code resize} turn
 * on the two deterministic conversions of {@link ImageFiles}.
 */
public final class ImageFolderProvider extends AbstractProvider<Dataset> {

    /** Component name. */
    public static final String NAME = "image-folder";

    private static final Pattern SIZE = Pattern.compile("\\s*(\\d{1,9})\\s*(?:[xX×]\\s*(\\d{1,9})\\s*)?");

    static final ConfigSpec SPEC = ConfigSpec.builder()
            .path("train", null, "training images: a folder with one sub-folder per class (ROOT/CLASS/IMAGE.png, as "
                    + "torchvision's ImageFolder) holding .png, .jpg or .jpeg files; class folders in name order are "
                    + "labels 0..K-1")
            .path("test", "", "held-out images in a folder with the same class sub-folders; the first half of each "
                    + "class's images (in file order) is the test split, the second half the reference split (empty: none)")
            .choice("channels", "auto", List.of("auto", "1", "3"), "1 = grey, 3 = RGB; auto = those of the first "
                    + "training image (class 0's first file)")
            .bool("convert-channels", false, "convert images with another channel count (RGB to grey by the BT.601 "
                    + "luma (299R+587G+114B)/1000, grey to RGB by copying) instead of refusing them")
            .string("size", "", "image size WIDTHxHEIGHT, or N for NxN (empty: the size of the first training image)")
            .bool("resize", false, "resize images of another size to 'size' by exact area averaging (a box filter, "
                    + "integer arithmetic, aspect ratio not kept) instead of refusing them")
            .integer("train-subset", 0, 0, null, "use only N training images: the first files of every class, dealt "
                    + "round-robin over the classes (0 = all)")
            .integer("test-subset", 0, 0, null, "use only N images of each held-out half, dealt round-robin over the "
                    + "classes (0 = all)")
            .build();

    public ImageFolderProvider() {
        super(Kind.DATASET, NAME, "PNG/JPEG images in one sub-folder per class (torchvision's ImageFolder layout), "
                + "labelled by class folder; grey or RGB, [C, H, W] with pixels scaled to [-1, 1]", SPEC);
    }

    @Override
    public Dataset create(Config config, ComponentContext context) {
        String train = config.getString("train").trim();
        if (train.isEmpty()) {
            throw new ConfigException(NAME + ": option 'train' is required; set it to a folder with one sub-folder of "
                    + "images per class");
        }
        String test = config.getString("test").trim();
        String channels = config.getString("channels");
        int[] size = size(config.getString("size"));
        return new ImageFolderDataset(NAME, new ImageFolderDataset.Options(
                Sources.path(NAME, "train", train),
                test.isEmpty() ? null : Sources.path(NAME, "test", test),
                channels.equals("auto") ? 0 : Integer.parseInt(channels),
                config.getBoolean("convert-channels"),
                size[0], size[1],
                config.getBoolean("resize"),
                config.getInt("train-subset"), config.getInt("test-subset")));
    }

    /** {@code [width, height]} from "W", "WxH" or "" ({@code [0, 0]}: the first image's). */
    static int[] size(String value) {
        if (value.isBlank()) {
            return new int[]{0, 0};
        }
        Matcher m = SIZE.matcher(value);
        if (m.matches()) {
            int w = Integer.parseInt(m.group(1));
            int h = m.group(2) == null ? w : Integer.parseInt(m.group(2));
            if (w > 0 && h > 0 && (long) w * h <= Integer.MAX_VALUE / 3) {
                return new int[]{w, h};
            }
        }
        throw new ConfigException(NAME + ": option 'size' = '" + value + "' is not valid; it takes N or WIDTHxHEIGHT "
                + "with positive integers (28, 32x24), or empty for the size of the first training image");
    }
}
