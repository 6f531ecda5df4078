package org.diffusion4j.runtime.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import org.diffusion4j.api.ComponentProvider;
import org.diffusion4j.api.Kind;
import org.diffusion4j.api.Model;
import org.diffusion4j.api.NoiseStreams;
import org.diffusion4j.api.PointSet;
import org.diffusion4j.api.Prior;
import org.diffusion4j.api.Sampler;
import org.diffusion4j.api.Schedule;
import org.diffusion4j.api.StepListener;
import org.diffusion4j.api.config.ConfigException;
import org.diffusion4j.api.config.ConfigSpec;
import org.diffusion4j.api.tensor.Backend;
import org.diffusion4j.api.tensor.Tensor;
import org.diffusion4j.runtime.backend.JavaBackend;
import org.diffusion4j.runtime.plugin.Registry;
import org.diffusion4j.runtime.spec.PipelineSpec;
import org.junit.jupiter.api.Test;

/**
 * A spec's {@code prior:} section through the run's wiring: created and checked at assembly, the
 * sampler refused or accepted against the schedule truncated at the prior's start, and sampling
 * started from the prior's state at that time; no section means the Gaussian at tMax.
 */
class PriorWiringTest {

    /** What the recording sampler saw: the schedule's end and the first value of x_start. */
    private static final List<double[]> SEEN = new ArrayList<>();

    private static Registry registry() {
        List<ComponentProvider<?>> providers = new ArrayList<>();
        Registry base = TestComponents.registry();
        for (Kind k : Kind.values()) {
            base.list(k).forEach(e -> providers.add(e.provider()));
        }
        providers.add(TestComponents.provider(Kind.SAMPLER, "record", ConfigSpec.builder()
                .number("min-end", 0.0, 0.0, 1.0, "refuse schedules ending before this").build(), (c, ctx) -> new Sampler() {
                    @Override
                    public Tensor sample(Model model, Tensor xStart, NoiseStreams noise, StepListener listener) {
                        SEEN.add(new double[]{model.schedule().tMax(), xStart.toArray()[0]});
                        return xStart;
                    }

                    @Override
                    public String refuse(Model model) {
                        return model.schedule().tMax() < c.getDouble("min-end")
                                ? "the schedule ends at " + model.schedule().tMax() : null;
                    }
                }));
        providers.add(TestComponents.provider(Kind.PRIOR, "quarter", ConfigSpec.builder()
                .number("at", 0.5, 0.0, 2.0, "start time").build(), (c, ctx) -> new Prior() {
                    @Override
                    public double startTime(Schedule schedule) {
                        return c.getDouble("at");
                    }

                    @Override
                    public Tensor start(Model model, Tensor z) {
                        return z.mul(0.25);
                    }

                    @Override
                    public String refuse(Model model) {
                        return c.getDouble("at") == 0.3 ? "0.3 is refused" : null;
                    }
                }));
        return Registry.of("test", providers);
    }

    private static Pipeline pipeline(String extra, Backend backend) {
        String spec = TestComponents.spec(1, 1) + "samplers: {rec: {name: record, min-end: 0.2}}\n" + extra;
        return RunModule.assemble(PipelineSpec.parse(spec, "test", false), registry(), backend);
    }

    private static double[] sampleOnce(Pipeline p) {
        SEEN.clear();
        PointSet x = Sampling.sample(p.backend(), p.model(), p.prior(), p.samplers().get("rec"), new int[]{2}, 1, 3, 3,
                null, Guidance.NONE, StepListener.NONE, n -> null);
        assertThat(x.count()).isEqualTo(3);
        return SEEN.getFirst();
    }

    @Test
    void withoutAPriorSectionSamplingStartsFromTheGaussianAtTMax() {
        try (Backend be = new JavaBackend(1)) {
            Pipeline p = pipeline("", be);
            assertThat(p.prior()).isSameAs(Prior.gaussian());
            double[] seen = sampleOnce(p);
            assertThat(seen[0]).isEqualTo(1.0);
            Pipeline q = pipeline("prior: {name: quarter, at: 0.5}\n", be);
            double[] started = sampleOnce(q);
            assertThat(started[0]).as("the sampler's schedule ends at the prior's start").isEqualTo(0.5);
            // the same z: the linear interpolant's σ(1) = 1, the prior's 0.25
            assertThat(started[1]).isEqualTo((float) (seen[1] * 0.25));
        }
    }

    @Test
    void refusalsAreConfigErrorsAtAssembly() {
        try (Backend be = new JavaBackend(1)) {
            assertThatThrownBy(() -> pipeline("prior: {name: quarter, at: 0.3}\n", be))
                    .isInstanceOf(ConfigException.class).hasMessageContaining("prior 'quarter' cannot start this model: 0.3");
            assertThatThrownBy(() -> pipeline("prior: {name: quarter, at: 0.1}\n", be))
                    .isInstanceOf(ConfigException.class).hasMessageContaining("sampler 'record'")
                    .hasMessageContaining("ends at 0.1");
            assertThatThrownBy(() -> pipeline("prior: {name: quarter, at: 1.5}\n", be))
                    .isInstanceOf(ConfigException.class).hasMessageContaining("t = 1.5");
        }
    }
}
