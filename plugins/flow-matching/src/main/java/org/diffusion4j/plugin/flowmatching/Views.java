package org.diffusion4j.plugin.flowmatching;

import java.util.Arrays;
import org.diffusion4j.api.Affine;
import org.diffusion4j.api.Model;
import org.diffusion4j.api.Parameterization;
import org.diffusion4j.api.View;
import org.diffusion4j.api.tensor.Tensor;

/** Helpers the samplers share: view coefficients, the x̂0 preview and input checks. */
final class Views {

    private Views() {
    }

    /**
     * Coefficients (cx, cout) with {@code view = cx·x + cout·output} at t: the identity when the model
     * predicts the view, else the api's 2×2 conversion.
     *
     * @throws IllegalArgumentException where the model's prediction does not determine the view
     */
    static Affine coefficients(Model model, View view, double t) {
        if (model.parameterization().predicts() == view) {
            // The identity, but only where the view itself is finite (a velocity model on a DDPM
            // schedule has σ̇ = ∞ at t = 0: its target, and so its output, is not defined there).
            Affine own = Parameterization.coefficients(view, model.schedule(), t);
            if (!Double.isFinite(own.p()) || !Double.isFinite(own.q())) {
                throw new IllegalArgumentException(view + " itself is not finite at t = " + t);
            }
            return new Affine(0, 1);
        }
        Affine c = model.parameterization().view(view, model.schedule(), t);
        if (!Double.isFinite(c.p()) || !Double.isFinite(c.q())) {
            throw new IllegalArgumentException(model.parameterization().predicts() + " prediction gives a "
                    + view + " that is not finite at t = " + t);
        }
        return c;
    }

    /** The model's x̂0 from an output already computed at (x, t), or null where it is not determined. */
    static Tensor x0OrNull(Model model, Tensor output, Tensor x, double t) {
        try {
            Affine c = coefficients(model, View.X0, t);
            return combine(x, c.p(), output, c.q());
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    /** {@code p·x + q·y}, skipping terms whose coefficient is 0. */
    static Tensor combine(Tensor x, double p, Tensor y, double q) {
        if (p == 0) {
            return q == 1 ? y : y.mul(q);
        }
        if (q == 0) {
            return p == 1 ? x : x.mul(p);
        }
        return x.mul(p).add(y.mul(q));
    }

    /**
     * Why the model cannot give {@code view} at one of {@code times}, or null when it can at all of
     * them.
     */
    static String undetermined(String sampler, Model model, View view, double... times) {
        for (double t : times) {
            try {
                coefficients(model, view, t);
            } catch (IllegalArgumentException e) {
                return sampler + " needs the " + view + " view at t = " + t + ", but " + e.getMessage()
                        + " (schedule " + model.schedule() + ")";
            }
        }
        return null;
    }

    static void checkStart(String sampler, Tensor xStart) {
        if (xStart.rank() != 2) {
            throw new IllegalArgumentException(sampler + " expects a [batch, dimension] start, got "
                    + Arrays.toString(xStart.shape()));
        }
    }
}
