/*
 * THE fixed-point rescale. Every integer kernel (reference and SIMD) that
 * turns an int32 accumulator into an int8 output uses these definitions, so
 * results are bit-exact across kernels and with TFLite:
 *
 *   real multiplier M = in_scale * w_scale / out_scale, written at create
 *   time as M = m * 2^(shift - 31) with m in [2^30, 2^31) (enn_quantize_multiplier);
 *   out = zp_out + RDivPOT(SatRoundDoublingHighMul(acc * 2^max(shift,0), m), max(-shift,0))
 *
 * SatRoundDoublingHighMul(a, b) = saturate(floor((a * b + 2^30) / 2^31)), i.e. the
 * nearest integer to a*b / 2^31 with ties rounded up (gemmlowp's nudge: +0.5 -> 1,
 * -0.5 -> 0)
 * (gemmlowp's SaturatingRoundingDoublingHighMul; the only saturating case is
 * a == b == INT32_MIN); RDivPOT(x, e) = x / 2^e rounded half away from zero
 * (gemmlowp's RoundingDivideByPOT). Floats are quantised with
 * q = clamp(round_half_away(x / scale) + zp) (TFLite's AffineQuantize).
 * See docs/quantization.md.
 */
#ifndef ENN_QUANT_REQUANT_H
#define ENN_QUANT_REQUANT_H

#include <math.h>
#include <stdint.h>

#include "edgenn/edgenn.h"

/* Decomposes a real multiplier (>= 0) into a Q31 multiplier and a shift.
 * 0 gives (0, 0); multipliers below 2^-31 flush to 0. */
static inline void enn_quantize_multiplier(double real, int32_t *m, int32_t *shift) {
  if (!(real > 0.0)) {
    *m = 0;
    *shift = 0;
    return;
  }
  int e = 0;
  double q = frexp(real, &e); /* real = q * 2^e, q in [0.5, 1) */
  int64_t qf = (int64_t)llround(q * 2147483648.0);
  if (qf == ((int64_t)1 << 31)) {
    qf /= 2;
    e++;
  }
  if (e < -31) {
    *m = 0;
    *shift = 0;
    return;
  }
  if (e > 30) { /* clamp absurd multipliers */
    e = 30;
    qf = INT32_MAX;
  }
  *m = (int32_t)qf;
  *shift = e;
}

static inline int32_t enn_sat_round_doubling_high_mul(int32_t a, int32_t b) {
  if (a == INT32_MIN && b == INT32_MIN) return INT32_MAX;
  int64_t ab = (int64_t)a * (int64_t)b;
  int64_t nudge = ab >= 0 ? ((int64_t)1 << 30) : (1 - ((int64_t)1 << 30));
  return (int32_t)((ab + nudge) / ((int64_t)1 << 31));
}

static inline int32_t enn_rounding_divide_by_pot(int32_t x, int32_t e) {
  if (e <= 0) return x;
  const int32_t mask = (int32_t)(((int64_t)1 << e) - 1);
  const int32_t rem = x & mask;
  const int32_t threshold = (mask >> 1) + (x < 0 ? 1 : 0);
  return (x >> e) + (rem > threshold ? 1 : 0);
}

/* acc * M, M = m * 2^(shift-31). The left shift wraps like TFLite's int32
 * arithmetic does in practice (it only matters for multipliers >= 1). */
static inline int32_t enn_multiply_by_quantized_multiplier(int32_t acc, int32_t m, int32_t shift) {
  const int32_t left = shift > 0 ? shift : 0, right = shift > 0 ? 0 : -shift;
  const int32_t x = (int32_t)(uint32_t)((uint32_t)acc << left);
  return enn_rounding_divide_by_pot(enn_sat_round_doubling_high_mul(x, m), right);
}

/* The complete requantisation of one accumulator to int8 / uint8 range.
 * The zero-point add wraps modulo 2^32 (as the SIMD kernels' 32-bit lanes
 * do; it only matters for a rescaled value within |zp| of the int32 ends,
 * where TFLite's signed add would be undefined behaviour). */
static inline int32_t enn_requantize(int32_t acc, int32_t m, int32_t shift, int32_t zp, int32_t qmin, int32_t qmax) {
  const int32_t v = (int32_t)((uint32_t)enn_multiply_by_quantized_multiplier(acc, m, shift) + (uint32_t)zp);
  return v < qmin ? qmin : (v > qmax ? qmax : v);
}

/* round half away from zero, as std::round / TfLiteRound */
static inline int32_t enn_quantize_f32(float x, float scale, int32_t zp, int32_t qmin, int32_t qmax) {
  float r = roundf(x / scale);
  if (!(r == r)) r = 0.0f; /* NaN */
  if (r > 2147483520.0f) r = 2147483520.0f;
  if (r < -2147483520.0f) r = -2147483520.0f;
  int64_t v = (int64_t)r + zp;
  return v < qmin ? qmin : (v > qmax ? qmax : (int32_t)v);
}

static inline float enn_dequantize_q(int32_t q, float scale, int32_t zp) { return scale * (float)(q - zp); }

/* Integer clamp range [*lo, *hi] of a fused activation on an output with
 * (scale, zp) and storage range [qmin, qmax] (TFLite's
 * CalculateActivationRangeQuantized). Non-clamping activations
 * (sigmoid, swish, ...) cannot be fused into an integer output: returns 0. */
static inline int enn_act_range_q(int32_t act, float act_min, float act_max, float scale, int32_t zp, int32_t qmin,
                                  int32_t qmax, int32_t *lo, int32_t *hi) {
  float fmin = -INFINITY, fmax = INFINITY;
  switch (act) {
  case ENN_ACT_NONE: break;
  case ENN_ACT_RELU: fmin = 0.0f; break;
  case ENN_ACT_RELU6: fmin = 0.0f; fmax = 6.0f; break;
  case ENN_ACT_CLIP: fmin = act_min; fmax = act_max; break;
  default: return 0;
  }
  *lo = qmin;
  *hi = qmax;
  if (fmin > -INFINITY) {
    int32_t q = enn_quantize_f32(fmin, scale, zp, qmin, qmax);
    if (q > *lo) *lo = q;
  }
  if (fmax < INFINITY) {
    int32_t q = enn_quantize_f32(fmax, scale, zp, qmin, qmax);
    if (q < *hi) *hi = q;
  }
  return 1;
}

#endif
