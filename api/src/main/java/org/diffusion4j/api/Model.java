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

    /**
     * This model for the given rows of the batch only ({@link Network#select}): a sampler that
     * evaluates a subset of its samples must call the network of this, so that per-sample
     * conditioning follows the rows.
     *
     * @since SPI 1.3
     */
    public Model select(int... rows) {
        return new Model(network.select(rows), schedule, parameterization);
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

    /**
     * The coefficients (p, q) with {@code view = p·x + q·output} at t. The identity when the model
     * predicts {@code view} itself — but only where that view is finite: a velocity model on a DDPM
     * schedule has σ̇ = ∞ at t = 0, so its target, and its output, are not defined there.
     *
     * @throws IllegalArgumentException where the model's output does not determine the view at t
     */
    public Affine coefficients(View view, double t) {
        if (parameterization.predicts() == view) {
            Affine own = Parameterization.coefficients(view, schedule, t);
            if (!Double.isFinite(own.p()) || !Double.isFinite(own.q())) {
                throw new IllegalArgumentException(view + " itself is not finite at t = " + t);
            }
            return new Affine(0, 1);
        }
        Affine c = parameterization.view(view, schedule, t);
        if (!Double.isFinite(c.p()) || !Double.isFinite(c.q())) {
            throw new IllegalArgumentException(parameterization.predicts() + " prediction gives a " + view
                    + " that is not finite at t = " + t);
        }
        return c;
    }

    /**
     * Why {@code component} cannot use this model's {@code view} at one of {@code times}, or null
     * when the view is determined at all of them: the refusal text samplers return.
     */
    public String undetermined(String component, View view, double... times) {
        for (double t : times) {
            try {
                coefficients(view, t);
            } catch (IllegalArgumentException e) {
                return component + " needs the " + view + " view at t = " + t + ", but " + e.getMessage()
                        + " (schedule " + schedule + ")";
            }
        }
        return null;
    }

    /** The model's x̂0 from an output already computed at (x, t), or null where x0 is not determined (for previews). */
    public Tensor x0OrNull(Tensor output, Tensor x, double t) {
        try {
            return coefficients(View.X0, t).apply(x, output);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }
}
