package org.diffusion4j.plugin.flowmatching;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashMap;
import java.util.Map;
import java.util.ServiceLoader;
import org.diffusion4j.api.ComponentProvider;
import org.diffusion4j.api.Kind;
import org.diffusion4j.api.config.ConfigException;
import org.diffusion4j.api.config.OptionSpec;
import org.diffusion4j.api.config.OptionType;
import org.junit.jupiter.api.Test;

/** Every component of the plugin is found, described and validated through its provider. */
class ProvidersTest {

    private static final Map<String, Kind> EXPECTED = Map.of(
            "flow-matching.linear", Kind.SCHEDULE,
            "flow-matching.velocity", Kind.PARAMETERIZATION,
            "flow-matching.cfm", Kind.LOSS,
            "flow-matching.euler", Kind.SAMPLER,
            "flow-matching.heun", Kind.SAMPLER,
            "flow-matching.rk4", Kind.SAMPLER,
            "flow-matching.sde", Kind.SAMPLER);

    @Test
    void serviceLoaderFindsEveryComponentWithItsKindDescriptionAndDeclaredOptions() {
        Map<String, ComponentProvider<?>> found = new HashMap<>();
        for (ComponentProvider<?> p : ServiceLoader.load(ComponentProvider.class)) {
            if (p.name().startsWith("flow-matching.")) {
                assertThat(found.put(p.name(), p)).as("duplicate %s", p.name()).isNull();
            }
        }
        assertThat(found.keySet()).containsExactlyInAnyOrderElementsOf(EXPECTED.keySet());
        var backend = TestSupport.backend();
        for (var e : found.entrySet()) {
            ComponentProvider<?> p = e.getValue();
            assertThat(p.kind()).as(e.getKey()).isEqualTo(EXPECTED.get(e.getKey()));
            assertThat(p.description()).isNotBlank().doesNotContain("\n");
            for (OptionSpec o : p.config().options()) {
                assertThat(o.description()).as("%s.%s", p.name(), o.name()).isNotBlank();
                assertThat(o.defaultValue()).as("%s.%s has a default", p.name(), o.name()).isNotNull();
                if (o.type() == OptionType.INT || o.type() == OptionType.DOUBLE) {
                    assertThat(o.min()).as("%s.%s has a range", p.name(), o.name()).isNotNull();
                    assertThat(o.max()).as("%s.%s has a range", p.name(), o.name()).isNotNull();
                }
            }
            Object component = p.create(p.config().resolve(p.name(), Map.of()), TestSupport.context(backend, 1, 2));
            assertThat(component).isInstanceOf(p.kind().type());
        }
    }

    @Test
    void stepsAreDeclaredFromOneToOneHundredThousand() {
        for (String name : new String[]{"flow-matching.euler", "flow-matching.heun", "flow-matching.rk4", "flow-matching.sde"}) {
            OptionSpec steps = TestSupport.provider(name).config().option("steps");
            assertThat(steps.defaultValue()).isEqualTo(100);
            assertThat(steps.min()).isEqualTo(1.0);
            assertThat(steps.max()).isEqualTo(100_000.0);
            assertThatThrownBy(() -> TestSupport.provider(name).config().resolve(name, Map.of("steps", 100_001)))
                    .isInstanceOf(ConfigException.class).hasMessageContaining(name).hasMessageContaining("steps");
        }
    }

    @Test
    void unknownOptionsAreErrorsNamingTheComponent() {
        assertThatThrownBy(() -> TestSupport.provider("flow-matching.linear").config()
                .resolve("flow-matching.linear", Map.of("beta", 1)))
                .isInstanceOf(ConfigException.class).hasMessageContaining("flow-matching.linear")
                .hasMessageContaining("beta");
        assertThatThrownBy(() -> TestSupport.provider("flow-matching.cfm").config()
                .resolve("flow-matching.cfm", Map.of("reduction", "max")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("sum, mean");
    }

    @Test
    void sdeOptionsReachTheSampler() {
        ReverseSdeSampler s = TestSupport.create(Kind.SAMPLER, "flow-matching.sde",
                Map.of("steps", 12, "diffusion", "g2", "scale", 0.5, "final-step", "denoise"),
                TestSupport.context(TestSupport.backend(), 1, 2));
        assertThat(s.steps()).isEqualTo(12);
        assertThat(s.diffusion()).isEqualTo(ReverseSdeSampler.Diffusion.G2);
        assertThat(s.scale()).isEqualTo(0.5);
        assertThat(s.finalStep()).isEqualTo(ReverseSdeSampler.FinalStep.DENOISE);
        ReverseSdeSampler defaults = TestSupport.create(Kind.SAMPLER, "flow-matching.sde", Map.of(),
                TestSupport.context(TestSupport.backend(), 1, 2));
        assertThat(defaults.diffusion()).isEqualTo(ReverseSdeSampler.Diffusion.SIGMA);
        assertThat(defaults.finalStep()).isEqualTo(ReverseSdeSampler.FinalStep.EULER);
        assertThat(defaults.scale()).isEqualTo(1.0);
    }
}
