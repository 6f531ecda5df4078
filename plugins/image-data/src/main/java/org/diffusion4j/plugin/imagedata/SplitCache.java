package org.diffusion4j.plugin.imagedata;

import java.util.EnumMap;
import java.util.Map;
import java.util.function.Supplier;
import org.diffusion4j.api.PointSet;
import org.diffusion4j.api.Split;

/**
 * The splits of a file dataset, each read once and kept: TRAIN on its own, TEST and REFERENCE
 * together, from one pass over the held-out files.
 */
final class SplitCache {

    /** The two held-out splits, read together. */
    record HeldOut(PointSet test, PointSet reference) {
    }

    private final Map<Split, PointSet> loaded = new EnumMap<>(Split.class);
    private final Supplier<PointSet> train;
    private final Supplier<HeldOut> heldOut;

    SplitCache(Supplier<PointSet> train, Supplier<HeldOut> heldOut) {
        this.train = train;
        this.heldOut = heldOut;
    }

    synchronized PointSet get(Split split) {
        PointSet cached = loaded.get(split);
        if (cached != null) {
            return cached;
        }
        if (split == Split.TRAIN) {
            loaded.put(Split.TRAIN, train.get());
        } else {
            HeldOut h = heldOut.get();
            loaded.put(Split.TEST, h.test());
            loaded.put(Split.REFERENCE, h.reference());
        }
        return loaded.get(split);
    }
}
