package org.diffusion4j.api;

import java.util.Objects;
import org.diffusion4j.api.tensor.Tensor;

/**
 * A network together with the schedule it was trained on and what it predicts: everything a
 * sampler needs to turn its output into any {@link View}.
 */
public record Model(Network network, Schedule schedule, Parameterization parameterization) {

    public Model {
        Objects.requireNonNull(network, "network");
        Objects.requireNonNull(schedule, "schedule");
        Objects.requireNonNull(parameterization, "parameterization");
    }

    /** The raw network output at one time t for every row of x, first {@code x.dim(1)} columns. */
    public Tensor output(Tensor x, double t) {
        Tensor tt = Tensor.full(x.backend(), (float) t, x.dim(0), 1);
        Tensor out = network.forward(x, tt);
        return out.dim(1) == x.dim(1) ? out : out.columns(0, x.dim(1));
    }

    /** The model's estimate of {@code view} at x_t, one time t for the whole batch. */
    public Tensor predict(View view, Tensor x, double t) {
        return convert(view, output(x, t), x, t);
    }

    /** Converts a network output taken at (x, t) into {@code view}. */
    public Tensor convert(View view, Tensor output, Tensor x, double t) {
        if (view == parameterization.predicts()) {
            return output;
        }
        Affine c = parameterization.view(view, schedule, t);
        return x.mul(c.p()).add(output.mul(c.q()));
    }
}
