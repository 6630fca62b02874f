/*
 * The fused epilogue (kernels.h, enn_f32_epi) on 128-bit NEON registers,
 * plus partial loads / stores of 1..3 lanes, for the AArch64 translation
 * units. NaN and signed-zero handling follow the scalar spec
 * (kernels/ref/act.h) exactly: relu is FMAXNM against +0 (NaN -> 0,
 * -0 -> +0, as x > 0 ? x : 0); clip / relu6 select with the spec's own
 * compares (x < min, x > max: NaN and -0 pass through unchanged);
 * hard-sigmoid and hard-swish clamp with FMAX / FMIN, which return NaN
 * for a NaN operand, as the spec does.
 */
#ifndef ENN_KERNELS_ARM_EPI_NEON_H
#define ENN_KERNELS_ARM_EPI_NEON_H

#include <arm_neon.h>

#include "kernels/kernels.h"

#define ENN_NEON_INL static inline __attribute__((always_inline))

ENN_NEON_INL float32x4_t epi_q(float32x4_t x, const enn_f32_epi *ep) {
  switch (ep->kind) {
  case ENN_EPI_RELU: return vmaxnmq_f32(x, vdupq_n_f32(0.0f));
  case ENN_EPI_MINMAX: {
    const float32x4_t lo = vdupq_n_f32(ep->min), hi = vdupq_n_f32(ep->max);
    x = vbslq_f32(vcltq_f32(x, lo), lo, x);
    return vbslq_f32(vcgtq_f32(x, hi), hi, x);
  }
  case ENN_EPI_HSWISH: {
    float32x4_t t = vaddq_f32(x, vdupq_n_f32(3.0f));
    t = vminq_f32(vmaxq_f32(t, vdupq_n_f32(0.0f)), vdupq_n_f32(6.0f));
    return vmulq_f32(vmulq_f32(x, t), vdupq_n_f32(1.0f / 6.0f));
  }
  case ENN_EPI_HSIGMOID: {
    const float32x4_t t = vfmaq_f32(vdupq_n_f32(ep->beta), x, vdupq_n_f32(ep->alpha));
    return vminq_f32(vmaxq_f32(t, vdupq_n_f32(0.0f)), vdupq_n_f32(1.0f));
  }
  default: return x;
  }
}

/* p[0..n) into lanes 0..n-1 (n = 1..4), the other lanes 0; nothing past
 * p[n - 1] is read. */
ENN_NEON_INL float32x4_t ld_part(const float *p, size_t n) {
  if (n >= 4) return vld1q_f32(p);
  if (n == 1) return vld1q_lane_f32(p, vdupq_n_f32(0.0f), 0);
  const float32x4_t v = vcombine_f32(vld1_f32(p), vdup_n_f32(0.0f));
  return n == 3 ? vld1q_lane_f32(p + 2, v, 2) : v;
}

/* Lanes 0..n-1 of v to p[0..n) (n = 0..4); nothing else is written. */
ENN_NEON_INL void st_part(float *p, float32x4_t v, size_t n) {
  if (n >= 4) {
    vst1q_f32(p, v);
    return;
  }
  if (n >= 2) {
    vst1_f32(p, vget_low_f32(v));
    if (n == 3) vst1q_lane_f32(p + 2, v, 2);
  } else if (n == 1) {
    vst1q_lane_f32(p, v, 0);
  }
}

#endif
