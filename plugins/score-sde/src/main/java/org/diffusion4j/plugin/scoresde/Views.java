package org.diffusion4j.plugin.scoresde;

import java.util.Arrays;
import org.diffusion4j.api.Affine;
import org.diffusion4j.api.Model;
import org.diffusion4j.api.View;
import org.diffusion4j.api.tensor.Backend;
import org.diffusion4j.api.tensor.Tensor;

/**
 * What the samplers, the loss and the likelihood share: network calls with one time per row, and
 * host ↔ tensor helpers.
 */
final class Views {

    private Views() {
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
            Affine c = model.coefficients(view, t[r]);
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
