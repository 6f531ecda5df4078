package org.diffusion4j.plugin.ddpm;

import java.util.List;
import java.util.Locale;
import org.diffusion4j.api.AbstractProvider;
import org.diffusion4j.api.ComponentContext;
import org.diffusion4j.api.Kind;
import org.diffusion4j.api.Likelihood;
import org.diffusion4j.api.config.Config;
import org.diffusion4j.api.config.ConfigSpec;

/** Provider of {@code ddpm.vlb}, the {@link VlbLikelihood} (DDPM's variational bound on held-out data). */
public final class VlbLikelihoodProvider extends AbstractProvider<Likelihood> {

    private static final ConfigSpec SPEC = ConfigSpec.builder()
            .choice("variance", "auto", List.of("auto", "learned", "beta", "beta-tilde"),
                    "reverse variance: learned (network's extra outputs, ddpm.hybrid), beta, beta-tilde; "
                            + "auto = learned when the network has them, else beta-tilde")
            .choice("decoder", "continuous", List.of("continuous", "discretized"),
                    "L_0: continuous Gaussian decoder, or Ho et al.'s discretised decoder for data in [-1, 1] (Eq. 13)")
            .build();

    public VlbLikelihoodProvider() {
        super(Kind.LIKELIHOOD, VlbLikelihood.NAME, "DDPM variational bound L_0 + ... + L_T on -log p(x), nats per point "
                + "(Ho et al. 2020, Eq. 5; Nichol and Dhariwal 2021, learned variance)", SPEC);
    }

    @Override
    public Likelihood create(Config config, ComponentContext context) {
        return new VlbLikelihood(
                VlbLikelihood.Variance.valueOf(config.getString("variance").toUpperCase(Locale.ROOT).replace('-', '_')),
                VariationalBound.Decoder.valueOf(config.getString("decoder").toUpperCase(Locale.ROOT)));
    }
}
