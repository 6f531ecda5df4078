package org.diffusion4j.plugin.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import org.diffusion4j.api.ComponentProvider;
import org.diffusion4j.api.Kind;
import org.diffusion4j.api.Metric;
import org.diffusion4j.api.config.ConfigException;
import org.junit.jupiter.api.Test;

/** The providers as the runtime sees them. */
class ProvidersTest {

    private static List<ComponentProvider<?>> providers() {
        return ServiceLoader.load(ComponentProvider.class).stream()
                .<ComponentProvider<?>>map(ServiceLoader.Provider::get)
                .filter(p -> p.getClass().getPackageName().equals("org.diffusion4j.plugin.metrics"))
                .toList();
    }

    @Test
    void theFiveMetricsAreFoundWithOneLineDescriptions() {
        assertThat(providers()).extracting(ComponentProvider::name)
                .containsExactlyInAnyOrder("sliced-w2", "mmd2", "energy", "frechet", "kid");
        for (ComponentProvider<?> p : providers()) {
            assertThat(p.kind()).isEqualTo(Kind.METRIC);
            assertThat(p.description()).isNotBlank().doesNotContain("\n");
            assertThat(p.create(p.config().resolve(p.name(), Map.of()), null)).isInstanceOf(Metric.class);
        }
    }

    @Test
    void slicedW2TakesTheNumberOfDirections() {
        SlicedWasserstein2Provider p = new SlicedWasserstein2Provider();
        assertThat(((SlicedWasserstein2) p.create(p.config().resolve(p.name(), Map.of()), null)).directions()).isEqualTo(256);
        assertThat(((SlicedWasserstein2) p.create(p.config().resolve(p.name(), Map.of("directions", 64)), null)).directions())
                .isEqualTo(64);
        assertThatThrownBy(() -> p.config().resolve(p.name(), Map.of("directions", 0)))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("sliced-w2").hasMessageContaining("'directions'").hasMessageContaining("[1, ");
    }

    @Test
    void mmd2AndEnergyTakeNoOptions() {
        Mmd2Provider p = new Mmd2Provider();
        assertThatThrownBy(() -> p.config().resolve(p.name(), Map.of("bandwidth", 1.0)))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("mmd2").hasMessageContaining("takes no options");
    }

    @Test
    void frechetAndKidTakeNoOptions() {
        for (ComponentProvider<?> p : List.of(new FrechetDistanceProvider(), new KernelInceptionDistanceProvider())) {
            assertThatThrownBy(() -> p.config().resolve(p.name(), Map.of("subsets", 100)))
                    .isInstanceOf(ConfigException.class)
                    .hasMessageContaining(p.name()).hasMessageContaining("takes no options");
        }
    }
}
