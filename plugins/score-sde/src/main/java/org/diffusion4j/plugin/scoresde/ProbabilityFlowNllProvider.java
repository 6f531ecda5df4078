package org.diffusion4j.plugin.scoresde;

import java.util.List;
import org.diffusion4j.api.AbstractProvider;
import org.diffusion4j.api.ComponentContext;
import org.diffusion4j.api.Kind;
import org.diffusion4j.api.Likelihood;
import org.diffusion4j.api.config.Config;
import org.diffusion4j.api.config.ConfigSpec;

/** Provider of {@code score-sde.likelihood}, the {@link ProbabilityFlowNll}. */
public final class ProbabilityFlowNllProvider extends AbstractProvider<Likelihood> {

    public static final String NAME = "score-sde.likelihood";

    private static final ConfigSpec SPEC = ConfigSpec.builder()
            .choice("divergence", "exact", List.of("exact", "hutchinson"),
                    "exact: trace of the Jacobian, one backward pass per dimension (low dimension); "
                            + "hutchinson: unbiased z^T (dv/dx) z estimate, one backward pass per probe")
            .choice("probe", "rademacher", List.of("rademacher", "gaussian"),
                    "distribution of the Hutchinson probe z (the paper's code: rademacher)")
            .integer("probes", 1, 1, 1000, "Hutchinson probes per point, averaged (unused by exact)")
            .number("rtol", 1e-5, 1e-12, 1.0, "relative tolerance of the RK45 solve (paper: 1e-5)")
            .number("atol", 1e-5, 1e-12, 1.0, "absolute tolerance of the RK45 solve (paper: 1e-5)")
            .integer("max-steps", 100_000, 1, 10_000_000, "the solve gives up after this many attempted steps of one point")
            .build();

    public ProbabilityFlowNllProvider() {
        super(Kind.LIKELIHOOD, NAME, "-log p(x) by the probability-flow ODE and the instantaneous change of variables "
                + "(Song et al. 2021, Eq. 39), exact or Hutchinson divergence", SPEC);
    }

    @Override
    public Likelihood create(Config config, ComponentContext context) {
        for (String option : List.of("probe", "probes")) {
            config.refuseWithoutEffect(option, config.getString("divergence").equals("exact"),
                    "divergence: exact (it is for the Hutchinson estimate)", "remove it or use divergence: hutchinson");
        }
        ProbabilityFlowLikelihood.Divergence divergence = config.getString("divergence").equals("exact")
                ? ProbabilityFlowLikelihood.Divergence.EXACT
                : config.getString("probe").equals("gaussian") ? ProbabilityFlowLikelihood.Divergence.HUTCHINSON_GAUSSIAN
                : ProbabilityFlowLikelihood.Divergence.HUTCHINSON_RADEMACHER;
        return new ProbabilityFlowNll(new ProbabilityFlowLikelihood(config.getDouble("rtol"), config.getDouble("atol"),
                config.getInt("max-steps"), divergence, config.getInt("probes")));
    }
}
