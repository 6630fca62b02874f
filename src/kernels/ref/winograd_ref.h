/*
 * Winograd F(4x4, 3x3) transforms (Lavin & Gray 2016, interpolation points
 * 0, 1, -1, 2, -2 and infinity): the spec for the SIMD transform kernels
 * (kernels.h, WINO_IN / WINO_OUT) and the weight transform of the
 * Winograd convolution path (ops/conv2d_winograd.c).
 *
 * A 3x3 stride-1 convolution of a 6x6 input tile d with a 3x3 filter g
 * gives the 4x4 output tile
 *     Y = A^T [ (G g G^T) (.) (B^T d B) ] A
 * ((.) = element-wise product over the 36 positions xi = 6*r + c) with
 *
 *   B^T = | 4  0 -5  0  1  0 |   G = |  1/4     0     0  |   A^T = | 1  1  1  1  1  0 |
 *         | 0 -4 -4  1  1  0 |       | -1/6  -1/6  -1/6  |         | 0  1 -1  2 -2  0 |
 *         | 0  4 -4 -1  1  0 |       | -1/6   1/6  -1/6  |         | 0  1  1  4  4  0 |
 *         | 0 -2 -1  2  1  0 |       |  1/24  1/12  1/6  |         | 0  1 -1  8 -8  1 |
 *         | 0  2 -1 -2  1  0 |       |  1/24 -1/12  1/6  |
 *         | 0  4  0 -5  0  1 |       |   0     0     1   |
 *
 * Summed over input channels, the element-wise products become 36
 * independent GEMMs (tiles x ic by ic x oc): 36 multiplies per tile and
 * (input, output) channel pair instead of 16 * 9 = 144, a quarter of the
 * direct convolution's work. The results
 * differ from the direct sum by rounding only (the transforms' constants
 * are small: errors grow to a few 1e-6 of the operands' magnitude).
 *
 * Channel layouts (NHWC, every pixel's c channels contiguous):
 *   input   rows[r] (r < 6): the input row of tile row r (its pixel 0), or
 *           NULL for a padding row; tile column j reads pixel x0 + j when
 *           0 <= x0 + j < iw, else 0; pixels are c floats apart.
 *   V       v[xi * v_stride + ch] = (B^T d B)[xi] for channel ch < c.
 *   M       m[xi * m_stride + ch] (the GEMM outputs), ch < c.
 *   output  pixel (r, j) of the tile (r < nrows <= 4, j < ncols <= 4) at
 *           y + r * y_row_stride + j * c: act(bias[ch] + (A^T M A)[r, j])
 *           (bias may be NULL: 0).
 * The reference computes each matrix product as written, row by row, in
 * float; the SIMD kernels factor the products (e.g. the first row of B^T d
 * as 4 d0 + (d4 - 5 d2)), so they agree to rounding, not bit for bit.
 */
#ifndef ENN_KERNELS_REF_WINOGRAD_REF_H
#define ENN_KERNELS_REF_WINOGRAD_REF_H

#include <stddef.h>
#include <stdint.h>

#include "kernels/ref/act.h"

/* The three matrices above, row-major (tests; the weight transform). */
extern const float enn_wino43_bt[6][6];
extern const float enn_wino43_g[6][3];
extern const float enn_wino43_at[4][6];

void enn_f32_wino43_in__ref(const float *const *rows, ptrdiff_t x0, size_t iw, size_t c, float *v, size_t v_stride);
void enn_f32_wino43_out__ref(const float *m, size_t m_stride, size_t c, const float *bias, float *y,
                             size_t y_row_stride, size_t nrows, size_t ncols, const enn_act_params *act);

/* U = G g G^T of one 3x3 filter g (row-major, element g[ky*gs_y + kx*gs_x])
 * into u[36], computed in double and rounded once. */
void enn_f32_wino43_filter(const float *g, ptrdiff_t gs_y, ptrdiff_t gs_x, float *u);

#endif
