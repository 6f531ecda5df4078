package org.diffusion4j.plugin.ddpm;

import java.util.List;
import java.util.Locale;
import org.diffusion4j.api.AbstractProvider;
import org.diffusion4j.api.ComponentContext;
import org.diffusion4j.api.Kind;
import org.diffusion4j.api.Loss;
import org.diffusion4j.api.config.Config;
import org.diffusion4j.api.config.ConfigException;
import org.diffusion4j.api.config.ConfigSpec;

/** Provider of {@code ddpm.hybrid}, the {@link HybridLoss} (L_hybrid or L_vlb with a learned variance). */
public final class HybridLossProvider extends AbstractProvider<Loss> {

    public static final String NAME = HybridLoss.NAME;

    private static final ConfigSpec SPEC = ConfigSpec.builder()
            .choice("objective", "hybrid", List.of("hybrid", "vlb"),
                    "hybrid: L_simple + lambda L_vlb, the VLB term training only the variance; vlb: L_vlb alone")
            .number("lambda", 0.001, 0.0, 1e6, "weight of L_vlb in L_hybrid (hybrid only)")
            .choice("decoder", "continuous", List.of("continuous", "discretized"),
                    "L_0: continuous Gaussian decoder, or Ho et al.'s discretised decoder for data in [-1, 1] (Eq. 13)")
            .choice("time-sampling", "uniform", List.of("uniform", "importance"),
                    "steps t of L_vlb: uniform, or importance-sampled with p_t ~ sqrt(E[L_t^2]) over the last 10 values"
                            + " (Nichol and Dhariwal 2021, §3.3; vlb only; its history is not checkpointed)")
            .build();

    public HybridLossProvider() {
        super(Kind.LOSS, NAME, "improved-DDPM L_hybrid = L_simple + 0.001 L_vlb (or L_vlb) with the learned variance "
                + "exp(v log beta + (1-v) log beta-tilde) (Nichol and Dhariwal 2021, Eq. 15-16)", SPEC);
    }

    @Override
    public Loss create(Config config, ComponentContext context) {
        HybridLoss.Objective objective = HybridLoss.Objective.valueOf(config.getString("objective").toUpperCase(Locale.ROOT));
        double lambda = config.getDouble("lambda");
        config.refuseWithoutEffect("lambda", objective == HybridLoss.Objective.VLB,
                "objective: vlb (it weights L_vlb in the hybrid objective)", "remove it or use objective: hybrid");
        boolean importance = config.getString("time-sampling").equals("importance");
        if (importance && objective != HybridLoss.Objective.VLB) {
            throw new ConfigException(NAME + ": option 'time-sampling' = importance applies to objective = vlb "
                    + "(Nichol and Dhariwal 2021, §3.3); with objective = hybrid use uniform");
        }
        return new HybridLoss(objective, lambda, context.dataDimension(),
                VariationalBound.Decoder.valueOf(config.getString("decoder").toUpperCase(Locale.ROOT)), importance);
    }
}
