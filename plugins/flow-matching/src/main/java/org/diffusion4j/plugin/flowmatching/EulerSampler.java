package org.diffusion4j.plugin.flowmatching;

import org.diffusion4j.api.Model;
import org.diffusion4j.api.tensor.Tensor;

/**
 * Euler's method on dx = v dt: x ← x + (t' − t)·v(x, t). With the linear interpolant and
 * 100 steps this is the blog's {@code static_sample} ("Unified Perspective on Diffusion and Flow
 * Matching", §2.1 update rule and §2.3 code). First order: the error at t = 0 falls like 1/steps.
 */
public final class EulerSampler extends OdeSampler {

    public static final String NAME = "flow-matching.euler";

    public EulerSampler(int steps) {
        super(NAME, steps);
    }

    @Override
    Tensor advance(Model model, Tensor x, Tensor v, double t, double next) {
        return x.add(v.mul(next - t));
    }

    @Override
    double[] evaluationTimes(double t, double next) {
        return new double[]{t};
    }
}
