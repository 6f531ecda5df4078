package org.diffusion4j.plugin.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.diffusion4j.api.Metric;
import org.diffusion4j.api.PointSet;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The three metrics against the values the peer harness's own code ({@code peers/metrics.py},
 * numpy float64) computed once on the fixtures in src/test/resources: subsets of the peer's
 * two_moons test/ref and eight_gaussians test files. Both sizes equal (the sorted-difference path of
 * SW2) and unequal (the merged-quantile path), both orders, near and far distributions.
 */
class PeerAgreementTest {

    private static final PointSet A300 = Fixtures.csv("moons-a300.csv");
    private static final PointSet B400 = Fixtures.csv("moons-b400.csv");
    private static final PointSet C400 = Fixtures.csv("eight-gaussians-c400.csv");
    private static final Properties PEER = Fixtures.peerValues();

    static List<String> cases() {
        return List.of("a300_b400", "a300_b300", "b400_a300", "a300_c400", "c400_b400");
    }

    private static PointSet set(String id) {
        return switch (id) {
            case "a300" -> A300;
            case "b400" -> B400;
            case "b300" -> B400.head(300);
            case "c400" -> C400;
            default -> throw new IllegalArgumentException(id);
        };
    }

    @ParameterizedTest
    @MethodSource("cases")
    void allThreeMetricsMatchThePeerToOneInABillion(String c) {
        PointSet x = set(c.split("_")[0]);
        PointSet y = set(c.split("_")[1]);
        Map<String, Metric> metrics = Map.of(
                "sliced-w2", new SlicedWasserstein2(256),
                "mmd2", new Mmd2(),
                "energy", new EnergyDistance());
        for (var e : metrics.entrySet()) {
            double expected = Double.parseDouble(PEER.getProperty(c + "." + e.getKey()));
            double actual = e.getValue().compute(x, y);
            assertThat(actual).as("%s(%s)", e.getKey(), c).isCloseTo(expected, within(1e-9 * Math.abs(expected)));
        }
    }
}
