/*
 * fp32 FMA throughput, AArch64 NEON (baseline on AArch64, no extra flags).
 * 16 independent register accumulators (of 32 q registers) hide the FMA
 * latency; each iteration is 16 fmla on 4 lanes = 128 FLOP. FMA is not
 * reassociated (no -ffast-math), so the compiler must keep every one.
 */
#include <arm_neon.h>
#include <stdint.h>

double peak_fma_neon(int64_t iters, float seed);

#define STEP(c) c = vfmaq_f32(b, c, a)

double peak_fma_neon(int64_t iters, float seed) {
  const float32x4_t a = vdupq_n_f32(0.999999f), b = vdupq_n_f32(1e-7f * seed);
  float32x4_t c0 = vdupq_n_f32(seed), c1 = vaddq_f32(c0, a), c2 = vaddq_f32(c1, a), c3 = vaddq_f32(c2, a);
  float32x4_t c4 = vaddq_f32(c3, a), c5 = vaddq_f32(c4, a), c6 = vaddq_f32(c5, a), c7 = vaddq_f32(c6, a);
  float32x4_t c8 = vaddq_f32(c7, a), c9 = vaddq_f32(c8, a), c10 = vaddq_f32(c9, a), c11 = vaddq_f32(c10, a);
  float32x4_t c12 = vaddq_f32(c11, a), c13 = vaddq_f32(c12, a), c14 = vaddq_f32(c13, a),
         c15 = vaddq_f32(c14, a);
  for (int64_t it = 0; it < iters; it++) {
    STEP(c0); STEP(c1); STEP(c2); STEP(c3); STEP(c4); STEP(c5); STEP(c6); STEP(c7);
    STEP(c8); STEP(c9); STEP(c10); STEP(c11); STEP(c12); STEP(c13); STEP(c14); STEP(c15);
  }
  float32x4_t s = vaddq_f32(vaddq_f32(vaddq_f32(c0, c1), vaddq_f32(c2, c3)),
                           vaddq_f32(vaddq_f32(c4, c5), vaddq_f32(c6, c7)));
  s = vaddq_f32(s, vaddq_f32(vaddq_f32(vaddq_f32(c8, c9), vaddq_f32(c10, c11)),
                                     vaddq_f32(vaddq_f32(c12, c13), vaddq_f32(c14, c15))));
  return (double)vaddvq_f32(s);
}
