/*
 * Reference int8 broadcasting binary kernels: Add, Sub, Mul, PRelu with
 * per-tensor quantisation (real = scale * (q - zp)), TFLite's integer
 * semantics bit for bit (src/quant/requant.h; MBQM(x, m, s) =
 * enn_multiply_by_quantized_multiplier). Broadcasting and the walk over the
 * output are those of the f32 kernel (binary_ref.h: `geo`).
 *
 * ADD / SUB (TFLite reference_integer_ops::Add; Sub is Add with input 2's
 * multiplier negated, as TFLite does), left_shift = 20:
 *   a' = MBQM((a - a_zp) * 2^20, a_mult, a_shift)
 *   b' = MBQM((b - b_zp) * 2^20, b_mult, b_shift)      (b_mult < 0 for Sub)
 *   y  = clamp(y_zp + MBQM(a' + b', y_mult, y_shift), lo, hi)
 * with, at prepare (twice = 2 * max(a_scale, b_scale)):
 *   a_mult/a_shift = a_scale / twice, b_mult/b_shift = b_scale / twice,
 *   y_mult/y_shift = twice / (2^20 * y_scale)          (all shifts <= 0).
 * MUL (reference_integer_ops::Mul):
 *   y = clamp(y_zp + MBQM((a - a_zp) * (b - b_zp), y_mult, y_shift), lo, hi)
 *   with M = a_scale * b_scale / y_scale (float arithmetic, as TFLite).
 * PRELU (reference_ops::Prelu; b is the slope):
 *   d = a - a_zp;  y = clamp(y_zp + (d >= 0 ? MBQM(d, a_mult, a_shift)
 *                                             : MBQM(d * (b - b_zp), b_mult, b_shift)), lo, hi)
 *   with a_mult = a_scale / y_scale, b_mult = a_scale * b_scale / y_scale.
 * lo / hi: the fused activation's integer range (enn_act_range_q), or
 * [-128, 127]. Layout: dense row-major int8.
 *
 * Aliasing: y may be a (or b) when that operand has the output's shape:
 * each output element is written after the only read of its position.
 */
#ifndef ENN_KERNELS_REF_Q8_BINARY_REF_H
#define ENN_KERNELS_REF_Q8_BINARY_REF_H

#include <stdint.h>

#include "kernels/ref/binary_ref.h"

typedef struct enn_qs8_binary_params {
  enn_binary_params geo; /* shape walk; geo.op says ADD (add and sub), MUL or PRELU */
  int32_t a_zp, b_zp, y_zp;
  int32_t left_shift;          /* ADD / SUB: 20 */
  int32_t a_mult, a_shift;     /* ADD: input a; PRELU: identity branch */
  int32_t b_mult, b_shift;     /* ADD: input b (negated for SUB); PRELU: slope branch */
  int32_t y_mult, y_shift;     /* ADD: output; MUL: the one multiplier */
  int32_t lo, hi;              /* output clamp */
} enn_qs8_binary_params;

void enn_qs8_binary__ref(const enn_qs8_binary_params *p, const int8_t *a, const int8_t *b, int8_t *y);

#endif
