package org.diffusion4j.plugin.metrics;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Properties;
import org.diffusion4j.api.PointSet;
import org.diffusion4j.api.tensor.Rng;

/** Test data: the fixture CSVs and peer values under src/test/resources, and generated clouds. */
final class Fixtures {

    private Fixtures() {
    }

    private static InputStream open(String name) {
        InputStream in = Fixtures.class.getResourceAsStream(name);
        if (in == null) {
            throw new IllegalStateException("test resource " + name + " is missing");
        }
        return in;
    }

    /** A CSV fixture (header line, then x,y per line). */
    static PointSet csv(String name) {
        try (BufferedReader r = new BufferedReader(new InputStreamReader(open(name), StandardCharsets.UTF_8))) {
            r.readLine();
            float[] v = new float[0];
            int n = 0;
            String line;
            while ((line = r.readLine()) != null) {
                if (line.isBlank()) {
                    continue;
                }
                String[] cells = line.split(",");
                if (n + cells.length > v.length) {
                    v = Arrays.copyOf(v, Math.max(2 * v.length, n + cells.length));
                }
                for (String c : cells) {
                    v[n++] = Float.parseFloat(c.trim());
                }
            }
            return new PointSet(2, Arrays.copyOf(v, n));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The values the peer's own code computed on the fixtures. */
    static Properties peerValues() {
        Properties p = new Properties();
        try (InputStream in = open("peer-values.properties")) {
            p.load(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return p;
    }

    /** n points of N(mean, std² I) in d dimensions from a seeded stream. */
    static PointSet gaussian(int n, int d, double mean, double std, long seed) {
        Rng rng = new Rng(seed);
        float[] v = new float[n * d];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) (mean + std * rng.nextGaussian());
        }
        return new PointSet(d, v);
    }

    /** {@code p} with {@code shift[c]} added to coordinate c. */
    static PointSet translate(PointSet p, double... shift) {
        float[] v = p.values();
        int d = p.dimension();
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) (v[i] + shift[i % d]);
        }
        return new PointSet(d, v);
    }

    /** The rows of {@code a} followed by those of {@code b}. */
    static PointSet concat(PointSet a, PointSet b) {
        float[] va = a.values();
        float[] vb = b.values();
        float[] v = Arrays.copyOf(va, va.length + vb.length);
        System.arraycopy(vb, 0, v, va.length, vb.length);
        return new PointSet(a.dimension(), v);
    }
}
