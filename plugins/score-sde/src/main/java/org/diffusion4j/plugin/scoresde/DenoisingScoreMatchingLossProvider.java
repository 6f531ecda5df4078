package org.diffusion4j.plugin.scoresde;

import java.util.List;
import java.util.Locale;
import org.diffusion4j.api.AbstractProvider;
import org.diffusion4j.api.ComponentContext;
import org.diffusion4j.api.Kind;
import org.diffusion4j.api.Loss;
import org.diffusion4j.api.config.Config;
import org.diffusion4j.api.config.ConfigSpec;

/** Provider of {@code score-sde.dsm}, the {@link DenoisingScoreMatchingLoss}. */
public final class DenoisingScoreMatchingLossProvider extends AbstractProvider<Loss> {

    public static final String NAME = "score-sde.dsm";

    private static final ConfigSpec SPEC = ConfigSpec.builder()
            .choice("weighting", "sigma2", List.of("sigma2", "likelihood", "none"),
                    "lambda(t): sigma2 = sigma(t)^2 (the paper's default), likelihood = g(t)^2 (bounds the NLL), none = 1")
            .choice("reduction", "sum", List.of("sum", "mean"),
                    "sum: batch mean of the weighted squared error summed over coordinates; mean: mean over both")
            .build();

    public DenoisingScoreMatchingLossProvider() {
        super(Kind.LOSS, NAME, "denoising score matching over continuous t, lambda(t)|s(x_t, t) + eps/sigma|^2 with the "
                + "model's score view (Song et al. 2021, Eq. 7)", SPEC);
    }

    @Override
    public Loss create(Config config, ComponentContext context) {
        return new DenoisingScoreMatchingLoss(
                DenoisingScoreMatchingLoss.Weighting.valueOf(config.getString("weighting").toUpperCase(Locale.ROOT)),
                DenoisingScoreMatchingLoss.Reduction.valueOf(config.getString("reduction").toUpperCase(Locale.ROOT)));
    }
}
