package org.diffusion4j.plugin.flowmatching;

import java.util.List;
import java.util.Locale;
import org.diffusion4j.api.AbstractProvider;
import org.diffusion4j.api.ComponentContext;
import org.diffusion4j.api.Kind;
import org.diffusion4j.api.Sampler;
import org.diffusion4j.api.config.Config;
import org.diffusion4j.api.config.ConfigSpec;

/** Provider of {@code flow-matching.sde}, the {@link ReverseSdeSampler}. */
public final class ReverseSdeSamplerProvider extends AbstractProvider<Sampler> {

    public static final String NAME = ReverseSdeSampler.NAME;

    private static final ConfigSpec SPEC = StepSamplerProvider.options()
            .choice("diffusion", "sigma", List.of("sigma", "g2", "constant"),
                    "diffusion coefficient w(t): sigma(t) (SiT), g2 = the forward SDE's g^2(t) (the blog's; "
                            + "infinite steps are taken as ODE steps), or constant 1")
            .number("scale", 1.0, 0.0, 1e6, "multiplier on w(t); 0 gives the probability-flow ODE (Euler)")
            .choice("final-step", "euler", List.of("euler", "denoise"),
                    "euler: the last step is an ordinary Euler-Maruyama step; denoise: it returns the "
                            + "model's x0 estimate")
            .build();

    public ReverseSdeSamplerProvider() {
        super(Kind.SAMPLER, NAME, "Euler-Maruyama on the reverse SDE dx = [v - w s/2] dt + sqrt(w) dW driven by "
                + "the velocity view (Unified Perspective blog, Eq. 23-27, §4.1; SiT)", SPEC);
    }

    @Override
    public Sampler create(Config config, ComponentContext context) {
        String diffusion = config.getString("diffusion");
        return new ReverseSdeSampler(config.getInt(StepSamplerProvider.STEPS),
                diffusion.equals("g2") ? ReverseSdeSampler.Diffusion.G2
                        : ReverseSdeSampler.Diffusion.valueOf(diffusion.toUpperCase(Locale.ROOT)),
                config.getDouble("scale"),
                ReverseSdeSampler.FinalStep.valueOf(config.getString("final-step").toUpperCase(Locale.ROOT)));
    }
}
