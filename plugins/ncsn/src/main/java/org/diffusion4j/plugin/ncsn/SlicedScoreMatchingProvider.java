package org.diffusion4j.plugin.ncsn;

import java.util.List;
import java.util.Locale;
import org.diffusion4j.api.AbstractProvider;
import org.diffusion4j.api.ComponentContext;
import org.diffusion4j.api.Kind;
import org.diffusion4j.api.Loss;
import org.diffusion4j.api.config.Config;
import org.diffusion4j.api.config.ConfigSpec;

/** Provider of {@code ncsn.ssm}: {@link NcsnLoss} with the sliced score matching objective. */
public final class SlicedScoreMatchingProvider extends AbstractProvider<Loss> {

    public static final String NAME = "ncsn.ssm";

    private static final ConfigSpec SPEC = ConfigSpec.builder()
            .choice("projection", "rademacher", List.of("gaussian", "rademacher"),
                    "distribution of the random projection v (both have E[v v^T] = I)")
            .build();

    public SlicedScoreMatchingProvider() {
        super(Kind.LOSS, NAME, "sliced score matching on the perturbed data, v^T grad(v^T s) + (v^T s)^2/2, "
                + "lambda(sigma) = sigma^2 (Song et al. 2019, Eq. 7-8)", SPEC);
    }

    @Override
    public Loss create(Config config, ComponentContext context) {
        return new NcsnLoss(NcsnLoss.Objective.SSM,
                NcsnLoss.Projection.valueOf(config.getString("projection").toUpperCase(Locale.ROOT)));
    }
}
