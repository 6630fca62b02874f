/*
 * Reference 2-D convolution (the spec for every fast conv kernel).
 *
 *   y[n,oy,ox,o] = act( b[o] + sum_{ky,kx,c} x[n, oy*sh - pt + ky*dh, ox*sw - pl + kx*dw, g*icg + c]
 *                                           * w[o, ky, kx, c] )
 * with g = o / ocg, icg = ic / groups, ocg = oc / groups; taps that fall in
 * the padding contribute 0. Layouts: x NHWC, w OHWI [oc, kh, kw, icg], y NHWC.
 * Accumulation order: ky, kx, c ascending in float, bias added first.
 */
#ifndef ENN_KERNELS_REF_CONV_REF_H
#define ENN_KERNELS_REF_CONV_REF_H

#include <stdint.h>

#include "kernels/ref/act.h"

typedef struct enn_conv2d_params {
  int32_t n, ih, iw, ic;
  int32_t oh, ow, oc;
  int32_t kh, kw;
  int32_t sh, sw, dh, dw;
  int32_t pt, pl; /* top / left padding (bottom/right are implied by oh/ow) */
  int32_t groups;
  enn_act_params act;
} enn_conv2d_params;

/* b may be NULL. */
void enn_f32_conv2d__ref(const enn_conv2d_params *p, const float *x, const float *w, const float *b, float *y);

/* The same computation restricted to one block of the output: flattened
 * output rows r = n * oh + oy in [r0, r1) and output channels [o0, o1).
 * Nothing outside the block is written. Each element is computed exactly as
 * by enn_f32_conv2d__ref (which is part(0, n*oh, 0, oc)), so any split of
 * the output into blocks, run in any order or on any threads, gives
 * bit-identical results. */
void enn_f32_conv2d_part__ref(const enn_conv2d_params *p, const float *x, const float *w, const float *b, float *y,
                              int64_t r0, int64_t r1, int32_t o0, int32_t o1);

#endif
