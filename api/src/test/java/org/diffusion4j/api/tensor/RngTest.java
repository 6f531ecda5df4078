package org.diffusion4j.api.tensor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class RngTest {

    @Test
    void sameSeedSameStreamDifferentSeedDifferentStream() {
        Rng a = new Rng(7);
        Rng b = new Rng(7);
        Rng c = new Rng(8);
        for (int i = 0; i < 100; i++) {
            long va = a.nextLong();
            assertThat(b.nextLong()).isEqualTo(va);
            assertThat(c.nextLong()).isNotEqualTo(va);
        }
    }

    @Test
    void childStreamsDoNotDependOnParentUsage() {
        Rng fresh = new Rng(3);
        Rng used = new Rng(3);
        for (int i = 0; i < 17; i++) {
            used.nextDouble();
        }
        assertThat(used.split(5).nextLong()).isEqualTo(fresh.split(5).nextLong());
        assertThat(fresh.split(5).nextLong()).isNotEqualTo(fresh.split(6).nextLong());
        assertThat(fresh.split("noise").nextLong()).isNotEqualTo(fresh.split("init").nextLong());
        assertThat(fresh.childKeys(10, 3)).containsExactly(fresh.split(10).key(), fresh.split(11).key(),
                fresh.split(12).key());
    }

    @Test
    void uniformAndNormalMomentsMatchWithinSamplingError() {
        Rng r = new Rng(11);
        int n = 200_000;
        double su = 0;
        double sn = 0;
        double sn2 = 0;
        double sn4 = 0;
        for (int i = 0; i < n; i++) {
            double u = r.nextDouble();
            assertThat(u).isGreaterThanOrEqualTo(0).isLessThan(1);
            su += u;
            double z = r.nextGaussian();
            sn += z;
            sn2 += z * z;
            sn4 += z * z * z * z;
        }
        // Standard errors: uniform mean 0.29/√n ≈ 6.5e-4, normal mean 1/√n ≈ 2.2e-3,
        // variance √2/√n ≈ 3.2e-3, fourth moment √96/√n ≈ 0.022; tolerances are ~5 standard errors.
        assertThat(su / n).isCloseTo(0.5, within(3.5e-3));
        assertThat(sn / n).isCloseTo(0.0, within(0.011));
        assertThat(sn2 / n).isCloseTo(1.0, within(0.016));
        assertThat(sn4 / n).isCloseTo(3.0, within(0.11));
    }

    @Test
    void permutationIsAPermutationAndSeedDependent() {
        int[] p = new Rng(1).permutation(1000);
        Set<Integer> seen = new HashSet<>();
        for (int v : p) {
            seen.add(v);
        }
        assertThat(seen).hasSize(1000);
        assertThat(p).isNotEqualTo(new Rng(2).permutation(1000));
        assertThat(p).isEqualTo(new Rng(1).permutation(1000));
    }

    @Test
    void restoreContinuesTheStream() {
        Rng r = new Rng(9);
        r.nextLong();
        r.nextLong();
        Rng copy = Rng.restore(r.key(), r.counter());
        assertThat(copy.nextLong()).isEqualTo(r.nextLong());
    }
}
