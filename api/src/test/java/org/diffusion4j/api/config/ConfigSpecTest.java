package org.diffusion4j.api.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ConfigSpecTest {

    private final ConfigSpec spec = ConfigSpec.builder()
            .integer("steps", 100, 1, 1000, "number of steps")
            .number("scale", 1.0, 0.0, null, "multiplier")
            .bool("clip", false, "clip x0")
            .choice("spacing", "leading", List.of("leading", "trailing", "linspace"), "timestep spacing")
            .path("file", null, "a required file")
            .build();

    @Test
    void aSectionHoldsAnotherComponentsNameAndOptionsAndIsEmptyWhenNotGiven() {
        ConfigSpec outer = ConfigSpec.builder().section("score", "the score network").integer("k", 1, 1, 9, "k").build();
        Config given = outer.resolve("network 'dinof'", Map.of("score", Map.of("name", "unet", "blocks", 1)));
        assertThat(given.getSection("score")).containsEntry("name", "unet").containsEntry("blocks", 1);
        assertThat(given.given("score")).isTrue();
        assertThat(outer.resolve("network 'dinof'", Map.of()).getSection("score")).isEmpty();
        assertThatThrownBy(() -> outer.resolve("network 'dinof'", Map.of("score", "unet")))
                .isInstanceOf(ConfigException.class)
                .hasMessage("network 'dinof': option 'score' = 'unet' is not valid; it takes a component"
                        + " {name: NAME, option: value, ...}");
        assertThatThrownBy(() -> outer.resolve("network 'dinof'", Map.of("score", Map.of("blocks", 1))))
                .isInstanceOf(ConfigException.class).hasMessageContaining("names no component");
        assertThatThrownBy(() -> outer.resolve("network 'dinof'", Map.of("k", Map.of("name", "unet"))))
                .isInstanceOf(ConfigException.class).hasMessageContaining("option 'k'");
    }

    @Test
    void fillsDefaultsAndParsesStrings() {
        Config c = spec.resolve("sampler ddim", Map.of("steps", "50", "file", "a.csv", "clip", "true"));
        assertThat(c.getInt("steps")).isEqualTo(50);
        assertThat(c.getDouble("scale")).isEqualTo(1.0);
        assertThat(c.getBoolean("clip")).isTrue();
        assertThat(c.getString("spacing")).isEqualTo("leading");
        assertThat(c.values().keySet()).containsExactly("steps", "scale", "clip", "spacing", "file");
    }

    @Test
    void rememberWhichOptionsWereGivenAndRefuseAGivenOneWithoutEffect() {
        Config c = spec.resolve("sampler ddim", Map.of("steps", 100, "file", "a.csv"));
        assertThat(c.given("steps")).as("given, though equal to its default").isTrue();
        assertThat(c.given("scale")).isFalse();
        assertThatThrownBy(() -> c.given("nope")).hasMessageContaining("no option 'nope'");
        c.refuseWithoutEffect("scale", true, "clip: false", "remove it");
        assertThatThrownBy(() -> c.refuseWithoutEffect("steps", true, "clip: false (it counts clipping steps)",
                "remove it or set clip: true"))
                .isInstanceOf(ConfigException.class)
                .hasMessage("sampler ddim: option 'steps' has no effect with clip: false (it counts clipping steps);"
                        + " remove it or set clip: true");
        // values read back from a resolved spec: only what is named as given counts
        Config resolved = spec.resolve("s", Map.of("steps", 100, "scale", 1.0, "file", "a"), java.util.Set.of("file"));
        assertThat(resolved.given("steps")).isFalse();
        assertThat(resolved.given("file")).isTrue();
    }

    @Test
    void unknownOptionNamesComponentOptionAndKnownOptions() {
        assertThatThrownBy(() -> spec.resolve("sampler ddim", Map.of("stepz", 3, "file", "a")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("sampler ddim")
                .hasMessageContaining("'stepz'")
                .hasMessageContaining("steps, scale, clip, spacing, file");
    }

    @Test
    void outOfRangeWrongTypeAndBadChoiceNameTheAllowedValues() {
        assertThatThrownBy(() -> spec.resolve("s", Map.of("steps", 0, "file", "a")))
                .hasMessageContaining("'steps'").hasMessageContaining("an integer in [1, 1000]");
        assertThatThrownBy(() -> spec.resolve("s", Map.of("steps", 2.5, "file", "a")))
                .hasMessageContaining("an integer");
        assertThatThrownBy(() -> spec.resolve("s", Map.of("scale", "big", "file", "a")))
                .hasMessageContaining("a number in [0, inf]");
        assertThatThrownBy(() -> spec.resolve("s", Map.of("clip", "yes", "file", "a")))
                .hasMessageContaining("true or false");
        assertThatThrownBy(() -> spec.resolve("s", Map.of("spacing", "karras", "file", "a")))
                .hasMessageContaining("one of leading, trailing, linspace");
        assertThatThrownBy(() -> spec.resolve("s", Map.of("scale", Double.NaN, "file", "a")))
                .hasMessageContaining("'scale'");
    }

    @Test
    void missingRequiredOptionIsAnError() {
        assertThatThrownBy(() -> spec.resolve("dataset points", Map.of()))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("dataset points").hasMessageContaining("'file' is required");
    }

    @Test
    void aDefaultOutsideTheChoicesIsRejectedAtDeclaration() {
        assertThatThrownBy(() -> ConfigSpec.builder().choice("x", "c", List.of("a", "b"), "d"))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void integersAreConvertedExactlyNeverWrappedOrTruncated() {
        // 2^64 + 5 wraps to 5 through longValue(); 1.5 truncates to 1
        for (Object v : List.of(new java.math.BigInteger("18446744073709551621"), 1.5, 4294967301L, "18446744073709551621",
                1e300, "1.5")) {
            assertThatThrownBy(() -> spec.resolve("training", Map.of("steps", v, "file", "a")))
                    .as("%s", v).isInstanceOf(ConfigException.class)
                    .hasMessageContaining("'steps' = '" + v + "'").hasMessageContaining("an integer in [1, 1000]");
        }
        assertThat(spec.resolve("t", Map.of("steps", 7.0, "file", "a")).getInt("steps")).isEqualTo(7);
        assertThat(spec.resolve("t", Map.of("steps", new java.math.BigInteger("8"), "file", "a")).getInt("steps"))
                .isEqualTo(8);
    }
}
