package org.diffusion4j.plugin.dinof;

import java.util.Map;
import org.diffusion4j.api.tensor.Tensor;

/**
 * A normalizing flow as DiNof uses it: a bijection f of flat samples {@code [batch, D]} (the rows
 * samplers and losses see) onto z of the same size, with log p(x) = log N(f(x); 0, I) + log|det ∂f/∂x|
 * exact (seed 001, Eq. 10). {@link Flow} is the one for points, {@link ImageFlow} the multi-scale one
 * for images (it reshapes the rows to [B, C, H, W] itself).
 */
public interface NormalizingFlow {

    /** D, values per sample. */
    int dimension();

    /** z = f(x) ({@code [batch, D]}) and the summed log-determinant per sample ({@code [batch, 1]}). */
    FlowLayer.Transformed forward(Tensor x);

    /** x = f⁻¹(z), rows {@code [batch, D]}. */
    Tensor inverse(Tensor z);

    /** log p(x) per sample, {@code [batch, 1]}, in nats. */
    default Tensor logProb(Tensor x) {
        FlowLayer.Transformed t = forward(x);
        return Flow.standardNormalLogDensity(t.z()).add(t.logDet());
    }

    /** The first layer whose output for x is non-finite, named as in parameter names, or null. */
    String firstNonFiniteLayer(Tensor x);

    /** Trainable parameters by dotted name. */
    Map<String, Tensor> parameters();
}
