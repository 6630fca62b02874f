/*
 * int8 pooling kernels, baseline AArch64 NEON; contracts in kernels.h,
 * each bit-exact with its reference (kernels/ref/q8_mean_ref.h,
 * q8_pool_ref.h):
 *
 *   GAVGPOOL  TFLite MEAN over hw pixels of an [hw, ch] block: 16 channels
 *             at a time, four int32x4 accumulators starting at bias
 *             (-x_zp * hw) add the sign-extended bytes pixel by pixel
 *             (vaddw: exact, |sum| < 2^31), then the exact MBQM of
 *             arm/qs8_neon.h, + y_zp, saturating narrow, clamp.
 *   AVGPOOL   one output pixel of TFLite AVERAGE_POOL_2D: int32 sums of
 *             the taps plus bias, then the rounding division
 *             (s > 0 ? s + count/2 : s - count/2) / count truncated toward
 *             zero, computed as a float division (vdivq_f32, correctly
 *             rounded) and truncation (vcvtq_s32_f32): exact because the
 *             numerator and count are integers below 2^24 (|s| <= 128 *
 *             count, count <= 2^16), and a correctly rounded quotient of
 *             such integers never reaches the next integer.
 *   MAXPOOL   vmaxq_s8 over the taps of one output row, 16 channels per
 *             vector, from -128, then the clamp; the last c % 16 channels
 *             are done in scalar code.
 * Partial channel blocks of GAVGPOOL / AVGPOOL go through a 16-byte copy
 * in and out, so nothing outside the operands is read or written.
 */
#include "kernels/kernels.h"

#if ENN_KERNELS_ARM64
#include <arm_neon.h>
#include <string.h>

#include "kernels/arm/qs8_neon.h"

/* 16 bytes at p, or the first m < 16 (the rest 0). */
QN_INL int8x16_t ld16(const int8_t *p, size_t m) {
  if (m >= 16) return vld1q_s8(p);
  int8_t t[16] = {0};
  memcpy(t, p, m);
  return vld1q_s8(t);
}

/* acc[0..3] += the 16 bytes of v sign-extended. */
QN_INL void acc16(int32x4_t *acc, int8x16_t v) {
  const int16x8_t h0 = vmovl_s8(vget_low_s8(v)), h1 = vmovl_high_s8(v);
  acc[0] = vaddw_s16(acc[0], vget_low_s16(h0));
  acc[1] = vaddw_s16(acc[1], vget_high_s16(h0));
  acc[2] = vaddw_s16(acc[2], vget_low_s16(h1));
  acc[3] = vaddw_s16(acc[3], vget_high_s16(h1));
}

/* -------------------------------------------------------------- GAVGPOOL */
void enn_qs8_gavgpool__neon(size_t hw, size_t ch, const int8_t *x, int8_t *y, const enn_qs8_mean_kparams *p) {
  const int32x4_t m = vdupq_n_s32(p->mult), l = vdupq_n_s32(p->shift > 0 ? p->shift : 0);
  const int32x4_t ne = vdupq_n_s32(p->shift > 0 ? 0 : p->shift);
  const int ls = p->shift > 0;
  const int32x4_t bias = vdupq_n_s32(p->bias), yzp = vdupq_n_s32(p->y_zp);
  const int8x16_t lo = vdupq_n_s8((int8_t)p->lo), hi = vdupq_n_s8((int8_t)p->hi);
  size_t c0 = 0;
  for (; c0 + 32 <= ch; c0 += 32) {
    int32x4_t a[4] = {bias, bias, bias, bias}, b[4] = {bias, bias, bias, bias};
    for (size_t px = 0; px < hw; px++) {
      const int8_t *r = x + px * ch + c0;
      acc16(a, vld1q_s8(r));
      acc16(b, vld1q_s8(r + 16));
    }
    for (int j = 0; j < 4; j++) a[j] = qn_mbqm(a[j], m, l, ne, ls), b[j] = qn_mbqm(b[j], m, l, ne, ls);
    vst1q_s8(y + c0, qn_narrow16(a[0], a[1], a[2], a[3], yzp, lo, hi));
    vst1q_s8(y + c0 + 16, qn_narrow16(b[0], b[1], b[2], b[3], yzp, lo, hi));
  }
  for (; c0 < ch; c0 += 16) {
    const size_t n = ch - c0 < 16 ? ch - c0 : 16;
    int32x4_t a[4] = {bias, bias, bias, bias};
    for (size_t px = 0; px < hw; px++) acc16(a, ld16(x + px * ch + c0, n));
    for (int j = 0; j < 4; j++) a[j] = qn_mbqm(a[j], m, l, ne, ls);
    qn_store(y + c0, qn_narrow16(a[0], a[1], a[2], a[3], yzp, lo, hi), n);
  }
}

/* --------------------------------------------------------------- AVGPOOL */
/* trunc((s > 0 ? s + half : s - half) / count), 4 lanes. */
QN_INL int32x4_t avg4(int32x4_t s, int32x4_t half, float32x4_t cnt) {
  const uint32x4_t pos = vcgtq_s32(s, vdupq_n_s32(0));
  const int32x4_t num = vbslq_s32(pos, vaddq_s32(s, half), vsubq_s32(s, half));
  return vcvtq_s32_f32(vdivq_f32(vcvtq_f32_s32(num), cnt));
}

void enn_qs8_avgpool__neon(size_t ntaps, const int8_t *const *taps, int8_t *y, size_t c, int32_t bias, int32_t count,
                           int32_t lo, int32_t hi) {
  const int32x4_t vb = vdupq_n_s32(bias), half = vdupq_n_s32(count / 2), zero = vdupq_n_s32(0);
  const float32x4_t cnt = vdupq_n_f32((float)count);
  const int8x16_t vlo = vdupq_n_s8((int8_t)lo), vhi = vdupq_n_s8((int8_t)hi);
  for (size_t c0 = 0; c0 < c; c0 += 16) {
    const size_t n = c - c0 < 16 ? c - c0 : 16;
    int32x4_t a[4] = {vb, vb, vb, vb};
    if (n == 16)
      for (size_t t = 0; t < ntaps; t++) acc16(a, vld1q_s8(taps[t] + c0));
    else
      for (size_t t = 0; t < ntaps; t++) acc16(a, ld16(taps[t] + c0, n));
    for (int j = 0; j < 4; j++) a[j] = avg4(a[j], half, cnt);
    qn_store(y + c0, qn_narrow16(a[0], a[1], a[2], a[3], zero, vlo, vhi), n);
  }
}

/* --------------------------------------------------------------- MAXPOOL */
void enn_qs8_maxpool__neon(const int8_t *const *rows, size_t kh, int8_t *y, size_t c, size_t ow, size_t iw, size_t kw,
                           size_t stride, size_t pad_left, size_t dil, int32_t lo, int32_t hi) {
  const int8x16_t vlo = vdupq_n_s8((int8_t)lo), vhi = vdupq_n_s8((int8_t)hi);
  const size_t cv = c & ~(size_t)15;
  for (size_t ox = 0; ox < ow; ox++) {
    const ptrdiff_t ix0 = (ptrdiff_t)(ox * stride) - (ptrdiff_t)pad_left;
    for (size_t c0 = 0; c0 < cv; c0 += 16) {
      int8x16_t acc = vdupq_n_s8(-128);
      for (size_t ky = 0; ky < kh; ky++) {
        if (!rows[ky]) continue;
        for (size_t kx = 0; kx < kw; kx++) {
          const ptrdiff_t ix = ix0 + (ptrdiff_t)(kx * dil);
          if (ix < 0 || ix >= (ptrdiff_t)iw) continue;
          acc = vmaxq_s8(acc, vld1q_s8(rows[ky] + (size_t)ix * c + c0));
        }
      }
      vst1q_s8(y + ox * c + c0, vminq_s8(vmaxq_s8(acc, vlo), vhi));
    }
    for (size_t ch = cv; ch < c; ch++) {
      int32_t m = -128;
      for (size_t ky = 0; ky < kh; ky++) {
        if (!rows[ky]) continue;
        for (size_t kx = 0; kx < kw; kx++) {
          const ptrdiff_t ix = ix0 + (ptrdiff_t)(kx * dil);
          if (ix < 0 || ix >= (ptrdiff_t)iw) continue;
          const int32_t v = rows[ky][(size_t)ix * c + ch];
          if (v > m) m = v;
        }
      }
      y[ox * c + ch] = (int8_t)(m < lo ? lo : (m > hi ? hi : m));
    }
  }
}

#endif
