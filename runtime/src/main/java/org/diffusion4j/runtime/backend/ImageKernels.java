package org.diffusion4j.runtime.backend;

import java.util.Arrays;

/**
 * The image kernels of {@link JavaBackend} (convolution lowering, softmax, group normalisation,
 * row scatter-add): static methods over flat arrays, each the body of one parallel loop over work
 * items [lo, hi), with the same rules as {@link Kernels}. Every output element is written by
 * exactly one item in a fixed order of operations, so results do not depend on how the loop is
 * cut, nor on the thread count. A convolution is lowered to {@link JavaBackend#gemm} through
 * im2col (forward; input gradient via col2im; weight gradient with the GEMM transposing it) on chunks of images
 * (Chellapilla, Puri and Simard, "High performance convolutional neural networks for document
 * processing", 2006).
 */
final class ImageKernels {

    private ImageKernels() {
    }

    /** First output column ox ≥ 0 whose input column {@code ox·stride − pad + kj} is ≥ 0. */
    private static int firstInside(int pad, int kj, int stride) {
        int need = pad - kj;
        return need <= 0 ? 0 : (need + stride - 1) / stride;
    }

    /** One past the last output column (≤ wo) whose input column {@code ox·stride − pad + kj} is &lt; w. */
    private static int endInside(int w, int pad, int kj, int stride, int wo) {
        int lim = w - 1 + pad - kj;
        return lim < 0 ? 0 : Math.min(wo, lim / stride + 1);
    }

    /**
     * im2col for a chunk of images: item {@code img·K + r} (K = cin·kh·kw, r = (c·kh + i)·kw + j)
     * writes row r of image img's column matrix, {@code cols[(img·K + r)·ho·wo + oy·wo + ox] =
     * x[xOff + ((img·cin + c)·h + oy·stride − pad + i)·w + ox·stride − pad + j]}, zero outside the input.
     */
    static void im2col(int lo, int hi, float[] x, int xOff, int cin, int h, int w, int kh, int kw, int stride,
                       int pad, int ho, int wo, float[] cols) {
        int kk = kh * kw;
        int k = cin * kk;
        int plane = ho * wo;
        for (int item = lo; item < hi; item++) {
            int img = item / k;
            int r = item - img * k;
            int c = r / kk;
            int rest = r - c * kk;
            int ki = rest / kw;
            int kj = rest - ki * kw;
            int src = xOff + (img * cin + c) * h * w;
            int dst = item * plane;
            int ox0 = firstInside(pad, kj, stride);
            int ox1 = Math.max(ox0, endInside(w, pad, kj, stride, wo));
            for (int oy = 0; oy < ho; oy++) {
                int iy = oy * stride - pad + ki;
                int d = dst + oy * wo;
                if (iy < 0 || iy >= h) {
                    Arrays.fill(cols, d, d + wo, 0f);
                    continue;
                }
                for (int ox = 0; ox < ox0; ox++) {
                    cols[d + ox] = 0f;
                }
                int s = src + iy * w - pad + kj;
                if (stride == 1) {
                    System.arraycopy(x, s + ox0, cols, d + ox0, ox1 - ox0);
                } else {
                    for (int ox = ox0; ox < ox1; ox++) {
                        cols[d + ox] = x[s + ox * stride];
                    }
                }
                for (int ox = ox1; ox < wo; ox++) {
                    cols[d + ox] = 0f;
                }
            }
        }
    }

    /**
     * col2im, the adjoint of {@link #im2col}: item {@code img·cin + c} overwrites plane
     * {@code gx[gxOff + (img·cin + c)·h·w …]} with the sum of the column entries that read each of
     * its pixels, added in the order (i, j, oy, ox).
     */
    static void col2im(int lo, int hi, float[] cols, int cin, int h, int w, int kh, int kw, int stride, int pad,
                       int ho, int wo, float[] gx, int gxOff) {
        int kk = kh * kw;
        int k = cin * kk;
        int plane = ho * wo;
        for (int item = lo; item < hi; item++) {
            int img = item / cin;
            int c = item - img * cin;
            int dst = gxOff + item * h * w;
            Arrays.fill(gx, dst, dst + h * w, 0f);
            for (int ki = 0; ki < kh; ki++) {
                for (int kj = 0; kj < kw; kj++) {
                    int src = (img * k + (c * kh + ki) * kw + kj) * plane;
                    int ox0 = firstInside(pad, kj, stride);
                    int ox1 = endInside(w, pad, kj, stride, wo);
                    for (int oy = 0; oy < ho; oy++) {
                        int iy = oy * stride - pad + ki;
                        if (iy < 0 || iy >= h) {
                            continue;
                        }
                        int row = dst + iy * w - pad + kj;
                        int s = src + oy * wo;
                        if (stride == 1) {
                            for (int ox = ox0; ox < ox1; ox++) {
                                gx[row + ox] += cols[s + ox];
                            }
                        } else {
                            for (int ox = ox0; ox < ox1; ox++) {
                                gx[row + ox * stride] += cols[s + ox];
                            }
                        }
                    }
                }
            }
        }
    }

    /**
     * {@code dst[dstOff + item·plane + j] = src[srcOff + item·plane + j] (+ bias[item mod channels])}
     * for items (image, channel); src and dst may be the same array at the same offset.
     */
    static void addChannelBias(int lo, int hi, float[] src, int srcOff, float[] dst, int dstOff, int channels,
                               int plane, float[] bias) {
        for (int item = lo; item < hi; item++) {
            int s = srcOff + item * plane;
            int d = dstOff + item * plane;
            if (bias == null) {
                System.arraycopy(src, s, dst, d, plane);
                continue;
            }
            float b = bias[item % channels];
            if (s == d && src == dst) {
                for (int j = d; j < d + plane; j++) {
                    dst[j] += b;
                }
            } else {
                for (int j = 0; j < plane; j++) {
                    dst[d + j] = src[s + j] + b;
                }
            }
        }
    }

    /** Sum of x[start, end) in {@link Kernels}' fixed order (eight interleaved partial sums). */
    static float sum(float[] x, int start, int end) {
        return Kernels.sumRange(x, start, end);
    }

    /** Σ (x[i] − m)² over [start, end), eight interleaved partial sums combined in a fixed tree. */
    static float sumSquaredDeviations(float[] x, int start, int end, float m) {
        float s0 = 0f, s1 = 0f, s2 = 0f, s3 = 0f, s4 = 0f, s5 = 0f, s6 = 0f, s7 = 0f;
        int i = start;
        for (; i + 7 < end; i += 8) {
            float d0 = x[i] - m;
            float d1 = x[i + 1] - m;
            float d2 = x[i + 2] - m;
            float d3 = x[i + 3] - m;
            float d4 = x[i + 4] - m;
            float d5 = x[i + 5] - m;
            float d6 = x[i + 6] - m;
            float d7 = x[i + 7] - m;
            s0 = Math.fma(d0, d0, s0);
            s1 = Math.fma(d1, d1, s1);
            s2 = Math.fma(d2, d2, s2);
            s3 = Math.fma(d3, d3, s3);
            s4 = Math.fma(d4, d4, s4);
            s5 = Math.fma(d5, d5, s5);
            s6 = Math.fma(d6, d6, s6);
            s7 = Math.fma(d7, d7, s7);
        }
        float tail = 0f;
        for (; i < end; i++) {
            float d = x[i] - m;
            tail = Math.fma(d, d, tail);
        }
        return ((s0 + s1) + (s2 + s3)) + ((s4 + s5) + (s6 + s7)) + tail;
    }

    /** Softmax of rows [lo, hi) of a rows × cols matrix: max, then exp(x − max) and their sum, then the quotients. */
    static void softmaxRows(int lo, int hi, float[] x, int cols, float[] out) {
        for (int r = lo; r < hi; r++) {
            int o = r * cols;
            float max = Float.NEGATIVE_INFINITY;
            for (int j = o; j < o + cols; j++) {
                max = Math.max(max, x[j]);
            }
            for (int j = o; j < o + cols; j++) {
                out[j] = (float) Math.exp(x[j] - max);
            }
            float s = sum(out, o, o + cols);
            for (int j = o; j < o + cols; j++) {
                out[j] = out[j] / s;
            }
        }
    }

    /**
     * Group norm forward for items (b, g) (each a contiguous run of {@code n = channels/groups ·
     * spatial} values): mean, biased variance about the mean (two passes), rstd = 1/√(var + eps),
     * then per channel {@code out = (x − mean)·(rstd·gamma[c]) + beta[c]}.
     */
    static void groupNormForward(int lo, int hi, float[] x, int channels, int spatial, int groups, float eps,
                                 float[] gamma, float[] beta, float[] out, float[] mean, float[] rstd) {
        int cg = channels / groups;
        int n = cg * spatial;
        for (int item = lo; item < hi; item++) {
            int start = item * n;
            float m = sum(x, start, start + n) / n;
            float var = sumSquaredDeviations(x, start, start + n, m) / n;
            float rs = (float) (1.0 / Math.sqrt(var + eps));
            mean[item] = m;
            rstd[item] = rs;
            int c0 = (item % groups) * cg;
            for (int cc = 0; cc < cg; cc++) {
                int c = c0 + cc;
                float scale = gamma == null ? rs : rs * gamma[c];
                float shift = beta == null ? 0f : beta[c];
                int o = start + cc * spatial;
                for (int j = o; j < o + spatial; j++) {
                    out[j] = (x[j] - m) * scale + shift;
                }
            }
        }
    }

    /**
     * Group norm backward for items (b, g): per channel the sums {@code sumG[b·C + c] = Σ_s gOut} and
     * {@code sumGx[b·C + c] = Σ_s gOut·x̂}, then {@code gx = rstd·(gOut·gamma − a − x̂·b)} with
     * a, b the group means of gOut·gamma and gOut·gamma·x̂. {@code gx} may be null.
     */
    static void groupNormBackward(int lo, int hi, float[] x, int channels, int spatial, int groups, float[] gamma,
                                  float[] mean, float[] rstd, float[] gOut, float[] gx, float[] sumG,
                                  float[] sumGx) {
        int cg = channels / groups;
        int n = cg * spatial;
        for (int item = lo; item < hi; item++) {
            int start = item * n;
            int b = item / groups;
            int c0 = (item % groups) * cg;
            float m = mean[item];
            float rs = rstd[item];
            float a = 0f;
            float bb = 0f;
            for (int cc = 0; cc < cg; cc++) {
                int o = start + cc * spatial;
                float sg = sum(gOut, o, o + spatial);
                float sgx = 0f;
                for (int j = o; j < o + spatial; j++) {
                    sgx = Math.fma(gOut[j], (x[j] - m) * rs, sgx);
                }
                int c = c0 + cc;
                sumG[b * channels + c] = sg;
                sumGx[b * channels + c] = sgx;
                float gm = gamma == null ? 1f : gamma[c];
                a += gm * sg;
                bb += gm * sgx;
            }
            if (gx == null) {
                continue;
            }
            a /= n;
            bb /= n;
            for (int cc = 0; cc < cg; cc++) {
                int c = c0 + cc;
                float gm = gamma == null ? 1f : gamma[c];
                int o = start + cc * spatial;
                for (int j = o; j < o + spatial; j++) {
                    float xh = (x[j] - m) * rs;
                    gx[j] = rs * (gOut[j] * gm - a - xh * bb);
                }
            }
        }
    }

    /** {@code out[c] = Σ_b partial[b·channels + c]}, b in increasing order, for channels [lo, hi). */
    static void sumOverBatch(int lo, int hi, float[] partial, int batch, int channels, float[] out) {
        for (int c = lo; c < hi; c++) {
            float s = partial[c];
            for (int b = 1; b < batch; b++) {
                s += partial[b * channels + c];
            }
            out[c] = s;
        }
    }

    /** Columns per item of {@link #indexAdd}. */
    static final int INDEX_ADD_TILE = 64;

    /**
     * {@code dst[indices[r]·cols + j] += src[r·cols + j]} for the columns j of tiles [lo, hi), r in
     * increasing order (so repeated indices add in a fixed order).
     */
    static void indexAdd(int lo, int hi, float[] src, int rows, int cols, int[] indices, float[] dst) {
        for (int t = lo; t < hi; t++) {
            int j0 = t * INDEX_ADD_TILE;
            int j1 = Math.min(cols, j0 + INDEX_ADD_TILE);
            for (int r = 0; r < rows; r++) {
                int d = indices[r] * cols;
                int s = r * cols;
                for (int j = j0; j < j1; j++) {
                    dst[d + j] += src[s + j];
                }
            }
        }
    }
}
