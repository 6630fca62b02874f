/*
 * Reference int8 pooling, NHWC (TFLite MAX_POOL_2D / AVERAGE_POOL_2D
 * integer semantics; the input and output share one scale and zero point,
 * so values are never rescaled). Window taps and "in the input" / "in the
 * padded input" are those of pool_ref.h.
 *
 * Max: y = clamp(max over taps in the input of x, lo, hi).
 * Avg: s = sum of the raw int8 values of the taps in the input (plus zp for
 *      each tap in the padding when count_include_pad: the padding is real
 *      0), count = taps counted as in pool_ref.h (>= 1, the operator
 *      guarantees it), then the rounding division of TFLite:
 *        q = s > 0 ? (s + count/2) / count : (s - count/2) / count
 *      (C division, truncating; i.e. round half away from zero), and
 *      y = clamp(q, lo, hi). The sum is exact (64-bit).
 * lo / hi: the fused activation's integer range (enn_act_range_q on the
 * output parameters), else [-128, 127].
 */
#ifndef ENN_KERNELS_REF_Q8_POOL_REF_H
#define ENN_KERNELS_REF_Q8_POOL_REF_H

#include <stdint.h>

#include "kernels/ref/pool_ref.h"

typedef struct enn_qs8_pool2d_params {
  enn_pool2d_params geo; /* geometry; geo.act is not used */
  int32_t zp;            /* input = output zero point */
  int32_t lo, hi;
} enn_qs8_pool2d_params;

void enn_qs8_max_pool2d__ref(const enn_qs8_pool2d_params *p, const int8_t *x, int8_t *y);
void enn_qs8_avg_pool2d__ref(const enn_qs8_pool2d_params *p, const int8_t *x, int8_t *y);

#endif
