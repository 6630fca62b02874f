/*
 * f32 vector kernels, AVX2 + FMA (this file only is compiled with
 * -mavx2 -mfma -mf16c): add + activation, global average pooling, softmax.
 * The algorithms of f32_vector_avx512.c (and its maxpool) with 8-lane vectors; column tails
 * use vmaskmovps, and exp scales by 2^n through the exponent bits
 * (arguments clamped to [-87.3, 88], below -87.3 the result is 0).
 */
#include "kernels/kernels.h"

#if ENN_KERNELS_X86
#include <immintrin.h>

#include "kernels/x86/epi_avx2.h"

#define INL static inline __attribute__((always_inline))

static const int32_t mask_table[16] = {-1, -1, -1, -1, -1, -1, -1, -1, 0, 0, 0, 0, 0, 0, 0, 0};
/* Lanes [0, min(n, 8)) set. */
INL __m256i mask8(size_t n) {
  return _mm256_loadu_si256((const __m256i *)(const void *)(mask_table + 8 - (n < 8 ? n : 8)));
}

void enn_f32_vadd_minmax__avx2(size_t n, const float *a, const float *b, float *y, const enn_f32_epi *ep) {
  size_t i = 0;
  for (; i + 32 <= n; i += 32) {
    __m256 v0 = _mm256_add_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i));
    __m256 v1 = _mm256_add_ps(_mm256_loadu_ps(a + i + 8), _mm256_loadu_ps(b + i + 8));
    __m256 v2 = _mm256_add_ps(_mm256_loadu_ps(a + i + 16), _mm256_loadu_ps(b + i + 16));
    __m256 v3 = _mm256_add_ps(_mm256_loadu_ps(a + i + 24), _mm256_loadu_ps(b + i + 24));
    _mm256_storeu_ps(y + i, epi_y(v0, ep));
    _mm256_storeu_ps(y + i + 8, epi_y(v1, ep));
    _mm256_storeu_ps(y + i + 16, epi_y(v2, ep));
    _mm256_storeu_ps(y + i + 24, epi_y(v3, ep));
  }
  for (; i < n; i += 8) {
    const __m256i m = mask8(n - i);
    const __m256 v = _mm256_add_ps(_mm256_maskload_ps(a + i, m), _mm256_maskload_ps(b + i, m));
    _mm256_maskstore_ps(y + i, m, epi_y(v, ep));
  }
}

void enn_f32_gavgpool__avx2(size_t hw, size_t ch, const float *x, float *y, const enn_f32_epi *ep) {
  const __m256 div = _mm256_set1_ps((float)hw);
  size_t c = 0;
  for (; c + 32 <= ch; c += 32) {
    __m256 s0 = _mm256_setzero_ps(), s1 = s0, s2 = s0, s3 = s0;
    for (size_t p = 0; p < hw; p++) {
      const float *r = x + p * ch + c;
      s0 = _mm256_add_ps(s0, _mm256_loadu_ps(r));
      s1 = _mm256_add_ps(s1, _mm256_loadu_ps(r + 8));
      s2 = _mm256_add_ps(s2, _mm256_loadu_ps(r + 16));
      s3 = _mm256_add_ps(s3, _mm256_loadu_ps(r + 24));
    }
    _mm256_storeu_ps(y + c, epi_y(_mm256_div_ps(s0, div), ep));
    _mm256_storeu_ps(y + c + 8, epi_y(_mm256_div_ps(s1, div), ep));
    _mm256_storeu_ps(y + c + 16, epi_y(_mm256_div_ps(s2, div), ep));
    _mm256_storeu_ps(y + c + 24, epi_y(_mm256_div_ps(s3, div), ep));
  }
  for (; c < ch; c += 8) {
    const __m256i m = mask8(ch - c);
    __m256 s = _mm256_setzero_ps();
    for (size_t p = 0; p < hw; p++) s = _mm256_add_ps(s, _mm256_maskload_ps(x + p * ch + c, m));
    _mm256_maskstore_ps(y + c, m, epi_y(_mm256_div_ps(s, div), ep));
  }
}

INL __m256 exp_y(__m256 x) {
  const __m256 under = _mm256_cmp_ps(x, _mm256_set1_ps(-87.3365447f), _CMP_LT_OQ);
  x = _mm256_min_ps(_mm256_max_ps(x, _mm256_set1_ps(-87.3365447f)), _mm256_set1_ps(88.0f));
  const __m256 n = _mm256_round_ps(_mm256_mul_ps(x, _mm256_set1_ps(1.44269504f)),
                                   _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  __m256 r = _mm256_fnmadd_ps(n, _mm256_set1_ps(0.693359375f), x);
  r = _mm256_fnmadd_ps(n, _mm256_set1_ps(-2.12194440e-4f), r);
  __m256 p = _mm256_set1_ps(1.9875691500e-4f);
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.3981999507e-3f));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(8.3334519073e-3f));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(4.1665795894e-2f));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.6666665459e-1f));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(5.0000001201e-1f));
  p = _mm256_fmadd_ps(p, _mm256_mul_ps(r, r), _mm256_add_ps(r, _mm256_set1_ps(1.0f)));
  const __m256i e = _mm256_slli_epi32(_mm256_add_epi32(_mm256_cvtps_epi32(n), _mm256_set1_epi32(127)), 23);
  return _mm256_andnot_ps(under, _mm256_mul_ps(p, _mm256_castsi256_ps(e)));
}

INL float hmax(__m256 v) {
  __m128 m = _mm_max_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  m = _mm_max_ps(m, _mm_movehl_ps(m, m));
  m = _mm_max_ss(m, _mm_shuffle_ps(m, m, 1));
  return _mm_cvtss_f32(m);
}

INL float hsum(__m256 v) {
  __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  s = _mm_add_ss(s, _mm_shuffle_ps(s, s, 1));
  return _mm_cvtss_f32(s);
}

void enn_f32_softmax__avx2(size_t n, const float *x, float *y) {
  if (!n) return;
  __m256 vm = _mm256_set1_ps(-INFINITY);
  size_t i = 0;
  for (; i + 8 <= n; i += 8) vm = _mm256_max_ps(vm, _mm256_loadu_ps(x + i));
  float mx = hmax(vm);
  for (; i < n; i++) mx = x[i] > mx ? x[i] : mx;
  const __m256 m = _mm256_set1_ps(mx);
  __m256 s0 = _mm256_setzero_ps(), s1 = s0;
  for (i = 0; i + 16 <= n; i += 16) {
    const __m256 e0 = exp_y(_mm256_sub_ps(_mm256_loadu_ps(x + i), m));
    const __m256 e1 = exp_y(_mm256_sub_ps(_mm256_loadu_ps(x + i + 8), m));
    _mm256_storeu_ps(y + i, e0);
    _mm256_storeu_ps(y + i + 8, e1);
    s0 = _mm256_add_ps(s0, e0);
    s1 = _mm256_add_ps(s1, e1);
  }
  for (; i < n; i += 8) {
    const __m256i k = mask8(n - i);
    const __m256 e = _mm256_and_ps(_mm256_castsi256_ps(k), exp_y(_mm256_sub_ps(_mm256_maskload_ps(x + i, k), m)));
    _mm256_maskstore_ps(y + i, k, e);
    s0 = _mm256_add_ps(s0, e);
  }
  const __m256 s = _mm256_set1_ps(hsum(_mm256_add_ps(s0, s1)));
  for (i = 0; i < n; i += 8) {
    const __m256i k = mask8(n - i);
    _mm256_maskstore_ps(y + i, k, _mm256_div_ps(_mm256_maskload_ps(y + i, k), s));
  }
}

void enn_f32_maxpool__avx2(const float *const *rows, size_t kh, float *y, size_t c, size_t ow, size_t iw, size_t kw,
                           size_t stride, size_t pad_left, size_t dil, const enn_f32_epi *ep) {
  for (size_t c0 = 0; c0 < c; c0 += 8) {
    const __m256i m = mask8(c - c0);
    for (size_t ox = 0; ox < ow; ox++) {
      __m256 acc = _mm256_set1_ps(-INFINITY);
      const ptrdiff_t ix0 = (ptrdiff_t)(ox * stride) - (ptrdiff_t)pad_left;
      for (size_t ky = 0; ky < kh; ky++) {
        if (!rows[ky]) continue;
        for (size_t kx = 0; kx < kw; kx++) {
          const ptrdiff_t ix = ix0 + (ptrdiff_t)(kx * dil);
          if (ix < 0 || ix >= (ptrdiff_t)iw) continue;
          const __m256 v = _mm256_maskload_ps(rows[ky] + (size_t)ix * c + c0, m);
          acc = _mm256_blendv_ps(_mm256_max_ps(v, acc), v, _mm256_cmp_ps(v, v, _CMP_UNORD_Q));
        }
      }
      _mm256_maskstore_ps(y + ox * c + c0, m, epi_y(acc, ep));
    }
  }
}

#endif
