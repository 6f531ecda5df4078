package org.diffusion4j.plugin.toydata;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.BiFunction;
import org.diffusion4j.api.Dataset;
import org.diffusion4j.api.PointSet;
import org.diffusion4j.api.Split;
import org.diffusion4j.api.tensor.Rng;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Same seed, same bits; the three splits are different draws from their own streams. */
class DeterminismTest {

    record Maker(String name, BiFunction<Integer, Long, Dataset> make) {
        @Override
        public String toString() {
            return name;
        }
    }

    static List<Maker> datasets() {
        return List.of(
                new Maker("two-gaussians", (n, s) -> new TwoGaussians(n, s, 0.5)),
                new Maker("eight-gaussians", EightGaussians::new),
                new Maker("two-moons", (n, s) -> new TwoMoons(n, s, 0.1)),
                new Maker("swiss-roll", (n, s) -> new SwissRoll(n, s, 1.0)),
                new Maker("checkerboard", Checkerboard::new));
    }

    @ParameterizedTest
    @MethodSource("datasets")
    void theSameSeedGivesTheSameBitsWhateverWasLoadedBefore(Maker m) {
        Dataset a = m.make().apply(500, 42L);
        Dataset b = m.make().apply(500, 42L);
        b.load(Split.REFERENCE);
        b.load(Split.TEST);
        for (Split s : Split.values()) {
            assertThat(b.load(s).values()).as("split %s", s).isEqualTo(a.load(s).values());
        }
        assertThat(a.load(Split.TRAIN).values()).isEqualTo(a.load(Split.TRAIN).values());
    }

    @ParameterizedTest
    @MethodSource("datasets")
    void splitsAndSeedsAreDifferentDraws(Maker m) {
        Dataset d = m.make().apply(500, 42L);
        Set<Long> seen = new HashSet<>();
        for (Split s : Split.values()) {
            PointSet p = d.load(s);
            assertThat(p.count()).isEqualTo(500);
            assertThat(p.dimension()).isEqualTo(2);
            for (int i = 0; i < p.count(); i++) {
                seen.add(((long) Float.floatToIntBits(p.get(i, 0)) << 32) | (Float.floatToIntBits(p.get(i, 1)) & 0xffffffffL));
            }
        }
        // no point is shared between the three splits (nor repeated within one)
        assertThat(seen).hasSize(1500);
        assertThat(m.make().apply(500, 43L).load(Split.TRAIN).values()).isNotEqualTo(d.load(Split.TRAIN).values());
    }

    @Test
    void theSplitStreamsAreTheNamedChildrenOfTheSeedStream() {
        assertThat(SyntheticDataset.stream(42, Split.TRAIN).key()).isEqualTo(new Rng(42).split("train").key());
        assertThat(SyntheticDataset.stream(42, Split.TEST).key()).isEqualTo(new Rng(42).split("test").key());
        assertThat(SyntheticDataset.stream(42, Split.REFERENCE).key()).isEqualTo(new Rng(42).split("reference").key());
    }

    @Test
    void aLargerCountDoesNotChangeTheDistributionOnlyTheDraw() {
        // sizes are honoured exactly, including odd ones and a single point
        assertThat(new TwoMoons(1, 1, 0.1).load(Split.TRAIN).count()).isEqualTo(1);
        assertThat(new TwoGaussians(3, 1, 0.5).load(Split.TEST).count()).isEqualTo(3);
        assertThat(new Checkerboard(7, 1).load(Split.REFERENCE).count()).isEqualTo(7);
    }
}
