package org.diffusion4j.plugin.dinof;

import org.diffusion4j.api.AbstractProvider;
import org.diffusion4j.api.ComponentContext;
import org.diffusion4j.api.Kind;
import org.diffusion4j.api.Loss;
import org.diffusion4j.api.config.Config;
import org.diffusion4j.api.config.ConfigSpec;

/** Creates {@code dinof.joint}, the score-matching plus flow-NLL loss of a dinof network. */
public final class JointLossProvider extends AbstractProvider<Loss> {

    public static final String NAME = "dinof.joint";

    private static final ConfigSpec SPEC = ConfigSpec.builder()
            .number("flow-weight", 1.0, 0.0, 1e6, "weight w of the flow's NLL (nats per sample) beside the score loss;"
                    + " 0 trains the score alone")
            .build();

    public JointLossProvider() {
        super(Kind.LOSS, NAME, "DiNof joint training: sigma^2-weighted DSM on t < T_m plus the flow's NLL of"
                + " x(T_m) = alpha(T_m) x0 + sigma(T_m) eps (seed 001 §3.3)", SPEC);
    }

    @Override
    public Loss create(Config config, ComponentContext context) {
        return new JointLoss(config.getDouble("flow-weight"));
    }
}
