package org.diffusion4j.plugin.scoresde;

import java.util.List;
import java.util.Locale;
import org.diffusion4j.api.AbstractProvider;
import org.diffusion4j.api.ComponentContext;
import org.diffusion4j.api.Kind;
import org.diffusion4j.api.Sampler;
import org.diffusion4j.api.config.Config;
import org.diffusion4j.api.config.ConfigSpec;

/** Provider of {@code score-sde.ode}, the {@link ProbabilityFlowOdeSampler}. */
public final class ProbabilityFlowOdeSamplerProvider extends AbstractProvider<Sampler> {

    public static final String NAME = ProbabilityFlowOdeSampler.NAME;

    private static final ConfigSpec SPEC = ConfigSpec.builder()
            .choice("solver", "rk45", List.of("rk45", "euler", "heun"),
                    "rk45: adaptive Dormand-Prince (per-sample step size; the progress count is the NFE); "
                            + "euler, heun: fixed equal steps")
            .integer("steps", 100, 1, 100_000, "number of equal steps of euler and heun (ignored by rk45)")
            .number("rtol", 1e-5, 1e-12, 1.0, "relative tolerance of rk45 (paper: 1e-5)")
            .number("atol", 1e-5, 1e-12, 1.0, "absolute tolerance of rk45 (paper: 1e-5)")
            .integer("max-steps", 100_000, 1, 10_000_000, "rk45 gives up after this many attempted steps of one sample")
            .build();

    public ProbabilityFlowOdeSamplerProvider() {
        super(Kind.SAMPLER, NAME, "probability-flow ODE dx = [f x - g^2 s/2] dt by adaptive RK45 or fixed-step "
                + "Euler/Heun (Song et al. 2021, Eq. 13)", SPEC);
    }

    @Override
    public Sampler create(Config config, ComponentContext context) {
        String solver = config.getString("solver");
        boolean adaptive = solver.equals("rk45");
        config.refuseWithoutEffect("steps", adaptive, "solver: rk45 (it chooses its own steps from rtol and atol)",
                "remove it, or use solver: euler or heun for fixed steps");
        for (String option : List.of("rtol", "atol", "max-steps")) {
            config.refuseWithoutEffect(option, !adaptive, "solver: " + solver + " (it takes fixed steps; " + option
                    + " is for rk45)", "remove it or use solver: rk45");
        }
        return new ProbabilityFlowOdeSampler(
                ProbabilityFlowOdeSampler.Solver.valueOf(solver.toUpperCase(Locale.ROOT)),
                config.getInt("steps"), config.getDouble("rtol"), config.getDouble("atol"), config.getInt("max-steps"));
    }
}
