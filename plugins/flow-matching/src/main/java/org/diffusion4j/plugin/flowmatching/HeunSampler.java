package org.diffusion4j.plugin.flowmatching;

import org.diffusion4j.api.Model;
import org.diffusion4j.api.tensor.Tensor;

/**
 * Heun's method (explicit trapezoidal rule) on the probability-flow ODE dx = v dt ("Unified
 * Perspective on Diffusion and Flow Matching", Eq. 3/8, sampled "with an off-the-shelf ODE solver";
 * the second-order solver of Karras et al. 2022, Algorithm 1): with h = t' − t,
 * x̃ = x + h·v(x, t), x ← x + h/2·(v(x, t) + v(x̃, t')). Two velocity evaluations per step,
 * including one at the final time tMin; second order: the error falls like 1/steps².
 */
public final class HeunSampler extends OdeSampler {

    public static final String NAME = "flow-matching.heun";

    public HeunSampler(int steps) {
        super(NAME, steps);
    }

    @Override
    Tensor advance(Model model, Tensor x, Tensor v, double t, double next) {
        double h = next - t;
        Tensor predictor = x.add(v.mul(h));
        Tensor vNext = velocity(model, predictor, next);
        return x.add(v.add(vNext).mul(h / 2));
    }

    @Override
    double[] evaluationTimes(double t, double next) {
        return new double[]{t, next};
    }
}
