package org.diffusion4j.plugin.scoresde;

import java.util.List;
import java.util.Locale;
import org.diffusion4j.api.AbstractProvider;
import org.diffusion4j.api.ComponentContext;
import org.diffusion4j.api.Kind;
import org.diffusion4j.api.Sampler;
import org.diffusion4j.api.config.Config;
import org.diffusion4j.api.config.ConfigSpec;

/** Provider of {@code score-sde.pc}, the {@link PredictorCorrectorSampler}. */
public final class PredictorCorrectorSamplerProvider extends AbstractProvider<Sampler> {

    public static final String NAME = PredictorCorrectorSampler.NAME;

    private static final ConfigSpec SPEC = ConfigSpec.builder()
            .integer("steps", 1000, 1, 100_000, "number of equal time steps N from tMax to tMin (the paper's 1000)")
            .choice("predictor", "euler-maruyama", List.of("euler-maruyama", "reverse-diffusion", "ancestral", "none"),
                    "numerical SDE solver of each step; none = corrector only")
            .choice("corrector", "langevin", List.of("langevin", "annealed-langevin", "none"),
                    "score-based MCMC after each predictor step; none = predictor only")
            .integer("corrector-steps", 1, 0, 1000, "corrector steps M per time step")
            .number("snr", 0.16, 1e-6, 10.0, "Langevin signal-to-noise ratio r of the step size (paper: 0.16)")
            .choice("langevin-norms", "batch", List.of("batch", "sample"),
                    "norms of the Langevin step size 2a(snr |z|/|s|)^2: batch = means over the batch (the paper's code; "
                            + "sample k depends on its batch), sample = each sample's own (batch-independent)")
            .bool("denoise", true, "the last predictor step adds no noise (the paper's noise_removal)")
            .build();

    public PredictorCorrectorSamplerProvider() {
        super(Kind.SAMPLER, NAME, "predictor-corrector sampler of the reverse SDE: Euler-Maruyama / reverse-diffusion / "
                + "ancestral predictor + Langevin corrector (Song et al. 2021, Algorithms 2-5)", SPEC);
    }

    @Override
    public Sampler create(Config config, ComponentContext context) {
        boolean noCorrector = config.getString("corrector").equals("none") || config.getInt("corrector-steps") == 0;
        String why = config.getString("corrector").equals("none") ? "corrector: none" : "corrector-steps: 0";
        for (String option : List.of("snr", "langevin-norms")) {
            config.refuseWithoutEffect(option, noCorrector, why + " (it sets the Langevin corrector's step size)",
                    "remove it or use a corrector");
        }
        config.refuseWithoutEffect("corrector-steps", config.getString("corrector").equals("none"),
                "corrector: none (it counts corrector steps)", "remove it or use a corrector");
        config.refuseWithoutEffect("denoise", config.getString("predictor").equals("none"),
                "predictor: none (it removes the last predictor step's noise)", "remove it or use a predictor");
        return new PredictorCorrectorSampler(config.getInt("steps"),
                PredictorCorrectorSampler.Predictor.parse(config.getString("predictor")),
                PredictorCorrectorSampler.Corrector.parse(config.getString("corrector")),
                config.getInt("corrector-steps"), config.getDouble("snr"), config.getBoolean("denoise"),
                PredictorCorrectorSampler.StepNorms.valueOf(config.getString("langevin-norms").toUpperCase(Locale.ROOT)));
    }
}
