package org.diffusion4j.api.tensor;

/**
 * Explicit, seeded, splittable random numbers. Values are a pure function of a 64-bit key and a
 * counter (the SplitMix64 finaliser of Steele, Lea and Flood 2014 applied to key + counter·γ), so a
 * stream can be split into independent child streams, evaluated in parallel, and reproduced exactly
 * on any thread or device. No component uses a global random source.
 *
 * <p>An instance is a cursor on one stream: the {@code next*} methods advance its counter, so one
 * instance must not be shared between threads. {@link #split(long)} gives child streams that do
 * not depend on how much the parent has been used.
 */
public final class Rng {

    private static final long GAMMA = 0x9E3779B97F4A7C15L;

    private final long key;
    private long counter;

    /** The stream of a user seed. */
    public Rng(long seed) {
        this(mix(seed ^ 0x5DEECE66DL), 0);
    }

    private Rng(long key, long counter) {
        this.key = key;
        this.counter = counter;
    }

    /** Child stream {@code index}; the same whatever this stream has produced so far. */
    public Rng split(long index) {
        return new Rng(childKey(key, index), 0);
    }

    /** Child stream named by a string (e.g. "init", "noise"), for readable seeding of subsystems. */
    public Rng split(String purpose) {
        long h = 1125899906842597L;
        for (int i = 0; i < purpose.length(); i++) {
            h = 31 * h + purpose.charAt(i);
        }
        return split(h);
    }

    /** Key of child stream {@code index} of stream {@code key}. */
    public static long childKey(long key, long index) {
        return mix(mix(key + GAMMA) ^ mix(index * GAMMA + 0x632BE59BD9B4E019L));
    }

    /** This stream's key. */
    public long key() {
        return key;
    }

    /** How many values this cursor has produced. */
    public long counter() {
        return counter;
    }

    /** A cursor on the same stream positioned at {@code counter}: resumes a saved generator. */
    public static Rng restore(long key, long counter) {
        return new Rng(key, counter);
    }

    /** The raw 64 random bits at position {@code counter} of stream {@code key}. */
    public static long bits(long key, long counter) {
        return mix(key + (counter + 1) * GAMMA);
    }

    /** Uniform in [0, 1) with 53 random bits at position {@code counter} of stream {@code key}. */
    public static double uniform(long key, long counter) {
        return (bits(key, counter) >>> 11) * 0x1.0p-53;
    }

    /**
     * Standard normal at position {@code counter} of stream {@code key}: Box–Muller on two
     * uniforms drawn from the child positions 2·counter and 2·counter + 1.
     */
    public static double normal(long key, long counter) {
        double u1 = 1.0 - uniform(key, 2 * counter);      // (0, 1]: log is finite
        double u2 = uniform(key, 2 * counter + 1);
        return Math.sqrt(-2.0 * Math.log(u1)) * Math.cos(2.0 * Math.PI * u2);
    }

    public long nextLong() {
        return bits(key, counter++);
    }

    public double nextDouble() {
        return uniform(key, counter++);
    }

    public double nextGaussian() {
        return normal(key, counter++);
    }

    /** Uniform integer in [0, bound), without modulo bias. */
    public int nextInt(int bound) {
        if (bound <= 0) {
            throw new IllegalArgumentException("bound must be positive, got " + bound);
        }
        return (int) Math.floor(nextDouble() * bound);
    }

    /** A uniformly random permutation of 0..n−1 (Fisher–Yates). */
    public int[] permutation(int n) {
        int[] p = new int[n];
        for (int i = 0; i < n; i++) {
            p[i] = i;
        }
        for (int i = n - 1; i > 0; i--) {
            int j = nextInt(i + 1);
            int tmp = p[i];
            p[i] = p[j];
            p[j] = tmp;
        }
        return p;
    }

    /**
     * Keys for {@code n} consecutive rows, taken from this stream (advancing it by n): the per-row
     * keys a batch of noise is drawn with.
     */
    public long[] rowKeys(int n) {
        long[] keys = new long[n];
        for (int i = 0; i < n; i++) {
            keys[i] = nextLong();
        }
        return keys;
    }

    /** Keys of child streams {@code first .. first+n−1}: one stream per sample, whatever the batch. */
    public long[] childKeys(long first, int n) {
        long[] keys = new long[n];
        for (int i = 0; i < n; i++) {
            keys[i] = childKey(key, first + i);
        }
        return keys;
    }

    static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
