/*
 * Reference int8 lookup-table kernel and the table builders (q8_lut_ref.h).
 *
 * The builders run once at prepare: each evaluates its operator's exact
 * definition for the 256 possible inputs. HardSwish follows TFLite's int16
 * fixed-point reference step by step, so the helpers below are gemmlowp's
 * int16 primitives: SaturatingRoundingDoublingHighMul (nudge 2^14, divide by
 * 2^15 truncating; INT16_MIN^2 saturates), the non-rounding
 * SaturatingDoublingHighMul (truncating division), RoundingDivideByPOT on
 * int16 (its mask is (2^e - 1) truncated to 16 bits, reproduced here), and a
 * saturating left shift.
 */
#include "kernels/ref/q8_lut_ref.h"

#include <math.h>

#include "quant/requant.h"

void enn_qs8_lut__ref(const int8_t *table, const int8_t *x, int8_t *y, int64_t n) {
  for (int64_t i = 0; i < n; i++) y[i] = table[(int32_t)x[i] + 128];
}

static int8_t clamp8(int32_t v, int32_t lo, int32_t hi) { return (int8_t)(v < lo ? lo : (v > hi ? hi : v)); }

void enn_qs8_lut_float(int8_t table[256], const enn_act_params *act, float in_scale, int32_t in_zp, float out_scale,
                      int32_t out_zp) {
  const float inv = 1.0f / out_scale;
  for (int32_t q = -128; q <= 127; q++) {
    const float x = in_scale * (float)(q - in_zp);
    const float r = roundf(enn_act_f32(x, act) * inv);
    const float v = r + (float)out_zp;
    int32_t o;
    if (v != v) o = out_zp; /* NaN */
    else if (v >= 127.0f) o = 127;
    else if (v <= -128.0f) o = -128;
    else o = (int32_t)v;
    table[q + 128] = (int8_t)o;
  }
}

void enn_qs8_lut_relu(int8_t table[256], int32_t in_zp, int32_t out_zp, int32_t m, int32_t shift, int32_t lo,
                     int32_t hi) {
  for (int32_t q = -128; q <= 127; q++)
    table[q + 128] = clamp8(out_zp + enn_multiply_by_quantized_multiplier(q - in_zp, m, shift), lo, hi);
}

void enn_qs8_lut_leaky(int8_t table[256], int32_t in_zp, int32_t out_zp, int32_t m_id, int32_t s_id, int32_t m_alpha,
                      int32_t s_alpha) {
  for (int32_t q = -128; q <= 127; q++) {
    const int32_t d = q - in_zp;
    const int32_t v = d >= 0 ? enn_multiply_by_quantized_multiplier(d, m_id, s_id)
                             : enn_multiply_by_quantized_multiplier(d, m_alpha, s_alpha);
    table[q + 128] = clamp8(out_zp + v, -128, 127);
  }
}

/* ------------------------------------------------ int16 fixed point */
static int16_t srdhm16(int16_t a, int16_t b) {
  if (a == INT16_MIN && b == INT16_MIN) return INT16_MAX;
  const int32_t ab = (int32_t)a * (int32_t)b;
  const int32_t nudge = ab >= 0 ? (1 << 14) : (1 - (1 << 14));
  return (int16_t)((ab + nudge) / (1 << 15));
}

static int16_t sdhm16(int16_t a, int16_t b) {
  if (a == INT16_MIN && b == INT16_MIN) return INT16_MAX;
  return (int16_t)(((int32_t)a * (int32_t)b) / (1 << 15));
}

static int16_t rdivpot16(int16_t x, int32_t e) {
  const int16_t mask = (int16_t)(uint16_t)((((int64_t)1 << e) - 1) & 0xffff);
  const int32_t rem = (int32_t)(int16_t)(x & mask);
  const int32_t threshold = (int32_t)(int16_t)((mask >> 1) + (x < 0 ? 1 : 0));
  return (int16_t)(((int32_t)x >> e) + (rem > threshold ? 1 : 0));
}

static int16_t sat_shl16(int16_t v, int32_t amount) {
  int64_t r = (int64_t)v * ((int64_t)1 << amount);
  if (r > INT16_MAX) r = INT16_MAX;
  if (r < INT16_MIN) r = INT16_MIN;
  return (int16_t)r;
}

int16_t enn_qs8_q31_to_q15(int32_t m32) {
  if (m32 >= INT32_MAX - (1 << 15)) return INT16_MAX;
  return (int16_t)((m32 + (1 << 15)) >> 16);
}

void enn_qs8_lut_hard_swish(int8_t table[256], const enn_qs8_hard_swish_params *p) {
  for (int32_t q = -128; q <= 127; q++) {
    const int16_t in_v = (int16_t)(q - p->in_zp);
    const int16_t hires = (int16_t)(in_v * (1 << 7));
    const int16_t pre_out_scale = srdhm16(hires, p->out_mult);
    /* the "relu-ish" factor: x rescaled so that 3.0 is 2^15, saturating,
     * then mapped from [-1, 1] to [0, 1] */
    int16_t rel = hires;
    if (p->reluish_exp > 0) rel = sat_shl16(rel, p->reluish_exp - 1);
    rel = srdhm16(rel, p->reluish_mult);
    if (p->reluish_exp > 0) rel = sat_shl16(rel, 1);
    if (p->reluish_exp < 0) rel = rdivpot16(rel, -p->reluish_exp);
    rel = (int16_t)(((int32_t)rel + (1 << 15)) >> 1);
    const int16_t pre = sdhm16(rel, pre_out_scale);
    int16_t o = rdivpot16(pre, -p->out_exp);
    o = (int16_t)(uint16_t)(((int32_t)o + p->out_zp) & 0xffff); /* int16 addition, wrapping like TFLite's */
    table[q + 128] = clamp8(o, -128, 127);
  }
}
