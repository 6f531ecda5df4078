package org.diffusion4j.plugin.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.Arrays;
import org.diffusion4j.api.PointSet;
import org.diffusion4j.api.tensor.Rng;
import org.junit.jupiter.api.Test;
import org.diffusion4j.api.UserError;

/**
 * The Fréchet distance and the cubic-kernel MMD² (KID) against closed forms: sample statistics put
 * into the 2×2 formula for {@code Tr((S₁S₂)^½)}, population values of Gaussians, block-diagonal
 * matrices turned by a rotation, brute-force U-statistics, and the Jacobi eigensolver beneath.
 */
class ImageQualityMetricsTest {

    // ---- fixtures ------------------------------------------------------------------------------

    /** n points of N(mean, L·Lᵀ) in d dimensions ({@code l} lower triangular, row-major d×d). */
    private static PointSet gaussian(int n, double[] mean, double[][] l, long seed) {
        int d = mean.length;
        Rng rng = new Rng(seed);
        float[] v = new float[n * d];
        double[] z = new double[d];
        for (int i = 0; i < n; i++) {
            for (int c = 0; c < d; c++) {
                z[c] = rng.nextGaussian();
            }
            for (int r = 0; r < d; r++) {
                double x = mean[r];
                for (int c = 0; c <= r; c++) {
                    x += l[r][c] * z[c];
                }
                v[i * d + r] = (float) x;
            }
        }
        return new PointSet(d, v);
    }

    private static double[][] diagonal(double... values) {
        double[][] m = new double[values.length][values.length];
        for (int i = 0; i < values.length; i++) {
            m[i][i] = values[i];
        }
        return m;
    }

    /** The Cholesky factor of a 2×2 symmetric positive definite matrix. */
    private static double[][] cholesky2(double[][] s) {
        double l00 = Math.sqrt(s[0][0]);
        double l10 = s[1][0] / l00;
        return new double[][] {{l00, 0}, {l10, Math.sqrt(s[1][1] - l10 * l10)}};
    }

    /** R·diag(a, b)·Rᵀ with R the rotation by {@code angle}. */
    private static double[][] rotated2(double a, double b, double angle) {
        double c = Math.cos(angle);
        double s = Math.sin(angle);
        return new double[][] {{c * c * a + s * s * b, c * s * (a - b)}, {c * s * (a - b), s * s * a + c * c * b}};
    }

    private static double[][] multiply(double[][] a, double[][] b) {
        int n = a.length;
        double[][] out = new double[n][n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                for (int k = 0; k < n; k++) {
                    out[i][j] += a[i][k] * b[k][j];
                }
            }
        }
        return out;
    }

    private static double[][] transpose(double[][] a) {
        int n = a.length;
        double[][] out = new double[n][n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                out[j][i] = a[i][j];
            }
        }
        return out;
    }

    /** The Householder reflection I − 2vvᵀ/|v|²: exactly orthogonal in exact arithmetic, dense. */
    private static double[][] householder(double... v) {
        double norm2 = 0;
        for (double x : v) {
            norm2 += x * x;
        }
        double[][] h = new double[v.length][v.length];
        for (int i = 0; i < v.length; i++) {
            for (int j = 0; j < v.length; j++) {
                h[i][j] = (i == j ? 1.0 : 0.0) - 2.0 * v[i] * v[j] / norm2;
            }
        }
        return h;
    }

    /**
     * The 2-D Fréchet distance by the closed form of a 2×2 matrix square root: for S₁S₂ with
     * eigenvalues λ₁, λ₂ ≥ 0, Tr((S₁S₂)^½) = √λ₁ + √λ₂ = √(tr(S₁S₂) + 2√det(S₁S₂)), as
     * (√λ₁ + √λ₂)² = λ₁ + λ₂ + 2√(λ₁λ₂). No eigensolver involved.
     */
    private static double frechet2(double[] mu1, double[][] s1, double[] mu2, double[][] s2) {
        double[][] p = multiply(s1, s2);
        double det1 = s1[0][0] * s1[1][1] - s1[0][1] * s1[1][0];
        double det2 = s2[0][0] * s2[1][1] - s2[0][1] * s2[1][0];
        double traceSqrt = Math.sqrt(p[0][0] + p[1][1] + 2 * Math.sqrt(det1 * det2));
        double dm = Math.pow(mu1[0] - mu2[0], 2) + Math.pow(mu1[1] - mu2[1], 2);
        return dm + s1[0][0] + s1[1][1] + s2[0][0] + s2[1][1] - 2 * traceSqrt;
    }

    /** Sample mean and unbiased covariance, the plain way. */
    private static double[] sampleMean(PointSet p) {
        double[] mu = new double[p.dimension()];
        for (int i = 0; i < p.count(); i++) {
            for (int c = 0; c < mu.length; c++) {
                mu[c] += p.get(i, c);
            }
        }
        for (int c = 0; c < mu.length; c++) {
            mu[c] /= p.count();
        }
        return mu;
    }

    private static double[][] sampleCovariance(PointSet p) {
        double[] mu = sampleMean(p);
        int d = p.dimension();
        double[][] s = new double[d][d];
        for (int i = 0; i < p.count(); i++) {
            for (int a = 0; a < d; a++) {
                for (int b = 0; b < d; b++) {
                    s[a][b] += (p.get(i, a) - mu[a]) * (p.get(i, b) - mu[b]);
                }
            }
        }
        for (double[] row : s) {
            for (int b = 0; b < d; b++) {
                row[b] /= p.count() - 1;
            }
        }
        return s;
    }

    // ---- the eigensolver -----------------------------------------------------------------------

    @Test
    void jacobiFindsTheEigenvaluesOfARotatedDiagonalMatrixIncludingTinyAndZeroOnes() {
        double[] lambda = {5.0, 2.0, 1.0, 0.5, 1e-3, 1e-10, 0.0, -0.75};
        double[][] q = householder(1, -2, 0.5, 3, -1, 0.25, 2, -0.5);
        double[][] a = multiply(multiply(q, diagonal(lambda)), transpose(q));
        SymmetricEigen.Decomposition e = SymmetricEigen.of(a);
        double[] found = e.values().clone();
        Arrays.sort(found);
        double[] expected = lambda.clone();
        Arrays.sort(expected);
        for (int k = 0; k < expected.length; k++) {
            assertThat(found[k]).as("eigenvalue %d", k).isCloseTo(expected[k], within(1e-14));
        }
        // V is orthogonal and V·diag(values)·Vᵀ gives back A
        double[][] v = e.vectors();
        double[][] vtv = multiply(transpose(v), v);
        double[][] back = multiply(multiply(v, diagonal(e.values())), transpose(v));
        for (int i = 0; i < a.length; i++) {
            for (int j = 0; j < a.length; j++) {
                assertThat(vtv[i][j]).isCloseTo(i == j ? 1.0 : 0.0, within(1e-14));
                assertThat(back[i][j]).isCloseTo(a[i][j], within(1e-14));
            }
        }
    }

    @Test
    void jacobiDecomposesARandomSymmetricMatrix() {
        int d = 30;
        Rng rng = new Rng(7);
        double[][] a = new double[d][d];
        for (int i = 0; i < d; i++) {
            for (int j = 0; j <= i; j++) {
                a[i][j] = rng.nextGaussian();
                a[j][i] = a[i][j];
            }
        }
        SymmetricEigen.Decomposition e = SymmetricEigen.of(a);
        double[][] v = e.vectors();
        double[][] back = multiply(multiply(v, diagonal(e.values())), transpose(v));
        for (int i = 0; i < d; i++) {
            for (int j = 0; j < d; j++) {
                assertThat(back[i][j]).isCloseTo(a[i][j], within(1e-12));
            }
        }
        double trace = 0;
        double sum = 0;
        for (int i = 0; i < d; i++) {
            trace += a[i][i];
            sum += e.values()[i];
        }
        assertThat(sum).isCloseTo(trace, within(1e-12));
    }

    @Test
    void theSquareRootSquaresBackToTheMatrix() {
        double[][] q = householder(0.3, 1, -2, 0.7);
        double[][] s = multiply(multiply(q, diagonal(9, 4, 0.01, 0)), transpose(q));
        double[][] r = FrechetDistance.sqrt(s);
        double[][] rr = multiply(r, r);
        for (int i = 0; i < 4; i++) {
            for (int j = 0; j < 4; j++) {
                assertThat(rr[i][j]).isCloseTo(s[i][j], within(1e-13));
                assertThat(r[i][j]).isEqualTo(r[j][i]);
            }
        }
    }

    // ---- Fréchet distance ----------------------------------------------------------------------

    @Test
    void frechetOfTwoSampledSetsIsThe2x2ClosedFormOfTheirSampleStatisticsForNonCommutingCovariances() {
        double[][] s1 = rotated2(4.0, 0.25, 0.0);
        double[][] s2 = rotated2(1.0, 2.0, Math.PI / 6);
        PointSet x = gaussian(400, new double[] {0.5, -1.0}, cholesky2(s1), 1);
        PointSet y = gaussian(300, new double[] {-0.25, 0.75}, cholesky2(s2), 2);
        double[][] c1 = sampleCovariance(x);
        double[][] c2 = sampleCovariance(y);
        // the sample covariances do not commute, so (S₁S₂)^½ is not S₁^½S₂^½
        double[][] c12 = multiply(c1, c2);
        double[][] c21 = multiply(c2, c1);
        assertThat(Math.abs(c12[0][1] - c21[0][1])).isGreaterThan(0.5);
        double expected = frechet2(sampleMean(x), c1, sampleMean(y), c2);
        assertThat(new FrechetDistance().compute(x, y)).isCloseTo(expected, within(1e-12 * expected));
    }

    @Test
    void frechetOfLargeSamplesApproachesThePopulationValueForNonCommutingCovariances() {
        double[][] s1 = rotated2(9.0, 0.1, 0.0);
        double[][] s2 = rotated2(9.0, 0.1, Math.PI / 3);
        double[] m1 = {0.5, -1.0};
        double[] m2 = {-0.25, 0.75};
        PointSet x = gaussian(40_000, m1, cholesky2(s1), 3);
        PointSet y = gaussian(40_000, m2, cholesky2(s2), 4);
        double population = frechet2(m1, s1, m2, s2);
        // the value if (S₁S₂)^½ were taken as S₁^½S₂^½, right only for commuting matrices: a wrong
        // formula that the estimate must be told apart from
        double[][] naive = multiply(FrechetDistance.sqrt(s1), FrechetDistance.sqrt(s2));
        double wrong = Math.pow(m1[0] - m2[0], 2) + Math.pow(m1[1] - m2[1], 2)
                + s1[0][0] + s1[1][1] + s2[0][0] + s2[1][1] - 2 * (naive[0][0] + naive[1][1]);
        assertThat(Math.abs(wrong - population)).isGreaterThan(2.0);
        double fd = new FrechetDistance().compute(x, y);
        assertThat(fd).isCloseTo(population, within(0.05 * population));
        assertThat(Math.abs(fd - population)).isLessThan(Math.abs(fd - wrong));
    }

    @Test
    void frechetOfDiagonalGaussiansIsTheMeanDistancePlusTheSquaredDifferencesOfStandardDeviations() {
        double[] va = {1.0, 4.0, 0.25, 2.0, 1.0};
        double[] vb = {2.0, 1.0, 0.25, 0.5, 9.0};
        double[] ma = {0, 1, 0, -1, 0.5};
        double[] mb = {0.5, 1, -0.5, -1, 0};
        double[][] la = new double[5][5];
        double[][] lb = new double[5][5];
        double population = 0;
        for (int c = 0; c < 5; c++) {
            la[c][c] = Math.sqrt(va[c]);
            lb[c][c] = Math.sqrt(vb[c]);
            population += Math.pow(ma[c] - mb[c], 2) + Math.pow(Math.sqrt(va[c]) - Math.sqrt(vb[c]), 2);
        }
        double fd = new FrechetDistance().compute(gaussian(40_000, ma, la, 5), gaussian(40_000, mb, lb, 6));
        assertThat(fd).isCloseTo(population, within(0.03 * population));
    }

    @Test
    void frechetOfBlockDiagonalCovariancesTurnedByARotationIsTheSumOverTheBlocks() {
        // three non-commuting 2×2 blocks: the distance is the sum of the blocks' 2-D distances, and a
        // rotation Q applied to both Gaussians (μ → Qμ, S → QSQᵀ) leaves it unchanged, while making
        // every matrix entry non-zero so that the eigensolver sees a full matrix
        double[][][] b1 = {rotated2(4, 0.25, 0), rotated2(1, 3, 0.4), rotated2(0.5, 0.5, 0)};
        double[][][] b2 = {rotated2(1, 2, Math.PI / 6), rotated2(2, 0.1, -1.1), rotated2(0.2, 1.5, 2.0)};
        double[] mu1 = {1, 0, 0, 2, -1, 0};
        double[] mu2 = {0, 0.5, 0, 2, 1, 1};
        double[][] s1 = new double[6][6];
        double[][] s2 = new double[6][6];
        double expected = 0;
        for (int k = 0; k < 3; k++) {
            for (int i = 0; i < 2; i++) {
                for (int j = 0; j < 2; j++) {
                    s1[2 * k + i][2 * k + j] = b1[k][i][j];
                    s2[2 * k + i][2 * k + j] = b2[k][i][j];
                }
            }
            expected += frechet2(new double[] {mu1[2 * k], mu1[2 * k + 1]}, b1[k],
                    new double[] {mu2[2 * k], mu2[2 * k + 1]}, b2[k]);
        }
        assertThat(FrechetDistance.distance(mu1, s1, mu2, s2)).isCloseTo(expected, within(1e-12 * expected));
        double[][] q = householder(1, 2, -1, 0.5, -3, 1);
        double[][] t1 = multiply(multiply(q, s1), transpose(q));
        double[][] t2 = multiply(multiply(q, s2), transpose(q));
        double[] q1 = new double[6];
        double[] q2 = new double[6];
        for (int i = 0; i < 6; i++) {
            for (int j = 0; j < 6; j++) {
                q1[i] += q[i][j] * mu1[j];
                q2[i] += q[i][j] * mu2[j];
            }
        }
        assertThat(FrechetDistance.distance(q1, t1, q2, t2)).isCloseTo(expected, within(1e-12 * expected));
    }

    @Test
    void frechetOfASetWithItselfIsZeroAndItIsSymmetric() {
        double[][] l = {{1, 0, 0}, {0.5, 2, 0}, {-1, 0.3, 0.1}};
        PointSet x = gaussian(2000, new double[] {1, 2, 3}, l, 8);
        PointSet y = gaussian(1500, new double[] {1, 2.5, 3}, l, 9);
        FrechetDistance fd = new FrechetDistance();
        assertThat(fd.compute(x, x)).isCloseTo(0.0, within(1e-12));
        double xy = fd.compute(x, y);
        assertThat(xy).isGreaterThan(0.2);
        assertThat(fd.compute(y, x)).isCloseTo(xy, within(1e-12 * xy));
    }

    @Test
    void frechetHandlesSingularCovariancesFewerPointsThanDimensions() {
        // 5 points in 8 dimensions: rank-4 covariances; the eigenvalues that rounding makes negative
        // are clamped, so the value is finite, ≈ 0 for a set with itself, and positive otherwise
        PointSet x = Fixtures.gaussian(5, 8, 0.0, 1.0, 21);
        PointSet y = Fixtures.gaussian(5, 8, 0.0, 1.0, 22);
        FrechetDistance fd = new FrechetDistance();
        assertThat(fd.compute(x, x)).isCloseTo(0.0, within(1e-6));
        assertThat(fd.compute(x, y)).isFinite().isGreaterThan(1.0);
    }

    @Test
    void frechetOfOneDimensionalSetsIsTheExactGaussianW2Squared() {
        // 1-D: FD = (μ₁ − μ₂)² + (s₁ − s₂)² with s the unbiased sample standard deviations
        PointSet x = new PointSet(1, new float[] {0, 2, 4});       // μ 2, s² 4
        PointSet y = new PointSet(1, new float[] {1, 2});          // μ 1.5, s² 0.5
        double expected = 0.25 + Math.pow(2 - Math.sqrt(0.5), 2);
        assertThat(new FrechetDistance().compute(x, y)).isCloseTo(expected, within(1e-14));
    }

    // ---- KID: the cubic-kernel MMD² --------------------------------------------------------------

    private static double bruteForceKid(PointSet x, PointSet y) {
        int d = x.dimension();
        double xx = 0;
        double yy = 0;
        double xy = 0;
        for (int i = 0; i < x.count(); i++) {
            for (int j = 0; j < x.count(); j++) {
                xx += i == j ? 0 : Math.pow(dot(x, i, x, j) / d + 1, 3);
            }
            for (int j = 0; j < y.count(); j++) {
                xy += Math.pow(dot(x, i, y, j) / d + 1, 3);
            }
        }
        for (int i = 0; i < y.count(); i++) {
            for (int j = 0; j < y.count(); j++) {
                yy += i == j ? 0 : Math.pow(dot(y, i, y, j) / d + 1, 3);
            }
        }
        int n = x.count();
        int m = y.count();
        return xx / ((double) n * (n - 1)) + yy / ((double) m * (m - 1)) - 2 * xy / ((double) n * m);
    }

    private static double dot(PointSet a, int i, PointSet b, int j) {
        double s = 0;
        for (int c = 0; c < a.dimension(); c++) {
            s += (double) a.get(i, c) * b.get(j, c);
        }
        return s;
    }

    /**
     * E[(xᵀy/d + 1)³] for independent x ~ N(a, A), y ~ N(b, B), from the moments of s = xᵀy:
     * E[s] = aᵀb; E[s²] = tr((A + aaᵀ)(B + bbᵀ)); and, since s | x ~ N(xᵀb, xᵀBx) and
     * E[z³] = μ³ + 3μσ² for z ~ N(μ, σ²), E[s³] = E[(xᵀb)³] + 3E[(xᵀb)(xᵀBx)]
     * = (aᵀb)³ + 3(aᵀb)(bᵀAb) + 3[(aᵀb)(aᵀBa + tr(AB)) + 2aᵀBAb]
     * (for d = 1: E[x³]E[y³] = (a³ + 3aα)(b³ + 3bβ), which this reproduces).
     */
    private static double expectedKernel(double[] a, double[][] bigA, double[] b, double[][] bigB) {
        int d = a.length;
        double ab = 0;
        double bAb = 0;
        double aBa = 0;
        double trAB = 0;
        double aBAb = 0;
        double es2 = 0;
        for (int i = 0; i < d; i++) {
            ab += a[i] * b[i];
            for (int j = 0; j < d; j++) {
                bAb += b[i] * bigA[i][j] * b[j];
                aBa += a[i] * bigB[i][j] * a[j];
                trAB += bigA[i][j] * bigB[j][i];
                es2 += (bigA[i][j] + a[i] * a[j]) * (bigB[j][i] + b[j] * b[i]);
                for (int k = 0; k < d; k++) {
                    aBAb += a[i] * bigB[i][j] * bigA[j][k] * b[k];
                }
            }
        }
        double es3 = ab * ab * ab + 3 * ab * bAb + 3 * (ab * (aBa + trAB) + 2 * aBAb);
        return es3 / Math.pow(d, 3) + 3 * es2 / Math.pow(d, 2) + 3 * ab / d + 1;
    }

    private static double populationKid(double[] a, double[][] bigA, double[] b, double[][] bigB) {
        return expectedKernel(a, bigA, a, bigA) + expectedKernel(b, bigB, b, bigB) - 2 * expectedKernel(a, bigA, b, bigB);
    }

    @Test
    void kidIsTheUnbiasedEstimatorWithTheCubicKernel() {
        PointSet x = Fixtures.gaussian(300, 4, 0.0, 1.0, 31);
        PointSet y = Fixtures.translate(Fixtures.gaussian(250, 4, 0.0, 1.5, 32), 0.5, 0, -0.5, 1);
        double expected = bruteForceKid(x, y);
        assertThat(new KernelInceptionDistance().compute(x, y)).isCloseTo(expected, within(1e-12 * Math.abs(expected)));
    }

    @Test
    void theClosedFormOfTheExpectedKernelMatchesMonteCarlo() {
        // checks the test's own formula before it is used as a reference
        double[] a = {0.5, -0.2, 1.0};
        double[] b = {-0.3, 0.4, 0.6};
        double[][] bigA = {{1.0, 0.3, 0}, {0.3, 0.8, -0.2}, {0, -0.2, 1.5}};
        double[][] bigB = diagonal(0.7, 1.2, 0.4);
        double[][] la = {{1.0, 0, 0}, {0.3, Math.sqrt(0.8 - 0.09), 0}, {0, 0, 0}};
        la[2][1] = -0.2 / la[1][1];
        la[2][2] = Math.sqrt(1.5 - la[2][1] * la[2][1]);
        double[][] lb = diagonal(Math.sqrt(0.7), Math.sqrt(1.2), Math.sqrt(0.4));
        int n = 400_000;
        PointSet x = gaussian(n, a, la, 41);
        PointSet y = gaussian(n, b, lb, 42);
        double sum = 0;
        double sq = 0;
        for (int i = 0; i < n; i++) {
            double k = Math.pow(dot(x, i, y, i) / 3 + 1, 3);
            sum += k;
            sq += k * k;
        }
        double mean = sum / n;
        double stderr = Math.sqrt((sq / n - mean * mean) / n);
        assertThat(mean).isCloseTo(expectedKernel(a, bigA, b, bigB), within(4 * stderr));
    }

    @Test
    void kidOfShiftedGaussiansMatchesThePopulationMmdAndFarExceedsTheFloor() {
        double[] a = {0, 0, 0};
        double[][] bigA = diagonal(1, 1, 1);
        double[] b = {0.5, 0.0, -0.3};
        double[][] bigB = diagonal(1.5, 1.0, 0.8);
        double population = populationKid(a, bigA, b, bigB);
        double[][] lb = diagonal(Math.sqrt(1.5), 1.0, Math.sqrt(0.8));
        KernelInceptionDistance kid = new KernelInceptionDistance();
        PointSet x = gaussian(8000, a, diagonal(1, 1, 1), 51);
        PointSet x2 = gaussian(8000, a, diagonal(1, 1, 1), 52);
        PointSet y = gaussian(8000, b, lb, 53);
        double shifted = kid.compute(y, x);
        double floor = kid.compute(x2, x);
        // the cubic kernel is heavy-tailed: the estimate's standard deviation is ≈ 7 % of the value
        // at n = 8000 (11 % at n = 3000 over 12 seeds), so 25 % is ≈ 3.5 of them; a quadratic kernel
        // would give a third of the value, a kernel without the 1/d twelve times as much
        assertThat(shifted).isCloseTo(population, within(0.25 * population));
        assertThat(shifted).isGreaterThan(30 * Math.abs(floor));
    }

    @Test
    void kidOfTwoSamplesOfOneDistributionAveragesZeroAndIsSometimesNegative() {
        KernelInceptionDistance kid = new KernelInceptionDistance();
        int trials = 30;
        double sum = 0;
        double sq = 0;
        int negative = 0;
        for (int t = 0; t < trials; t++) {
            double v = kid.compute(Fixtures.gaussian(200, 3, 0.5, 1.0, 100 + 2 * t),
                    Fixtures.gaussian(150, 3, 0.5, 1.0, 101 + 2 * t));
            sum += v;
            sq += v * v;
            negative += v < 0 ? 1 : 0;
        }
        double mean = sum / trials;
        double sd = Math.sqrt((sq - trials * mean * mean) / (trials - 1));
        assertThat(Math.abs(mean)).isLessThan(3 * sd / Math.sqrt(trials));
        assertThat(negative).isBetween(3, trials - 3);
    }

    @Test
    void bothRefuseSetsOfOnePoint() {
        PointSet one = new PointSet(2, new float[] {1, 2});
        PointSet two = new PointSet(2, new float[] {1, 2, 3, 4});
        assertThatThrownBy(() -> new FrechetDistance().compute(one, two))
                .isInstanceOf(UserError.class)
                .hasMessageContaining("frechet").hasMessageContaining("at least 2 points");
        assertThatThrownBy(() -> new KernelInceptionDistance().compute(two, one))
                .isInstanceOf(UserError.class)
                .hasMessageContaining("kid").hasMessageContaining("at least 2 points");
    }
}
