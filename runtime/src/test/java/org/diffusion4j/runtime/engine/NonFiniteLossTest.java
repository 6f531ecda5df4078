package org.diffusion4j.runtime.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import org.diffusion4j.api.ComponentProvider;
import org.diffusion4j.api.Kind;
import org.diffusion4j.api.Loss;
import org.diffusion4j.api.Model;
import org.diffusion4j.api.NonFiniteOutputException;
import org.diffusion4j.api.config.ConfigSpec;
import org.diffusion4j.api.tensor.Backend;
import org.diffusion4j.api.tensor.Rng;
import org.diffusion4j.api.tensor.Tensor;
import org.diffusion4j.runtime.UserException;
import org.diffusion4j.runtime.backend.JavaBackend;
import org.diffusion4j.runtime.plugin.Registry;
import org.diffusion4j.runtime.spec.PipelineSpec;
import org.junit.jupiter.api.Test;

/**
 * A loss that finds a non-finite value of its own (a flow layer's output, say) stops training with
 * one user error naming the step.
 */
class NonFiniteLossTest {

    private static Pipeline pipeline(Backend backend) {
        List<ComponentProvider<?>> providers = new ArrayList<>();
        Registry base = TestComponents.registry();
        for (Kind k : Kind.values()) {
            base.list(k).forEach(e -> providers.add(e.provider()));
        }
        providers.add(TestComponents.provider(Kind.LOSS, "breaks", ConfigSpec.empty(), (c, ctx) -> new Loss() {
            private final Loss inner = new TestComponents.Mse(0);
            private int calls;

            @Override
            public Tensor compute(Model model, Tensor x0, Rng rng) {
                if (++calls == 3) {
                    throw new NonFiniteOutputException("layer step1.coupling gave NaN");
                }
                return inner.compute(model, x0, rng);
            }
        }));
        String spec = TestComponents.spec(10, 10).replace("loss: {name: mse}", "loss: {name: breaks}");
        return RunModule.assemble(PipelineSpec.parse(spec, "test", false), Registry.of("test", providers), backend);
    }

    @Test
    void aNonFiniteValueInsideTheLossNamesTheStep() {
        try (Backend be = new JavaBackend(1)) {
            Pipeline p = pipeline(be);
            TrainingState s = new TrainingState(be, p.model().network().parameters());
            assertThatThrownBy(() -> new Trainer(p).train(s, st -> { }, null)).isInstanceOf(UserException.class)
                    .hasMessage("training diverged at step 3: layer step1.coupling gave NaN");
            assertThat(s.step()).isEqualTo(2);
        }
    }
}
