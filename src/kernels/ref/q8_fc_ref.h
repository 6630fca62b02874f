/*
 * Reference int8 fully-connected layer (TFLite FULLY_CONNECTED integer
 * semantics, per-tensor or per-output-channel weights, bit for bit).
 *
 *   acc[r, o] = b[o] + sum_{k} (w[o, k] - w_zp[o]) * (x[r, k] - x_zp)
 *   y[r, o]   = clamp(y_zp + MBQM(acc, mult[o], shift[o]), act_lo, act_hi)
 *
 * (mult[o], shift[o]) = enn_quantize_multiplier(s_x * s_w[o] / s_y) in
 * double; accumulator modulo 2^32 as in q8_conv_ref.h. Layouts: x [rows, K],
 * w [N, K], b [N] int32 or NULL, y [rows, N]; x and y must not overlap.
 */
#ifndef ENN_KERNELS_REF_Q8_FC_REF_H
#define ENN_KERNELS_REF_Q8_FC_REF_H

#include <stdint.h>

typedef struct enn_qs8_fc_params {
  int64_t rows, k, n;
  int32_t x_zp, y_zp;
  int32_t act_lo, act_hi;
  const int32_t *w_zp;  /* [n] */
  const int32_t *mult;  /* [n] */
  const int32_t *shift; /* [n] */
} enn_qs8_fc_params;

void enn_qs8_fully_connected__ref(const enn_qs8_fc_params *p, const int8_t *x, const int8_t *w, const int32_t *b,
                                  int8_t *y);

/* Rows [r0, r1) and outputs [o0, o1) only (y keeps its full row stride n). */
void enn_qs8_fully_connected_part__ref(const enn_qs8_fc_params *p, const int8_t *x, const int8_t *w,
                                       const int32_t *b, int8_t *y, int64_t r0, int64_t r1, int64_t o0, int64_t o1);

#endif
