package org.diffusion4j.api.tensor;

/** Elementwise functions of two arguments with broadcasting, the {@link Backend#binary} kernel codes. */
public enum BinaryOp {
    ADD, SUB, MUL, DIV
}
