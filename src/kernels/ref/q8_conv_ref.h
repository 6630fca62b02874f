/*
 * Reference int8 2-D convolution (the spec for every fast int8 conv kernel;
 * TFLite's CONV_2D / DEPTHWISE_CONV_2D integer semantics, bit for bit).
 *
 *   acc[n,oy,ox,o] = b[o] + sum_{ky,kx,c} (w[o,ky,kx,c] - w_zp[o]) * (x[n,iy,ix,g*icg + c] - x_zp)
 *   y[n,oy,ox,o]   = clamp(y_zp + MBQM(acc, mult[o], shift[o]), act_lo, act_hi)
 *
 * with iy = oy*sh - pt + ky*dh, ix = ox*sw - pl + kx*dw, g = o / ocg,
 * icg = ic / groups, ocg = oc / groups (depthwise: groups = ic). Taps in the
 * padding are skipped (a padded x equals x_zp, i.e. real 0). MBQM is
 * enn_multiply_by_quantized_multiplier (src/quant/requant.h) with
 * (mult[o], shift[o]) = enn_quantize_multiplier(s_x * s_w[o] / s_y) computed
 * in double at prepare. The accumulator is the exact sum modulo 2^32 (two's
 * complement int32, as TFLite's int32 arithmetic; it never wraps for a layer
 * with fewer than 33025 taps per output). act_lo / act_hi: the fused
 * activation's range from enn_act_range_q, else [-128, 127].
 * Layouts: x NHWC int8, w OHWI [oc, kh, kw, icg] int8, b [oc] int32 or
 * NULL, y NHWC int8; x and y must not overlap.
 */
#ifndef ENN_KERNELS_REF_Q8_CONV_REF_H
#define ENN_KERNELS_REF_Q8_CONV_REF_H

#include <stdint.h>

#include "kernels/ref/conv_ref.h"

typedef struct enn_qs8_conv2d_params {
  enn_conv2d_params geo; /* geometry; geo.act is not used */
  int32_t x_zp, y_zp;
  int32_t act_lo, act_hi;
  const int32_t *w_zp;  /* [oc] */
  const int32_t *mult;  /* [oc] */
  const int32_t *shift; /* [oc] */
} enn_qs8_conv2d_params;

void enn_qs8_conv2d__ref(const enn_qs8_conv2d_params *p, const int8_t *x, const int8_t *w, const int32_t *b,
                         int8_t *y);

/* The same computation restricted to flattened output rows r = n*oh + oy in
 * [r0, r1) and output channels [o0, o1); nothing else is written. Any split
 * gives bit-identical results (integer arithmetic, no reordering issue). */
void enn_qs8_conv2d_part__ref(const enn_qs8_conv2d_params *p, const int8_t *x, const int8_t *w, const int32_t *b,
                              int8_t *y, int64_t r0, int64_t r1, int32_t o0, int32_t o1);

#endif
