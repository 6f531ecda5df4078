package org.diffusion4j.plugin.unet;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.diffusion4j.api.AbstractProvider;
import org.diffusion4j.api.ComponentContext;
import org.diffusion4j.api.Kind;
import org.diffusion4j.api.Network;
import org.diffusion4j.api.config.Config;
import org.diffusion4j.api.config.ConfigException;
import org.diffusion4j.api.config.ConfigSpec;

/**
 * Provider of the {@code unet} network: see {@link UNetNetwork}. The defaults are the peer's
 * "ref-unet-s" ({@code peers/unet_fmnist.py}: base 32, multipliers 1,2,2, 2 blocks, attention at
 * 7 px, GroupNorm(8)), 1 623 169 parameters on Fashion-MNIST's 1×28×28.
 *
 * <p>The network is built for the context's {@link ComponentContext#dataShape() data shape}, which
 * must be [channels, height, width] with height and width divisible by 2^(levels − 1). Its input
 * has the data's channels; its output has those channels plus {@code extraOutputs / (height·width)}
 * more: {@link ComponentContext#extraOutputs()} counts the extra values per <em>sample</em> (a
 * learned variance asks for one per data value, i.e. as many as the sample has, which makes
 * 2 × channels output channels), so it must be a whole number of channels.
 *
 * <p>Every inconsistency between options and data is a {@link ConfigException} naming the option
 * or the shape: an attention resolution that no level has, a group count that does not divide the
 * base channels, an odd base (the sinusoidal embedding has base features), a class count other than
 * the dataset's.
 */
public final class UNetProvider extends AbstractProvider<Network> {

    public static final String NAME = "unet";

    private static final ConfigSpec SPEC = ConfigSpec.builder()
            .integer("base-channels", 32, 2, 4096,
                    "channels C of the first level (even, divisible by groups); the embeddings are 4C wide")
            .string("channel-multipliers", "1,2,2",
                    "channels of each level as multiples of base-channels, comma separated; the resolution "
                            + "halves from one level to the next")
            .integer("blocks", 2, 1, 64,
                    "residual blocks per level on the way down (blocks + 1 on the way up)")
            .string("attention-resolutions", "7",
                    "feature-map sizes in pixels (heights, for non-square data) whose residual blocks are "
                            + "followed by self-attention, comma separated, or empty for none; each must be a "
                            + "level's size (the middle always has attention)")
            .integer("groups", 8, 1, 4096, "GroupNorm groups (must divide base-channels)")
            .number("dropout", 0.0, 0.0, 0.0,
                    "dropout between the two convolutions of a residual block while training; only 0 is "
                            + "supported (a network gets no training flag nor per-step random stream)")
            .integer("classes", 0, 0, 1_000_000,
                    "class labels the network is conditioned on (0 = unconditional); label `classes` is the "
                            + "null label of classifier-free guidance")
            .number("time-scale", 1000.0, 1e-9, 1e12,
                    "multiplier of t inside the sinusoidal time embedding (1000 = DDPM's integer steps for "
                            + "t in [0, 1])")
            .build();

    public UNetProvider() {
        super(Kind.NETWORK, NAME,
                "DDPM/ADM U-Net for [channels, height, width] images; defaults = the peer's ref-unet-s", SPEC);
    }

    @Override
    public Network create(Config config, ComponentContext context) {
        return new UNetNetwork(context.backend(), context.rng(), architecture(config, context));
    }

    /** The network's architecture for these options and this data, or a ConfigException saying what is wrong. */
    static UNetNetwork.Architecture architecture(Config config, ComponentContext context) {
        int[] shape = context.dataShape();
        if (shape.length != 3 || shape[0] < 1 || shape[1] < 1 || shape[2] < 1) {
            throw new ConfigException(NAME + ": data of shape " + Arrays.toString(shape)
                    + " is not an image; the U-Net takes samples of shape [channels, height, width]");
        }
        int channels = shape[0];
        int height = shape[1];
        int width = shape[2];
        int base = config.getInt("base-channels");
        int groups = config.getInt("groups");
        int blocks = config.getInt("blocks");
        int classes = config.getInt("classes");
        List<Integer> mults = parseList(config.getString("channel-multipliers"), "channel-multipliers", false);
        if (mults.size() > 16) {
            throw new ConfigException(NAME + ": option 'channel-multipliers' = '" + config.getString("channel-multipliers")
                    + "' has " + mults.size() + " levels; it takes at most 16");
        }
        if (base % 2 != 0) {
            throw new ConfigException(NAME + ": option 'base-channels' = " + base
                    + " is not valid; it takes an even number (the time embedding has base-channels sinusoidal features)");
        }
        if (base % groups != 0) {
            throw new ConfigException(NAME + ": option 'groups' = " + groups + " does not divide base-channels = " + base
                    + "; GroupNorm needs a group count that divides every level's channels");
        }
        int halvings = mults.size() - 1;
        int factor = 1 << halvings;
        if (height % factor != 0 || width % factor != 0) {
            throw new ConfigException(NAME + ": data of shape " + Arrays.toString(shape) + " cannot be halved "
                    + halvings + " times (channel-multipliers = '" + config.getString("channel-multipliers") + "' has "
                    + mults.size() + " levels); height and width must be multiples of " + factor);
        }
        int extra = context.extraOutputs();
        if (extra < 0 || extra % (height * width) != 0) {
            throw new ConfigException(NAME + ": the loss asks for " + extra + " extra outputs per sample, which is not a"
                    + " whole number of " + height + "×" + width + " channels; the U-Net outputs extra values as channels");
        }
        int outChannels = channels + extra / (height * width);
        Set<Integer> attention = new LinkedHashSet<>(
                parseList(config.getString("attention-resolutions"), "attention-resolutions", true));
        List<Integer> levels = new ArrayList<>();
        for (int i = 0; i < mults.size(); i++) {
            levels.add(height >> i);
        }
        for (int r : attention) {
            if (!levels.contains(r)) {
                throw new ConfigException(NAME + ": option 'attention-resolutions' = '"
                        + config.getString("attention-resolutions") + "' names " + r + " px, which no level has; for data "
                        + Arrays.toString(shape) + " the levels are " + levels + " px (give a subset, or empty for none)");
            }
        }
        int dataClasses = context.dataLabelCount();
        if (classes > 0 && dataClasses > 0 && classes != dataClasses) {
            throw new ConfigException(NAME + ": option 'classes' = " + classes + " but the dataset has " + dataClasses
                    + " classes; set classes = " + dataClasses + " (or 0 for an unconditional network)");
        }
        return new UNetNetwork.Architecture(channels, height, width, outChannels, base, mults, blocks, attention,
                groups, classes, config.getDouble("time-scale"));
    }

    /** Comma-separated positive integers; empty allowed only when {@code emptyAllowed}. */
    private static List<Integer> parseList(String text, String option, boolean emptyAllowed) {
        String bad = NAME + ": option '" + option + "' = '" + text + "' is not valid; it takes positive integers separated"
                + " by commas" + (emptyAllowed ? ", or nothing" : "");
        List<Integer> values = new ArrayList<>();
        String trimmed = text.trim();
        if (trimmed.isEmpty()) {
            if (!emptyAllowed) {
                throw new ConfigException(bad);
            }
            return values;
        }
        for (String part : trimmed.split(",", -1)) {
            int v;
            try {
                v = Integer.parseInt(part.trim());
            } catch (NumberFormatException e) {
                throw new ConfigException(bad);
            }
            if (v < 1 || v > 4096) {
                throw new ConfigException(bad);
            }
            values.add(v);
        }
        return values;
    }
}
