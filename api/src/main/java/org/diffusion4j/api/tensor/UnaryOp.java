package org.diffusion4j.api.tensor;

/** Elementwise functions of one argument, the {@link Backend#unary} kernel codes. */
public enum UnaryOp {
    NEG, EXP, LOG, SQRT, SQUARE, RECIPROCAL, ABS, SIGN,
    RELU,
    /** Heaviside step: 1 where x &gt; 0, else 0 (the derivative of ReLU). */
    STEP,
    SIGMOID, TANH, SIN, COS,
    /**
     * SiLU, x·σ(x) (Elfwing et al. 2018, Eq. 1), with σ rounded to float as {@link #SIGMOID} first:
     * the bits of {@link Backend#silu}'s output. {@link Tensor#silu} is the differentiable form. Since SPI 1.2.
     */
    SILU
}
