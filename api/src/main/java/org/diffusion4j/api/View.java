package org.diffusion4j.api;

/** The quantities a denoising model can predict; any one determines the others given x_t and t. */
public enum View {
    /** The noise ε in x_t = α·x0 + σ·ε. */
    EPSILON,
    /** The clean data x0 (the denoiser D(x_t, t)). */
    X0,
    /** The score ∇ log p_t(x_t) = −E[ε | x_t]/σ. */
    SCORE,
    /** The probability-flow velocity dx/dt = α̇·x0 + σ̇·ε. */
    VELOCITY,
    /** Salimans and Ho's v = α·ε − σ·x0 (progressive distillation, Eq. in §4). */
    V
}
