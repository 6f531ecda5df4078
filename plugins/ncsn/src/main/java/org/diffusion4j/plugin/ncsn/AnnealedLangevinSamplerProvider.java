package org.diffusion4j.plugin.ncsn;

import org.diffusion4j.api.AbstractProvider;
import org.diffusion4j.api.ComponentContext;
import org.diffusion4j.api.Kind;
import org.diffusion4j.api.Sampler;
import org.diffusion4j.api.config.Config;
import org.diffusion4j.api.config.ConfigSpec;

/** Provider of {@code ncsn.annealed-langevin}, the {@link AnnealedLangevinSampler}. */
public final class AnnealedLangevinSamplerProvider extends AbstractProvider<Sampler> {

    public static final String NAME = AnnealedLangevinSampler.NAME;

    private static final ConfigSpec SPEC = ConfigSpec.builder()
            .integer("steps-per-level", 100, 1, 100_000, "Langevin steps T per noise level (the paper's 100)")
            .number("epsilon", 2e-5, 1e-12, 10.0, "step size at the smallest level; level i uses epsilon sigma_i^2/sigma_L^2 "
                    + "(the paper's 2e-5)")
            .bool("denoise", true, "finish with Tweedie's denoising step x + sigma_L^2 s(x, sigma_L)")
            .build();

    public AnnealedLangevinSamplerProvider() {
        super(Kind.SAMPLER, NAME, "annealed Langevin dynamics over the noise levels (Song and Ermon 2019, Algorithm 1)",
                SPEC);
    }

    @Override
    public Sampler create(Config config, ComponentContext context) {
        return new AnnealedLangevinSampler(config.getInt("steps-per-level"), config.getDouble("epsilon"),
                config.getBoolean("denoise"));
    }
}
