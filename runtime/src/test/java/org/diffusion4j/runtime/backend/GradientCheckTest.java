package org.diffusion4j.runtime.backend;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.data.Offset.offset;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.stream.Stream;
import org.diffusion4j.api.tensor.Rng;
import org.diffusion4j.api.tensor.Tensor;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every differentiable {@link Tensor} op, checked against finite differences to first and second
 * order (see {@link GradientCheck} for the method and the tolerance).
 */
class GradientCheckTest {

    private static JavaBackend backend;
    private static GradientCheck check;

    @BeforeAll
    static void start() {
        backend = new JavaBackend(2);
        check = new GradientCheck(backend);
    }

    @AfterAll
    static void stop() {
        backend.close();
    }

    /** One op under test: a function of the inputs, and how to draw the inputs. */
    record Case(String name, Function<List<Tensor>, Tensor> f, Spec... inputs) {
        @Override
        public String toString() {
            return name;
        }
    }

    /** Input values in [lo, hi], or with |x| in [lo, hi] and a random sign when {@code signed}. */
    record Spec(int[] shape, double lo, double hi, boolean signed) {
    }

    static Spec any(int... shape) {
        return new Spec(shape, -1.5, 1.5, false);
    }

    static Spec positive(int... shape) {
        return new Spec(shape, 0.4, 2.0, false);
    }

    /** Away from zero (kinks of abs/relu, poles of 1/x): |x| ≥ 0.3 ≫ h. */
    static Spec nonzero(int... shape) {
        return new Spec(shape, 0.3, 1.5, true);
    }

    /**
     * Denominators: |x| >= 0.7. The gradient of a/b has third derivatives of order 1/b^5, so the
     * central difference's truncation error would exceed the tolerance near |b| = 0.3.
     */
    static Spec denominator(int... shape) {
        return new Spec(shape, 0.7, 1.5, true);
    }

    static Case op(String name, Function<List<Tensor>, Tensor> f, Spec... inputs) {
        return new Case(name, f, inputs);
    }

    static Function<List<Tensor>, Tensor> un(Function<Tensor, Tensor> f) {
        return xs -> f.apply(xs.get(0));
    }

    static Function<List<Tensor>, Tensor> bin(java.util.function.BinaryOperator<Tensor> f) {
        return xs -> f.apply(xs.get(0), xs.get(1));
    }

    static Stream<Case> cases() {
        List<Case> c = new ArrayList<>();
        // Broadcasting patterns: same shape, row vector [1,N], column [B,1], scalar [], rank-1 [N],
        // and both sides broadcast.
        int[][][] pairs = {
                {{3, 4}, {3, 4}}, {{3, 4}, {1, 4}}, {{3, 4}, {3, 1}}, {{3, 4}, {}}, {{1, 4}, {3, 4}},
                {{3, 1}, {3, 4}}, {{}, {3, 4}}, {{4}, {3, 4}}, {{1, 4}, {3, 1}}, {{2, 3, 4}, {3, 1}}};
        for (int[][] p : pairs) {
            String shapes = java.util.Arrays.toString(p[0]) + "," + java.util.Arrays.toString(p[1]);
            c.add(op("add" + shapes, bin(Tensor::add), any(p[0]), any(p[1])));
            c.add(op("sub" + shapes, bin(Tensor::sub), any(p[0]), any(p[1])));
            c.add(op("mul" + shapes, bin(Tensor::mul), any(p[0]), any(p[1])));
            c.add(op("div" + shapes, bin(Tensor::div), any(p[0]), denominator(p[1])));
        }
        c.add(op("affine", un(x -> x.affine(1.7, -0.3)), any(3, 4)));
        c.add(op("add(scalar)", un(x -> x.add(0.7)), any(3, 4)));
        c.add(op("sub(scalar)", un(x -> x.sub(0.7)), any(3, 4)));
        c.add(op("mul(scalar)", un(x -> x.mul(-1.3)), any(3, 4)));
        c.add(op("pow(3)", un(x -> x.pow(3)), any(3, 4)));
        c.add(op("pow(2)", un(x -> x.pow(2)), any(3, 4)));
        c.add(op("pow(2.5)", un(x -> x.pow(2.5)), positive(3, 4)));
        c.add(op("pow(-1.5)", un(x -> x.pow(-1.5)), positive(3, 4)));
        c.add(op("neg", un(Tensor::neg), any(3, 4)));
        c.add(op("exp", un(Tensor::exp), any(3, 4)));
        c.add(op("log", un(Tensor::log), positive(3, 4)));
        c.add(op("sqrt", un(Tensor::sqrt), positive(3, 4)));
        c.add(op("square", un(Tensor::square), any(3, 4)));
        c.add(op("reciprocal", un(Tensor::reciprocal), denominator(3, 4)));
        c.add(op("abs", un(Tensor::abs), nonzero(3, 4)));
        c.add(op("sign", un(Tensor::sign), nonzero(3, 4)));
        c.add(op("relu", un(Tensor::relu), nonzero(3, 4)));
        c.add(op("step", un(Tensor::step), nonzero(3, 4)));
        c.add(op("sigmoid", un(Tensor::sigmoid), any(3, 4)));
        c.add(op("tanh", un(Tensor::tanh), any(3, 4)));
        c.add(op("sin", un(Tensor::sin), any(3, 4)));
        c.add(op("cos", un(Tensor::cos), any(3, 4)));
        c.add(op("silu", un(Tensor::silu), any(3, 4)));
        c.add(op("gelu", un(Tensor::gelu), any(3, 4)));
        c.add(op("sum", un(Tensor::sum), any(3, 4)));
        c.add(op("mean", un(Tensor::mean), any(3, 4)));
        c.add(op("sum(0)", un(x -> x.sum(0)), any(3, 4)));
        c.add(op("sum(1)", un(x -> x.sum(1)), any(3, 4)));
        c.add(op("sum(-1) of 3-D", un(x -> x.sum(-1)), any(2, 3, 4)));
        c.add(op("sum(1) of 3-D", un(x -> x.sum(1)), any(2, 3, 4)));
        c.add(op("sumTo[1,4]", un(x -> x.sumTo(new int[]{1, 4})), any(3, 4)));
        c.add(op("sumTo[3,1]", un(x -> x.sumTo(new int[]{3, 1})), any(3, 4)));
        c.add(op("sumTo[4]", un(x -> x.sumTo(new int[]{4})), any(3, 4)));
        c.add(op("sumTo[1,3,1] of 3-D", un(x -> x.sumTo(new int[]{1, 3, 1})), any(2, 3, 4)));
        c.add(op("broadcastTo[3,4] from [1,4]", un(x -> x.broadcastTo(new int[]{3, 4})), any(1, 4)));
        c.add(op("broadcastTo[3,4] from [3,1]", un(x -> x.broadcastTo(new int[]{3, 4})), any(3, 1)));
        c.add(op("broadcastTo[2,3] from []", un(x -> x.broadcastTo(new int[]{2, 3})), any()));
        c.add(op("broadcastTo[2,3,4] from [4]", un(x -> x.broadcastTo(new int[]{2, 3, 4})), any(4)));
        c.add(op("reshape[2,6]", un(x -> x.reshape(2, 6)), any(3, 4)));
        c.add(op("reshape[12]", un(x -> x.reshape(12)), any(3, 4)));
        // op(A) is 3×4 and op(B) is 4×5 in every combination.
        c.add(op("matmul", bin((a, b) -> a.matmul(b)), any(3, 4), any(4, 5)));
        c.add(op("matmul Aᵀ", bin((a, b) -> a.matmul(b, true, false)), any(4, 3), any(4, 5)));
        c.add(op("matmul Bᵀ", bin((a, b) -> a.matmul(b, false, true)), any(3, 4), any(5, 4)));
        c.add(op("matmul AᵀBᵀ", bin((a, b) -> a.matmul(b, true, true)), any(4, 3), any(5, 4)));
        c.add(op("concatColumns", xs -> Tensor.concatColumns(xs.get(0), xs.get(1), xs.get(2)),
                any(3, 2), any(3, 4), any(3, 1)));
        c.add(op("columns(1,2)", un(x -> x.columns(1, 2)), any(3, 5)));
        c.add(op("columns(0,5)", un(x -> x.columns(0, 5)), any(3, 5)));
        // A small network: composition of the above, as the trainer builds it.
        c.add(op("linear+silu+mse", xs -> xs.get(0).matmul(xs.get(1)).add(xs.get(2)).silu().sub(xs.get(3)).square()
                .mean(), any(5, 3), any(3, 4), any(1, 4), any(5, 4)));
        return c.stream();
    }

    static GradientCheck.Inputs draw(Case c, long seed) {
        Rng rng = new Rng(seed);
        List<float[]> values = new ArrayList<>();
        List<int[]> shapes = new ArrayList<>();
        for (Spec s : c.inputs()) {
            int n = java.util.Arrays.stream(s.shape()).reduce(1, (x, y) -> x * y);
            float[] v = new float[n];
            for (int i = 0; i < n; i++) {
                double x = s.lo() + (s.hi() - s.lo()) * rng.nextDouble();
                v[i] = (float) (s.signed() && rng.nextDouble() < 0.5 ? -x : x);
            }
            values.add(v);
            shapes.add(s.shape());
        }
        return new GradientCheck.Inputs(values, shapes);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void firstOrder(Case c) {
        check.checkFirstOrder(c.name(), c.f(), draw(c, c.name().hashCode()), 17);
    }

    /**
     * The op followed by sin, so that even for ops linear in x the gradient depends on x and the
     * op's backward rule must itself be differentiable.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void secondOrder(Case c) {
        Function<List<Tensor>, Tensor> f = xs -> c.f().apply(xs).sin();
        check.checkSecondOrder(c.name(), f, draw(c, c.name().hashCode() + 1), 23);
    }

    @Test
    void secondDerivativeOfSumOfCubesIsSixX() {
        float[] v = {-1.5f, -0.25f, 0.5f, 2f, 3f};
        for (Function<Tensor, Tensor> cube : List.<Function<Tensor, Tensor>>of(x -> x.pow(3), x -> x.mul(x).mul(x))) {
            Tensor x = Tensor.of(backend, v, 5).requiresGrad(true);
            Tensor g = Tensor.grad(cube.apply(x).sum(), List.of(x), true).get(0);
            Tensor h = Tensor.grad(g.sum(), List.of(x), false).get(0);
            float[] first = g.toArray();
            float[] second = h.toArray();
            for (int i = 0; i < v.length; i++) {
                assertThat((double) first[i]).isCloseTo(3.0 * v[i] * v[i], offset(1e-5 * 27));
                assertThat((double) second[i]).isCloseTo(6.0 * v[i], offset(1e-5 * 18));
            }
        }
    }

    @Test
    void gradientOfGradientThroughMatmulAndTanh() {
        // f = Σ tanh(x·W), t = tanh(x·W): ∂/∂x_rk of Σ ∇ₓf = Σ_j W_kj (Σ_i W_ij) · (−2 t_rj (1 − t_rj²)).
        float[] xv = {0.3f, -0.7f, 0.2f, 0.9f};
        float[] wv = {0.5f, -1.0f, 0.25f, 0.8f, 0.1f, -0.4f};
        Tensor x = Tensor.of(backend, xv, 2, 2).requiresGrad(true);
        Tensor w = Tensor.of(backend, wv, 2, 3);
        Tensor g = Tensor.grad(x.matmul(w).tanh().sum(), List.of(x), true).get(0);
        float[] h = Tensor.grad(g.sum(), List.of(x), false).get(0).toArray();
        for (int r = 0; r < 2; r++) {
            for (int i = 0; i < 2; i++) {
                double expected = 0;
                for (int j = 0; j < 3; j++) {
                    double z = xv[r * 2] * wv[j] + xv[r * 2 + 1] * wv[3 + j];
                    double t = Math.tanh(z);
                    double rowSum = wv[j] + wv[3 + j];
                    expected += wv[i * 3 + j] * rowSum * (-2 * t * (1 - t * t));
                }
                assertThat((double) h[r * 2 + i]).isCloseTo(expected, offset(1e-5));
            }
        }
    }

    @Test
    void checkerRejectsWrongGradients() {
        GradientCheck.Inputs in = draw(op("x", un(x -> x), any(3, 4)), 5);
        float[] w = GradientCheck.weights(12, 3);
        Function<List<Tensor>, Tensor> sin = un(Tensor::sin);
        List<float[]> analytic = check.analyticGradient(sin, in, w);
        // 3 % too large: beyond the 1 % relative tolerance wherever the gradient is not tiny.
        List<double[]> scaled = check.numericGradient(un(x -> x.sin().mul(1.03)), in, w);
        assertThatThrownBy(() -> GradientCheck.assertClose("scaled", analytic, scaled))
                .isInstanceOf(AssertionError.class);
        // The derivative of a different function (cos instead of sin).
        List<double[]> other = check.numericGradient(un(Tensor::cos), in, w);
        assertThatThrownBy(() -> GradientCheck.assertClose("cos", analytic, other))
                .isInstanceOf(AssertionError.class);
        // And it accepts the right one.
        GradientCheck.assertClose("sin", analytic, check.numericGradient(sin, in, w));
    }

    @Test
    void secondOrderCheckerRejectsAGradientThatIsOnlyRightToFirstOrder() {
        // x ⊙ exp(x₀) with x₀ = x detached has the gradient exp(x₀) = exp(x) of exp(x) at the point,
        // but that gradient is a constant of the graph: its Hessian is 0, not diag(exp(x)).
        GradientCheck.Inputs in = draw(op("x", un(x -> x), any(2, 3)), 9);
        Function<List<Tensor>, Tensor> frozen = un(x -> x.mul(x.detach().exp()));
        assertThatThrownBy(() -> check.checkSecondOrder("frozen exp", frozen, un(Tensor::exp), in, 1))
                .isInstanceOf(AssertionError.class);
        check.checkSecondOrder("exp", un(Tensor::exp), in, 1);
    }
}
