/*
 * int8 element-wise and pooling kernels, AVX2 (this file alone is compiled
 * with the AVX2 flags); contracts in kernels.h, algorithms those of
 * qs8_vector_avx512.c with 8 int32 lanes (32 bytes for max pooling) and
 * the requantisation of x86/qs8_rq.h's AVX2 form (SRDHM from bits 31..62,
 * the rounding shift in 32 bits). Partial vectors (the last n % 8 elements
 * or channels) go through a small copy in and out, so nothing outside the
 * operands is read or written; max pooling finishes its last channels
 * with scalar code. QUANTIZE rounds as the AVX-512 kernel does (trunc and
 * |v - t| >= 0.5, or vroundps to nearest even).
 */
#include "kernels/kernels.h"

#if ENN_KERNELS_X86
#include <immintrin.h>
#include <string.h>

#include "kernels/x86/qs8_rq.h"

#define INL static inline __attribute__((always_inline))

/* 8 bytes (n < 8: the first n, the rest 0) sign-extended to int32. */
INL __m256i ld8(const int8_t *p, size_t n) {
  if (n >= 8) return _mm256_cvtepi8_epi32(_mm_loadl_epi64((const __m128i *)(const void *)p));
  int64_t t = 0;
  memcpy(&t, p, n);
  return _mm256_cvtepi8_epi32(_mm_cvtsi64_si128(t));
}

/* The low 8 bytes of v, or the first n < 8. */
INL void st8(int8_t *p, __m128i v, size_t n) {
  if (n >= 8) {
    _mm_storel_epi64((__m128i *)(void *)p, v);
    return;
  }
  const int64_t t = _mm_cvtsi128_si64(v);
  memcpy(p, &t, n);
}

/* ------------------------------------------------------------------ VADD */
typedef struct add_k {
  qrq256 qa, qb, qy;
  __m256i azp, bzp, yzp;
  __m128i ls, lo, hi;
} add_k;

INL __m128i add8(__m256i a, __m256i b, const add_k *k, bool ls, bool sat) {
  a = _mm256_sll_epi32(_mm256_sub_epi32(a, k->azp), k->ls);
  b = _mm256_sll_epi32(_mm256_sub_epi32(b, k->bzp), k->ls);
  const __m256i s = _mm256_add_epi32(qrq256_mbqm(a, &k->qa, ls, sat), qrq256_mbqm(b, &k->qb, ls, sat));
  return qrq256_narrow(qrq256_mbqm(s, &k->qy, ls, sat), k->yzp, k->lo, k->hi);
}

INL void vadd_body(size_t n, const int8_t *a, const int8_t *b, int8_t *y, const add_k *k, bool ls, bool sat) {
  size_t i = 0;
  for (; i + 16 <= n; i += 16) {
    const __m128i r0 = add8(ld8(a + i, 8), ld8(b + i, 8), k, ls, sat);
    const __m128i r1 = add8(ld8(a + i + 8, 8), ld8(b + i + 8, 8), k, ls, sat);
    _mm_storeu_si128((__m128i *)(void *)(y + i), _mm_unpacklo_epi64(r0, r1));
  }
  for (; i < n; i += 8) {
    const size_t m = n - i < 8 ? n - i : 8;
    st8(y + i, add8(ld8(a + i, m), ld8(b + i, m), k, ls, sat), m);
  }
}

void enn_qs8_vadd__avx2(size_t n, const int8_t *a, const int8_t *b, int8_t *y, const enn_qs8_add_params *p) {
  add_k k;
  qrq256_uniform(&k.qa, p->a_mult, p->a_shift);
  qrq256_uniform(&k.qb, p->b_mult, p->b_shift);
  qrq256_uniform(&k.qy, p->y_mult, p->y_shift);
  k.azp = _mm256_set1_epi32(p->a_zp);
  k.bzp = _mm256_set1_epi32(p->b_zp);
  k.yzp = _mm256_set1_epi32(p->y_zp);
  k.ls = _mm_cvtsi32_si128(p->left_shift);
  k.lo = _mm_set1_epi8((char)p->lo);
  k.hi = _mm_set1_epi8((char)p->hi);
  const bool ls = p->a_shift > 0 || p->b_shift > 0 || p->y_shift > 0;
  const bool sat = p->a_mult == INT32_MIN || p->b_mult == INT32_MIN || p->y_mult == INT32_MIN;
  if (ls || sat) vadd_body(n, a, b, y, &k, true, true);
  else vadd_body(n, a, b, y, &k, false, false);
}

/* -------------------------------------------------------------- GAVGPOOL */
void enn_qs8_gavgpool__avx2(size_t hw, size_t ch, const int8_t *x, int8_t *y, const enn_qs8_mean_kparams *p) {
  qrq256 q;
  qrq256_uniform(&q, p->mult, p->shift);
  const bool ls = p->shift > 0, sat = p->mult == INT32_MIN;
  const __m256i bias = _mm256_set1_epi32(p->bias), yzp = _mm256_set1_epi32(p->y_zp);
  const __m128i lo = _mm_set1_epi8((char)p->lo), hi = _mm_set1_epi8((char)p->hi);
  size_t c0 = 0;
  for (; c0 + 32 <= ch; c0 += 32) {
    __m256i s[4] = {bias, bias, bias, bias};
    for (size_t px = 0; px < hw; px++) {
      const int8_t *r = x + px * ch + c0;
      for (int j = 0; j < 4; j++) s[j] = _mm256_add_epi32(s[j], ld8(r + 8 * j, 8));
    }
    for (int j = 0; j < 4; j++) st8(y + c0 + 8 * j, qrq256_narrow(qrq256_mbqm(s[j], &q, ls, sat), yzp, lo, hi), 8);
  }
  for (; c0 < ch; c0 += 8) {
    const size_t m = ch - c0 < 8 ? ch - c0 : 8;
    __m256i s = bias;
    for (size_t px = 0; px < hw; px++) s = _mm256_add_epi32(s, ld8(x + px * ch + c0, m));
    st8(y + c0, qrq256_narrow(qrq256_mbqm(s, &q, ls, sat), yzp, lo, hi), m);
  }
}

/* --------------------------------------------------------------- AVGPOOL */
void enn_qs8_avgpool__avx2(size_t ntaps, const int8_t *const *taps, int8_t *y, size_t c, int32_t bias, int32_t count,
                           int32_t lo, int32_t hi) {
  const __m256i vb = _mm256_set1_epi32(bias), half = _mm256_set1_epi32(count / 2);
  const __m256 cnt = _mm256_set1_ps((float)count);
  const __m128i vlo = _mm_set1_epi8((char)lo), vhi = _mm_set1_epi8((char)hi);
  for (size_t c0 = 0; c0 < c; c0 += 8) {
    const size_t m = c - c0 < 8 ? c - c0 : 8;
    __m256i s = vb;
    for (size_t t = 0; t < ntaps; t++) s = _mm256_add_epi32(s, ld8(taps[t] + c0, m));
    const __m256i pos = _mm256_cmpgt_epi32(s, _mm256_setzero_si256());
    const __m256i num = _mm256_blendv_epi8(_mm256_sub_epi32(s, half), _mm256_add_epi32(s, half), pos);
    const __m256i q = _mm256_cvttps_epi32(_mm256_div_ps(_mm256_cvtepi32_ps(num), cnt));
    const __m128i w = _mm_packs_epi32(_mm256_castsi256_si128(q), _mm256_extracti128_si256(q, 1));
    const __m128i r = _mm_min_epi8(_mm_max_epi8(_mm_packs_epi16(w, w), vlo), vhi);
    st8(y + c0, r, m);
  }
}

/* --------------------------------------------------------------- MAXPOOL */
void enn_qs8_maxpool__avx2(const int8_t *const *rows, size_t kh, int8_t *y, size_t c, size_t ow, size_t iw, size_t kw,
                           size_t stride, size_t pad_left, size_t dil, int32_t lo, int32_t hi) {
  const __m256i vlo = _mm256_set1_epi8((char)lo), vhi = _mm256_set1_epi8((char)hi);
  const size_t cv = c & ~(size_t)31;
  for (size_t ox = 0; ox < ow; ox++) {
    const ptrdiff_t ix0 = (ptrdiff_t)(ox * stride) - (ptrdiff_t)pad_left;
    for (size_t c0 = 0; c0 < cv; c0 += 32) {
      __m256i acc = _mm256_set1_epi8(-128);
      for (size_t ky = 0; ky < kh; ky++) {
        if (!rows[ky]) continue;
        for (size_t kx = 0; kx < kw; kx++) {
          const ptrdiff_t ix = ix0 + (ptrdiff_t)(kx * dil);
          if (ix < 0 || ix >= (ptrdiff_t)iw) continue;
          acc = _mm256_max_epi8(acc, _mm256_loadu_si256((const __m256i *)(const void *)(rows[ky] + (size_t)ix * c + c0)));
        }
      }
      acc = _mm256_min_epi8(_mm256_max_epi8(acc, vlo), vhi);
      _mm256_storeu_si256((__m256i *)(void *)(y + ox * c + c0), acc);
    }
    for (size_t ch = cv; ch < c; ch++) {
      int32_t m = -128;
      for (size_t ky = 0; ky < kh; ky++) {
        if (!rows[ky]) continue;
        for (size_t kx = 0; kx < kw; kx++) {
          const ptrdiff_t ix = ix0 + (ptrdiff_t)(kx * dil);
          if (ix < 0 || ix >= (ptrdiff_t)iw) continue;
          const int32_t v = rows[ky][(size_t)ix * c + ch];
          if (v > m) m = v;
        }
      }
      y[ox * c + ch] = (int8_t)(m < lo ? lo : (m > hi ? hi : m));
    }
  }
}

/* -------------------------------------------------------------- QUANTIZE */
static inline __m256i quant8(__m256 x, __m256 s, __m256i zp, int32_t rounding) {
  __m256 v = _mm256_div_ps(x, s);
  v = _mm256_and_ps(v, _mm256_cmp_ps(v, v, _CMP_ORD_Q)); /* NaN -> 0 */
  v = _mm256_min_ps(_mm256_max_ps(v, _mm256_set1_ps(-2147483520.0f)), _mm256_set1_ps(2147483520.0f));
  __m256 r;
  if (rounding) {
    r = _mm256_round_ps(v, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  } else {
    const __m256 sign = _mm256_set1_ps(-0.0f);
    const __m256 t = _mm256_round_ps(v, _MM_FROUND_TO_ZERO | _MM_FROUND_NO_EXC);
    const __m256 d = _mm256_andnot_ps(sign, _mm256_sub_ps(v, t));
    const __m256 up = _mm256_cmp_ps(d, _mm256_set1_ps(0.5f), _CMP_GE_OQ);
    const __m256 one = _mm256_or_ps(_mm256_and_ps(v, sign), _mm256_set1_ps(1.0f));
    r = _mm256_add_ps(t, _mm256_and_ps(up, one));
  }
  return _mm256_add_epi32(_mm256_cvtps_epi32(r), zp);
}

void enn_qs8_quantize__avx2(size_t n, const float *x, int8_t *y, float scale, int32_t zp, int32_t lo, int32_t hi,
                            int32_t rounding) {
  const __m256 s = _mm256_set1_ps(scale);
  const __m256i vz = _mm256_set1_epi32(zp);
  const __m128i vlo = _mm_set1_epi8((char)lo), vhi = _mm_set1_epi8((char)hi);
  for (size_t i = 0; i < n; i += 8) {
    const size_t m = n - i < 8 ? n - i : 8;
    __m256 xv;
    if (m == 8) {
      xv = _mm256_loadu_ps(x + i);
    } else {
      float t[8] = {0, 0, 0, 0, 0, 0, 0, 0};
      memcpy(t, x + i, m * sizeof(float));
      xv = _mm256_loadu_ps(t);
    }
    const __m256i q = quant8(xv, s, vz, rounding);
    const __m128i w = _mm_packs_epi32(_mm256_castsi256_si128(q), _mm256_extracti128_si256(q, 1));
    st8(y + i, _mm_min_epi8(_mm_max_epi8(_mm_packs_epi16(w, w), vlo), vhi), m);
  }
}

#endif
