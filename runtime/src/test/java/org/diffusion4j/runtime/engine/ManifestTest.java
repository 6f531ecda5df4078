package org.diffusion4j.runtime.engine;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.diffusion4j.api.ComponentProvider;
import org.diffusion4j.api.Kind;
import org.diffusion4j.api.Likelihood;
import org.diffusion4j.api.Model;
import org.diffusion4j.api.NoiseStreams;
import org.diffusion4j.api.Sampler;
import org.diffusion4j.api.StepListener;
import org.diffusion4j.api.config.ConfigSpec;
import org.diffusion4j.api.tensor.Tensor;
import org.diffusion4j.runtime.backend.JavaBackend;
import org.diffusion4j.runtime.plugin.Registry;
import org.diffusion4j.runtime.spec.ComponentRef;
import org.diffusion4j.runtime.spec.PipelineSpec;
import org.junit.jupiter.api.Test;

/**
 * The resolved spec a checkpoint's manifest records must parse back as a spec with the same
 * sections: {@code eval --checkpoint} rebuilds the run from it (before 187ce18 the likelihoods came
 * back as a top-level "likelihood nll" section, which the parser refuses).
 */
class ManifestTest {

    private static final String SPEC = TestComponents.spec(10, 10) + """
            samplers: {ode: {name: euler, steps: 7}, quick: euler}
            likelihoods: {nll: {name: zero, probes: 3}, bound: zero}
            """;

    /** The engine's test components plus a sampler and a likelihood, each with one option. */
    private static Registry registry() {
        List<ComponentProvider<?>> providers = new ArrayList<>();
        Registry base = TestComponents.registry();
        for (Kind k : Kind.values()) {
            base.list(k).forEach(e -> providers.add(e.provider()));
        }
        providers.add(TestComponents.provider(Kind.SAMPLER, "euler",
                ConfigSpec.builder().integer("steps", 10, 1, null, "steps").build(), (c, ctx) -> new Sampler() {
                    @Override
                    public Tensor sample(Model model, Tensor xStart, NoiseStreams noise, StepListener listener) {
                        return xStart;
                    }
                }));
        providers.add(TestComponents.provider(Kind.LIKELIHOOD, "zero",
                ConfigSpec.builder().integer("probes", 1, 1, null, "probes").build(), (c, ctx) -> new Likelihood() {
                    @Override
                    public double[] negativeLogLikelihood(Model model, Tensor x, NoiseStreams noise) {
                        return new double[x.dim(0)];
                    }

                    @Override
                    public boolean isBound() {
                        return false;
                    }
                }));
        // a network built around another one, named in its SECTION option (as DiNof's network holds a score network)
        providers.add(TestComponents.provider(Kind.NETWORK, "wrapper",
                ConfigSpec.builder().section("inner", "the wrapped network").build(),
                (c, ctx) -> ctx.<org.diffusion4j.api.Network>create(Kind.NETWORK, "inner", c.getSection("inner"))));
        return Registry.of("test", providers);
    }

    @Test
    void aComponentInsideAComponentIsRecordedWithItsOptionsResolved() {
        Registry registry = registry();
        JavaBackend backend = new JavaBackend(1);
        String spec = SPEC.replace("network: {name: mlp}", "network: {name: wrapper, inner: {name: mlp}}");
        assertThat(spec).contains("wrapper");
        Pipeline p = RunModule.assemble(PipelineSpec.parse(spec, "test", false), registry, backend);
        ObjectNode resolved = Manifest.resolvedSpec(p);
        assertThat(resolved.get("network").get("inner").get("name").asText()).isEqualTo("mlp");
        assertThat(resolved.get("network").get("inner").get("width").asInt()).as("the inner default, resolved").isEqualTo(16);
        assertThat(Manifest.of(p, Map.of()).get("components").has("network.inner")).isTrue();
        // built again from the resolved spec: the same spec, the same initial weights
        Pipeline again = RunModule.assemble(PipelineSpec.parse(Manifest.toJson(resolved), "manifest", true), registry,
                backend);
        assertThat(Manifest.resolvedSpec(again)).isEqualTo(resolved);
        assertThat(again.model().network().parameters().values().iterator().next().toArray())
                .containsExactly(p.model().network().parameters().values().iterator().next().toArray());
        // an option the inner component does not have is refused naming it
        String bad = SPEC.replace("network: {name: mlp}", "network: {name: wrapper, inner: {name: mlp, depth: 3}}");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> RunModule.assemble(PipelineSpec.parse(bad, "test", false),
                registry, backend)).hasMessageContaining("mlp").hasMessageContaining("unknown option 'depth'");
    }

    @Test
    void resolvedSpecParsesBackWithItsSamplersAndLikelihoods() {
        Registry registry = registry();
        JavaBackend backend = new JavaBackend(1);
        Pipeline p = RunModule.assemble(PipelineSpec.parse(SPEC, "test", false), registry, backend);
        ObjectNode resolved = Manifest.resolvedSpec(p);
        assertThat(resolved.fieldNames()).toIterable().allMatch(PipelineSpec.SECTIONS::contains);

        PipelineSpec back = PipelineSpec.parse(Manifest.toJson(resolved), "manifest", true);
        assertThat(back.samplers()).containsOnlyKeys("ode", "quick");
        assertThat(back.samplers().get("ode")).isEqualTo(new ComponentRef("sampler ode", "euler", Map.of("steps", 7)));
        assertThat(back.samplers().get("quick")).isEqualTo(new ComponentRef("sampler quick", "euler", Map.of("steps", 10)));
        assertThat(back.likelihoods()).containsOnlyKeys("nll", "bound");
        assertThat(back.likelihoods().get("nll"))
                .isEqualTo(new ComponentRef("likelihood nll", "zero", Map.of("probes", 3)));
        assertThat(back.likelihoods().get("bound"))
                .isEqualTo(new ComponentRef("likelihood bound", "zero", Map.of("probes", 1)));

        // the run rebuilt from it has the same components, and resolving again changes nothing
        Pipeline again = RunModule.assemble(back, registry, backend);
        assertThat(again.samplers()).containsOnlyKeys("ode", "quick");
        assertThat(again.likelihoods()).containsOnlyKeys("nll", "bound");
        assertThat(Manifest.resolvedSpec(again)).isEqualTo(resolved);
    }
}
