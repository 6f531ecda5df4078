package org.diffusion4j.runtime.engine;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;
import org.diffusion4j.api.Dataset;
import org.diffusion4j.api.PointSet;
import org.diffusion4j.api.Split;
import org.diffusion4j.api.config.Config;
import org.diffusion4j.api.config.ConfigSpec;
import org.junit.jupiter.api.Test;

/** The blow-up rule: samples beyond 10 × the data's scale, and the option the warning names. */
class SampleRangeTest {

    private static final ConfigSpec CLIPPING = ConfigSpec.builder()
            .integer("steps", 50, 1, null, "steps")
            .choice("spacing", "leading", List.of("leading", "trailing"), "spacing")
            .choice("clip", "none", List.of("none", "static"), "clip")
            .number("clip-range", 0.0, 0.0, null, "range")
            .build();
    private static final ConfigSpec STEPS_ONLY = ConfigSpec.builder().integer("steps", 50, 1, null, "steps").build();

    private static Dataset data(OptionalDouble range, float... train) {
        return new Dataset() {
            public int dimension() {
                return 2;
            }

            public OptionalDouble range() {
                return range;
            }

            public PointSet load(Split split) {
                return new PointSet(2, train);
            }
        };
    }

    private static PointSet samples(float... v) {
        return new PointSet(2, v);
    }

    @Test
    void theScaleIsTheDeclaredRangeElseTheTrainingDatasLargestValue() {
        assertThat(SampleRange.of(data(OptionalDouble.of(1.0), 50f, 0f))).isEqualTo(new SampleRange.Scale(1.0, true));
        assertThat(SampleRange.of(data(OptionalDouble.empty(), 0.5f, -2.5f))).isEqualTo(new SampleRange.Scale(2.5, false));
    }

    @Test
    void samplesWithinTenTimesTheScaleAreQuiet() {
        Config c = CLIPPING.resolve("ddim", Map.of());
        SampleRange.Scale scale = new SampleRange.Scale(2.5, false);
        assertThat(SampleRange.warning(samples(24.9f, -25f), scale, "ddim", CLIPPING, c)).isNull();
        assertThat(SampleRange.warning(samples(25.1f, 0f), scale, "ddim", CLIPPING, c)).isNotNull();
        assertThat(SampleRange.warning(samples(Float.NaN, 0f), scale, "ddim", CLIPPING, c)).isNotNull();
    }

    @Test
    void theWarningNamesTheSamplersClippingOption() {
        String measured = SampleRange.warning(samples(432f, 0f), new SampleRange.Scale(2.5, false), "ddim", CLIPPING,
                CLIPPING.resolve("ddim", Map.of()));
        assertThat(measured).startsWith("warning: sampler 'ddim' blew up: its samples reach |x| = 432")
                .contains("10 × the training data's largest |x| 2.5")
                .contains("--set samplers.ddim.clip=static --set samplers.ddim.clip-range=2.5")
                .contains("samplers.ddim.spacing=leading");
        String declared = SampleRange.warning(samples(432f, 0f), new SampleRange.Scale(1, true), "ddim", CLIPPING,
                CLIPPING.resolve("ddim", Map.of()));
        assertThat(declared).contains("the data's declared range 1").contains("--set samplers.ddim.clip=static")
                .doesNotContain("clip-range=");
        String clipping = SampleRange.warning(samples(432f, 0f), new SampleRange.Scale(1, true), "ddim", CLIPPING,
                CLIPPING.resolve("ddim", Map.of("clip", "static")));
        assertThat(clipping).contains("clipped already").contains("more samplers.ddim.steps");
        String euler = SampleRange.warning(samples(432f, 0f), new SampleRange.Scale(1, true), "ode", STEPS_ONLY,
                STEPS_ONLY.resolve("euler", Map.of()));
        assertThat(euler).contains("no x0 clipping; more samplers.ode.steps");
    }
}
