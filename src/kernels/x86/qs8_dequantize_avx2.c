/*
 * int8 -> f32 Dequantize, AVX2 (enn_qs8_dequantize__avx2; contract
 * kernels.h QS8_DEQUANTIZE, spec q8_quantize_ref.h):
 *   y[i] = scale * (float)(x[i] - zp)
 * 8 bytes at a time are sign-extended to int32 lanes, zp is subtracted in
 * int32 (exact), converted to float (exact: |x - zp| < 2^24) and multiplied
 * by scale: one correctly rounded float product, which is what the
 * reference's double product rounded to float is (the double product of a
 * 24-bit and a 24-bit significand is exact). No FMA is involved. The loop
 * does 32 elements per step, then 8; the last n % 8 go through a copy so
 * nothing outside x[0..n) / y[0..n) is touched.
 */
#include "kernels/kernels.h"

#if ENN_KERNELS_X86
#include <immintrin.h>
#include <string.h>

static inline __attribute__((always_inline)) __m256 deq8(__m128i b8, __m256i zp, __m256 s) {
  return _mm256_mul_ps(_mm256_cvtepi32_ps(_mm256_sub_epi32(_mm256_cvtepi8_epi32(b8), zp)), s);
}

void enn_qs8_dequantize__avx2(size_t n, const int8_t *x, float *y, float scale, int32_t zp) {
  const __m256 s = _mm256_set1_ps(scale);
  const __m256i z = _mm256_set1_epi32(zp);
  size_t i = 0;
  for (; i + 32 <= n; i += 32) {
    const __m128i lo = _mm_loadu_si128((const __m128i *)(const void *)(x + i));
    const __m128i hi = _mm_loadu_si128((const __m128i *)(const void *)(x + i + 16));
    _mm256_storeu_ps(y + i, deq8(lo, z, s));
    _mm256_storeu_ps(y + i + 8, deq8(_mm_unpackhi_epi64(lo, lo), z, s));
    _mm256_storeu_ps(y + i + 16, deq8(hi, z, s));
    _mm256_storeu_ps(y + i + 24, deq8(_mm_unpackhi_epi64(hi, hi), z, s));
  }
  for (; i + 8 <= n; i += 8)
    _mm256_storeu_ps(y + i, deq8(_mm_loadl_epi64((const __m128i *)(const void *)(x + i)), z, s));
  if (i < n) {
    int64_t t = 0;
    memcpy(&t, x + i, n - i);
    float r[8];
    _mm256_storeu_ps(r, deq8(_mm_cvtsi64_si128(t), z, s));
    memcpy(y + i, r, (n - i) * sizeof(float));
  }
}

#endif
