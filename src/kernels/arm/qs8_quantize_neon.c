/*
 * f32 -> int8 Quantize per tensor, baseline AArch64 NEON
 * (enn_qs8_quantize__neon; contract kernels.h QS8_QUANTIZE, spec
 * enn_quantize_f32_mode in kernels/ref/q8_quantize_ref.h):
 *   y[i] = clamp(R(x[i] / scale) + zp, lo, hi)
 * per 4 lanes: v = x / scale by vdivq_f32 (the reference's correctly
 * rounded float division), NaN lanes set to 0, v clamped to
 * +-2147483520 (clamping before or after the rounding is the same: the
 * bound is an integer and rounding is monotonic), then R in one
 * instruction: vrndaq_f32 (FRINTA, to nearest with ties away from zero:
 * roundf, rounding 0) or vrndnq_f32 (FRINTN, ties to even: rounding 1).
 * The integral value converts exactly (vcvtq_s32_f32), + zp cannot
 * overflow (|r| <= 2147483520, zp in [-128, 127]); the sums are narrowed
 * with signed saturation and clamped to [lo, hi] in int8, which is the
 * reference's clamp since -128 <= lo <= hi <= 127. 16 values per step;
 * the last n % 16 go through a copy (nothing outside the arrays touched).
 */
#include "kernels/kernels.h"

#if ENN_KERNELS_ARM64
#include <arm_neon.h>
#include <string.h>

#include "kernels/arm/qs8_neon.h"

QN_INL int32x4_t quant4(float32x4_t x, float32x4_t s, int32x4_t zp, int32_t rounding) {
  float32x4_t v = vdivq_f32(x, s);
  v = vbslq_f32(vceqq_f32(v, v), v, vdupq_n_f32(0.0f)); /* NaN -> 0 */
  v = vminq_f32(vmaxq_f32(v, vdupq_n_f32(-2147483520.0f)), vdupq_n_f32(2147483520.0f));
  const float32x4_t r = rounding ? vrndnq_f32(v) : vrndaq_f32(v);
  return vaddq_s32(vcvtq_s32_f32(r), zp);
}

QN_INL int8x16_t quant16(const float *x, float32x4_t s, int32x4_t zp, int8x16_t lo, int8x16_t hi, int32_t rounding) {
  const int32x4_t z = vdupq_n_s32(0);
  return qn_narrow16(quant4(vld1q_f32(x), s, zp, rounding), quant4(vld1q_f32(x + 4), s, zp, rounding),
                     quant4(vld1q_f32(x + 8), s, zp, rounding), quant4(vld1q_f32(x + 12), s, zp, rounding), z, lo,
                     hi);
}

void enn_qs8_quantize__neon(size_t n, const float *x, int8_t *y, float scale, int32_t zp, int32_t lo, int32_t hi,
                            int32_t rounding) {
  const float32x4_t s = vdupq_n_f32(scale);
  const int32x4_t vz = vdupq_n_s32(zp);
  const int8x16_t vlo = vdupq_n_s8((int8_t)lo), vhi = vdupq_n_s8((int8_t)hi);
  size_t i = 0;
  if (rounding)
    for (; i + 16 <= n; i += 16) vst1q_s8(y + i, quant16(x + i, s, vz, vlo, vhi, 1));
  else
    for (; i + 16 <= n; i += 16) vst1q_s8(y + i, quant16(x + i, s, vz, vlo, vhi, 0));
  if (i < n) {
    float t[16] = {0};
    memcpy(t, x + i, (n - i) * sizeof(float));
    qn_store(y + i, quant16(t, s, vz, vlo, vhi, rounding), n - i);
  }
}

#endif
