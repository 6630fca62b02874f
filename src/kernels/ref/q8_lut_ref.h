/*
 * Reference int8 unary operators as 256-entry lookup tables: every int8
 * input value q (per-tensor params in_scale / in_zp) has one output, so
 * prepare evaluates the operator's definition once per q and run is
 *   y[i] = table[x[i] + 128]            (y may equal x)
 *
 * The tables (built at prepare time; out params out_scale / out_zp; every
 * result clamped to [-128, 127]):
 *
 * float (TFLite's LUTPopulate, used by its int8 LOGISTIC and TANH kernels):
 *   t[q] = (int32)(roundf(f(in_scale * (float)(q - in_zp)) * (1.0f / out_scale)) + (float)out_zp)
 *   in float arithmetic, roundf = round half away from zero, f = enn_act_f32
 *   (act.h: sigmoid 1/(1+expf(-x)), tanhf, hard-sigmoid, swish, ...). NaN
 *   results give out_zp; +-inf saturate.
 *
 * relu-x (TFLite's int8 RELU / RELU6 / RELU_N1_TO_1, i.e. ReluX):
 *   t[q] = clamp(out_zp + MBQM(q - in_zp, m, shift), lo, hi)
 *   with M = in_scale / out_scale and [lo, hi] = enn_act_range_q of the
 *   clip bounds on the output.
 *
 * leaky-relu (TFLite's QuantizeLeakyRelu):
 *   d = q - in_zp;  t[q] = clamp(out_zp + MBQM(d, d >= 0 ? identity : alpha))
 *   with identity M = in_scale / out_scale, alpha M = in_scale * alpha / out_scale.
 *
 * hard-swish (TFLite's reference_ops::HardSwish, int16 fixed point; see
 *   enn_qs8_hard_swish_params and the .c for the exact steps).
 *
 * MBQM is enn_multiply_by_quantized_multiplier (src/quant/requant.h).
 */
#ifndef ENN_KERNELS_REF_Q8_LUT_REF_H
#define ENN_KERNELS_REF_Q8_LUT_REF_H

#include <stdint.h>

#include "kernels/ref/act.h"

/* y[i] = table[x[i] + 128] for 0 <= i < n; y may equal x. */
void enn_qs8_lut__ref(const int8_t *table, const int8_t *x, int8_t *y, int64_t n);

/* The float table of activation `act` (act.h). */
void enn_qs8_lut_float(int8_t table[256], const enn_act_params *act, float in_scale, int32_t in_zp, float out_scale,
                      int32_t out_zp);

/* The relu-x table (multiplier m, shift: in_scale / out_scale). */
void enn_qs8_lut_relu(int8_t table[256], int32_t in_zp, int32_t out_zp, int32_t m, int32_t shift, int32_t lo,
                     int32_t hi);

/* The leaky-relu table (identity and alpha multipliers). */
void enn_qs8_lut_leaky(int8_t table[256], int32_t in_zp, int32_t out_zp, int32_t m_id, int32_t s_id, int32_t m_alpha,
                      int32_t s_alpha);

/* TFLite's HardSwishParams: computed at prepare from
 *   hires = in_scale / 128 (float),
 *   output  = QuantizeMultiplier(hires / out_scale)      -> (m32, exp), exp <= 0
 *   reluish = QuantizeMultiplier(hires / (3 / 32768))    -> (m32, exp)
 * each Q31 multiplier rounded to Q15: (m32 + 2^15) >> 16, saturating at 32767. */
typedef struct enn_qs8_hard_swish_params {
  int32_t in_zp, out_zp;
  int16_t out_mult, reluish_mult; /* Q15 */
  int32_t out_exp, reluish_exp;
} enn_qs8_hard_swish_params;

/* Q31 -> Q15 multiplier (TFLite's DownScaleInt32ToInt16Multiplier); m32 >= 0. */
int16_t enn_qs8_q31_to_q15(int32_t m32);

void enn_qs8_lut_hard_swish(int8_t table[256], const enn_qs8_hard_swish_params *p);

#endif
