package org.diffusion4j.plugin.flowmatching;

import java.util.List;
import java.util.Locale;
import org.diffusion4j.api.AbstractProvider;
import org.diffusion4j.api.ComponentContext;
import org.diffusion4j.api.Kind;
import org.diffusion4j.api.Loss;
import org.diffusion4j.api.config.Config;
import org.diffusion4j.api.config.ConfigSpec;

/** Provider of {@code flow-matching.cfm}, the {@link ConditionalFlowMatchingLoss}. */
public final class ConditionalFlowMatchingLossProvider extends AbstractProvider<Loss> {

    public static final String NAME = "flow-matching.cfm";

    private static final ConfigSpec SPEC = ConfigSpec.builder()
            .choice("reduction", "sum", List.of("sum", "mean"),
                    "sum: batch mean of the squared error summed over coordinates (the blog's code); "
                            + "mean: mean over batch and coordinates")
            .build();

    public ConditionalFlowMatchingLossProvider() {
        super(Kind.LOSS, NAME, "conditional flow matching, |net(x_t, t) - target|^2 with the parameterization's "
                + "target (Unified Perspective blog, Eq. 6)", SPEC);
    }

    @Override
    public Loss create(Config config, ComponentContext context) {
        return new ConditionalFlowMatchingLoss(ConditionalFlowMatchingLoss.Reduction.valueOf(
                config.getString("reduction").toUpperCase(Locale.ROOT)));
    }
}
