package org.diffusion4j.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;
import org.diffusion4j.api.config.ConfigException;
import org.diffusion4j.api.config.ConfigSpec;
import org.junit.jupiter.api.Test;

/** The clipping a sampler's options ask for, its range following the data's. */
class X0ClippingTest {

    private static final ConfigSpec SPEC = ConfigSpec.builder()
            .choice("clip", "none", List.of("none", "static", "dynamic"), "clipping")
            .number("clip-range", 0.0, 0.0, 1e9, "range; 0: the data's")
            .number("percentile", 0.995, 1e-6, 1.0, "percentile")
            .build();

    private static X0Clipping clipping(Map<String, Object> options, OptionalDouble dataRange) {
        return X0Clipping.fromOptions(SPEC.resolve("sampler 'ddim'", options), dataRange);
    }

    @Test
    void theDefaultRangeIsTheDataRange() {
        assertThat(clipping(Map.of("clip", "static"), OptionalDouble.of(1.0)))
                .isEqualTo(new X0Clipping(X0Clipping.Mode.STATIC, 1.0, 0.995));
        assertThat(clipping(Map.of("clip", "dynamic"), OptionalDouble.of(4.0)).range()).isEqualTo(4.0);
        assertThat(clipping(Map.of("clip", "static", "clip-range", 3.0), OptionalDouble.of(1.0)).range()).isEqualTo(3.0);
        assertThat(clipping(Map.of(), OptionalDouble.empty()).active()).isFalse();
    }

    @Test
    void clippingDataWithoutARangeNeedsOne() {
        assertThatThrownBy(() -> clipping(Map.of("clip", "static"), OptionalDouble.empty()))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("sampler 'ddim': clip: static needs the data's range")
                .hasMessageContaining("set clip-range");
        assertThat(clipping(Map.of("clip", "static", "clip-range", 4.0), OptionalDouble.empty()).range()).isEqualTo(4.0);
    }

    @Test
    void optionsThatClipNothingAreRefused() {
        assertThatThrownBy(() -> clipping(Map.of("clip-range", 4.0), OptionalDouble.empty()))
                .hasMessageContaining("option 'clip-range' has no effect with clip: none");
        assertThatThrownBy(() -> clipping(Map.of("clip", "static", "clip-range", 1.0, "percentile", 0.9),
                OptionalDouble.empty())).hasMessageContaining("option 'percentile' has no effect with clip: static");
    }
}
