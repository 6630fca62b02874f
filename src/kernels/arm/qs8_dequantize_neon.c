/*
 * int8 -> f32 Dequantize, baseline AArch64 NEON (enn_qs8_dequantize__neon;
 * contract kernels.h QS8_DEQUANTIZE, spec q8_quantize_ref.h):
 *   y[i] = scale * (float)(x[i] - zp)
 * 16 bytes per step are sign-extended to four int32x4 vectors, zp is
 * subtracted in int32 (exact), converted to float (exact: |x - zp| < 2^24)
 * and multiplied by scale (vmulq_f32: one correctly rounded product, equal
 * to the reference's exact double product rounded to float; no fused
 * multiply-add). The last n % 16 elements use the same scalar product.
 */
#include "kernels/kernels.h"

#if ENN_KERNELS_ARM64
#include <arm_neon.h>

static inline __attribute__((always_inline)) float32x4_t deq4(int16x4_t v, int32x4_t zp, float32x4_t s) {
  return vmulq_f32(vcvtq_f32_s32(vsubq_s32(vmovl_s16(v), zp)), s);
}

void enn_qs8_dequantize__neon(size_t n, const int8_t *x, float *y, float scale, int32_t zp) {
  const float32x4_t s = vdupq_n_f32(scale);
  const int32x4_t z = vdupq_n_s32(zp);
  size_t i = 0;
  for (; i + 16 <= n; i += 16) {
    const int8x16_t b = vld1q_s8(x + i);
    const int16x8_t h0 = vmovl_s8(vget_low_s8(b)), h1 = vmovl_high_s8(b);
    vst1q_f32(y + i, deq4(vget_low_s16(h0), z, s));
    vst1q_f32(y + i + 4, deq4(vget_high_s16(h0), z, s));
    vst1q_f32(y + i + 8, deq4(vget_low_s16(h1), z, s));
    vst1q_f32(y + i + 12, deq4(vget_high_s16(h1), z, s));
  }
  for (; i < n; i++) {
    const float v = (float)((int32_t)x[i] - zp);
    y[i] = v * scale;
  }
}

#endif
