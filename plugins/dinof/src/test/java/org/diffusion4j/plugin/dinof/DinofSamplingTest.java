package org.diffusion4j.plugin.dinof;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.data.Offset.offset;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.diffusion4j.api.Kind;
import org.diffusion4j.api.Model;
import org.diffusion4j.api.Network;
import org.diffusion4j.api.Parameterization;
import org.diffusion4j.api.PointSet;
import org.diffusion4j.api.Prior;
import org.diffusion4j.api.Sampler;
import org.diffusion4j.api.Schedule;
import org.diffusion4j.api.StepListener;
import org.diffusion4j.api.config.ConfigException;
import org.diffusion4j.api.nn.Activation;
import org.diffusion4j.api.tensor.Backend;
import org.diffusion4j.api.tensor.Rng;
import org.diffusion4j.api.tensor.Tensor;
import org.diffusion4j.runtime.engine.Guidance;
import org.diffusion4j.runtime.engine.Sampling;
import org.diffusion4j.runtime.oracle.GaussianMixture;
import org.diffusion4j.runtime.oracle.GaussianMixtureOracle;
import org.diffusion4j.runtime.testing.PluginTestSupport;
import org.junit.jupiter.api.Test;

/**
 * The prior mechanism through the runtime's {@link Sampling}, with score-sde's VP SDE and PC sampler:
 * a prior starting at T_m = 1 with the Gaussian's own map gives the baseline's bits; DiNof with the
 * exact score (the Gaussian oracle) and an exact flow of x(T_m) reaches the target from T_m; samplers
 * walk from T_m; what cannot work is refused.
 */
class DinofSamplingTest {

    private final Backend backend = PluginTestSupport.backend();
    private final Schedule vp = PluginTestSupport.create(Kind.SCHEDULE, "score-sde.vp", Map.of(),
            PluginTestSupport.context(backend));
    private final Parameterization score = PluginTestSupport.create(Kind.PARAMETERIZATION, "score-sde.score", Map.of(),
            PluginTestSupport.context(backend));

    private Sampler pc(int steps) {
        return PluginTestSupport.create(Kind.SAMPLER, "score-sde.pc", Map.of("steps", steps),
                PluginTestSupport.context(backend));
    }

    /** Euler–Maruyama alone: no Langevin corrector to pull a wrong start back towards each marginal. */
    private Sampler predictorOnly(int steps) {
        return PluginTestSupport.create(Kind.SAMPLER, "score-sde.pc", Map.of("steps", steps, "corrector", "none"),
                PluginTestSupport.context(backend));
    }

    private PointSet sample(Model model, Prior prior, Sampler sampler, int count, StepListener watch) {
        return Sampling.sample(backend, model, prior, sampler, new int[]{2}, 3, count, 50, null, Guidance.NONE, watch,
                total -> null);
    }

    /** A prior at T_m = 1 whose "flow" is the Gaussian prior's own map z ↦ σ(1)·z. */
    private static Prior scaledIdentityAtOne() {
        return new Prior() {
            @Override
            public double startTime(Schedule schedule) {
                return 1.0;
            }

            @Override
            public Tensor start(Model model, Tensor z) {
                return z.mul(model.schedule().sigma(1.0));
            }
        };
    }

    @Test
    void atTmOneTheGaussiansOwnMapGivesTheBaselineBitForBit() {
        GaussianMixture target = GaussianMixture.twoBlobs();
        Model model = GaussianMixtureOracle.model(target, vp, score);
        Sampler sampler = pc(40);
        float[] baseline = Sampling.sample(backend, model, sampler, new int[]{2}, 3, 120, 50, total -> null).values();
        float[] prior = sample(model, scaledIdentityAtOne(), sampler, 120, StepListener.NONE).values();
        assertThat(prior).containsExactly(baseline);
        // and the mechanism is not blind to the prior: another start gives other samples
        float[] half = sample(model, startingWith(0.5, 1.0), sampler, 120, StepListener.NONE).values();
        assertThat(half).isNotEqualTo(baseline);
    }

    /** A prior at {@code tM} returning {@code scale}·z. */
    private static Prior startingWith(double tM, double scale) {
        return new Prior() {
            @Override
            public double startTime(Schedule schedule) {
                return tM;
            }

            @Override
            public Tensor start(Model model, Tensor z) {
                return z.mul(scale);
            }
        };
    }

    @Test
    void theSamplerWalksFromTheStartTimeWithTheStepsItIsGiven() {
        Model model = GaussianMixtureOracle.model(GaussianMixture.twoBlobs(), vp, score);
        List<Double> times = new ArrayList<>();
        int[] steps = new int[1];
        sample(model, startingWith(0.4, 0.5), pc(30), 10, (step, n, t, x, x0) -> {
            times.add(t);
            steps[0] = n;
        });
        assertThat(steps[0]).isEqualTo(30);
        assertThat(times).hasSize(30);
        assertThat(times.getFirst()).isLessThanOrEqualTo(0.4).isGreaterThan(0.35);
        assertThat(times.getLast()).isLessThan(0.05);
    }

    @Test
    void withTheExactScoreAndAnExactFlowDinofReachesTheTarget() {
        double[] mu = {1.0, -2.0};
        double s = 0.5;
        GaussianMixture target = new GaussianMixture(new double[][]{mu}, new double[]{s}, new double[]{1});
        // early enough that the reverse SDE cannot repair a wrong start on its own
        double tM = 0.2;
        DinofNetwork net = exactFlow(tM, mu, s);
        Model oracle = GaussianMixtureOracle.model(target, vp, score);
        Model model = withFlowOf(oracle, net);
        float[] x = sample(model, new FlowPrior(tM), predictorOnly(200), 2000, StepListener.NONE).values();
        double[] mean = new double[2];
        double var = 0;
        int n = x.length / 2;
        for (int i = 0; i < n; i++) {
            mean[0] += x[2 * i] / (double) n;
            mean[1] += x[2 * i + 1] / (double) n;
        }
        for (int i = 0; i < n; i++) {
            var += (Math.pow(x[2 * i] - mean[0], 2) + Math.pow(x[2 * i + 1] - mean[1], 2)) / (2.0 * n);
        }
        // 2000 samples: the mean scatters by 0.5/√2000 ≈ 0.011, the std by about 0.006
        assertThat(mean[0]).isCloseTo(mu[0], offset(0.05));
        assertThat(mean[1]).isCloseTo(mu[1], offset(0.05));
        assertThat(Math.sqrt(var)).isCloseTo(s, offset(0.04));
        // the bar can fail: the same sampler from T_m with a start that ignores the data (σ(T_m)·z) misses
        float[] wrong = sample(model, startingWith(tM, vp.sigma(tM)), predictorOnly(200), 2000, StepListener.NONE).values();
        double wrongMean = 0;
        for (int i = 0; i < n; i++) {
            wrongMean += wrong[2 * i + 1] / (double) n;
        }
        assertThat(Math.abs(wrongMean - mu[1])).isGreaterThan(0.3);
    }

    @Test
    void withTheExactScoreAndAnExactFlowTheLikelihoodIsTheAnalyticOne() {
        double[] mu = {1.0, -2.0};
        double s = 0.5;
        GaussianMixture target = new GaussianMixture(new double[][]{mu}, new double[]{s}, new double[]{1});
        double tM = 0.4;
        Model oracle = org.diffusion4j.runtime.oracle.DifferentiableMixtureOracle.model(target, vp, score);
        Model model = withFlowOf(oracle, exactFlow(tM, mu, s));
        FlowOdeLikelihood likelihood = new FlowOdeLikelihood(100);
        assertThat(likelihood.refuse(model)).isNull();
        float[] points = {1.0f, -2.0f, 1.6f, -1.5f, 0.2f, -2.9f, 2.0f, -1.0f};
        Tensor x = Tensor.of(backend, points, 4, 2);
        double[] nll = likelihood.negativeLogLikelihood(model, x, null);
        GaussianMixture atTMin = target.marginal(vp, vp.tMin());
        for (int i = 0; i < 4; i++) {
            double exact = -atTMin.logDensity(new double[]{points[2 * i], points[2 * i + 1]});
            assertThat(nll[i]).as("point " + i).isCloseTo(exact, offset(0.01));
        }
        // the bar can fail: a flow that misses x(T_m)'s mean by α(T_m)·μ gives another value
        Model shifted = withFlowOf(oracle, exactFlow(tM, new double[]{0, 0}, s));
        double[] wrong = likelihood.negativeLogLikelihood(shifted, x, null);
        assertThat(Math.abs(wrong[0] - nll[0])).isGreaterThan(0.1);
        assertThat(likelihood.refuse(GaussianMixtureOracle.model(target, vp, score))).contains("has no flow");
    }

    @Test
    void hutchinsonsDivergenceAveragesToTheExactLikelihood() {
        double[] mu = {1.0, -2.0};
        GaussianMixture target = new GaussianMixture(new double[][]{mu}, new double[]{0.5}, new double[]{1});
        Model oracle = org.diffusion4j.runtime.oracle.DifferentiableMixtureOracle.model(target, vp, score);
        Model model = withFlowOf(oracle, exactFlow(0.4, mu, 0.5));
        // one point far in the tail (the divergence then varies most along the path), 400 probes
        int n = 400;
        float[] copies = new float[2 * n];
        for (int i = 0; i < n; i++) {
            copies[2 * i] = 2.2f;
            copies[2 * i + 1] = -0.8f;
        }
        Tensor x = Tensor.of(backend, copies, n, 2);
        double exact = new FlowOdeLikelihood(20).negativeLogLikelihood(model, x.indexSelect(new int[]{0}), null)[0];
        double[] est = new FlowOdeLikelihood(20, true).negativeLogLikelihood(model, x,
                new org.diffusion4j.api.NoiseStreams(backend, new Rng(3), 0, n, 2));
        double mean = java.util.Arrays.stream(est).average().orElseThrow();
        double sd = Math.sqrt(java.util.Arrays.stream(est).map(v -> (v - mean) * (v - mean)).sum() / (n - 1));
        assertThat(sd).as("the probes do vary").isGreaterThan(1e-3);
        assertThat(mean).as("mean of " + n + " Hutchinson estimates, sd " + sd).isCloseTo(exact, offset(4 * sd / Math.sqrt(n)));
    }

    /**
     * A dinof network whose flow maps x(T_m) ~ N(α·μ, v·I), v = α²s² + σ², exactly to N(0, I): actnorm
     * standardises, the linear map's diagonal undoes the coupling's initial scale σ(2) on the
     * coordinate the coupling transforms.
     */
    private DinofNetwork exactFlow(double tM, double[] mu, double s) {
        DinofNetwork net = new DinofNetwork(backend, new Rng(1), 2, tM, 16, 1, Activation.Function.SILU, 8, 1000, 1, 8);
        double a = vp.alpha(tM);
        double sd = Math.sqrt(a * a * s * s + vp.sigma(tM) * vp.sigma(tM));
        Map<String, Tensor> p = net.parameters();
        p.get("flow.step0.actnorm.bias").load(new float[]{(float) (-a * mu[0]), (float) (-a * mu[1])});
        float ls = (float) -Math.log(sd);
        p.get("flow.step0.actnorm.log_scale").load(new float[]{ls, ls});
        // W = P·diag(e^s): z_1 = e^{s_0}·y_0 is the coordinate the coupling scales by σ(2)
        p.get("flow.step0.linear.log_s").load(new float[]{(float) -Math.log(1 / (1 + Math.exp(-2))), 0f});
        return net;
    }

    /** The oracle's score with the flow of {@code net} (found through the parameters, as through any wrapper). */
    private static Model withFlowOf(Model oracle, DinofNetwork net) {
        Network inner = oracle.network();
        Network both = new Network() {
            @Override
            public Tensor forward(Tensor x, Tensor t) {
                return inner.forward(x, t);
            }

            @Override
            public Map<String, Tensor> parameters() {
                return net.parameters();
            }
        };
        return new Model(both, oracle.schedule(), oracle.parameterization());
    }

    @Test
    void whatCannotWorkIsRefused() {
        Model oracle = GaussianMixtureOracle.model(GaussianMixture.twoBlobs(), vp, score);
        assertThat(new FlowPrior(0.6).refuse(oracle)).contains("has no flow");
        DinofNetwork net = new DinofNetwork(backend, new Rng(1), 2, 0.6, 8, 1, Activation.Function.SILU, 8, 1000, 1, 8);
        Model dinof = new Model(net, vp, score);
        assertThat(new FlowPrior(0.6).refuse(dinof)).isNull();
        assertThat(new FlowPrior(0.5).refuse(dinof)).contains("t-m = 0.5").contains("t-m = 0.6");
        assertThatThrownBy(() -> new JointLoss(1).compute(oracle, Tensor.zeros(backend, 4, 2), new Rng(1)))
                .isInstanceOf(ConfigException.class).hasMessageContaining("has no flow");
        assertThatThrownBy(() -> DinofNetworkProvider.checkedTm("dinof", 0.0))
                .isInstanceOf(ConfigException.class).hasMessageContaining("(0, 1]");
        assertThatThrownBy(() -> DinofNetworkProvider.checkedTm("dinof", 1.2))
                .isInstanceOf(ConfigException.class).hasMessageContaining("1.2");
        // a discrete-time schedule's samplers walk its grid from the end: no start in between
        Schedule discrete = new Schedule() {
            @Override
            public double alpha(double t) {
                return vp.alpha(t);
            }

            @Override
            public double sigma(double t) {
                return vp.sigma(t);
            }

            @Override
            public double alphaDot(double t) {
                return vp.alphaDot(t);
            }

            @Override
            public double sigmaDot(double t) {
                return vp.sigmaDot(t);
            }

            @Override
            public double[] trainingTimes() {
                return new double[]{0.25, 0.5, 0.75, 1.0};
            }
        };
        Model discreteModel = new Model(net, discrete, score);
        assertThatThrownBy(() -> Sampling.startingAt(discreteModel, new FlowPrior(0.6)))
                .isInstanceOf(ConfigException.class).hasMessageContaining("discrete-time");
        assertThat(Sampling.startingAt(discreteModel, Prior.gaussian())).isSameAs(discreteModel);
        assertThat(Sampling.startingAt(dinof, new FlowPrior(0.6)).schedule().tMax()).isEqualTo(0.6);
    }

    @Test
    void theFlowOnPointsIsTheExactNllOfThePointsWithoutDequantisationNoise() {
        DinofNetwork net = new DinofNetwork(backend, new Rng(1), 2, 0.5, 8, 1, Activation.Function.SILU, 8, 1000, 2, 8);
        Model model = new Model(net, vp, score);
        // through the provider, as a spec's loss: {name: dinof.joint, objective: data} on 2-D points
        JointLoss loss = PluginTestSupport.create(Kind.LOSS, JointLossProvider.NAME, Map.of("objective", "data"),
                PluginTestSupport.context(backend));
        Tensor x0 = GaussianMixture.twoBlobs().sample(backend, new Rng(3), 64);
        loss.compute(model, x0, new Rng(1));   // actnorm's data-dependent initialisation
        double nll = -net.flow().logProb(x0).mean().item();
        // any noise added to the points would make the value depend on the loss's random stream
        assertThat((double) loss.compute(model, x0, new Rng(5)).item()).isEqualTo(nll);
        assertThat((double) loss.compute(model, x0, new Rng(6)).item()).isEqualTo(nll);
        assertThat(loss.lastFigures()).as("no bits/dim: points have no pixel cells").containsOnlyKeys("flow-nll");
        assertThat(loss.toString()).contains("the flow alone on the data");
    }

    @Test
    void aNonFiniteFlowStopsTrainingNamingTheLayer() {
        DinofNetwork net = new DinofNetwork(backend, new Rng(1), 2, 0.5, 8, 1, Activation.Function.SILU, 8, 1000, 2, 8);
        Model model = new Model(net, vp, score);
        JointLoss loss = new JointLoss(1);
        Tensor x0 = GaussianMixture.twoBlobs().sample(backend, new Rng(3), 64);
        loss.compute(model, x0, new Rng(1));
        assertThat(loss.lastFigures()).containsOnlyKeys("flow-nll");
        assertThat(loss.lastFigures().get("flow-nll")).isEqualTo(loss.lastFlowNll()).isFinite();
        Tensor w = net.parameters().get("flow.step1.linear.log_s");
        w.load(new float[]{Float.NaN, 0f});
        assertThatThrownBy(() -> loss.compute(model, x0, new Rng(2)))
                .isInstanceOf(org.diffusion4j.api.NonFiniteOutputException.class)
                .hasMessageContaining("step1.linear");
    }

    @Test
    void jointTrainingLowersBothTermsAndTheFlowPriorStartsFromIt() {
        Rng rng = new Rng(4);
        DinofNetwork net = new DinofNetwork(backend, new Rng(2), 2, 0.3, 32, 2, Activation.Function.SILU, 16, 1000, 2, 16);
        Model model = new Model(net, vp, score);
        JointLoss loss = new JointLoss(1.0);
        // blobs on the diagonal: after the reversal each coordinate tells the coupling about the other
        GaussianMixture blobs = GaussianMixture.of(new double[][]{{3, 3}, {-3, -3}}, 0.5, 0.5);
        Tensor data = blobs.sample(backend, new Rng(8), 512);
        loss.compute(model, data, rng.split(-1));   // actnorm's data-dependent initialisation
        // a fixed draw of x(T_m) to measure the flow on (the loss draws fresh noise every step)
        Tensor xm = data.mul(vp.alpha(0.3)).add(Tensor.randn(backend, new Rng(9), 512, 2).mul(vp.sigma(0.3)));
        double nllBefore = -net.flow().logProb(xm).mean().item();
        FlowTest.Adam adam = new FlowTest.Adam(net.parameters(), 0.01);
        for (int step = 0; step < 150; step++) {
            adam.step(loss.compute(model, data, rng.split(step)));
        }
        double nllAfter = -net.flow().logProb(xm).mean().item();
        assertThat(nllAfter).as("flow NLL of x(T_m) before " + nllBefore).isLessThan(nllBefore - 0.05);
        PointSet x = sample(model, new FlowPrior(0.3), pc(20), 20, StepListener.NONE);
        assertThat(x.values()).hasSize(40);   // Sampling refuses non-finite samples
    }
}
