package org.diffusion4j.plugin.ddpm;

import org.diffusion4j.api.X0Clipping;
import org.diffusion4j.api.Spacing;
import java.util.List;
import org.diffusion4j.api.AbstractProvider;
import org.diffusion4j.api.ComponentContext;
import org.diffusion4j.api.Kind;
import org.diffusion4j.api.Sampler;
import org.diffusion4j.api.config.Config;
import org.diffusion4j.api.config.ConfigSpec;

/** Provider of {@code ddpm.ancestral}, the {@link AncestralSampler}. */
public final class AncestralSamplerProvider extends AbstractProvider<Sampler> {

    public static final String NAME = AncestralSampler.NAME;

    private static final ConfigSpec SPEC = ConfigSpec.builder()
            .integer("steps", 1000, 1, 100_000, "number of steps S <= T; S < T strides over the training steps")
            .choice("variance", "beta", List.of("beta", "beta-tilde", "learned"),
                    "sigma_t^2 of Algorithm 2: beta_t, the posterior's beta-tilde_t, or learned "
                            + "exp(v log beta + (1-v) log beta-tilde) (a model trained with ddpm.hybrid)")
            .choice("spacing", "leading", List.of("leading", "trailing", "linspace"),
                    "which S of the T steps: leading 0, c, .., (S-1)c; trailing T-1, T-1-c, ..; linspace both ends")
            .choice("clip", "none", List.of("none", "static", "dynamic"),
                    "x0 estimate: none; static clip to [-clip-range, clip-range]; dynamic thresholding (Imagen)")
            .number("clip-range", 0.0, 0.0, 1e9, "data range R for static clipping and dynamic thresholding; "
                    + "0: the dataset's declared range (1 for images in [-1, 1]; data that declares none needs R)")
            .number("percentile", 0.995, 1e-6, 1.0, "percentile p of |x0| per sample for dynamic thresholding")
            .build();

    public AncestralSamplerProvider() {
        super(Kind.SAMPLER, NAME, "DDPM ancestral sampling, sigma^2 = beta or beta-tilde, strided over S steps "
                + "(Ho et al. 2020, Algorithm 2; Nichol and Dhariwal 2021, §4)", SPEC);
    }

    @Override
    public Sampler create(Config config, ComponentContext context) {
        return new AncestralSampler(config.getInt("steps"),
                switch (config.getString("variance")) {
                    case "beta" -> AncestralSampler.Variance.BETA;
                    case "beta-tilde" -> AncestralSampler.Variance.BETA_TILDE;
                    default -> AncestralSampler.Variance.LEARNED;
                },
                Spacing.parse(config.getString("spacing")),
                X0Clipping.fromOptions(config, context.dataRange()));
    }
}
