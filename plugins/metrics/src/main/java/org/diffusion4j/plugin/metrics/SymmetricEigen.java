package org.diffusion4j.plugin.metrics;

/**
 * Eigenvalues and eigenvectors of a real symmetric matrix by the cyclic Jacobi method (Jacobi 1846;
 * Golub and Van Loan, "Matrix Computations", 4th ed., §8.5.2–8.5.3): sweeps of plane rotations
 * {@code A ← JᵀAJ}, each one zeroing one off-diagonal pair {@code (p, q)}, in row order
 * {@code p < q}; the rotations accumulated in {@code V} are the eigenvectors. A pair is rotated only
 * while {@code |a_pq| > ε·√|a_pp·a_qq|} (ε = 10⁻¹⁶), the stopping rule under which Jacobi finds the
 * small eigenvalues of a positive definite matrix to high relative accuracy (Demmel and Veselić,
 * "Jacobi's method is more accurate than QR", SIAM J. Matrix Anal. Appl. 13, 1992); the iteration
 * ends after the first sweep that rotates nothing. In double precision, single-threaded and in a
 * fixed order, so the result is the same bits on every run.
 *
 * <p>Jacobi is chosen over tridiagonalisation + QR because it is short, always converges
 * (quadratically once the off-diagonal part is small) and is accurate for the nearly singular
 * covariances that feature sets give. Each sweep costs about {@code 4d³} flops; a covariance of 64
 * features converges in well under 20 sweeps (milliseconds).
 */
final class SymmetricEigen {

    /** Sweeps before giving up; Jacobi converges in well under 20 for any matrix met in practice. */
    private static final int MAX_SWEEPS = 100;
    /** ε of the stopping rule: a pair is negligible when |a_pq| ≤ ε·√|a_pp·a_qq|. */
    private static final double EPSILON = 1e-16;

    /** An eigen-decomposition {@code A = V·diag(values)·Vᵀ}: eigenvector k is column k of {@code vectors}. */
    record Decomposition(double[] values, double[][] vectors) {
    }

    private SymmetricEigen() {
    }

    /**
     * Decomposes the symmetric matrix {@code a} (only its values are read; it is not modified; the
     * upper and lower triangles are averaged first, so a matrix that is symmetric up to rounding is
     * accepted). Eigenvalues are in no particular order.
     *
     * @throws IllegalArgumentException if {@code a} is not square or holds a non-finite value
     */
    static Decomposition of(double[][] a) {
        int d = a.length;
        double[][] m = new double[d][d];
        for (int i = 0; i < d; i++) {
            if (a[i].length != d) {
                throw new IllegalArgumentException("the matrix must be square, row " + i + " has " + a[i].length
                        + " values for " + d + " rows");
            }
            for (int j = 0; j < d; j++) {
                double v = 0.5 * (a[i][j] + a[j][i]);
                if (!Double.isFinite(v)) {
                    throw new IllegalArgumentException("the matrix holds a non-finite value at (" + i + ", " + j + ")");
                }
                m[i][j] = v;
            }
        }
        double[][] v = new double[d][d];
        for (int i = 0; i < d; i++) {
            v[i][i] = 1.0;
        }
        boolean rotated = true;
        for (int sweep = 0; sweep < MAX_SWEEPS && rotated; sweep++) {
            rotated = false;
            for (int p = 0; p < d; p++) {
                for (int q = p + 1; q < d; q++) {
                    double apq = Math.abs(m[p][q]);
                    if (apq != 0.0 && apq > EPSILON * Math.sqrt(Math.abs(m[p][p])) * Math.sqrt(Math.abs(m[q][q]))) {
                        rotate(m, v, p, q);
                        rotated = true;
                    }
                }
            }
        }
        double[] values = new double[d];
        for (int i = 0; i < d; i++) {
            values[i] = m[i][i];
        }
        return new Decomposition(values, v);
    }

    /**
     * One Jacobi rotation in the plane (p, q) that makes {@code m[p][q] = 0}: with
     * {@code θ = (m_qq − m_pp) / (2 m_pq)} and {@code t = tan φ} the smaller root of
     * {@code t² + 2θt − 1 = 0} (so the rotation angle is at most π/4, which the convergence proof
     * needs), {@code c = 1/√(1+t²)}, {@code s = t·c}: {@code m_pp −= t·m_pq}, {@code m_qq += t·m_pq},
     * and columns/rows p and q of m, columns p and q of v, rotated by (c, s).
     */
    private static void rotate(double[][] m, double[][] v, int p, int q) {
        double apq = m[p][q];
        double theta = (m[q][q] - m[p][p]) / (2.0 * apq);
        double t;
        if (Math.abs(theta) > 1e150) {
            t = 0.5 / theta;                       // θ² would overflow; t = 1/(2θ) to first order
        } else {
            t = Math.copySign(1.0, theta) / (Math.abs(theta) + Math.sqrt(theta * theta + 1.0));
        }
        double c = 1.0 / Math.sqrt(t * t + 1.0);
        double s = t * c;
        int d = m.length;
        m[p][p] -= t * apq;
        m[q][q] += t * apq;
        m[p][q] = 0.0;
        m[q][p] = 0.0;
        for (int r = 0; r < d; r++) {
            if (r != p && r != q) {
                double arp = m[r][p];
                double arq = m[r][q];
                double np = c * arp - s * arq;
                double nq = s * arp + c * arq;
                m[r][p] = np;
                m[p][r] = np;
                m[r][q] = nq;
                m[q][r] = nq;
            }
        }
        for (int r = 0; r < d; r++) {
            double vrp = v[r][p];
            double vrq = v[r][q];
            v[r][p] = c * vrp - s * vrq;
            v[r][q] = s * vrp + c * vrq;
        }
    }
}
