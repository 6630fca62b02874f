/*
 * The AVX-512 int8 depthwise template (algorithm: qs8_dwconv_avx512.c),
 * included by qs8_dwconv_avx512.c (multiply-accumulate = vpmaddwd +
 * vpaddd) and qs8_dwconv_avx512vnni.c (vpdpwssd, the same sum in one
 * instruction); the includer defines QDW_MAC(acc, x, w) = acc + the sum of
 * the two int16 products of each dword of x and w, and includes
 * <immintrin.h> and kernels.h.
 */
#ifndef ENN_KERNELS_X86_QS8_DWCONV_X512_H
#define ENN_KERNELS_X86_QS8_DWCONV_X512_H

#include "kernels/x86/qs8_rq.h"

#define INL static inline __attribute__((always_inline))
#define UNROLL _Pragma("GCC unroll 32")
#define CR 16
#define NPAIR(KH) (((KH) + 1) / 2) /* tap vectors per column: rows paired */

/* Per channel block: everything the sweeps need besides the taps. */
typedef struct blk {
  qrq512 q;
  __m512i bias, yzp, zp1, zp2; /* zp1: x_zp as one tap, zp2: as a pair (x_zp, x_zp) */
  __m128i lo, hi;
  __mmask16 m;
  bool ls, sat;
} blk;

INL __m512i ldx(const int8_t *p, const blk *b, bool masked) {
  return _mm512_cvtepi8_epi32(masked ? _mm_maskz_loadu_epi8(b->m, p) : _mm_loadu_si128((const __m128i *)p));
}

/* The tap vector of rows 2p (low int16) and 2p + 1 (high int16) at one
 * input position o (bytes from each row's start); the last row of an odd
 * KH stands alone, sign-extended (its weight's high int16 is 0). */
INL __m512i ldpair(const int KH, const int p, const int8_t *const *rows, ptrdiff_t o, const blk *b, bool masked) {
  const __m512i lo = ldx(rows[2 * p] + o, b, masked);
  if (2 * p + 1 >= KH) return lo;
  const __m512i hi = _mm512_slli_epi32(ldx(rows[2 * p + 1] + o, b, masked), 16);
  return _mm512_mask_blend_epi16((__mmask32)0xAAAAAAAAu, lo, hi);
}

INL __m512i mac(__m512i acc, __m512i x, __m512i w) { return QDW_MAC(acc, x, w); }

INL __m512i rq(__m512i acc, const blk *b, bool GEN) {
  return _mm512_add_epi32(qrq512_mbqm(acc, &b->q, GEN && b->ls, GEN && b->sat), b->yzp);
}

INL void store(int8_t *y, __m512i acc, const blk *b, bool masked, bool GEN) {
  const __m128i v =
      _mm_min_epi8(_mm_max_epi8(_mm512_cvtsepi32_epi8(rq(acc, b, GEN)), b->lo), b->hi);
  if (masked) _mm_mask_storeu_epi8(y, b->m, v);
  else _mm_storeu_si128((__m128i *)y, v);
}

/* Four output vectors at y, y + c, y + 2c, y + 3c: requantised, narrowed
 * together (two vpackssdw and one vpacksswb interleave their 4-channel
 * groups, one vpermd puts each output's 16 bytes in a 128-bit lane) and
 * clamped once. */
INL void store4(int8_t *y, size_t c, const __m512i *acc, const blk *b, bool masked, bool GEN) {
  __m512i r[4];
  UNROLL for (int j = 0; j < 4; j++) r[j] = rq(acc[j], b, GEN);
  const __m512i p = _mm512_packs_epi16(_mm512_packs_epi32(r[0], r[1]), _mm512_packs_epi32(r[2], r[3]));
  /* dword 4L + j of p holds output j's channels 4L..4L+3 */
  const __m512i idx = _mm512_set_epi32(15, 11, 7, 3, 14, 10, 6, 2, 13, 9, 5, 1, 12, 8, 4, 0);
  __m512i v = _mm512_permutexvar_epi32(idx, p);
  v = _mm512_min_epi8(_mm512_max_epi8(v, _mm512_broadcast_i32x4(b->lo)), _mm512_broadcast_i32x4(b->hi));
  if (masked) {
    _mm_mask_storeu_epi8(y, b->m, _mm512_castsi512_si128(v));
    _mm_mask_storeu_epi8(y + c, b->m, _mm512_extracti32x4_epi32(v, 1));
    _mm_mask_storeu_epi8(y + 2 * c, b->m, _mm512_extracti32x4_epi32(v, 2));
    _mm_mask_storeu_epi8(y + 3 * c, b->m, _mm512_extracti32x4_epi32(v, 3));
  } else {
    _mm_storeu_si128((__m128i *)y, _mm512_castsi512_si128(v));
    _mm_storeu_si128((__m128i *)(y + c), _mm512_extracti32x4_epi32(v, 1));
    _mm_storeu_si128((__m128i *)(y + 2 * c), _mm512_extracti32x4_epi32(v, 2));
    _mm_storeu_si128((__m128i *)(y + 3 * c), _mm512_extracti32x4_epi32(v, 3));
  }
}

/* Output pixels [ox0, ox1) one at a time; EDGE tests each column against
 * the row (a column outside reads x_zp, for both rows of a pair). */
INL void sweep1(const int KH, const int KW, const bool EDGE, const bool MASKED, const bool GEN, const blk *b,
                const int8_t *const *rows, const __m512i *wv, int8_t *y, size_t c, size_t ox0, size_t ox1, size_t iw,
                size_t stride, size_t pad_left) {
  for (size_t ox = ox0; ox < ox1; ox++) {
    __m512i acc = b->bias;
    const ptrdiff_t ix0 = (ptrdiff_t)(ox * stride) - (ptrdiff_t)pad_left;
    UNROLL for (int p = 0; p < NPAIR(KH); p++) {
      UNROLL for (int kx = 0; kx < KW; kx++) {
        const ptrdiff_t ix = ix0 + kx;
        __m512i x;
        if (EDGE && (ix < 0 || ix >= (ptrdiff_t)iw)) x = 2 * p + 1 < KH ? b->zp2 : b->zp1;
        else x = ldpair(KH, p, rows, ix * (ptrdiff_t)c, b, MASKED);
        acc = mac(acc, x, wv[p * KW + kx]);
      }
    }
    store(y + ox * c, acc, b, MASKED, GEN);
  }
}

/* Interior pixels four at a time (stride S = 1 or 2): each input column of
 * the window union is loaded (and paired) once and feeds every output that
 * uses it (output j uses it as tap kx = column - j*S). */
INL void sweep4(const int KH, const int KW, const int S, const bool MASKED, const bool GEN, const blk *b,
                const int8_t *const *rows, const __m512i *wv, int8_t *y, size_t c, size_t ox0, size_t ox1,
                size_t pad_left) {
  size_t ox = ox0;
  for (; ox + 4 <= ox1; ox += 4) {
    __m512i acc[4] = {b->bias, b->bias, b->bias, b->bias};
    const ptrdiff_t o0 = (ptrdiff_t)((ox * (size_t)S - pad_left) * c);
    UNROLL for (int p = 0; p < NPAIR(KH); p++) {
      UNROLL for (int col = 0; col < 3 * S + KW; col++) {
        const __m512i x = ldpair(KH, p, rows, o0 + (ptrdiff_t)((size_t)col * c), b, MASKED);
        UNROLL for (int j = 0; j < 4; j++) {
          const int kx = col - j * S;
          if (kx >= 0 && kx < KW) acc[j] = mac(acc[j], x, wv[p * KW + kx]);
        }
      }
    }
    store4(y + ox * c, c, acc, b, MASKED, GEN);
  }
  sweep1(KH, KW, false, MASKED, GEN, b, rows, wv, y, c, ox, ox1, 0, (size_t)S, pad_left);
}

INL void block(const int KH, const int KW, const bool MASKED, const bool GEN, const blk *b, const int8_t *const *rows,
               const __m512i *wv, int8_t *y, size_t c, size_t ow, size_t iw, size_t stride, size_t pad_left,
               size_t lo, size_t hi) {
  sweep1(KH, KW, true, MASKED, GEN, b, rows, wv, y, c, 0, lo, iw, stride, pad_left);
  if (stride == 1) sweep4(KH, KW, 1, MASKED, GEN, b, rows, wv, y, c, lo, hi, pad_left);
  else if (stride == 2) sweep4(KH, KW, 2, MASKED, GEN, b, rows, wv, y, c, lo, hi, pad_left);
  else sweep1(KH, KW, false, MASKED, GEN, b, rows, wv, y, c, lo, hi, iw, stride, pad_left);
  sweep1(KH, KW, true, MASKED, GEN, b, rows, wv, y, c, hi, ow, iw, stride, pad_left);
}

/* GEN: the left shift and saturation steps are compiled in (used only when
 * the flags ask for them); without, the common case has no such tests. */
INL void dw_impl(const int KH, const int KW, const bool GEN, const int8_t *const *rows, const void *wp, int8_t *y,
                 size_t c, size_t ow, size_t iw, size_t stride, size_t pad_left, int32_t x_zp, const enn_qs8_epi *ep) {
  /* Interior: ox*stride >= pad_left and ox*stride - pad_left + KW - 1 < iw. */
  size_t lo = (pad_left + stride - 1) / stride, hi = 0;
  if (iw + pad_left >= (size_t)KW) hi = (iw + pad_left - (size_t)KW) / stride + 1;
  if (hi > ow) hi = ow;
  if (lo > hi) lo = hi;
  const int32_t *w = wp;
  const int NT = NPAIR(KH) * KW;
  const size_t wblock = CR * (QDW_HDR_AVX512 + (size_t)NT);
  blk b;
  b.yzp = _mm512_set1_epi32(ep->y_zp);
  b.zp1 = _mm512_set1_epi32(x_zp);
  b.zp2 = _mm512_set1_epi32((int32_t)(((uint32_t)x_zp << 16) | ((uint32_t)x_zp & 0xFFFFu)));
  b.lo = _mm_set1_epi8((char)ep->lo);
  b.hi = _mm_set1_epi8((char)ep->hi);
  b.ls = (ep->flags & ENN_QS8_EPI_LSHIFT) != 0;
  b.sat = (ep->flags & ENN_QS8_EPI_SAT) != 0;
  b.m = 0xFFFF;
  for (size_t cb = 0; cb < c; cb += CR, w += wblock) {
    const int8_t *r[5];
    UNROLL for (int ky = 0; ky < KH; ky++) r[ky] = rows[ky] + cb;
    __m512i wv[15];
    UNROLL for (int t = 0; t < NT; t++) wv[t] = _mm512_load_si512(w + CR * (QDW_HDR_AVX512 + t));
    b.bias = _mm512_load_si512(w);
    qrq512_load(&b.q, w);
    if (cb + CR <= c) {
      block(KH, KW, false, GEN, &b, r, wv, y + cb, c, ow, iw, stride, pad_left, lo, hi);
    } else {
      b.m = (__mmask16)((1u << (c - cb)) - 1u);
      block(KH, KW, true, GEN, &b, r, wv, y + cb, c, ow, iw, stride, pad_left, lo, hi);
    }
  }
}

INL void dw_tpl(const int KH, const int KW, const int8_t *const *rows, const void *wp, int8_t *y, size_t c, size_t ow,
                size_t iw, size_t stride, size_t pad_left, int32_t x_zp, const enn_qs8_epi *ep) {
  if (ep->flags & (ENN_QS8_EPI_LSHIFT | ENN_QS8_EPI_SAT))
    dw_impl(KH, KW, true, rows, wp, y, c, ow, iw, stride, pad_left, x_zp, ep);
  else
    dw_impl(KH, KW, false, rows, wp, y, c, ow, iw, stride, pad_left, x_zp, ep);
}

#endif
