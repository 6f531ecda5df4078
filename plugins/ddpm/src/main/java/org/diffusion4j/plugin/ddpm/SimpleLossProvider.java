package org.diffusion4j.plugin.ddpm;

import java.util.List;
import java.util.Locale;
import org.diffusion4j.api.AbstractProvider;
import org.diffusion4j.api.ComponentContext;
import org.diffusion4j.api.Kind;
import org.diffusion4j.api.Loss;
import org.diffusion4j.api.config.Config;
import org.diffusion4j.api.config.ConfigSpec;

/** Provider of {@code ddpm.simple}, the {@link SimpleLoss}. */
public final class SimpleLossProvider extends AbstractProvider<Loss> {

    public static final String NAME = SimpleLoss.NAME;

    private static final ConfigSpec SPEC = ConfigSpec.builder()
            .choice("reduction", "mean", List.of("mean", "sum"),
                    "mean: over batch and coordinates (the PyTorch peer's mse_loss); sum: summed over coordinates, "
                            + "mean over the batch")
            .build();

    public SimpleLossProvider() {
        super(Kind.LOSS, NAME, "DDPM L_simple, |target - net(x_t, t)|^2 with t uniform over the discrete steps "
                + "(Ho et al. 2020, Eq. 14, Algorithm 1)", SPEC);
    }

    @Override
    public Loss create(Config config, ComponentContext context) {
        return new SimpleLoss(SimpleLoss.Reduction.valueOf(config.getString("reduction").toUpperCase(Locale.ROOT)));
    }
}
