package org.diffusion4j.plugin.scoresde;

import java.util.Arrays;
import org.diffusion4j.api.NonFiniteOutputException;
import org.diffusion4j.api.config.ConfigException;

/**
 * The adaptive Dormand–Prince 5(4) Runge–Kutta method (Dormand and Prince 1980; the RK45 of SciPy's
 * {@code solve_ivp}, which Song et al. 2021 use for the probability-flow ODE, §4.3 and Appendix D.2),
 * with one step size <b>per row</b>: each row of the batch is an independent ODE with its own error
 * control, so a row's trajectory and its number of function evaluations do not depend on the other
 * rows of the batch (DESIGN.md: sample k is the same whatever the batch). All rows still share each
 * network call: a stage evaluates the field for every active row at that row's own time.
 *
 * <p>Error control as in SciPy: the error estimate of the embedded 4th-order solution is scaled by
 * atol + rtol·max(|y|, |y_new|), its RMS over the row's components must be ≤ 1; the next step is
 * h·min(10, max(0.2, 0.9·err^{−1/5})) (at most 1 after a rejection). The first step is
 * 0.01·‖y0‖/‖f(y0)‖ in the scaled RMS norm (10⁻⁶ where either is tiny), capped at the whole interval.
 * Evaluations are counted per row: 1 for the first stage, then 6 per attempted step (the 7th stage
 * is the next step's first, FSAL).
 *
 * <p>A field value that is not finite (a diverged network) ends the integration with an
 * {@link NonFiniteOutputException} naming the caller and the time: the controller would otherwise turn it
 * into a NaN step size and time.
 */
final class DormandPrince {

    /** The right-hand side for a subset of rows. */
    @FunctionalInterface
    interface Field {
        /**
         * @param rows the row indices of the batch being evaluated
         * @param t    one time per listed row
         * @param y    one state per listed row
         * @return dy/dt per listed row
         */
        double[][] evaluate(int[] rows, double[] t, double[][] y);
    }

    /** Called after each iteration (one attempted step of every active row). */
    @FunctionalInterface
    interface Progress {
        void onIteration(int iteration, int evaluations, double[] t, double[][] y);
    }

    /** The solution at the end time and the function evaluations per row. */
    record Solution(double[][] y, int[] evaluations, int networkCalls) {
        int maxEvaluations() {
            return Arrays.stream(evaluations).max().orElse(0);
        }
    }

    private static final double[] C = {0, 1.0 / 5, 3.0 / 10, 4.0 / 5, 8.0 / 9, 1, 1};
    private static final double[][] A = {
            {},
            {1.0 / 5},
            {3.0 / 40, 9.0 / 40},
            {44.0 / 45, -56.0 / 15, 32.0 / 9},
            {19372.0 / 6561, -25360.0 / 2187, 64448.0 / 6561, -212.0 / 729},
            {9017.0 / 3168, -355.0 / 33, 46732.0 / 5247, 49.0 / 176, -5103.0 / 18656},
            {35.0 / 384, 0, 500.0 / 1113, 125.0 / 192, -2187.0 / 6784, 11.0 / 84}};
    /** 5th-order weights minus the embedded 4th-order weights (the error estimate). */
    private static final double[] E = {71.0 / 57600, 0, -71.0 / 16695, 71.0 / 1920, -17253.0 / 339200, 22.0 / 525,
            -1.0 / 40};

    private final String owner;
    private final double rtol;
    private final double atol;
    private final int maxSteps;

    /** @param owner the component integrating, named in error messages */
    DormandPrince(String owner, double rtol, double atol, int maxSteps) {
        this.owner = owner;
        this.rtol = rtol;
        this.atol = atol;
        this.maxSteps = maxSteps;
    }

    Solution integrate(Field field, double[][] y0, double t0, double t1, Progress progress) {
        int n = y0.length;
        double dir = Math.signum(t1 - t0);
        double[][] y = new double[n][];
        for (int r = 0; r < n; r++) {
            y[r] = y0[r].clone();
        }
        double[] t = new double[n];
        Arrays.fill(t, t0);
        int[] all = new int[n];
        for (int r = 0; r < n; r++) {
            all[r] = r;
        }
        int[] evaluations = new int[n];
        int calls = 1;
        double[][] k1 = field.evaluate(all, t.clone(), y);
        checkFinite(k1, all, t);
        Arrays.fill(evaluations, 1);
        double[] h = new double[n];
        for (int r = 0; r < n; r++) {
            double d0 = rms(y[r], null, y[r]);
            double d1 = rms(k1[r], null, y[r]);
            double step = d0 < 1e-5 || d1 < 1e-5 ? 1e-6 : 0.01 * d0 / d1;
            h[r] = dir * Math.min(step, Math.abs(t1 - t0));
        }
        boolean[] done = new boolean[n];
        int[] attempts = new int[n];
        int iteration = 0;
        while (true) {
            int[] active = activeRows(done);
            if (active.length == 0) {
                break;
            }
            int m = active.length;
            double[] hs = new double[m];
            double[] ts = new double[m];
            for (int i = 0; i < m; i++) {
                int r = active[i];
                if (++attempts[r] > maxSteps) {
                    // The user's max-steps / tolerances are what to change: a config error, not a crash.
                    throw new ConfigException("RK45 (rtol " + rtol + ", atol " + atol + ") did not reach t = " + t1
                            + " within " + maxSteps + " steps (row " + r + " is at t = " + t[r] + ", step " + h[r]
                            + "); raise max-steps or the tolerances");
                }
                double remaining = t1 - t[r];
                if (Math.abs(h[r]) > Math.abs(remaining)) {
                    h[r] = remaining;
                }
                hs[i] = h[r];
                ts[i] = t[r];
            }
            double[][][] k = new double[7][][];
            k[0] = new double[m][];
            for (int i = 0; i < m; i++) {
                k[0][i] = k1[active[i]];
            }
            double[][] stage = null;
            for (int s = 1; s < 7; s++) {
                stage = new double[m][];
                double[] st = new double[m];
                for (int i = 0; i < m; i++) {
                    double[] yr = y[active[i]];
                    double[] v = yr.clone();
                    for (int j = 0; j < s; j++) {
                        double a = A[s][j];
                        if (a != 0) {
                            double[] kj = k[j][i];
                            for (int c = 0; c < v.length; c++) {
                                v[c] += hs[i] * a * kj[c];
                            }
                        }
                    }
                    stage[i] = v;
                    st[i] = s == 6 ? ts[i] + hs[i] : ts[i] + C[s] * hs[i];
                }
                // At s = 6 the stage input is the 5th-order solution itself (A[6] = b5): FSAL.
                k[s] = field.evaluate(active, st, stage);
                checkFinite(k[s], active, st);
                calls++;
            }
            double[][] y5 = stage;
            for (int i = 0; i < m; i++) {
                int r = active[i];
                evaluations[r] += 6;
                double[] err = new double[y5[i].length];
                for (int c = 0; c < err.length; c++) {
                    double e = 0;
                    for (int s = 0; s < 7; s++) {
                        e += E[s] * k[s][i][c];
                    }
                    err[c] = hs[i] * e;
                }
                double norm = rms(err, y[r], y5[i]);
                double factor;
                if (norm <= 1) {
                    t[r] = ts[i] + hs[i];
                    y[r] = y5[i];
                    k1[r] = k[6][i];
                    factor = norm == 0 ? 10 : Math.min(10, Math.max(0.2, 0.9 * Math.pow(norm, -0.2)));
                    if (t[r] == t1 || Math.abs(t1 - t[r]) <= 1e-12 * Math.abs(t1 - t0)) {
                        t[r] = t1;
                        done[r] = true;
                    }
                } else {
                    factor = Math.max(0.2, 0.9 * Math.pow(norm, -0.2));
                }
                h[r] = hs[i] * factor;
            }
            if (progress != null) {
                progress.onIteration(iteration, Arrays.stream(evaluations).max().orElse(0), t, y);
            }
            iteration++;
        }
        return new Solution(y, evaluations, calls);
    }

    private void checkFinite(double[][] values, int[] rows, double[] t) {
        for (int i = 0; i < values.length; i++) {
            for (double v : values[i]) {
                if (!Double.isFinite(v)) {
                    throw new NonFiniteOutputException(owner + ": the model's output is not finite (" + v + ") at t = "
                            + t[i] + " for sample " + rows[i] + ", so RK45 cannot continue; the network has diverged");
                }
            }
        }
    }

    private static int[] activeRows(boolean[] done) {
        int count = 0;
        for (boolean d : done) {
            count += d ? 0 : 1;
        }
        int[] rows = new int[count];
        int i = 0;
        for (int r = 0; r < done.length; r++) {
            if (!done[r]) {
                rows[i++] = r;
            }
        }
        return rows;
    }

    /** RMS of v scaled by atol + rtol·max(|a|, |b|) (a may be null). */
    private double rms(double[] v, double[] a, double[] b) {
        double s = 0;
        for (int c = 0; c < v.length; c++) {
            double scale = atol + rtol * Math.max(a == null ? 0 : Math.abs(a[c]), Math.abs(b[c]));
            double q = v[c] / scale;
            s += q * q;
        }
        return Math.sqrt(s / v.length);
    }
}
