package org.diffusion4j.plugin.ncsn;

import java.util.List;
import java.util.Locale;
import org.diffusion4j.api.AbstractProvider;
import org.diffusion4j.api.ComponentContext;
import org.diffusion4j.api.Kind;
import org.diffusion4j.api.Loss;
import org.diffusion4j.api.config.Config;
import org.diffusion4j.api.config.ConfigSpec;

/** Provider of {@code ncsn.ism}: {@link NcsnLoss} with the implicit score matching objective. */
public final class ImplicitScoreMatchingProvider extends AbstractProvider<Loss> {

    public static final String NAME = "ncsn.ism";

    private static final ConfigSpec SPEC = ConfigSpec.builder()
            .choice("divergence", "exact", List.of("exact", "hutchinson"),
                    "exact: trace of the Jacobian by one backward pass per dimension (low dimension); "
                            + "hutchinson: unbiased one-probe estimate v^T grad(s.v)")
            .choice("projection", "rademacher", List.of("gaussian", "rademacher"),
                    "distribution of the Hutchinson probe v (both have E[v v^T] = I); unused by exact")
            .build();

    public ImplicitScoreMatchingProvider() {
        super(Kind.LOSS, NAME, "implicit score matching on the perturbed data, tr(grad s) + |s|^2/2, "
                + "lambda(sigma) = sigma^2 (Hyvarinen 2005, Thm. 1)", SPEC);
    }

    @Override
    public Loss create(Config config, ComponentContext context) {
        config.refuseWithoutEffect("projection", config.getString("divergence").equals("exact"),
                "divergence: exact (it is the distribution of the Hutchinson probe)",
                "remove it or use divergence: hutchinson");
        return new NcsnLoss(NcsnLoss.Objective.ISM,
                NcsnLoss.Projection.valueOf(config.getString("projection").toUpperCase(Locale.ROOT)),
                NcsnLoss.Divergence.valueOf(config.getString("divergence").toUpperCase(Locale.ROOT)));
    }
}
