package org.diffusion4j.runtime.backend;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import org.diffusion4j.api.tensor.Backend;
import org.diffusion4j.api.tensor.Rng;
import org.diffusion4j.api.tensor.Tensor;

/**
 * Finite-difference checks of reverse-mode gradients (first order) and of gradients of gradients
 * (second order, Hessian–vector products), for float32 tensors.
 *
 * <p>Objectives are formed on the host in double precision from the op's float32 output,
 * {@code L(x) = Σ w ⊙ f(x)} with a fixed random weight w, so only the op's own float rounding
 * enters the central difference. Perturbations are applied in float, and the difference quotient
 * divides by the perturbation actually realised, {@code (float)(x+h) − (float)(x−h)}.
 *
 * <p><b>Tolerance.</b> An op's outputs carry a relative rounding error of a few float ulps,
 * ≲ 1e-6·|y|; outputs that do not depend on the perturbed element are recomputed bit-identically
 * (the backend is deterministic) and cancel exactly. With h = 1e-2 the rounding contributes
 * ≲ 1e-6·|y|·(outputs touched) / (2h) ≈ 1e-4 to the quotient, and the truncation error of the
 * central difference is h²/6·|f'''| ≲ 2e-4 for the O(1) inputs used (kept ≥ 0.3 away from kinks and
 * ≥ 0.7 from poles). We accept {@code |analytic − numeric| ≤ 2e-3 + 1e-2·|numeric|}: about ten times
 * these errors, while any wrong backward rule (a missing term, factor or sign, a wrong transpose)
 * produces O(1) discrepancies at these random points. {@link GradientCheckTest} shows the checker
 * rejects a 3 % error.
 */
final class GradientCheck {

    static final double H = 1e-2;
    static final double ATOL = 2e-3;
    static final double RTOL = 1e-2;

    private final Backend backend;

    GradientCheck(Backend backend) {
        this.backend = backend;
    }

    /** Float host values of every input. */
    record Inputs(List<float[]> values, List<int[]> shapes) {

        Inputs copy() {
            List<float[]> v = new ArrayList<>();
            for (float[] a : values) {
                v.add(a.clone());
            }
            return new Inputs(v, shapes);
        }
    }

    List<Tensor> leaves(Inputs in, boolean requiresGrad) {
        List<Tensor> xs = new ArrayList<>();
        for (int i = 0; i < in.values().size(); i++) {
            xs.add(Tensor.of(backend, in.values().get(i), in.shapes().get(i)).requiresGrad(requiresGrad));
        }
        return xs;
    }

    /** Output values of f at the inputs (no graph). */
    float[] evaluate(Function<List<Tensor>, Tensor> f, Inputs in) {
        return f.apply(leaves(in, false)).toArray();
    }

    /** Analytic vector–Jacobian product wᵀ·∂f/∂x_i for every input. */
    List<float[]> analyticGradient(Function<List<Tensor>, Tensor> f, Inputs in, float[] w) {
        List<Tensor> xs = leaves(in, true);
        Tensor y = f.apply(xs);
        Tensor wt = Tensor.of(backend, w, y.shape());
        List<float[]> out = new ArrayList<>();
        for (Tensor g : Tensor.grad(y, wt, xs, false)) {
            out.add(g.toArray());
        }
        return out;
    }

    /** Central differences of L(x) = Σ w ⊙ f(x), accumulated in double. */
    List<double[]> numericGradient(Function<List<Tensor>, Tensor> f, Inputs in, float[] w) {
        List<double[]> out = new ArrayList<>();
        for (int i = 0; i < in.values().size(); i++) {
            float[] x = in.values().get(i);
            double[] g = new double[x.length];
            for (int e = 0; e < x.length; e++) {
                float saved = x[e];
                float up = (float) (saved + H);
                float down = (float) (saved - H);
                x[e] = up;
                double lUp = dot(w, evaluate(f, in));
                x[e] = down;
                double lDown = dot(w, evaluate(f, in));
                x[e] = saved;
                g[e] = (lUp - lDown) / ((double) up - (double) down);
            }
            out.add(g);
        }
        return out;
    }

    /** Checks the gradient of every input of f at the given point. */
    void checkFirstOrder(String name, Function<List<Tensor>, Tensor> f, Inputs in, long seed) {
        float[] w = weights(evaluate(f, in).length, seed);
        assertClose(name, analyticGradient(f, in, w), numericGradient(f, in, w));
    }

    /**
     * Second order: with g(x) = ∇ₓ Σ w ⊙ f(x) built with {@code createGraph = true} and a fixed
     * direction v, checks ∇ₓ (g · v) = H v against central differences of g(x) · v, where g is
     * recomputed (first order only) at the perturbed points.
     */
    void checkSecondOrder(String name, Function<List<Tensor>, Tensor> f, Inputs in, long seed) {
        checkSecondOrder(name, f, f, in, seed);
    }

    /** As above, with the analytic side computed from {@code fAnalytic} (for testing the checker). */
    void checkSecondOrder(String name, Function<List<Tensor>, Tensor> fAnalytic, Function<List<Tensor>, Tensor> f,
                          Inputs in, long seed) {
        float[] w = weights(evaluate(f, in).length, seed);
        List<float[]> v = new ArrayList<>();
        for (int i = 0; i < in.values().size(); i++) {
            v.add(weights(in.values().get(i).length, seed * 31 + i + 1));
        }
        // Analytic H·v.
        List<Tensor> xs = leaves(in, true);
        Tensor y = fAnalytic.apply(xs);
        List<Tensor> g = Tensor.grad(y, Tensor.of(backend, w, y.shape()), xs, true);
        Tensor gv = null;
        for (int i = 0; i < xs.size(); i++) {
            Tensor term = g.get(i).mul(Tensor.of(backend, v.get(i), in.shapes().get(i))).sum();
            gv = gv == null ? term : gv.add(term);
        }
        List<float[]> analytic = new ArrayList<>();
        for (Tensor t : Tensor.grad(gv, xs, false)) {
            analytic.add(t.toArray());
        }
        // Numeric: central differences of the first gradient along v.
        List<double[]> numeric = new ArrayList<>();
        for (int i = 0; i < in.values().size(); i++) {
            float[] x = in.values().get(i);
            double[] hv = new double[x.length];
            for (int e = 0; e < x.length; e++) {
                float saved = x[e];
                float up = (float) (saved + H);
                float down = (float) (saved - H);
                x[e] = up;
                double gUp = dot(v, analyticGradient(f, in, w));
                x[e] = down;
                double gDown = dot(v, analyticGradient(f, in, w));
                x[e] = saved;
                hv[e] = (gUp - gDown) / ((double) up - (double) down);
            }
            numeric.add(hv);
        }
        assertClose(name + " (second order)", analytic, numeric);
    }

    static void assertClose(String name, List<float[]> analytic, List<double[]> numeric) {
        for (int i = 0; i < analytic.size(); i++) {
            float[] a = analytic.get(i);
            double[] n = numeric.get(i);
            if (a.length != n.length) {
                throw new AssertionError(name + ": gradient of input " + i + " has " + a.length + " values, expected "
                        + n.length);
            }
            for (int e = 0; e < a.length; e++) {
                double err = Math.abs(a[e] - n[e]);
                if (!(err <= ATOL + RTOL * Math.abs(n[e]))) {
                    throw new AssertionError(String.format(
                            "%s: d/dx%d[%d] analytic %.6g, finite difference %.6g (error %.3g)", name, i, e, a[e],
                            n[e], err));
                }
            }
        }
    }

    private static double dot(float[] w, float[] y) {
        double s = 0;
        for (int i = 0; i < y.length; i++) {
            s += (double) w[i] * y[i];
        }
        return s;
    }

    private static double dot(List<float[]> v, List<float[]> g) {
        double s = 0;
        for (int i = 0; i < v.size(); i++) {
            s += dot(v.get(i), g.get(i));
        }
        return s;
    }

    /** Weights uniform in [−1, 1] (never tiny on every output). */
    static float[] weights(int n, long seed) {
        Rng rng = new Rng(seed);
        float[] w = new float[n];
        for (int i = 0; i < n; i++) {
            w[i] = (float) (2 * rng.nextDouble() - 1);
        }
        return w;
    }
}
