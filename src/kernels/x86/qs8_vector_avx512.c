/*
 * int8 element-wise and pooling kernels, AVX-512 F/BW/VL/DQ (this file
 * alone is compiled with the AVX-512 flags); contracts in kernels.h, each
 * bit-exact with its reference:
 *
 *   VADD      TFLite ADD (q8_binary_ref.h): 16 elements per vector in int32
 *             lanes: (x - zp) << left_shift, both operands rescaled with
 *             the exact MBQM of x86/qs8_rq.h (64-bit products, gemmlowp
 *             nudge, round-half-away shift), summed, rescaled to the
 *             output, + zp, narrowed with saturation and clamped in int8.
 *             Four vectors per step; the tail uses masked loads / stores.
 *   GAVGPOOL  TFLite MEAN over the pixels (q8_mean_ref.h): 64 channels at
 *             a time, four int32 accumulators summing the sign-extended
 *             bytes pixel by pixel (exact: |sum| < 2^31 for hw <= 2^23),
 *             then bias (-x_zp * hw), MBQM, zp, clamp.
 *   AVGPOOL   one pixel of TFLite AVERAGE_POOL_2D (q8_pool_ref.h): int32
 *             sums of the taps plus bias, then the rounding division
 *             (s +- count/2) / count truncated: computed as a float
 *             division and truncation, exact because |s +- count/2| <
 *             2^24 (|s| <= 128 * count, count <= 2^16): a correctly
 *             rounded quotient of such integers never reaches or crosses
 *             the next integer.
 *   MAXPOOL   vpmaxsb over the taps of one output row, 64 channels per
 *             vector, from -128, then the clamp.
 *   QUANTIZE  f32 -> int8: vdivps (the reference's float division), NaN
 *             to 0, the clamp to +-2147483520, then the rounding: to
 *             nearest even by vrndscaleps, or half away from zero as
 *             t = trunc(v) plus sign(v) where |v - t| >= 0.5 (v - t is
 *             exact); r + zp cannot overflow (|r| <= 2147483520), then
 *             the narrowing and the clamp.
 */
#include "kernels/kernels.h"

#if ENN_KERNELS_X86
#include <immintrin.h>

#include "kernels/x86/qs8_rq.h"

#define INL static inline __attribute__((always_inline))

/* ------------------------------------------------------------------ VADD */
typedef struct add_k {
  qrq512 qa, qb, qy;
  __m512i azp, bzp, yzp;
  __m128i ls, lo, hi;
} add_k;

INL __m128i add16(__m128i a8, __m128i b8, const add_k *k, bool ls, bool sat) {
  const __m512i a = _mm512_sll_epi32(_mm512_sub_epi32(_mm512_cvtepi8_epi32(a8), k->azp), k->ls);
  const __m512i b = _mm512_sll_epi32(_mm512_sub_epi32(_mm512_cvtepi8_epi32(b8), k->bzp), k->ls);
  const __m512i s = _mm512_add_epi32(qrq512_mbqm(a, &k->qa, ls, sat), qrq512_mbqm(b, &k->qb, ls, sat));
  return qrq512_narrow(qrq512_mbqm(s, &k->qy, ls, sat), k->yzp, k->lo, k->hi);
}

INL void vadd_body(size_t n, const int8_t *a, const int8_t *b, int8_t *y, const add_k *k, bool ls, bool sat) {
  size_t i = 0;
  for (; i + 64 <= n; i += 64) {
    const __m512i va = _mm512_loadu_si512(a + i), vb = _mm512_loadu_si512(b + i);
    const __m128i r0 = add16(_mm512_extracti32x4_epi32(va, 0), _mm512_extracti32x4_epi32(vb, 0), k, ls, sat);
    const __m128i r1 = add16(_mm512_extracti32x4_epi32(va, 1), _mm512_extracti32x4_epi32(vb, 1), k, ls, sat);
    const __m128i r2 = add16(_mm512_extracti32x4_epi32(va, 2), _mm512_extracti32x4_epi32(vb, 2), k, ls, sat);
    const __m128i r3 = add16(_mm512_extracti32x4_epi32(va, 3), _mm512_extracti32x4_epi32(vb, 3), k, ls, sat);
    __m512i r = _mm512_castsi128_si512(r0);
    r = _mm512_inserti32x4(r, r1, 1);
    r = _mm512_inserti32x4(r, r2, 2);
    r = _mm512_inserti32x4(r, r3, 3);
    _mm512_storeu_si512(y + i, r);
  }
  for (; i < n; i += 16) {
    const size_t m = n - i < 16 ? n - i : 16;
    const __mmask16 mk = (__mmask16)((1u << m) - 1u);
    const __m128i r = add16(_mm_maskz_loadu_epi8(mk, a + i), _mm_maskz_loadu_epi8(mk, b + i), k, ls, sat);
    _mm_mask_storeu_epi8(y + i, mk, r);
  }
}

void enn_qs8_vadd__avx512(size_t n, const int8_t *a, const int8_t *b, int8_t *y, const enn_qs8_add_params *p) {
  add_k k;
  qrq512_uniform(&k.qa, p->a_mult, p->a_shift);
  qrq512_uniform(&k.qb, p->b_mult, p->b_shift);
  qrq512_uniform(&k.qy, p->y_mult, p->y_shift);
  k.azp = _mm512_set1_epi32(p->a_zp);
  k.bzp = _mm512_set1_epi32(p->b_zp);
  k.yzp = _mm512_set1_epi32(p->y_zp);
  k.ls = _mm_cvtsi32_si128(p->left_shift);
  k.lo = _mm_set1_epi8((char)p->lo);
  k.hi = _mm_set1_epi8((char)p->hi);
  const bool ls = p->a_shift > 0 || p->b_shift > 0 || p->y_shift > 0;
  const bool sat = p->a_mult == INT32_MIN || p->b_mult == INT32_MIN || p->y_mult == INT32_MIN;
  if (ls || sat) vadd_body(n, a, b, y, &k, true, true);
  else vadd_body(n, a, b, y, &k, false, false);
}

/* -------------------------------------------------------------- GAVGPOOL */
void enn_qs8_gavgpool__avx512(size_t hw, size_t ch, const int8_t *x, int8_t *y, const enn_qs8_mean_kparams *p) {
  qrq512 q;
  qrq512_uniform(&q, p->mult, p->shift);
  const bool ls = p->shift > 0, sat = p->mult == INT32_MIN;
  const __m512i bias = _mm512_set1_epi32(p->bias), yzp = _mm512_set1_epi32(p->y_zp);
  const __m128i lo = _mm_set1_epi8((char)p->lo), hi = _mm_set1_epi8((char)p->hi);
  for (size_t c0 = 0; c0 < ch; c0 += 64) {
    const size_t m = ch - c0 < 64 ? ch - c0 : 64;
    const __mmask64 mk = m == 64 ? ~(__mmask64)0 : (((__mmask64)1 << m) - 1);
    __m512i s[4] = {bias, bias, bias, bias};
    for (size_t px = 0; px < hw; px++) {
      const __m512i v = _mm512_maskz_loadu_epi8(mk, x + px * ch + c0);
      s[0] = _mm512_add_epi32(s[0], _mm512_cvtepi8_epi32(_mm512_extracti32x4_epi32(v, 0)));
      s[1] = _mm512_add_epi32(s[1], _mm512_cvtepi8_epi32(_mm512_extracti32x4_epi32(v, 1)));
      s[2] = _mm512_add_epi32(s[2], _mm512_cvtepi8_epi32(_mm512_extracti32x4_epi32(v, 2)));
      s[3] = _mm512_add_epi32(s[3], _mm512_cvtepi8_epi32(_mm512_extracti32x4_epi32(v, 3)));
    }
    for (size_t j = 0; j * 16 < m; j++) {
      const __m128i r = qrq512_narrow(qrq512_mbqm(s[j], &q, ls, sat), yzp, lo, hi);
      const size_t mj = m - j * 16 < 16 ? m - j * 16 : 16;
      _mm_mask_storeu_epi8(y + c0 + j * 16, (__mmask16)((1u << mj) - 1u), r);
    }
  }
}

/* --------------------------------------------------------------- AVGPOOL */
void enn_qs8_avgpool__avx512(size_t ntaps, const int8_t *const *taps, int8_t *y, size_t c, int32_t bias,
                             int32_t count, int32_t lo, int32_t hi) {
  const __m512i vb = _mm512_set1_epi32(bias), half = _mm512_set1_epi32(count / 2);
  const __m512 cnt = _mm512_set1_ps((float)count);
  const __m128i vlo = _mm_set1_epi8((char)lo), vhi = _mm_set1_epi8((char)hi);
  for (size_t c0 = 0; c0 < c; c0 += 16) {
    const size_t m = c - c0 < 16 ? c - c0 : 16;
    const __mmask16 mk = (__mmask16)((1u << m) - 1u);
    __m512i s = vb;
    for (size_t t = 0; t < ntaps; t++)
      s = _mm512_add_epi32(s, _mm512_cvtepi8_epi32(_mm_maskz_loadu_epi8(mk, taps[t] + c0)));
    const __mmask16 pos = _mm512_cmpgt_epi32_mask(s, _mm512_setzero_si512());
    const __m512i num = _mm512_mask_add_epi32(_mm512_sub_epi32(s, half), pos, s, half);
    const __m512i q = _mm512_cvttps_epi32(_mm512_div_ps(_mm512_cvtepi32_ps(num), cnt));
    const __m128i r = _mm_min_epi8(_mm_max_epi8(_mm512_cvtsepi32_epi8(q), vlo), vhi);
    _mm_mask_storeu_epi8(y + c0, mk, r);
  }
}

/* --------------------------------------------------------------- MAXPOOL */
void enn_qs8_maxpool__avx512(const int8_t *const *rows, size_t kh, int8_t *y, size_t c, size_t ow, size_t iw,
                             size_t kw, size_t stride, size_t pad_left, size_t dil, int32_t lo, int32_t hi) {
  const __m512i vlo = _mm512_set1_epi8((char)lo), vhi = _mm512_set1_epi8((char)hi);
  const __m512i floor8 = _mm512_set1_epi8(-128);
  for (size_t ox = 0; ox < ow; ox++) {
    const ptrdiff_t ix0 = (ptrdiff_t)(ox * stride) - (ptrdiff_t)pad_left;
    for (size_t c0 = 0; c0 < c; c0 += 64) {
      const size_t m = c - c0 < 64 ? c - c0 : 64;
      const __mmask64 mk = m == 64 ? ~(__mmask64)0 : (((__mmask64)1 << m) - 1);
      __m512i acc = floor8;
      for (size_t ky = 0; ky < kh; ky++) {
        if (!rows[ky]) continue;
        for (size_t kx = 0; kx < kw; kx++) {
          const ptrdiff_t ix = ix0 + (ptrdiff_t)(kx * dil);
          if (ix < 0 || ix >= (ptrdiff_t)iw) continue;
          acc = _mm512_max_epi8(acc, _mm512_maskz_loadu_epi8(mk, rows[ky] + (size_t)ix * c + c0));
        }
      }
      acc = _mm512_min_epi8(_mm512_max_epi8(acc, vlo), vhi);
      _mm512_mask_storeu_epi8(y + ox * c + c0, mk, acc);
    }
  }
}

/* -------------------------------------------------------------- QUANTIZE */
static inline __m512i quant16(__m512 x, __m512 s, __m512i zp, int32_t rounding) {
  __m512 v = _mm512_div_ps(x, s);
  v = _mm512_maskz_mov_ps(_mm512_cmp_ps_mask(v, v, _CMP_ORD_Q), v); /* NaN -> 0 */
  v = _mm512_min_ps(_mm512_max_ps(v, _mm512_set1_ps(-2147483520.0f)), _mm512_set1_ps(2147483520.0f));
  __m512 r;
  if (rounding) {
    r = _mm512_roundscale_ps(v, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  } else {
    const __m512 t = _mm512_roundscale_ps(v, _MM_FROUND_TO_ZERO | _MM_FROUND_NO_EXC);
    const __m512 d = _mm512_abs_ps(_mm512_sub_ps(v, t));
    const __mmask16 up = _mm512_cmp_ps_mask(d, _mm512_set1_ps(0.5f), _CMP_GE_OQ);
    const __m512i sgn = _mm512_and_si512(_mm512_castps_si512(v), _mm512_set1_epi32(INT32_MIN));
    const __m512 one = _mm512_castsi512_ps(_mm512_or_si512(sgn, _mm512_castps_si512(_mm512_set1_ps(1.0f))));
    r = _mm512_mask_add_ps(t, up, t, one);
  }
  return _mm512_add_epi32(_mm512_cvtps_epi32(r), zp);
}

void enn_qs8_quantize__avx512(size_t n, const float *x, int8_t *y, float scale, int32_t zp, int32_t lo, int32_t hi,
                              int32_t rounding) {
  const __m512 s = _mm512_set1_ps(scale);
  const __m512i vz = _mm512_set1_epi32(zp);
  const __m128i vlo = _mm_set1_epi8((char)lo), vhi = _mm_set1_epi8((char)hi);
  for (size_t i = 0; i < n; i += 16) {
    const size_t m = n - i < 16 ? n - i : 16;
    const __mmask16 mk = (__mmask16)((1u << m) - 1u);
    const __m512i q = quant16(_mm512_maskz_loadu_ps(mk, x + i), s, vz, rounding);
    _mm_mask_storeu_epi8(y + i, mk, _mm_min_epi8(_mm_max_epi8(_mm512_cvtsepi32_epi8(q), vlo), vhi));
  }
}

#endif
