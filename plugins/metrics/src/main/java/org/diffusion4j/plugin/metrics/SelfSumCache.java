package org.diffusion4j.plugin.metrics;

import java.util.Arrays;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.ToDoubleFunction;
import org.diffusion4j.api.PointSet;

/**
 * Remembers the within-set sum of the last reference set a metric instance saw. An evaluation
 * scores several sample sets against one held-out set, whose own pair sum is then computed once
 * (the peer caches it the same way). The cached value is the value a fresh computation would give,
 * bit for bit, since the pair sums are deterministic; a hit needs the values to be identical.
 * Safe for concurrent use: at worst two threads compute the same sum.
 */
final class SelfSumCache {

    private record Entry(int dimension, float[] values, double sum) {
    }

    private final AtomicReference<Entry> last = new AtomicReference<>();

    double get(PointSet set, PointColumns columns, ToDoubleFunction<PointColumns> compute) {
        float[] values = set.values();
        Entry e = last.get();
        if (e != null && e.dimension() == set.dimension() && Arrays.equals(e.values(), values)) {
            return e.sum();
        }
        double sum = compute.applyAsDouble(columns);
        last.set(new Entry(set.dimension(), values, sum));
        return sum;
    }
}
