package org.diffusion4j.plugin.ddpm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.diffusion4j.api.Kind;
import org.diffusion4j.api.Loss;
import org.diffusion4j.api.Model;
import org.diffusion4j.api.Network;
import org.diffusion4j.api.View;
import org.diffusion4j.api.tensor.Backend;
import org.diffusion4j.api.tensor.Rng;
import org.diffusion4j.api.tensor.Tensor;
import org.diffusion4j.runtime.oracle.GaussianMixture;
import org.junit.jupiter.api.Test;

/** L_simple (Ho et al. 2020, Eq. 14): discrete uniform t, the parameterization's target, mean reduction. */
class SimpleLossTest {

    private final Backend backend = TestSupport.backend();

    /** Returns zeros and records the times it was called with. */
    private static final class ZeroNetwork implements Network {
        final List<Float> times = new ArrayList<>();

        @Override
        public Tensor forward(Tensor x, Tensor t) {
            for (float v : t.toArray()) {
                times.add(v);
            }
            return Tensor.zeros(x.backend(), x.dim(0), x.dim(1));
        }

        @Override
        public Map<String, Tensor> parameters() {
            return Map.of();
        }
    }

    private Loss loss(String reduction) {
        return TestSupport.create(Kind.LOSS, "ddpm.simple", Map.of("reduction", reduction), TestSupport.context(backend));
    }

    @Test
    void timesAreTheDiscreteGridUniformly() {
        ZeroNetwork net = new ZeroNetwork();
        LinearBetaSchedule schedule = new LinearBetaSchedule(10, 1e-3, 0.2);
        Model model = new Model(net, schedule, new DdpmParameterization(View.EPSILON));
        Rng rng = new Rng(5);
        Tensor x0 = Tensor.zeros(backend, 20_000, 2);
        double value = loss("mean").compute(model, x0, rng).item();
        // ε target, zero output: the mean of ε² ≈ 1
        assertThat(value).isCloseTo(1.0, within(0.03));
        int[] counts = new int[11];
        for (float t : net.times) {
            double u = t * 10;
            assertThat(Math.abs(u - Math.round(u))).isLessThan(1e-5);
            counts[(int) Math.round(u)]++;
        }
        assertThat(counts[0]).isZero();
        for (int i = 1; i <= 10; i++) {
            assertThat(counts[i]).as("draws of step %d", i).isBetween(1800, 2200);
        }
    }

    @Test
    void reductionsAndTargetsFollowTheParameterization() {
        LinearBetaSchedule schedule = new LinearBetaSchedule(1000, 1e-4, 0.02);
        Tensor x0 = Tensor.full(backend, 2f, 4000, 2);
        // zero output, x0 target: mean of x0² = 4; sum over 2 coordinates: 8
        Model x0Model = new Model(new ZeroNetwork(), schedule, new DdpmParameterization(View.X0));
        assertThat(loss("mean").compute(x0Model, x0, new Rng(1)).item()).isCloseTo(4f, within(1e-4f));
        assertThat(loss("sum").compute(x0Model, x0, new Rng(1)).item()).isCloseTo(8f, within(1e-3f));
    }

    @Test
    void theOracleReachesOnlyTheIrreducibleLoss() {
        GaussianMixture mixture = TestSupport.threeComponents();
        LinearBetaSchedule schedule = new LinearBetaSchedule(1000, 1e-4, 0.02);
        Model oracle = TestSupport.oracleModel(mixture, schedule, View.EPSILON);
        Model zero = new Model(new ZeroNetwork(), schedule, new DdpmParameterization(View.EPSILON));
        Tensor x0 = mixture.sample(backend, new Rng(2), 8000);
        double best = loss("mean").compute(oracle, x0, new Rng(3)).item();
        double none = loss("mean").compute(zero, x0, new Rng(3)).item();
        assertThat(none).isCloseTo(1.0, within(0.05));
        assertThat(best).isLessThan(0.5 * none).isGreaterThan(0.0);
    }
}
