package org.diffusion4j.plugin.ddpm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.Map;
import org.diffusion4j.api.Kind;
import org.diffusion4j.api.Model;
import org.diffusion4j.api.Network;
import org.diffusion4j.api.Parameterization;
import org.diffusion4j.api.Schedule;
import org.diffusion4j.api.View;
import org.diffusion4j.api.tensor.Backend;
import org.diffusion4j.api.tensor.Rng;
import org.diffusion4j.api.tensor.Tensor;
import org.junit.jupiter.api.Test;

/** ε, x0 and v: training targets and conversions into every other view round-trip on both schedules. */
class ParameterizationTest {

    private final Backend backend = TestSupport.backend();

    private static final Network UNUSED = new Network() {
        @Override
        public Tensor forward(Tensor x, Tensor t) {
            throw new AssertionError("not called");
        }

        @Override
        public Map<String, Tensor> parameters() {
            return Map.of();
        }
    };

    @Test
    void providersCreateTheThreeViews() {
        var ctx = TestSupport.context(backend);
        assertThat(((Parameterization) TestSupport.create(Kind.PARAMETERIZATION, "ddpm.epsilon", Map.of(), ctx)).predicts())
                .isEqualTo(View.EPSILON);
        assertThat(((Parameterization) TestSupport.create(Kind.PARAMETERIZATION, "ddpm.x0", Map.of(), ctx)).predicts())
                .isEqualTo(View.X0);
        assertThat(((Parameterization) TestSupport.create(Kind.PARAMETERIZATION, "ddpm.v", Map.of(), ctx)).predicts())
                .isEqualTo(View.V);
        assertThatThrownBy(() -> new DdpmParameterization(View.SCORE)).hasMessageContaining("not SCORE");
    }

    @Test
    void everyParameterizationConvertsToEveryViewExactly() {
        Rng rng = new Rng(3);
        int n = 64;
        for (Schedule schedule : new Schedule[]{new LinearBetaSchedule(1000, 1e-4, 0.02), new CosineSchedule(1000, 0.008, 0.999)}) {
            for (double t : new double[]{0.001, 0.02, 0.37, 0.5, 0.9, 0.99}) {
                double a = schedule.alpha(t);
                double s = schedule.sigma(t);
                Tensor x0 = Tensor.randn(backend, rng, n, 2).mul(2);
                Tensor eps = Tensor.randn(backend, rng, n, 2);
                Tensor xt = x0.mul(a).add(eps.mul(s));
                Map<View, Tensor> truth = Map.of(
                        View.EPSILON, eps,
                        View.X0, x0,
                        View.V, eps.mul(a).sub(x0.mul(s)),
                        View.SCORE, eps.mul(-1 / s),
                        View.VELOCITY, x0.mul(schedule.alphaDot(t)).add(eps.mul(schedule.sigmaDot(t))));
                for (View from : new View[]{View.EPSILON, View.X0, View.V}) {
                    Model model = new Model(UNUSED, schedule, new DdpmParameterization(from));
                    Tensor output = truth.get(from);
                    for (View to : View.values()) {
                        float[] got = model.convert(to, output, xt, t).toArray();
                        float[] want = truth.get(to).toArray();
                        double scale = 1 + TestSupport.maxAbs(want, new float[want.length]);
                        // float32 inputs; the conditioning of x0 from ε is 1/α (≈ 60 at t = 0.99 cosine)
                        double tol = 2e-5 * scale * (1 + s / a + a / s);
                        assertThat(TestSupport.maxAbs(got, want)).as("%s → %s at t = %s (%s)", from, to, t, schedule)
                                .isLessThan(tol);
                    }
                }
            }
        }
    }

    @Test
    void vTargetIsAlphaEpsMinusSigmaX0() {
        Schedule schedule = new CosineSchedule(1000, 0.008, 0.999);
        var target = new DdpmParameterization(View.V).target(schedule, 0.3);
        assertThat(target.p()).isCloseTo(-schedule.sigma(0.3), within(1e-15));
        assertThat(target.q()).isCloseTo(schedule.alpha(0.3), within(1e-15));
    }
}
