package org.diffusion4j.plugin.scoresde;

import java.util.Arrays;
import org.diffusion4j.api.Affine;
import org.diffusion4j.api.Model;
import org.diffusion4j.api.Parameterization;
import org.diffusion4j.api.View;
import org.diffusion4j.api.tensor.Backend;
import org.diffusion4j.api.tensor.Tensor;

/**
 * What the samplers, the loss and the likelihood share: view coefficients (the api's 2×2
 * conversion, identity when the model predicts the view), network calls with one time per row, and
 * host ↔ tensor helpers.
 */
final class Views {

    private Views() {
    }

    /**
     * Coefficients (cx, cout) with {@code view = cx·x + cout·output} at t.
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

    /** Why the model cannot give {@code view} at one of {@code times}, or null when it can at all. */
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

    /** The model's x̂0 from an output already computed at (x, t), or null where it is not determined. */
    static Tensor x0OrNull(Model model, Tensor output, Tensor x, double t) {
        try {
            Affine c = coefficients(model, View.X0, t);
            return combine(x, c.p(), output, c.q());
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    /**
     * The raw network output with one time per row: {@code x} is [n, d], {@code t} has n entries; the
     * first d output columns.
     */
    static Tensor output(Model model, Tensor x, double[] t) {
        Tensor out = model.network().forward(x, column(x.backend(), t));
        if (out.rank() != 2 || out.dim(0) != x.dim(0) || out.dim(1) < x.dim(1)) {
            throw new IllegalStateException("network returned " + Arrays.toString(out.shape()) + " for input "
                    + Arrays.toString(x.shape()));
        }
        return out.dim(1) == x.dim(1) ? out : out.columns(0, x.dim(1));
    }

    /**
     * The model's {@code view} with one time per row: cx_r·x_r + cout_r·out_r with the coefficients
     * of row r's time. Differentiable in x (the likelihood's divergence takes its Jacobian).
     */
    static Tensor predict(Model model, View view, Tensor x, double[] t) {
        return convert(model, view, output(model, x, t), x, t);
    }

    /** Converts a network output taken at (x, t_r per row) into {@code view}. */
    static Tensor convert(Model model, View view, Tensor out, Tensor x, double[] t) {
        if (model.parameterization().predicts() == view) {
            return out;
        }
        double[] cx = new double[t.length];
        double[] cout = new double[t.length];
        boolean xTerm = false;
        for (int r = 0; r < t.length; r++) {
            Affine c = coefficients(model, view, t[r]);
            cx[r] = c.p();
            cout[r] = c.q();
            xTerm |= c.p() != 0;
        }
        Tensor v = out.mul(column(x.backend(), cout));
        return xTerm ? v.add(x.mul(column(x.backend(), cx))) : v;
    }

    /** A [n, 1] column of the values, for per-row coefficients that broadcast over coordinates. */
    static Tensor column(Backend backend, double[] values) {
        float[] f = new float[values.length];
        for (int i = 0; i < f.length; i++) {
            f[i] = (float) values[i];
        }
        return Tensor.of(backend, f, f.length, 1);
    }

    static Tensor matrix(Backend backend, double[][] rows) {
        int d = rows[0].length;
        float[] f = new float[rows.length * d];
        for (int i = 0; i < rows.length; i++) {
            for (int j = 0; j < d; j++) {
                f[i * d + j] = (float) rows[i][j];
            }
        }
        return Tensor.of(backend, f, rows.length, d);
    }

    static double[][] rows(Tensor t) {
        int n = t.dim(0);
        int d = t.dim(1);
        float[] f = t.toArray();
        double[][] out = new double[n][d];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < d; j++) {
                out[i][j] = f[i * d + j];
            }
        }
        return out;
    }

    static void checkStart(String sampler, Tensor xStart) {
        if (xStart.rank() != 2) {
            throw new IllegalArgumentException(sampler + " expects a [batch, dimension] start, got "
                    + Arrays.toString(xStart.shape()));
        }
    }
}
