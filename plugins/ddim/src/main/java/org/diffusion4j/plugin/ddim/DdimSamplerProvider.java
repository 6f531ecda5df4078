package org.diffusion4j.plugin.ddim;

import org.diffusion4j.api.X0Clipping;
import org.diffusion4j.api.Spacing;
import java.util.List;
import org.diffusion4j.api.AbstractProvider;
import org.diffusion4j.api.ComponentContext;
import org.diffusion4j.api.Kind;
import org.diffusion4j.api.Sampler;
import org.diffusion4j.api.config.Config;
import org.diffusion4j.api.config.ConfigException;
import org.diffusion4j.api.config.ConfigSpec;

/** Provider of {@code ddim}, the {@link DdimSampler}. */
public final class DdimSamplerProvider extends AbstractProvider<Sampler> {

    public static final String NAME = DdimSampler.NAME;

    private static final ConfigSpec SPEC = ConfigSpec.builder()
            .integer("steps", 50, 1, 100_000, "number of steps S <= T over a sub-sequence of the training steps")
            .number("eta", 0.0, 0.0, 1.0, "eta of Eq. 16: 0 deterministic DDIM, 1 the DDPM posterior (beta-tilde)")
            .choice("variance", "eta", List.of("eta", "sigma-hat"),
                    "eta: sigma = eta sigma-tilde; sigma-hat: the paper's sigma-hat row, DDPM's larger variance "
                            + "1 - abar_t/abar_s (eta must stay 0)")
            .choice("spacing", "leading", List.of("leading", "trailing", "linspace"),
                    "which S of the T steps: leading 0, c, .., (S-1)c; trailing T-1, T-1-c, ..; linspace both ends")
            .choice("clip", "none", List.of("none", "static", "dynamic"),
                    "x0 estimate: none; static clip to [-clip-range, clip-range]; dynamic thresholding (Imagen)")
            .number("clip-range", 0.0, 0.0, 1e9, "data range R for static clipping and dynamic thresholding; "
                    + "0: the dataset's declared range (1 for images in [-1, 1]; data that declares none needs R)")
            .number("percentile", 0.995, 1e-6, 1.0, "percentile p of |x0| per sample for dynamic thresholding")
            .build();

    public DdimSamplerProvider() {
        super(Kind.SAMPLER, NAME, "DDIM with eta over a strided sub-sequence, spacings leading/trailing/linspace "
                + "(Song et al. 2020, Eq. 12, 16, §4.2, §5.1)", SPEC);
    }

    @Override
    public Sampler create(Config config, ComponentContext context) {
        String variance = config.getString("variance");
        double eta = config.getDouble("eta");
        if (variance.equals("sigma-hat") && eta != 0) {
            throw new ConfigException(NAME + ": option 'eta' = " + eta + " has no effect with variance = sigma-hat; "
                    + "drop it or set variance = eta");
        }
        return new DdimSampler(config.getInt("steps"), eta,
                variance.equals("eta") ? DdimSampler.Variance.ETA : DdimSampler.Variance.SIGMA_HAT,
                Spacing.parse(config.getString("spacing")),
                X0Clipping.fromOptions(config, context.dataRange()));
    }
}
