package org.diffusion4j.plugin.toydata;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import org.diffusion4j.api.ComponentProvider;
import org.diffusion4j.api.Dataset;
import org.diffusion4j.api.Kind;
import org.diffusion4j.api.Split;
import org.diffusion4j.api.config.Config;
import org.diffusion4j.api.config.ConfigException;
import org.junit.jupiter.api.Test;
import org.diffusion4j.api.UserError;

/** The providers as the runtime sees them: found by ServiceLoader, described, configured. */
class ProvidersTest {

    private static List<ComponentProvider<?>> providers() {
        return ServiceLoader.load(ComponentProvider.class).stream()
                .<ComponentProvider<?>>map(ServiceLoader.Provider::get)
                .filter(p -> p.getClass().getPackageName().equals("org.diffusion4j.plugin.toydata"))
                .toList();
    }

    @Test
    void allSixDatasetsAreFoundWithOneLineDescriptions() {
        List<ComponentProvider<?>> ps = providers();
        assertThat(ps).extracting(ComponentProvider::name).containsExactlyInAnyOrder(
                "two-gaussians", "eight-gaussians", "two-moons", "swiss-roll", "checkerboard", "points");
        for (ComponentProvider<?> p : ps) {
            assertThat(p.kind()).isEqualTo(Kind.DATASET);
            assertThat(p.description()).isNotBlank().doesNotContain("\n");
        }
        assertThat(ps).filteredOn(p -> !p.name().equals("two-gaussians") && !p.name().equals("points"))
                .allSatisfy(p -> assertThat(p.description()).containsAnyOf("FFJORD", "sklearn"));
    }

    @Test
    void syntheticDatasetsDefaultToTenThousandPointsAndSeed42() {
        for (ComponentProvider<?> p : providers()) {
            if (p.name().equals("points")) {
                continue;
            }
            Config c = p.config().resolve(p.name(), Map.of());
            assertThat(c.getInt("count")).isEqualTo(10_000);
            assertThat(c.getInt("seed")).isEqualTo(42);
            Dataset d = (Dataset) p.create(c, null);
            assertThat(d.dimension()).isEqualTo(2);
            assertThat(d.load(Split.TEST).count()).isEqualTo(10_000);
        }
    }

    @Test
    void optionsReachTheDataset() {
        TwoGaussiansProvider p = new TwoGaussiansProvider();
        Dataset d = p.create(p.config().resolve(p.name(), Map.of("count", 5, "seed", "7", "std", 0.0)), null);
        assertThat(d.load(Split.TRAIN).values()).hasSize(10).containsOnly(4f, -4f);
        assertThat(d.load(Split.TRAIN).values()).isEqualTo(new TwoGaussians(5, 7, 0.0).load(Split.TRAIN).values());
    }

    @Test
    void badOptionsNameTheComponentTheOptionAndWhatIsAllowed() {
        TwoMoonsProvider p = new TwoMoonsProvider();
        assertThatThrownBy(() -> p.config().resolve(p.name(), Map.of("count", 0)))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("two-moons").hasMessageContaining("'count'").hasMessageContaining("[1, ");
        assertThatThrownBy(() -> p.config().resolve(p.name(), Map.of("noise", -0.1)))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("'noise'");
        assertThatThrownBy(() -> p.config().resolve(p.name(), Map.of("std", 1)))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("unknown option 'std'").hasMessageContaining("noise");
        assertThatThrownBy(() -> new TwoGaussians(0, 1, 0.5))
                .isInstanceOf(UserError.class).hasMessageContaining("count");
    }
}
