/*
 * Reference 2-D pooling, NHWC (the spec for every fast pooling kernel).
 *
 * Window taps of output (oy, ox): iy = oy*sh - pt + ky*dh, ix = ox*sw - pl + kx*dw
 * for ky < kh, kx < kw. A tap is "in the input" when 0 <= iy < ih and
 * 0 <= ix < iw, and "in the padded input" when -pt <= iy < ih + pb and
 * -pl <= ix < iw + pr (with ceil_mode a window may reach past both).
 *
 * Max:  y = act( max over taps in the input of x[n, iy, ix, c] ); a NaN tap
 *       makes the result NaN. The operator guarantees every window has at
 *       least one tap in the input.
 * Avg:  y = act( sum / (float)count ), sum over taps in the input (float,
 *       ky then kx ascending), count = taps in the padded input when
 *       count_include_pad, else taps in the input (taps beyond the padded
 *       input, which only ceil_mode creates, never count). The operator
 *       guarantees count >= 1.
 *
 * Global pooling over H*W per (n, c): x [N, H*W, C] -> y [N, C]:
 *   avg: y = act( (sum over p ascending, float) / (float)(H*W) )
 *   max: y = max over p (NaN-propagating as above), no activation.
 */
#ifndef ENN_KERNELS_REF_POOL_REF_H
#define ENN_KERNELS_REF_POOL_REF_H

#include <stdint.h>

#include "kernels/ref/act.h"

typedef struct enn_pool2d_params {
  int32_t n, ih, iw, c;
  int32_t oh, ow;
  int32_t kh, kw;
  int32_t sh, sw, dh, dw;
  int32_t pt, pl, pb, pr; /* top, left, bottom, right padding */
  int32_t count_include_pad;
  enn_act_params act;
} enn_pool2d_params;

void enn_f32_max_pool2d__ref(const enn_pool2d_params *p, const float *x, float *y);
void enn_f32_avg_pool2d__ref(const enn_pool2d_params *p, const float *x, float *y);

typedef struct enn_global_pool_params {
  int64_t n, hw, c;
  enn_act_params act; /* avg only */
} enn_global_pool_params;

void enn_f32_global_avg_pool__ref(const enn_global_pool_params *p, const float *x, float *y);
void enn_f32_global_max_pool__ref(const enn_global_pool_params *p, const float *x, float *y);

#endif
