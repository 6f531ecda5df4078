package org.diffusion4j.plugin.scoresde;

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
            "score-sde.ve", Kind.SCHEDULE,
            "score-sde.vp", Kind.SCHEDULE,
            "score-sde.sub-vp", Kind.SCHEDULE,
            "score-sde.score", Kind.PARAMETERIZATION,
            "score-sde.dsm", Kind.LOSS,
            "score-sde.pc", Kind.SAMPLER,
            "score-sde.ode", Kind.SAMPLER,
            "score-sde.likelihood", Kind.LIKELIHOOD);

    @Test
    void serviceLoaderFindsEveryComponentWithItsKindDescriptionAndDeclaredOptions() {
        Map<String, ComponentProvider<?>> found = new HashMap<>();
        for (ComponentProvider<?> p : ServiceLoader.load(ComponentProvider.class)) {
            if (p.name().startsWith("score-sde.")) {
                assertThat(found.put(p.name(), p)).as("duplicate %s", p.name()).isNull();
            }
        }
        assertThat(found.keySet()).containsExactlyInAnyOrderElementsOf(EXPECTED.keySet());
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
            Object component = p.create(p.config().resolve(p.name(), Map.of()), TestSupport.context(TestSupport.backend()));
            assertThat(component).isInstanceOf(p.kind().type());
        }
    }

    @Test
    void defaultsAreThePapers() {
        var ctx = TestSupport.context(TestSupport.backend());
        VariancePreservingSde vp = TestSupport.create(Kind.SCHEDULE, "score-sde.vp", Map.of(), ctx);
        assertThat(vp.betaMin()).isEqualTo(0.1);
        assertThat(vp.betaMax()).isEqualTo(20.0);
        PredictorCorrectorSampler pc = TestSupport.create(Kind.SAMPLER, "score-sde.pc", Map.of(), ctx);
        assertThat(pc.snr()).isEqualTo(0.16);
        assertThat(pc.correctorSteps()).isEqualTo(1);
        assertThat(pc.corrector()).isEqualTo(PredictorCorrectorSampler.Corrector.LANGEVIN);
        assertThat(pc.denoise()).isTrue();
        ProbabilityFlowOdeSampler ode = TestSupport.create(Kind.SAMPLER, "score-sde.ode", Map.of(), ctx);
        assertThat(ode.solver()).isEqualTo(ProbabilityFlowOdeSampler.Solver.RK45);
        assertThat(ode.rtol()).isEqualTo(1e-5);
        assertThat(ode.atol()).isEqualTo(1e-5);
        DenoisingScoreMatchingLoss dsm = TestSupport.create(Kind.LOSS, "score-sde.dsm", Map.of(), ctx);
        assertThat(dsm.weighting()).isEqualTo(DenoisingScoreMatchingLoss.Weighting.SIGMA2);
    }

    @Test
    void optionsReachTheComponentsAndBadValuesNameTheComponent() {
        var ctx = TestSupport.context(TestSupport.backend());
        PredictorCorrectorSampler pc = TestSupport.create(Kind.SAMPLER, "score-sde.pc", Map.of("steps", 7,
                "predictor", "reverse-diffusion", "corrector", "annealed-langevin", "corrector-steps", 3, "snr", 0.2,
                "denoise", false), ctx);
        assertThat(pc.steps()).isEqualTo(7);
        assertThat(pc.predictor()).isEqualTo(PredictorCorrectorSampler.Predictor.REVERSE_DIFFUSION);
        assertThat(pc.corrector()).isEqualTo(PredictorCorrectorSampler.Corrector.ANNEALED_LANGEVIN);
        assertThat(pc.correctorSteps()).isEqualTo(3);
        assertThat(pc.evaluations()).isEqualTo(28);
        assertThatThrownBy(() -> TestSupport.create(Kind.SCHEDULE, "score-sde.vp", Map.of("beta", 1), ctx))
                .isInstanceOf(ConfigException.class).hasMessageContaining("score-sde.vp").hasMessageContaining("beta");
        assertThatThrownBy(() -> TestSupport.create(Kind.SAMPLER, "score-sde.ode", Map.of("solver", "rk4"), ctx))
                .isInstanceOf(ConfigException.class).hasMessageContaining("rk45, euler, heun");
        assertThatThrownBy(() -> TestSupport.create(Kind.SCHEDULE, "score-sde.ve",
                Map.of("sigma-min", 5.0, "sigma-max", 1.0), ctx)).hasMessageContaining("sigma-min");
        // options without effect in the chosen configuration, when given
        assertThatThrownBy(() -> TestSupport.create(Kind.SAMPLER, "score-sde.ode", Map.of("steps", 20), ctx))
                .isInstanceOf(ConfigException.class).hasMessageContaining("option 'steps' has no effect with solver: rk45");
        assertThatThrownBy(() -> TestSupport.create(Kind.SAMPLER, "score-sde.ode", Map.of("solver", "heun", "rtol", 1e-3),
                ctx)).hasMessageContaining("option 'rtol' has no effect with solver: heun");
        assertThatThrownBy(() -> TestSupport.create(Kind.SAMPLER, "score-sde.pc", Map.of("corrector", "none", "snr", 0.2),
                ctx)).hasMessageContaining("option 'snr' has no effect with corrector: none");
        assertThatThrownBy(() -> TestSupport.create(Kind.LIKELIHOOD, "score-sde.likelihood", Map.of("probes", 4), ctx))
                .hasMessageContaining("option 'probes' has no effect with divergence: exact");
        TestSupport.create(Kind.SAMPLER, "score-sde.ode", Map.of("solver", "heun", "steps", 20), ctx);
        TestSupport.create(Kind.LIKELIHOOD, "score-sde.likelihood", Map.of("divergence", "hutchinson", "probes", 4), ctx);
    }
}
