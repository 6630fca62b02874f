/*
 * fp16 -> fp32 array conversion with the F16C instruction VCVTPH2PS (this
 * file is compiled with -mavx2 -mfma -mf16c; it is called only when the
 * CPU has F16C and AVX2). 16 values per iteration in two 8-lane
 * conversions, then 8, then a scalar tail through the same instruction on
 * a zero-padded 8-value buffer, so every value is converted by the
 * hardware. Exact, like the reference (kernels/ref/f16_ref.h).
 */
#include "kernels/ref/f16_ref.h"

#if ENN_HAVE_F16C_KERNEL
#include <immintrin.h>
#include <string.h>

void enn_f16_f32_vcvt__f16c(size_t n, const uint16_t *x, float *y) {
  size_t i = 0;
  for (; i + 16 <= n; i += 16) {
    __m128i a = _mm_loadu_si128((const __m128i *)(const void *)(x + i));
    __m128i b = _mm_loadu_si128((const __m128i *)(const void *)(x + i + 8));
    _mm256_storeu_ps(y + i, _mm256_cvtph_ps(a));
    _mm256_storeu_ps(y + i + 8, _mm256_cvtph_ps(b));
  }
  for (; i + 8 <= n; i += 8)
    _mm256_storeu_ps(y + i, _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(const void *)(x + i))));
  if (i < n) {
    uint16_t t[8] = {0};
    float f[8];
    memcpy(t, x + i, (n - i) * sizeof(uint16_t));
    _mm256_storeu_ps(f, _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(const void *)t)));
    memcpy(y + i, f, (n - i) * sizeof(float));
  }
}
#endif
