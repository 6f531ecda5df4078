package org.diffusion4j.plugin.metrics;

import org.diffusion4j.api.Metric;
import org.diffusion4j.api.PointSet;

/**
 * Fréchet distance between the Gaussian fits of two point sets: the squared 2-Wasserstein distance
 * between N(μ₁, S₁) and N(μ₂, S₂) (Dowson and Landau, "The Fréchet distance between multivariate
 * normal distributions", J. Multivariate Anal. 12, 1982), which Heusel, Ramsauer, Unterthiner,
 * Nessler and Hochreiter ("GANs Trained by a Two Time-Scale Update Rule Converge to a Local Nash
 * Equilibrium", NeurIPS 2017) apply to Inception features as the FID:
 *
 * <pre>
 *   FD = |μ₁ − μ₂|² + Tr(S₁ + S₂ − 2 (S₁S₂)^½)
 * </pre>
 *
 * <p>μ and S are the sample mean and the unbiased sample covariance (divisor n − 1) of each set. On
 * the features of a classifier ({@code diffusion4j classifier}) this is the FID with that classifier
 * in place of Inception; on raw points it is a distance between their first two moments only (two
 * sets with equal means and covariances score 0 whatever their shapes).
 *
 * <p>Computation, in double precision, single-threaded, in a fixed order (the same bits on every
 * run). {@code (S₁S₂)^½} is not formed: its trace is the sum of the square roots of the eigenvalues of
 * the symmetric positive semi-definite {@code M = S₁^½ S₂ S₁^½}, which has the same eigenvalues as
 * {@code S₁S₂}. {@code S₁^½ = V·diag(√λ)·Vᵀ} from the eigen-decomposition of S₁, and the eigenvalues
 * of M, both by Jacobi's method ({@link SymmetricEigen}); eigenvalues that rounding makes slightly
 * negative (singular covariances: fewer points than dimensions, dead features) are taken as 0. Only
 * symmetric matrices are decomposed, so there are none of the complex parts that a general matrix
 * square root of the non-symmetric {@code S₁S₂} can return for nearly singular covariances, and no ε
 * needs adding to the diagonals. The value
 * is not clamped: two identical sets give 0 up to rounding, which can be a tiny negative number.
 * Cost: O((n + m)·d²) for the covariances and O(d³) per Jacobi sweep.
 *
 * <p>Samples with a non-finite coordinate score {@code NaN}.
 */
public final class FrechetDistance implements Metric {

    @Override
    public double compute(PointSet samples, PointSet reference) {
        PointColumns.check(FrechetDistanceProvider.NAME, samples, reference, 2);
        PointColumns x = PointColumns.of(samples);
        PointColumns y = PointColumns.of(reference);
        if (!x.finite || !y.finite) {
            return Double.NaN;
        }
        return distance(mean(x), covariance(x), mean(y), covariance(y));
    }

    /**
     * The Fréchet distance between N(mu1, s1) and N(mu2, s2) for symmetric positive semi-definite
     * s1 and s2 of the same size.
     */
    static double distance(double[] mu1, double[][] s1, double[] mu2, double[][] s2) {
        int d = mu1.length;
        double meanTerm = 0.0;
        for (int c = 0; c < d; c++) {
            double t = mu1[c] - mu2[c];
            meanTerm += t * t;
        }
        double traces = 0.0;
        for (int c = 0; c < d; c++) {
            traces += s1[c][c] + s2[c][c];
        }
        return meanTerm + (traces - 2.0 * traceSqrtProduct(s1, s2));
    }

    /** {@code Tr((S₁S₂)^½) = Σ √λ_k(S₁^½ S₂ S₁^½)}, eigenvalues clamped at 0. */
    static double traceSqrtProduct(double[][] s1, double[][] s2) {
        double[][] root = sqrt(s1);
        double[][] m = multiply(multiply(root, s2), root);
        double sum = 0.0;
        for (double lambda : SymmetricEigen.of(m).values()) {
            sum += Math.sqrt(Math.max(lambda, 0.0));
        }
        return sum;
    }

    /** The symmetric square root {@code V·diag(√max(λ, 0))·Vᵀ} of a symmetric positive semi-definite matrix. */
    static double[][] sqrt(double[][] s) {
        SymmetricEigen.Decomposition e = SymmetricEigen.of(s);
        int d = s.length;
        double[] r = new double[d];
        for (int k = 0; k < d; k++) {
            r[k] = Math.sqrt(Math.max(e.values()[k], 0.0));
        }
        double[][] v = e.vectors();
        double[][] out = new double[d][d];
        for (int i = 0; i < d; i++) {
            for (int j = i; j < d; j++) {
                double sum = 0.0;
                for (int k = 0; k < d; k++) {
                    sum += v[i][k] * r[k] * v[j][k];
                }
                out[i][j] = sum;
                out[j][i] = sum;
            }
        }
        return out;
    }

    /** {@code a·b} for square matrices. */
    private static double[][] multiply(double[][] a, double[][] b) {
        int d = a.length;
        double[][] out = new double[d][d];
        for (int i = 0; i < d; i++) {
            double[] row = out[i];
            for (int k = 0; k < d; k++) {
                double aik = a[i][k];
                double[] bk = b[k];
                for (int j = 0; j < d; j++) {
                    row[j] += aik * bk[j];
                }
            }
        }
        return out;
    }

    /** Sample mean of each coordinate. */
    static double[] mean(PointColumns x) {
        double[] mu = new double[x.dimension];
        for (int c = 0; c < x.dimension; c++) {
            mu[c] = PairSums.sum(x.column[c], x.count) / x.count;
        }
        return mu;
    }

    /**
     * Unbiased sample covariance {@code S = Σ_i (x_i − μ)(x_i − μ)ᵀ / (n − 1)}, by two passes (centre,
     * then multiply), which keeps the cancellation of the one-pass {@code Σxxᵀ − nμμᵀ} out of features
     * with a large mean.
     */
    static double[][] covariance(PointColumns x) {
        int n = x.count;
        int d = x.dimension;
        double[] mu = mean(x);
        double[][] centred = new double[d][n];
        for (int c = 0; c < d; c++) {
            double[] col = x.column[c];
            double[] out = centred[c];
            for (int i = 0; i < n; i++) {
                out[i] = col[i] - mu[c];
            }
        }
        double[][] s = new double[d][d];
        double[] products = new double[n];
        for (int a = 0; a < d; a++) {
            for (int b = a; b < d; b++) {
                double[] ca = centred[a];
                double[] cb = centred[b];
                for (int i = 0; i < n; i++) {
                    products[i] = ca[i] * cb[i];
                }
                double v = PairSums.sum(products, n) / (n - 1.0);
                s[a][b] = v;
                s[b][a] = v;
            }
        }
        return s;
    }
}
