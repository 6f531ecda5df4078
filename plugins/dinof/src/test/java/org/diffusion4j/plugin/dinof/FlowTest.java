package org.diffusion4j.plugin.dinof;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.diffusion4j.api.tensor.Backend;
import org.diffusion4j.api.tensor.Rng;
import org.diffusion4j.api.tensor.Tensor;
import org.diffusion4j.runtime.testing.PluginTestSupport;
import org.junit.jupiter.api.Test;

/**
 * The flow's layers are invertible and their log-determinants exact: round trips to float
 * tolerance, log|det J| of the autograd Jacobian, and a flow fitted to a 2-D Gaussian recovers
 * its entropy.
 */
class FlowTest {

    private final Backend backend = PluginTestSupport.backend();

    /** Random parameters away from the (near-identity) initialisation, so the checks see real maps. */
    private static void perturb(Map<String, Tensor> parameters, Rng rng, double scale) {
        for (Tensor p : parameters.values()) {
            float[] v = p.toArray();
            for (int i = 0; i < v.length; i++) {
                v[i] += (float) (scale * rng.nextGaussian());
            }
            p.load(v);
        }
    }

    private Tensor points(long seed, int n, int d) {
        return Tensor.randn(backend, new Rng(seed), n, d).mul(1.5).add(0.3);
    }

    private List<FlowLayer> layers(int d) {
        Rng rng = new Rng(7);
        List<FlowLayer> out = new ArrayList<>();
        out.add(new ActNorm(backend, d));
        out.add(new InvertibleLinear(backend, d));
        out.add(new AffineCoupling(backend, rng, d, 8));
        return out;
    }

    @Test
    void everyLayerAndTheFlowRoundTripsToFloatTolerance() {
        for (int d : new int[]{2, 3, 5}) {
            Tensor x = points(1, 64, d);
            for (FlowLayer layer : layers(d)) {
                layer.forward(x);   // actnorm's data-dependent initialisation
                perturb(layer.parameters(), new Rng(3), 0.3);
                assertRoundTrip(x, t -> layer.forward(t).z(), layer::inverse, layer.kind() + " D=" + d);
            }
            Flow flow = new Flow(backend, new Rng(5), d, 3, 16);
            flow.forward(x);
            perturb(flow.parameters(), new Rng(4), 0.2);
            assertRoundTrip(x, t -> flow.forward(t).z(), flow::inverse, "flow D=" + d);
        }
    }

    private static void assertRoundTrip(Tensor x, Function<Tensor, Tensor> f, Function<Tensor, Tensor> inv,
                                        String what) {
        Tensor z = f.apply(x);
        float[] back = inv.apply(z).toArray();
        float[] orig = x.toArray();
        float[] zs = z.toArray();
        double moved = 0;
        for (int i = 0; i < orig.length; i++) {
            assertThat((double) back[i]).as(what + " value " + i).isCloseTo(orig[i],
                    org.assertj.core.data.Offset.offset(2e-5 * (1 + Math.abs(orig[i]))));
            moved = Math.max(moved, Math.abs(zs[i] - orig[i]));
        }
        assertThat(moved).as(what + " is not the identity").isGreaterThan(1e-3);
    }

    @Test
    void logDeterminantsEqualLogAbsDetOfTheAutogradJacobian() {
        for (int d : new int[]{2, 3, 4}) {
            Tensor x0 = points(2, 6, d);
            for (FlowLayer layer : layers(d)) {
                layer.forward(points(9, 64, d));
                perturb(layer.parameters(), new Rng(11), 0.4);
                assertLogDet(x0, layer::forward, layer.kind() + " D=" + d);
            }
            Flow flow = new Flow(backend, new Rng(5), d, 2, 8);
            flow.forward(points(9, 64, d));
            perturb(flow.parameters(), new Rng(12), 0.3);
            assertLogDet(x0, flow::forward, "flow D=" + d);
        }
    }

    private void assertLogDet(Tensor x0, Function<Tensor, FlowLayer.Transformed> f, String what) {
        int n = x0.dim(0);
        int d = x0.dim(1);
        Tensor x = Tensor.of(backend, x0.toArray(), n, d).requiresGrad(true);
        FlowLayer.Transformed t = f.apply(x);
        double[][][] jac = new double[n][d][d];
        for (int j = 0; j < d; j++) {
            // rows are independent: the gradient of Σ_n z[n, j] is row j of every sample's Jacobian
            float[] g = Tensor.grad(t.z().columns(j, 1).sum(), List.of(x), false).get(0).toArray();
            for (int r = 0; r < n; r++) {
                for (int i = 0; i < d; i++) {
                    jac[r][j][i] = g[r * d + i];
                }
            }
        }
        float[] logDet = t.logDet().toArray();
        assertThat(logDet).hasSize(n);
        for (int r = 0; r < n; r++) {
            assertThat((double) logDet[r]).as(what + " sample " + r)
                    .isCloseTo(logAbsDet(jac[r]), org.assertj.core.data.Offset.offset(1e-4));
        }
    }

    /** log |det A| by Gaussian elimination with partial pivoting, in double. */
    static double logAbsDet(double[][] a) {
        int d = a.length;
        double[][] m = new double[d][];
        for (int i = 0; i < d; i++) {
            m[i] = a[i].clone();
        }
        double log = 0;
        for (int c = 0; c < d; c++) {
            int p = c;
            for (int r = c + 1; r < d; r++) {
                if (Math.abs(m[r][c]) > Math.abs(m[p][c])) {
                    p = r;
                }
            }
            double[] tmp = m[c];
            m[c] = m[p];
            m[p] = tmp;
            log += Math.log(Math.abs(m[c][c]));
            for (int r = c + 1; r < d; r++) {
                double f = m[r][c] / m[c][c];
                for (int k = c; k < d; k++) {
                    m[r][k] -= f * m[c][k];
                }
            }
        }
        return log;
    }

    @Test
    void aFlowFittedToACorrelatedGaussianRecoversItsEntropy() {
        // N(μ, Σ), Σ = [[2, 1.2], [1.2, 1]]: NLL = entropy = ½ log((2πe)² det Σ)
        double[][] chol = {{Math.sqrt(2), 0}, {1.2 / Math.sqrt(2), Math.sqrt(1 - 0.72)}};
        double det = 2 * 1 - 1.2 * 1.2;
        double entropy = 0.5 * Math.log(Math.pow(2 * Math.PI * Math.E, 2) * det);
        Flow flow = new Flow(backend, new Rng(1), 2, 2, 16);
        Tensor test = gaussian(new Rng(99), 4000, chol);
        double before = -flow.logProb(test).mean().item();
        Rng data = new Rng(2);
        Adam adam = new Adam(flow.parameters(), 0.01);
        for (int step = 0; step < 400; step++) {
            Tensor batch = gaussian(data.split(step), 256, chol);
            Tensor nll = flow.logProb(batch).mean().neg();
            adam.step(nll);
        }
        double after = -flow.logProb(test).mean().item();
        // the sample entropy of 4000 draws scatters by about 1.4/√4000 ≈ 0.02 around the true value
        assertThat(after).as("NLL after fitting, entropy " + entropy + ", before " + before)
                .isCloseTo(entropy, org.assertj.core.data.Offset.offset(0.06));
        assertThat(before - entropy).as("the untrained flow is not already the answer").isGreaterThan(0.2);
    }

    private Tensor gaussian(Rng rng, int n, double[][] chol) {
        float[] e = Tensor.randn(backend, rng, n, 2).toArray();
        float[] v = new float[2 * n];
        for (int i = 0; i < n; i++) {
            double a = e[2 * i];
            double b = e[2 * i + 1];
            v[2 * i] = (float) (1.0 + chol[0][0] * a);
            v[2 * i + 1] = (float) (-2.0 + chol[1][0] * a + chol[1][1] * b);
        }
        return Tensor.of(backend, v, n, 2);
    }

    /** Plain Adam on host arrays: enough for the tests' small fits. */
    static final class Adam {
        private final List<Tensor> params;
        private final List<double[]> m = new ArrayList<>();
        private final List<double[]> v = new ArrayList<>();
        private final double lr;
        private int k;

        Adam(Map<String, Tensor> parameters, double lr) {
            this.params = new ArrayList<>(parameters.values());
            this.lr = lr;
            for (Tensor p : params) {
                m.add(new double[p.size()]);
                v.add(new double[p.size()]);
            }
        }

        void step(Tensor loss) {
            List<Tensor> grads = Tensor.grad(loss, params, false);
            k++;
            double c1 = 1 - Math.pow(0.9, k);
            double c2 = 1 - Math.pow(0.999, k);
            for (int i = 0; i < params.size(); i++) {
                float[] g = grads.get(i).toArray();
                float[] p = params.get(i).toArray();
                double[] mi = m.get(i);
                double[] vi = v.get(i);
                for (int j = 0; j < p.length; j++) {
                    mi[j] = 0.9 * mi[j] + 0.1 * g[j];
                    vi[j] = 0.999 * vi[j] + 0.001 * g[j] * g[j];
                    p[j] -= (float) (lr * (mi[j] / c1) / (Math.sqrt(vi[j] / c2) + 1e-8));
                }
                params.get(i).load(p);
            }
        }
    }
}
