package org.diffusion4j.plugin.scoresde;

import java.util.List;
import java.util.Map;
import java.util.function.DoublePredicate;
import org.diffusion4j.api.Model;
import org.diffusion4j.api.Network;
import org.diffusion4j.api.Parameterization;
import org.diffusion4j.api.Schedule;
import org.diffusion4j.api.tensor.Tensor;
import org.diffusion4j.runtime.oracle.DifferentiableMixtureOracle;
import org.diffusion4j.runtime.oracle.GaussianMixture;
import org.diffusion4j.runtime.oracle.GaussianMixtureOracle;
import org.diffusion4j.runtime.testing.PluginTestSupport;

/** Shared fixtures: backend, components through providers, the SDEs, oracle models and distances. */
final class TestSupport extends PluginTestSupport {

    private TestSupport() {
    }

    /** VE (σ_max 20 for data within ±5), VP and sub-VP with the paper's β. */
    static List<Schedule> sdes() {
        return List.of(new VarianceExplodingSde(0.01, 20, 0), new VariancePreservingSde(0.1, 20, 1e-3),
                new SubVariancePreservingSde(0.1, 20, 1e-3));
    }

    static GaussianMixture twoBlobs() {
        return GaussianMixture.twoBlobs();
    }

    static GaussianMixture threeComponents() {
        return new GaussianMixture(new double[][]{{-3, 0}, {2, 2.5}, {1.5, -3}},
                new double[]{0.3, 0.6, 0.2}, new double[]{0.2, 0.5, 0.3});
    }

    /** The exact model (runtime's oracle, not differentiable in x). */
    static Model oracle(GaussianMixture mixture, Schedule schedule, Parameterization p) {
        return GaussianMixtureOracle.model(mixture, schedule, p);
    }

    static Model scoreOracle(GaussianMixture mixture, Schedule schedule) {
        return oracle(mixture, schedule, new ScoreParameterization());
    }

    /** The exact model written in tensor ops, so the likelihood can differentiate it in x. */
    static Model differentiableOracle(GaussianMixture mixture, Schedule schedule, Parameterization p) {
        return DifferentiableMixtureOracle.model(mixture, schedule, p);
    }

    /**
     * {@code model} with a network that returns NaN on the rows whose time satisfies {@code diverged}
     * (and the model's output elsewhere, with its gradient in x): a network that has diverged.
     */
    static Model nanWhere(Model model, DoublePredicate diverged) {
        Network inner = model.network();
        Network net = new Network() {
            @Override
            public Tensor forward(Tensor x, Tensor t) {
                float[] ts = t.toArray();
                float[] mask = new float[ts.length];
                for (int r = 0; r < ts.length; r++) {
                    mask[r] = diverged.test(ts[r]) ? Float.NaN : 1f;
                }
                return inner.forward(x, t).mul(Tensor.of(x.backend(), mask, ts.length, 1));
            }

            @Override
            public Map<String, Tensor> parameters() {
                return inner.parameters();
            }
        };
        return new Model(net, model.schedule(), model.parameterization());
    }

    /** See {@link GaussianMixture#sampleError}. */
    static double mixtureError(GaussianMixture mixture, float[] points) {
        return mixture.sampleError(points);
    }

    /** Root-mean-square distance between paired 2-D points. */
    static double rms(float[] a, float[] b) {
        return rms(a, b, 2);
    }

}
