/*
 * Reference Quantize / requantize / Dequantize (docs/quantization.md; the
 * fixed-point helpers are src/quant/requant.h).
 *
 * A tensor is viewed as [outer, channels, inner]: element i belongs to
 * channel c = (i / inner) % channels. Per-tensor parameters are the case
 * channels = 1; per-axis parameters (quant.axis = a) have channels = dims[a],
 * inner = prod(dims[a+1..]). Storage ranges: i8 [-128, 127], u8 [0, 255].
 *
 * Quantize f32 -> i8/u8 (enn_qs8_quantize__ref):
 *   q = clamp(R(x / scale[c]) + zp[c], qmin, qmax)       (x / scale in float)
 *   R = round half away from zero (rounding 0: TFLite AffineQuantize) or
 *       round half to even (rounding 1: ONNX QuantizeLinear); NaN gives zp,
 *       +-inf saturate.
 * Requantize i8/u8 -> i8/u8 (enn_qs8_requantize__ref, TFLite QUANTIZE of an
 * integer tensor):
 *   q = clamp(zp_out[c] + MBQM(q_in - zp_in[c], mult[c], shift[c]), qmin, qmax)
 *   with (mult, shift) = enn_quantize_multiplier(s_in[c] / s_out[c]) (double).
 * Dequantize i8/u8/i32 -> f32 (enn_qs8_dequantize__ref, TFLite Dequantize):
 *   x = (float)((double)scale[c] * (double)(q - zp[c]))
 *   (for 8-bit q this equals the float product scale * (float)(q - zp), which
 *   is exact before its one rounding; for i32 the double form avoids
 *   rounding q - zp first).
 *
 * Every kernel reads element i before writing element i, but the input and
 * output element sizes may differ: x and y must not overlap.
 */
#ifndef ENN_KERNELS_REF_Q8_QUANTIZE_REF_H
#define ENN_KERNELS_REF_Q8_QUANTIZE_REF_H

#include <stdint.h>

#include "edgenn/edgenn.h"
#include "quant/requant.h"

typedef struct enn_qs8_quant_params {
  int64_t outer, channels, inner;
  int32_t in_dtype, out_dtype; /* enn_dtype */
  int32_t qmin, qmax;          /* output storage range (quantize / requantize) */
  int32_t rounding;            /* quantize: 0 half away from zero, 1 half to even */
  const float *scale;          /* [channels] quantize: output scales; dequantize: input scales */
  const int32_t *zp_in;        /* [channels] requantize / dequantize */
  const int32_t *zp_out;       /* [channels] quantize / requantize */
  const int32_t *mult, *shift; /* [channels] requantize */
} enn_qs8_quant_params;

/* round(v) with ties to even, for finite |v| < 2^31 (v - floor(v) is exact). */
static inline float enn_round_half_even_f32(float v) {
  const float f = floorf(v), d = v - f;
  if (d > 0.5f) return f + 1.0f;
  if (d < 0.5f) return f;
  return fmodf(f, 2.0f) == 0.0f ? f : f + 1.0f;
}

/* The one quantisation of a float with either rounding; clamps like
 * enn_quantize_f32 (requant.h), which rounding 0 is. */
static inline int32_t enn_quantize_f32_mode(float x, float scale, int32_t zp, int32_t qmin, int32_t qmax,
                                            int32_t rounding) {
  if (rounding == 0) return enn_quantize_f32(x, scale, zp, qmin, qmax);
  float v = x / scale;
  if (!(v == v)) v = 0.0f; /* NaN */
  if (v > 2147483520.0f) v = 2147483520.0f;
  if (v < -2147483520.0f) v = -2147483520.0f;
  const int64_t q = (int64_t)enn_round_half_even_f32(v) + zp;
  return q < qmin ? qmin : (q > qmax ? qmax : (int32_t)q);
}

/* x f32 -> y (out_dtype). */
void enn_qs8_quantize__ref(const enn_qs8_quant_params *p, const float *x, void *y);
/* x (in_dtype, 8-bit) -> y (out_dtype). */
void enn_qs8_requantize__ref(const enn_qs8_quant_params *p, const void *x, void *y);
/* x (in_dtype: i8, u8 or i32) -> y f32. */
void enn_qs8_dequantize__ref(const enn_qs8_quant_params *p, const void *x, float *y);

#endif
