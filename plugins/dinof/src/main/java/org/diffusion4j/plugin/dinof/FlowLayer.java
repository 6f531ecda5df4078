package org.diffusion4j.plugin.dinof;

import org.diffusion4j.api.nn.Module;
import org.diffusion4j.api.tensor.Tensor;

/**
 * One invertible layer of a normalizing flow with an exact log-determinant (Dinh, Sohl-Dickstein
 * and Bengio 2017; Kingma and Dhariwal 2018, "Glow", Table 1): {@code z = f(x)} with
 * {@code log p(x) = log p(z) + log |det ∂f/∂x|} (seed 001, Eq. 10).
 *
 * <p>Shapes: x is {@code [batch, ...]} (points {@code [batch, D]}; image layers, squeeze and
 * split, take {@code [batch, C, H, W]}), z has the same number of values per sample, and the
 * log-determinant is per sample, {@code [batch, 1]}. {@link #forward} is differentiable through the
 * api's autograd (the flow's NLL is trained by it); {@link #inverse} is for sampling and needs no
 * gradient.
 */
public abstract class FlowLayer extends Module {

    /** The image of x and log |det ∂z/∂x| per sample. */
    public record Transformed(Tensor z, Tensor logDet) {
    }

    /** z = f(x) and log |det ∂f/∂x| per sample, {@code [batch, 1]}. */
    public abstract Transformed forward(Tensor x);

    /** x = f⁻¹(z). */
    public abstract Tensor inverse(Tensor z);

    /** The layer's name in error messages and parameter names. */
    public abstract String kind();

    /** A per-sample column {@code [batch, 1]} holding a log-determinant that is the same for every sample. */
    static Tensor perSample(Tensor scalarLike, int batch) {
        return scalarLike.reshape(1, 1).broadcastTo(new int[]{batch, 1});
    }
}
