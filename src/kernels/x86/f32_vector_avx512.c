/*
 * f32 vector kernels, AVX-512F (compiled with the AVX-512 flags, this file
 * only): add + activation, global average pooling, softmax.
 *
 * vadd: 64 floats per iteration (four zmm), a masked tail; y may alias a
 * or b (each vector is loaded before the same vector is stored).
 * gavgpool: channel-vectorised column sums over the hw pixels in pixel
 * order (bit-identical sums to the reference), then one division by hw.
 * maxpool: per 16-channel block and output pixel, the max over the
 * window's taps inside the row (NaN taps forced through with a mask: the
 * max instruction alone would drop a NaN in either operand order).
 * softmax: max (exact in any order), then e = exp(x - max) stored in y
 * while four vector partial sums accumulate, then y = e / sum. exp:
 * x = n*ln2 + r with n = round(x / ln2) and |r| <= ln2/2 (ln2 split in
 * two for an exact product), e^r = 1 + r + r^2 * P5(r) (Cephes expf
 * minimax coefficients), scaled by 2^n with vscalefps; arguments below
 * -87.3 give 0 (softmax arguments are <= 0).
 */
#include "kernels/kernels.h"

#if ENN_KERNELS_X86
#include <immintrin.h>

#include "kernels/x86/epi_avx512.h"

#define INL static inline __attribute__((always_inline))

INL __mmask16 mask16(size_t n) { return (__mmask16)(n >= 16 ? 0xFFFFu : (1u << n) - 1u); }

void enn_f32_vadd_minmax__avx512(size_t n, const float *a, const float *b, float *y, const enn_f32_epi *ep) {
  size_t i = 0;
  for (; i + 64 <= n; i += 64) {
    __m512 v0 = _mm512_add_ps(_mm512_loadu_ps(a + i), _mm512_loadu_ps(b + i));
    __m512 v1 = _mm512_add_ps(_mm512_loadu_ps(a + i + 16), _mm512_loadu_ps(b + i + 16));
    __m512 v2 = _mm512_add_ps(_mm512_loadu_ps(a + i + 32), _mm512_loadu_ps(b + i + 32));
    __m512 v3 = _mm512_add_ps(_mm512_loadu_ps(a + i + 48), _mm512_loadu_ps(b + i + 48));
    _mm512_storeu_ps(y + i, epi_z(v0, ep));
    _mm512_storeu_ps(y + i + 16, epi_z(v1, ep));
    _mm512_storeu_ps(y + i + 32, epi_z(v2, ep));
    _mm512_storeu_ps(y + i + 48, epi_z(v3, ep));
  }
  for (; i < n; i += 16) {
    const __mmask16 m = mask16(n - i);
    const __m512 v = _mm512_add_ps(_mm512_maskz_loadu_ps(m, a + i), _mm512_maskz_loadu_ps(m, b + i));
    _mm512_mask_storeu_ps(y + i, m, epi_z(v, ep));
  }
}

void enn_f32_gavgpool__avx512(size_t hw, size_t ch, const float *x, float *y, const enn_f32_epi *ep) {
  const __m512 div = _mm512_set1_ps((float)hw);
  size_t c = 0;
  for (; c + 64 <= ch; c += 64) {
    __m512 s0 = _mm512_setzero_ps(), s1 = s0, s2 = s0, s3 = s0;
    for (size_t p = 0; p < hw; p++) {
      const float *r = x + p * ch + c;
      s0 = _mm512_add_ps(s0, _mm512_loadu_ps(r));
      s1 = _mm512_add_ps(s1, _mm512_loadu_ps(r + 16));
      s2 = _mm512_add_ps(s2, _mm512_loadu_ps(r + 32));
      s3 = _mm512_add_ps(s3, _mm512_loadu_ps(r + 48));
    }
    _mm512_storeu_ps(y + c, epi_z(_mm512_div_ps(s0, div), ep));
    _mm512_storeu_ps(y + c + 16, epi_z(_mm512_div_ps(s1, div), ep));
    _mm512_storeu_ps(y + c + 32, epi_z(_mm512_div_ps(s2, div), ep));
    _mm512_storeu_ps(y + c + 48, epi_z(_mm512_div_ps(s3, div), ep));
  }
  for (; c < ch; c += 16) {
    const __mmask16 m = mask16(ch - c);
    __m512 s = _mm512_setzero_ps();
    for (size_t p = 0; p < hw; p++) s = _mm512_add_ps(s, _mm512_maskz_loadu_ps(m, x + p * ch + c));
    _mm512_mask_storeu_ps(y + c, m, epi_z(_mm512_div_ps(s, div), ep));
  }
}

INL __m512 exp_z(__m512 x) {
  const __m512 lo = _mm512_set1_ps(-87.3365447f);
  const __mmask16 under = _mm512_cmp_ps_mask(x, lo, _CMP_LT_OQ);
  x = _mm512_min_ps(x, _mm512_set1_ps(88.3762626f));
  const __m512 n = _mm512_roundscale_ps(_mm512_mul_ps(x, _mm512_set1_ps(1.44269504f)),
                                        _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  __m512 r = _mm512_fnmadd_ps(n, _mm512_set1_ps(0.693359375f), x);
  r = _mm512_fnmadd_ps(n, _mm512_set1_ps(-2.12194440e-4f), r);
  __m512 p = _mm512_set1_ps(1.9875691500e-4f);
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.3981999507e-3f));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(8.3334519073e-3f));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(4.1665795894e-2f));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.6666665459e-1f));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(5.0000001201e-1f));
  p = _mm512_fmadd_ps(p, _mm512_mul_ps(r, r), _mm512_add_ps(r, _mm512_set1_ps(1.0f)));
  return _mm512_maskz_mov_ps((__mmask16)~under, _mm512_scalef_ps(p, n));
}

void enn_f32_softmax__avx512(size_t n, const float *x, float *y) {
  if (!n) return;
  __m512 vm = _mm512_set1_ps(-INFINITY);
  size_t i = 0;
  for (; i + 16 <= n; i += 16) vm = _mm512_max_ps(vm, _mm512_loadu_ps(x + i));
  if (i < n) vm = _mm512_mask_max_ps(vm, mask16(n - i), vm, _mm512_maskz_loadu_ps(mask16(n - i), x + i));
  const __m512 m = _mm512_set1_ps(_mm512_reduce_max_ps(vm));
  __m512 s0 = _mm512_setzero_ps(), s1 = s0, s2 = s0, s3 = s0;
  for (i = 0; i + 64 <= n; i += 64) {
    const __m512 e0 = exp_z(_mm512_sub_ps(_mm512_loadu_ps(x + i), m));
    const __m512 e1 = exp_z(_mm512_sub_ps(_mm512_loadu_ps(x + i + 16), m));
    const __m512 e2 = exp_z(_mm512_sub_ps(_mm512_loadu_ps(x + i + 32), m));
    const __m512 e3 = exp_z(_mm512_sub_ps(_mm512_loadu_ps(x + i + 48), m));
    _mm512_storeu_ps(y + i, e0);
    _mm512_storeu_ps(y + i + 16, e1);
    _mm512_storeu_ps(y + i + 32, e2);
    _mm512_storeu_ps(y + i + 48, e3);
    s0 = _mm512_add_ps(s0, e0);
    s1 = _mm512_add_ps(s1, e1);
    s2 = _mm512_add_ps(s2, e2);
    s3 = _mm512_add_ps(s3, e3);
  }
  for (; i < n; i += 16) {
    const __mmask16 k = mask16(n - i);
    const __m512 e = _mm512_maskz_mov_ps(k, exp_z(_mm512_sub_ps(_mm512_maskz_loadu_ps(k, x + i), m)));
    _mm512_mask_storeu_ps(y + i, k, e);
    s0 = _mm512_add_ps(s0, e);
  }
  const __m512 s = _mm512_set1_ps(_mm512_reduce_add_ps(_mm512_add_ps(_mm512_add_ps(s0, s1), _mm512_add_ps(s2, s3))));
  for (i = 0; i < n; i += 16) {
    const __mmask16 k = mask16(n - i);
    _mm512_mask_storeu_ps(y + i, k, _mm512_div_ps(_mm512_maskz_loadu_ps(k, y + i), s));
  }
}

void enn_f32_maxpool__avx512(const float *const *rows, size_t kh, float *y, size_t c, size_t ow, size_t iw, size_t kw,
                             size_t stride, size_t pad_left, size_t dil, const enn_f32_epi *ep) {
  for (size_t c0 = 0; c0 < c; c0 += 16) {
    const __mmask16 m = mask16(c - c0);
    for (size_t ox = 0; ox < ow; ox++) {
      __m512 acc = _mm512_set1_ps(-INFINITY);
      const ptrdiff_t ix0 = (ptrdiff_t)(ox * stride) - (ptrdiff_t)pad_left;
      for (size_t ky = 0; ky < kh; ky++) {
        if (!rows[ky]) continue;
        for (size_t kx = 0; kx < kw; kx++) {
          const ptrdiff_t ix = ix0 + (ptrdiff_t)(kx * dil);
          if (ix < 0 || ix >= (ptrdiff_t)iw) continue;
          const __m512 v = _mm512_maskz_loadu_ps(m, rows[ky] + (size_t)ix * c + c0);
          /* v > acc ? v : acc keeps the first of equal taps; a NaN acc stays (compare false) */
          acc = _mm512_mask_mov_ps(_mm512_max_ps(v, acc), _mm512_cmp_ps_mask(v, v, _CMP_UNORD_Q), v);
        }
      }
      _mm512_mask_storeu_ps(y + ox * c + c0, m, epi_z(acc, ep));
    }
  }
}

#endif
