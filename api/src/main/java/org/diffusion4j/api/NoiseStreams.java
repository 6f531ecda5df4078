package org.diffusion4j.api;

import org.diffusion4j.api.tensor.Backend;
import org.diffusion4j.api.tensor.Rng;
import org.diffusion4j.api.tensor.Tensor;

/**
 * One random stream per sample: sample k of a run draws its noise from the child stream k of the
 * run's seed, so it is the same whatever the batch size or batch order (k-diffusion #25,
 * diffusers #1514). Each {@link #next()} advances every stream by one draw. Created per sampling
 * call; not shared between threads.
 */
public final class NoiseStreams {

    private final Backend backend;
    private final long[] keys;
    private final int dimension;
    private long counter;

    /**
     * @param rng        the run's stream
     * @param firstIndex index of the first sample of this batch within the run
     * @param count      samples in this batch
     * @param dimension  values per sample per draw
     */
    public NoiseStreams(Backend backend, Rng rng, long firstIndex, int count, int dimension) {
        this.backend = backend;
        this.keys = rng.childKeys(firstIndex, count);
        this.dimension = dimension;
    }

    /** Standard normal noise, [count, dimension]. */
    public Tensor next() {
        Tensor t = Tensor.randn(backend, keys, counter, dimension);
        counter += dimension;
        return t;
    }

    public int count() {
        return keys.length;
    }

    public int dimension() {
        return dimension;
    }

    public Backend backend() {
        return backend;
    }
}
