package org.diffusion4j.plugin.flowmatching;

import java.util.List;
import java.util.Locale;
import org.diffusion4j.api.ComponentContext;
import org.diffusion4j.api.ComponentProvider;
import org.diffusion4j.api.Kind;
import org.diffusion4j.api.Sampler;
import org.diffusion4j.api.config.Config;
import org.diffusion4j.api.config.ConfigSpec;

/** Provider of {@code flow-matching.sde}, the {@link ReverseSdeSampler}. */
public final class ReverseSdeSamplerProvider implements ComponentProvider<Sampler> {

    public static final String NAME = ReverseSdeSampler.NAME;

    private static final ConfigSpec SPEC = ConfigSpec.builder()
            .integer("steps", 100, 1, 100_000, "number of equal time steps from tMax to tMin")
            .choice("diffusion", "sigma", List.of("sigma", "g2", "constant"),
                    "diffusion coefficient w(t): sigma(t) (SiT), g2 = the forward SDE's g^2(t) (the blog's; "
                            + "infinite steps are taken as ODE steps), or constant 1")
            .number("scale", 1.0, 0.0, 1e6, "multiplier on w(t); 0 gives the probability-flow ODE (Euler)")
            .choice("final-step", "euler", List.of("euler", "denoise"),
                    "euler: the last step is an ordinary Euler-Maruyama step; denoise: it returns the "
                            + "model's x0 estimate")
            .build();

    @Override
    public Kind kind() {
        return Kind.SAMPLER;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String description() {
        return "Euler-Maruyama on the reverse SDE dx = [v - w s/2] dt + sqrt(w) dW driven by the velocity view "
                + "(Unified Perspective blog, Eq. 23-27, §4.1; SiT)";
    }

    @Override
    public ConfigSpec config() {
        return SPEC;
    }

    @Override
    public Sampler create(Config config, ComponentContext context) {
        String diffusion = config.getString("diffusion");
        return new ReverseSdeSampler(config.getInt("steps"),
                diffusion.equals("g2") ? ReverseSdeSampler.Diffusion.G2
                        : ReverseSdeSampler.Diffusion.valueOf(diffusion.toUpperCase(Locale.ROOT)),
                config.getDouble("scale"),
                ReverseSdeSampler.FinalStep.valueOf(config.getString("final-step").toUpperCase(Locale.ROOT)));
    }
}
