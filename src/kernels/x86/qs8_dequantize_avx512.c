/*
 * int8 -> f32 Dequantize, AVX-512 F/BW/VL (enn_qs8_dequantize__avx512;
 * contract kernels.h QS8_DEQUANTIZE, spec q8_quantize_ref.h):
 *   y[i] = scale * (float)(x[i] - zp)
 * 16 bytes per vector are sign-extended to int32 lanes (vpmovsxbd), zp is
 * subtracted in int32 (exact), converted to float (exact: |x - zp| < 2^24)
 * and multiplied by scale: one correctly rounded float product, equal to
 * the reference's exact double product rounded to float. 64 elements per
 * step, then 16; the tail uses masked loads and stores (nothing outside
 * x[0..n) / y[0..n) is touched).
 */
#include "kernels/kernels.h"

#if ENN_KERNELS_X86
#include <immintrin.h>

static inline __attribute__((always_inline)) __m512 deq16(__m128i b16, __m512i zp, __m512 s) {
  return _mm512_mul_ps(_mm512_cvtepi32_ps(_mm512_sub_epi32(_mm512_cvtepi8_epi32(b16), zp)), s);
}

void enn_qs8_dequantize__avx512(size_t n, const int8_t *x, float *y, float scale, int32_t zp) {
  const __m512 s = _mm512_set1_ps(scale);
  const __m512i z = _mm512_set1_epi32(zp);
  size_t i = 0;
  for (; i + 64 <= n; i += 64) {
    const __m512i b = _mm512_loadu_si512((const void *)(x + i));
    _mm512_storeu_ps(y + i, deq16(_mm512_castsi512_si128(b), z, s));
    _mm512_storeu_ps(y + i + 16, deq16(_mm512_extracti32x4_epi32(b, 1), z, s));
    _mm512_storeu_ps(y + i + 32, deq16(_mm512_extracti32x4_epi32(b, 2), z, s));
    _mm512_storeu_ps(y + i + 48, deq16(_mm512_extracti32x4_epi32(b, 3), z, s));
  }
  for (; i + 16 <= n; i += 16) _mm512_storeu_ps(y + i, deq16(_mm_loadu_si128((const __m128i *)(const void *)(x + i)), z, s));
  if (i < n) {
    const __mmask16 m = (__mmask16)((1u << (n - i)) - 1u);
    _mm512_mask_storeu_ps(y + i, m, deq16(_mm_maskz_loadu_epi8(m, x + i), z, s));
  }
}

#endif
