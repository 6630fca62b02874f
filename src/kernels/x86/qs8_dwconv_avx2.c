/*
 * int8 depthwise convolution, KH x KW (3x3, 5x5), any stride, AVX2 (this
 * file alone is compiled with the AVX2 flags); the contract is kernels.h
 * QS8_DWCONV, the weights enn_qs8_pack_dwconv's. The algorithm is that of
 * qs8_dwconv_avx512.c with 8 channels per vector:
 *
 * One call computes one output row, NHWC, 8 channels per vector in int32
 * lanes: for each block of 8 channels the tap vectors, the biases and the
 * requantisation constants (x86/qs8_rq.h) are loaded once, then the row's
 * output pixels are swept left to right. Rows of the window are paired:
 * the input of rows 2p and 2p + 1 at one column becomes one vector of
 * int16 pairs (x[2p], x[2p + 1]) (two sign-extending loads, a shift, a
 * word blend), so one vpmaddwd with the paired weights adds both products
 * exactly and a vpaddd accumulates (modulo 2^32, as the reference); the
 * last row of an odd window is sign-extended alone, (x, sign) against
 * (w, 0). Vertical padding is the caller's row of x_zp bytes; horizontal
 * padding splits the sweep into a left edge, an interior where every tap
 * is inside the row and a right edge, where a column outside the row reads
 * x_zp (whose products the bias correction cancels). The interior (stride
 * 1 or 2) runs four output pixels at a time, each input column of their
 * window union loaded and paired once. Output vectors are requantised
 * exactly as enn_requantize, narrowed with saturation and clamped in int8,
 * four at a time in the interior. The last channel block (c % 8) goes
 * through an 8-byte copy in and out, so nothing past a row is touched.
 */
#include "kernels/kernels.h"

#if ENN_KERNELS_X86
#include <immintrin.h>
#include <string.h>

#include "kernels/x86/qs8_rq.h"

#define INL static inline __attribute__((always_inline))
#define UNROLL _Pragma("GCC unroll 32")
#define CR 8
#define NPAIR(KH) (((KH) + 1) / 2)

/* Per channel block: everything the sweeps need besides the taps. */
typedef struct blk {
  qrq256 q;
  __m256i bias, yzp, zp1, zp2; /* zp1: x_zp as one tap, zp2: as a pair */
  __m128i lo, hi;
  size_t n; /* channels of a partial block */
  bool ls, sat;
} blk;

INL __m256i ldx(const int8_t *p, const blk *b, bool masked) {
  if (!masked) return _mm256_cvtepi8_epi32(_mm_loadl_epi64((const __m128i *)(const void *)p));
  int64_t t = 0;
  memcpy(&t, p, b->n);
  return _mm256_cvtepi8_epi32(_mm_cvtsi64_si128(t));
}

/* Rows 2p (low int16) and 2p + 1 (high int16) at input offset o. */
INL __m256i ldpair(const int KH, const int p, const int8_t *const *rows, ptrdiff_t o, const blk *b, bool masked) {
  const __m256i lo = ldx(rows[2 * p] + o, b, masked);
  if (2 * p + 1 >= KH) return lo;
  return _mm256_blend_epi16(lo, _mm256_slli_epi32(ldx(rows[2 * p + 1] + o, b, masked), 16), 0xAA);
}

INL __m256i mac(__m256i acc, __m256i x, __m256i w) { return _mm256_add_epi32(acc, _mm256_madd_epi16(x, w)); }

INL __m256i rq(__m256i acc, const blk *b, bool GEN) {
  return _mm256_add_epi32(qrq256_mbqm(acc, &b->q, GEN && b->ls, GEN && b->sat), b->yzp);
}

/* 8 bytes to y (the first b->n when masked). */
INL void put8(int8_t *y, __m128i v, const blk *b, bool masked, bool high) {
  const int64_t t = high ? _mm_extract_epi64(v, 1) : _mm_cvtsi128_si64(v);
  memcpy(y, &t, masked ? b->n : 8);
}

INL void store(int8_t *y, __m256i acc, const blk *b, bool masked, bool GEN) {
  const __m256i v = rq(acc, b, GEN);
  const __m128i w = _mm_packs_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
  put8(y, _mm_min_epi8(_mm_max_epi8(_mm_packs_epi16(w, w), b->lo), b->hi), b, masked, false);
}

/* Four output vectors at y, y + c, y + 2c, y + 3c, narrowed together: the
 * packs interleave their 4-channel groups per 128-bit lane, one vpermd
 * gives output j the 8 bytes of qword j. */
INL void store4(int8_t *y, size_t c, const __m256i *acc, const blk *b, bool masked, bool GEN) {
  __m256i r[4];
  UNROLL for (int j = 0; j < 4; j++) r[j] = rq(acc[j], b, GEN);
  const __m256i p = _mm256_packs_epi16(_mm256_packs_epi32(r[0], r[1]), _mm256_packs_epi32(r[2], r[3]));
  __m256i v = _mm256_permutevar8x32_epi32(p, _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7));
  const __m256i lo = _mm256_broadcastsi128_si256(b->lo), hi = _mm256_broadcastsi128_si256(b->hi);
  v = _mm256_min_epi8(_mm256_max_epi8(v, lo), hi);
  const __m128i v01 = _mm256_castsi256_si128(v), v23 = _mm256_extracti128_si256(v, 1);
  put8(y, v01, b, masked, false);
  put8(y + c, v01, b, masked, true);
  put8(y + 2 * c, v23, b, masked, false);
  put8(y + 3 * c, v23, b, masked, true);
}

INL void sweep1(const int KH, const int KW, const bool EDGE, const bool MASKED, const bool GEN, const blk *b,
                const int8_t *const *rows, const __m256i *wv, int8_t *y, size_t c, size_t ox0, size_t ox1, size_t iw,
                size_t stride, size_t pad_left) {
  for (size_t ox = ox0; ox < ox1; ox++) {
    __m256i acc = b->bias;
    const ptrdiff_t ix0 = (ptrdiff_t)(ox * stride) - (ptrdiff_t)pad_left;
    UNROLL for (int p = 0; p < NPAIR(KH); p++) {
      UNROLL for (int kx = 0; kx < KW; kx++) {
        const ptrdiff_t ix = ix0 + kx;
        __m256i x;
        if (EDGE && (ix < 0 || ix >= (ptrdiff_t)iw)) x = 2 * p + 1 < KH ? b->zp2 : b->zp1;
        else x = ldpair(KH, p, rows, ix * (ptrdiff_t)c, b, MASKED);
        acc = mac(acc, x, wv[p * KW + kx]);
      }
    }
    store(y + ox * c, acc, b, MASKED, GEN);
  }
}

INL void sweep4(const int KH, const int KW, const int S, const bool MASKED, const bool GEN, const blk *b,
                const int8_t *const *rows, const __m256i *wv, int8_t *y, size_t c, size_t ox0, size_t ox1,
                size_t pad_left) {
  size_t ox = ox0;
  for (; ox + 4 <= ox1; ox += 4) {
    __m256i acc[4] = {b->bias, b->bias, b->bias, b->bias};
    const ptrdiff_t o0 = (ptrdiff_t)((ox * (size_t)S - pad_left) * c);
    UNROLL for (int p = 0; p < NPAIR(KH); p++) {
      UNROLL for (int col = 0; col < 3 * S + KW; col++) {
        const __m256i x = ldpair(KH, p, rows, o0 + (ptrdiff_t)((size_t)col * c), b, MASKED);
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
               const __m256i *wv, int8_t *y, size_t c, size_t ow, size_t iw, size_t stride, size_t pad_left,
               size_t lo, size_t hi) {
  sweep1(KH, KW, true, MASKED, GEN, b, rows, wv, y, c, 0, lo, iw, stride, pad_left);
  if (stride == 1) sweep4(KH, KW, 1, MASKED, GEN, b, rows, wv, y, c, lo, hi, pad_left);
  else if (stride == 2) sweep4(KH, KW, 2, MASKED, GEN, b, rows, wv, y, c, lo, hi, pad_left);
  else sweep1(KH, KW, false, MASKED, GEN, b, rows, wv, y, c, lo, hi, iw, stride, pad_left);
  sweep1(KH, KW, true, MASKED, GEN, b, rows, wv, y, c, hi, ow, iw, stride, pad_left);
}

INL void dw_impl(const int KH, const int KW, const bool GEN, const int8_t *const *rows, const void *wp, int8_t *y,
                 size_t c, size_t ow, size_t iw, size_t stride, size_t pad_left, int32_t x_zp, const enn_qs8_epi *ep) {
  /* Interior: ox*stride >= pad_left and ox*stride - pad_left + KW - 1 < iw. */
  size_t lo = (pad_left + stride - 1) / stride, hi = 0;
  if (iw + pad_left >= (size_t)KW) hi = (iw + pad_left - (size_t)KW) / stride + 1;
  if (hi > ow) hi = ow;
  if (lo > hi) lo = hi;
  const int32_t *w = wp;
  const int NT = NPAIR(KH) * KW;
  const size_t wblock = CR * (QDW_HDR_AVX2 + (size_t)NT);
  blk b;
  b.yzp = _mm256_set1_epi32(ep->y_zp);
  b.zp1 = _mm256_set1_epi32(x_zp);
  b.zp2 = _mm256_set1_epi32((int32_t)(((uint32_t)x_zp << 16) | ((uint32_t)x_zp & 0xFFFFu)));
  b.lo = _mm_set1_epi8((char)ep->lo);
  b.hi = _mm_set1_epi8((char)ep->hi);
  b.ls = (ep->flags & ENN_QS8_EPI_LSHIFT) != 0;
  b.sat = (ep->flags & ENN_QS8_EPI_SAT) != 0;
  b.n = CR;
  for (size_t cb = 0; cb < c; cb += CR, w += wblock) {
    const int8_t *r[5];
    UNROLL for (int ky = 0; ky < KH; ky++) r[ky] = rows[ky] + cb;
    __m256i wv[15];
    UNROLL for (int t = 0; t < NT; t++) wv[t] = _mm256_load_si256((const __m256i *)(w + CR * (QDW_HDR_AVX2 + t)));
    b.bias = _mm256_load_si256((const __m256i *)w);
    qrq256_load(&b.q, w);
    if (cb + CR <= c) {
      block(KH, KW, false, GEN, &b, r, wv, y + cb, c, ow, iw, stride, pad_left, lo, hi);
    } else {
      b.n = c - cb;
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

void enn_qs8_dwconv_3x3__avx2(const int8_t *const *rows, const void *w, int8_t *y, size_t c, size_t ow, size_t iw,
                              size_t stride, size_t pad_left, int32_t x_zp, const enn_qs8_epi *ep) {
  dw_tpl(3, 3, rows, w, y, c, ow, iw, stride, pad_left, x_zp, ep);
}

void enn_qs8_dwconv_5x5__avx2(const int8_t *const *rows, const void *w, int8_t *y, size_t c, size_t ow, size_t iw,
                              size_t stride, size_t pad_left, int32_t x_zp, const enn_qs8_epi *ep) {
  dw_tpl(5, 5, rows, w, y, c, ow, iw, stride, pad_left, x_zp, ep);
}

#endif
