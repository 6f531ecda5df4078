package org.diffusion4j.plugin.ncsn;

import org.diffusion4j.api.AbstractProvider;
import org.diffusion4j.api.ComponentContext;
import org.diffusion4j.api.Kind;
import org.diffusion4j.api.Loss;
import org.diffusion4j.api.config.Config;
import org.diffusion4j.api.config.ConfigSpec;

/** Provider of {@code ncsn.dsm}: {@link NcsnLoss} with the DSM objective. */
public final class DenoisingScoreMatchingProvider extends AbstractProvider<Loss> {

    public static final String NAME = "ncsn.dsm";

    public DenoisingScoreMatchingProvider() {
        super(Kind.LOSS, NAME, "denoising score matching over the noise levels with lambda(sigma) = sigma^2 "
                + "(Song and Ermon 2019, Eq. 5-6)", ConfigSpec.empty());
    }

    @Override
    public Loss create(Config config, ComponentContext context) {
        return new NcsnLoss(NcsnLoss.Objective.DSM, NcsnLoss.Projection.GAUSSIAN);
    }
}
