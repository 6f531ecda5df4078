package org.diffusion4j.runtime.backend;

import static org.assertj.core.api.Assertions.assertThat;
import static org.diffusion4j.runtime.backend.GradientCheckTest.any;
import static org.diffusion4j.runtime.backend.GradientCheckTest.op;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.stream.Stream;
import org.diffusion4j.api.tensor.Tensor;
import org.diffusion4j.runtime.backend.GradientCheckTest.Case;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The image ops of SPI 1.3 (convolution, batched matmul, softmax, narrow/concat, upsampling,
 * pooling, group norm, indexSelect) against finite differences, to first and second order
 * (see {@link GradientCheck}).
 */
class ImageGradientCheckTest {

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

    private static Function<List<Tensor>, Tensor> conv(int stride, int padding, boolean bias) {
        return xs -> xs.get(0).conv2d(xs.get(1), bias ? xs.get(2) : null, stride, padding);
    }

    /** Convolutions: kernel 1 and 3 and non-square, stride 1 and 2, padding 0 and 1, with and without bias. */
    static List<Case> convolutions() {
        List<Case> c = new ArrayList<>();
        c.add(op("conv2d 3x3 s1 p1", conv(1, 1, true), any(2, 2, 5, 4), any(3, 2, 3, 3), any(3)));
        c.add(op("conv2d 3x3 s1 p0", conv(1, 0, false), any(2, 2, 5, 5), any(2, 2, 3, 3)));
        c.add(op("conv2d 3x3 s2 p1", conv(2, 1, true), any(2, 2, 5, 6), any(3, 2, 3, 3), any(3)));
        c.add(op("conv2d 3x3 s2 p0", conv(2, 0, true), any(1, 2, 6, 5), any(2, 2, 3, 3), any(2)));
        c.add(op("conv2d 1x1 s1 p0", conv(1, 0, true), any(2, 3, 3, 4), any(4, 3, 1, 1), any(4)));
        c.add(op("conv2d 1x1 s2 p0", conv(2, 0, false), any(2, 2, 5, 5), any(3, 2, 1, 1)));
        c.add(op("conv2d 1x1 s1 p1", conv(1, 1, true), any(1, 2, 3, 3), any(2, 2, 1, 1), any(2)));
        c.add(op("conv2d 2x3 s2 p1", conv(2, 1, true), any(2, 2, 5, 6), any(3, 2, 2, 3), any(3)));
        c.add(op("conv2d 3x1 s1 p1", conv(1, 1, false), any(1, 3, 4, 3), any(2, 3, 3, 1)));
        return c;
    }

    static List<Case> others() {
        List<Case> c = new ArrayList<>();
        // batched matmul: op(A) is [2, 3, 4] and op(B) [2, 4, 5] in every combination
        c.add(op("bmm", xs -> xs.get(0).matmul(xs.get(1), false, false), any(2, 3, 4), any(2, 4, 5)));
        c.add(op("bmm Aᵀ", xs -> xs.get(0).matmul(xs.get(1), true, false), any(2, 4, 3), any(2, 4, 5)));
        c.add(op("bmm Bᵀ", xs -> xs.get(0).matmul(xs.get(1), false, true), any(2, 3, 4), any(2, 5, 4)));
        c.add(op("bmm AᵀBᵀ", xs -> xs.get(0).matmul(xs.get(1), true, true), any(2, 4, 3), any(2, 5, 4)));
        c.add(op("softmax [3,5]", xs -> xs.get(0).softmax(), any(3, 5)));
        c.add(op("softmax [2,3,4]", xs -> xs.get(0).softmax(), any(2, 3, 4)));
        c.add(op("narrow(1,1,2) of [2,4,3,3]", xs -> xs.get(0).narrow(1, 1, 2), any(2, 4, 3, 3)));
        c.add(op("narrow(0,1,1) of [3,4]", xs -> xs.get(0).narrow(0, 1, 1), any(3, 4)));
        c.add(op("narrow(-1,2,3) of [2,3,5]", xs -> xs.get(0).narrow(-1, 2, 3), any(2, 3, 5)));
        c.add(op("concat(1) of [2,c,3,2]", xs -> Tensor.concat(1, xs.get(0), xs.get(1), xs.get(2)),
                any(2, 1, 3, 2), any(2, 3, 3, 2), any(2, 2, 3, 2)));
        c.add(op("concat(0)", xs -> Tensor.concat(0, xs.get(0), xs.get(1)), any(2, 3), any(1, 3)));
        c.add(op("concat(-1)", xs -> Tensor.concat(-1, xs.get(0), xs.get(1)), any(2, 2, 3), any(2, 2, 1)));
        c.add(op("upsampleNearest(2)", xs -> xs.get(0).upsampleNearest(2), any(2, 2, 3, 2)));
        c.add(op("upsampleNearest(3)", xs -> xs.get(0).upsampleNearest(3), any(1, 1, 2, 2)));
        c.add(op("avgPool(2)", xs -> xs.get(0).avgPool(2), any(2, 2, 4, 6)));
        c.add(op("avgPool(3)", xs -> xs.get(0).avgPool(3), any(1, 2, 3, 6)));
        c.add(op("indexSelect", xs -> xs.get(0).indexSelect(new int[]{2, 0, 2, 3, 2}), any(4, 3)));
        return c;
    }

    static List<Case> groupNorms() {
        List<Case> c = new ArrayList<>();
        c.add(op("groupNorm(2) [2,4,3,3]", xs -> xs.get(0).groupNorm(2, xs.get(1), xs.get(2), 1e-5),
                any(2, 4, 3, 3), any(4), any(4)));
        c.add(op("groupNorm(1) [2,3,2,2]", xs -> xs.get(0).groupNorm(1, xs.get(1), xs.get(2), 1e-3),
                any(2, 3, 2, 2), any(3), any(3)));
        c.add(op("groupNorm(4) [1,4,5] (instance norm)", xs -> xs.get(0).groupNorm(4, xs.get(1), xs.get(2), 1e-5),
                any(1, 4, 5), any(4), any(4)));
        c.add(op("groupNorm(2) no affine", xs -> xs.get(0).groupNorm(2, null, null, 1e-5), any(2, 4, 2, 3)));
        return c;
    }

    static Stream<Case> cases() {
        List<Case> all = new ArrayList<>(convolutions());
        all.addAll(others());
        all.addAll(groupNorms());
        return all.stream();
    }

    /** Every image op of the api is in the checked cases (GradientCheck asserts each one's error). */
    @Test
    void everyImageOpIsChecked() {
        List<String> ops = cases().map(c -> c.name().split("[ (]")[0]).distinct().toList();
        assertThat(ops).contains("conv2d", "bmm", "softmax", "narrow", "concat", "upsampleNearest", "avgPool",
                "groupNorm", "indexSelect");
        assertThat(cases().filter(c -> c.name().startsWith("conv2d")).count()).as("convolution shapes").isGreaterThanOrEqualTo(9);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void firstOrder(Case c) {
        check.checkFirstOrder(c.name(), c.f(), GradientCheckTest.draw(c, c.name().hashCode()), 17);
    }

    /** Followed by sin, so a linear op's backward rule must itself be differentiable (see GradientCheckTest). */
    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void secondOrder(Case c) {
        Function<List<Tensor>, Tensor> f = xs -> c.f().apply(xs).sin();
        check.checkSecondOrder(c.name(), f, GradientCheckTest.draw(c, c.name().hashCode() + 1), 23);
    }
}
