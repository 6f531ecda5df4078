package org.diffusion4j.plugin.dinof;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.data.Offset.offset;

import java.util.List;
import java.util.Map;
import org.diffusion4j.api.Kind;
import org.diffusion4j.api.Model;
import org.diffusion4j.api.Network;
import org.diffusion4j.api.NonFiniteOutputException;
import org.diffusion4j.api.Parameterization;
import org.diffusion4j.api.Schedule;
import org.diffusion4j.api.nn.Activation;
import org.diffusion4j.api.tensor.Backend;
import org.diffusion4j.api.tensor.Rng;
import org.diffusion4j.api.tensor.Tensor;
import org.diffusion4j.runtime.testing.PluginTestSupport;
import org.junit.jupiter.api.Test;

/**
 * DiNof's loss on images: the flow-only objective is exactly the flow's NLL of x(T_m) (same draw)
 * and gives the score network zero gradient; the bits/dim figure is the NLL on the pixel cells'
 * scale; a non-finite flow output names its layer.
 */
class DinofImageTest {

    private final Backend backend = PluginTestSupport.backend();
    private final Schedule vp = PluginTestSupport.create(Kind.SCHEDULE, "score-sde.vp", Map.of(),
            PluginTestSupport.context(backend));
    private final Parameterization score = PluginTestSupport.create(Kind.PARAMETERIZATION, "score-sde.score", Map.of(),
            PluginTestSupport.context(backend));

    private DinofNetwork network(double tM) {
        int[] shape = {1, 4, 4};
        Network mlp = DinofNetwork.builtIn(backend, new Rng(1), 16, 16, 1, Activation.Function.SILU, 8, 1000);
        return new DinofNetwork(shape, tM, mlp, true, new ImageFlow(backend, new Rng(2), shape, 2, 1, 8));
    }

    private Tensor images(long seed, int n) {
        return Tensor.rand(backend, new Rng(seed), n, 16).mul(2).sub(1);
    }

    @Test
    void theFlowObjectiveIsTheFlowsNllOfXAtTmAndLeavesTheScoreWithoutGradient() {
        DinofNetwork net = network(0.4);
        Model model = new Model(net.overFlatSamples(1, 4, 4), vp, score);
        double logCell = Math.log(2.0 / 255);
        JointLoss loss = new JointLoss(1.0, true, logCell);
        Tensor x0 = images(3, 32);
        Tensor value = loss.compute(model, x0, new Rng(5));
        // the same draw by hand: ε' is the loss's first and only draw
        Tensor eps = Tensor.randn(backend, new Rng(5), 32, 16);
        Tensor xm = x0.mul(vp.alpha(0.4)).add(eps.mul(vp.sigma(0.4)));
        double nll = -net.flow().logProb(xm).mean().item();
        assertThat((double) value.item()).isCloseTo(nll, offset(1e-4 * Math.abs(nll)));
        assertThat(loss.lastFigures().get("flow-bpd")).as("bits per dimension of the pixel cells")
                .isCloseTo((nll / 16 - logCell) / Math.log(2), offset(1e-4));
        List<Tensor> scoreParams = List.copyOf(net.scoreParameters().values());
        assertThat(scoreParams).isNotEmpty();
        for (Tensor g : Tensor.grad(value, scoreParams, false)) {
            for (float v : g.toArray()) {
                assertThat(v).isZero();
            }
        }
        Tensor flowGrad = Tensor.grad(value, List.of(net.parameters().get("flow.level0.step0.actnorm.bias")), false).get(0);
        assertThat(flowGrad.square().sum().item()).as("the flow does get a gradient").isGreaterThan(0f);
    }

    @Test
    void theFlowOnDataIsTheNllOfUniformlyDequantisedPixelsAndItsBitsPerDimTheDiscreteOnes() {
        DinofNetwork net = network(0.4);
        Model model = new Model(net.overFlatSamples(1, 4, 4), vp, score);
        double cell = 2.0 / 255;
        // 8-bit pixels scaled to [-1, 1] as the image datasets do
        float[] px = new float[32 * 16];
        Rng r = new Rng(6);
        for (int i = 0; i < px.length; i++) {
            px[i] = (float) ((int) (r.nextDouble() * 256) / 127.5 - 1);
        }
        Tensor x0 = Tensor.of(backend, px, 32, 16);
        JointLoss loss = new JointLoss(1.0, false, true, Math.log(cell));
        double value = loss.compute(model, x0, new Rng(5)).item();
        Tensor u = Tensor.rand(backend, new Rng(5), 32, 16);
        float[] uv = u.toArray();
        for (float v : uv) {
            assertThat(v).isBetween(0f, 1f);
        }
        double nll = -net.flow().logProb(x0.add(u.sub(0.5).mul(cell))).mean().item();
        assertThat(value).isCloseTo(nll, offset(1e-4 * Math.abs(nll)));
        assertThat(loss.lastFigures().get("flow-bpd")).isCloseTo((nll / 16 - Math.log(cell)) / Math.log(2), offset(1e-4));
        // the flow-alone sampler hands the prior's draw on unchanged
        Tensor start = Tensor.randn(backend, new Rng(1), 4, 16);
        assertThat(new FlowAloneSampler().sample(model, start, null, org.diffusion4j.api.StepListener.NONE).toArray())
                .containsExactly(start.toArray());
        assertThat(new FlowAloneSampler().refuse(model)).isNull();
    }

    @Test
    void theJointObjectiveAddsTheScoreTermToTheSameFlowTerm() {
        DinofNetwork net = network(0.4);
        Model model = new Model(net.overFlatSamples(1, 4, 4), vp, score);
        Tensor x0 = images(3, 32);
        JointLoss joint = new JointLoss(1.0, false, Double.NaN);
        double total = joint.compute(model, x0, new Rng(5)).item();
        double flowNll = joint.lastFlowNll();
        assertThat(joint.lastFigures()).as("no bits/dim without pixel cells").doesNotContainKey("flow-bpd");
        assertThat(total - flowNll).as("the score term").isGreaterThan(0);
    }

    @Test
    void aNonFiniteFlowOutputNamesItsLayer() {
        DinofNetwork net = network(0.5);
        Model model = new Model(net.overFlatSamples(1, 4, 4), vp, score);
        Tensor x0 = images(3, 16);
        net.flow().forward(x0);   // actnorm's data-dependent initialisation, then a scale that overflows
        Tensor logScale = net.parameters().get("flow.level1.step0.actnorm.log_scale");
        float[] v = logScale.toArray();
        v[0] = 200f;
        logScale.load(v);
        assertThatThrownBy(() -> new JointLoss(1.0, true, Double.NaN).compute(model, x0, new Rng(1)))
                .isInstanceOf(NonFiniteOutputException.class)
                .hasMessageContaining("flow layer level1.step0.actnorm");
    }
}
