/*
 * The int8 requantisation of the depthwise / element-wise / pooling
 * kernels (qs8_dwconv_*.c, qs8_vector_*.c) in SIMD, and the layout of the
 * depthwise weight blocks (packed by kernels/qs8_pack_dw.c).
 *
 * enn_requantize (quant/requant.h) of acc with multiplier m, left shift
 * l = max(shift, 0), right shift e = max(-shift, 0):
 *   x     = acc << l                      (32-bit, wrapping)
 *   ab    = x * m                         (64-bit, exact: vpmuldq on the even
 *                                          lanes, and on the odd lanes moved down)
 *   SRDHM = floor((ab + 2^30) / 2^31)     (gemmlowp's nudge for both signs)
 *   r     = RDivPOT(SRDHM, e)             (round half away from zero)
 * AVX-512 has 64-bit arithmetic shifts, so both roundings fold into one
 * (nested floor divisions compose; SRDHM < 0 exactly when ab < -2^30):
 *   r = (ab + K - [ab < -2^30] * N) >> (31 + e),
 *   K = 2^30 + (e ? 2^(30 + e) : 0),  N = e ? 2^31 : 0
 * (no 64-bit overflow: |ab| <= 2^62, K < 2^62). AVX2 takes SRDHM from bits
 * 31..62 of ab + 2^30 (a logical shift gives the same low 32 bits) and then
 * RDivPOT in 32 bits as requant.h writes it: (s >> e) + ((s & mask) >
 * (mask >> 1) + [s < 0]), mask = 2^e - 1.
 * The one saturating case, INT32_MIN * INT32_MIN (ab = 2^62), yields 2^31
 * when e = 0, i.e. INT32_MIN in 32 bits, which no other input gives: it is
 * flipped to INT32_MAX (for e > 0 both forms already equal RDivPOT(INT32_MAX, e)).
 * Then y = clamp(r + y_zp, lo, hi): the int32 sum is narrowed with signed
 * saturation and clamped in int8 (the same result, -128 <= lo <= hi <= 127).
 *
 * Depthwise weight block (nr channels, nr = 16 for AVX-512, 8 for AVX2), in
 * vectors of nr int32 lanes (nr * 4 bytes each):
 *   AVX-512: 0 bias', 1 m, 2 m_swapped (lane 2i = m[2i+1], 2i+1 = m[2i]: the
 *            odd channels' multipliers in the low dword of each qword), 3 l,
 *            4 / 5 K of the even / odd channels (int64 lanes), 6 / 7 N,
 *            8 / 9 31 + e (int64), 10 flags (lane 0: 1 when every channel
 *            of the block has 1 <= e <= 22 and m >= 0, which lets the
 *            kernels fold y_zp into K, see x86/qs8_dwconv_x512.h; lane 1:
 *            1 when the block's taps are quads, below; other lanes 0),
 *            then the tap vectors;
 *   AVX2:    0 bias', 1 m, 2 m_swapped, 3 l, 4 mask, 5 mask >> 1, 6 e, then
 *            the tap vectors.
 * The rows of the window are paired: tap vector p*kw + kx holds, per
 * channel, the weights of rows 2p (low int16) and 2p + 1 (high int16) at
 * column kx (0 in the high half for the last row of an odd kh), so one
 * vpmaddwd (or vpdpwssd) of it with the input pair (x[2p], x[2p + 1]) adds
 * both products exactly; the last row's input is sign-extended to 32 bits,
 * (x, sign), whose high half meets the 0.
 * Quads (AVX-512 VNNI kernels only, for a block whose weights w - w_zp all
 * fit int8): tap vector q*kw + kx holds, per channel, the int8 weights of
 * rows 4q .. 4q + 3 at column kx in bytes 0 .. 3 (0 past the last row),
 * for vpdpbusd with the input bytes of those rows + 128 (unsigned); the
 * bias' is then b - (128 + x_zp) * sum w' (a padding tap reads x_zp + 128
 * and adds 0, as in the pairs' form). The block keeps the pairs' size
 * (the vectors past the quads' are 0).
 */
#ifndef ENN_KERNELS_X86_QS8_RQ_H
#define ENN_KERNELS_X86_QS8_RQ_H

#include <stdbool.h>
#include <stdint.h>

#define QDW_HDR_AVX512 11
#define QDW_HDR_FLAGS 10 /* AVX-512 header vector of the block flags */
#define QDW_HDR_AVX2 7

/* K, N, 31 + e of the folded rounding for shift s. */
static inline int64_t qrq_k(int32_t shift) {
  const int32_t e = shift > 0 ? 0 : -shift;
  return ((int64_t)1 << 30) + (e ? ((int64_t)1 << (30 + e)) : 0);
}
static inline int64_t qrq_n(int32_t shift) { return shift < 0 ? ((int64_t)1 << 31) : 0; }
static inline int64_t qrq_sh(int32_t shift) { return 31 + (shift > 0 ? 0 : -shift); }

#define QRQ_INL static inline __attribute__((always_inline))

#if defined(__AVX512F__) && defined(__AVX512BW__)
#include <immintrin.h>

/* Per-lane constants (AVX-512). */
typedef struct qrq512 {
  __m512i m, msw, l, ke, ko, ne, no, se, so;
} qrq512;

/* From 10 packed vectors (the depthwise block header, v[1..9]). */
QRQ_INL void qrq512_load(qrq512 *q, const int32_t *hdr) {
  q->m = _mm512_load_si512(hdr + 16);
  q->msw = _mm512_load_si512(hdr + 32);
  q->l = _mm512_load_si512(hdr + 48);
  q->ke = _mm512_load_si512(hdr + 64);
  q->ko = _mm512_load_si512(hdr + 80);
  q->ne = _mm512_load_si512(hdr + 96);
  q->no = _mm512_load_si512(hdr + 112);
  q->se = _mm512_load_si512(hdr + 128);
  q->so = _mm512_load_si512(hdr + 144);
}

/* One multiplier / shift for every lane. */
QRQ_INL void qrq512_uniform(qrq512 *q, int32_t m, int32_t shift) {
  q->m = q->msw = _mm512_set1_epi32(m);
  q->l = _mm512_set1_epi32(shift > 0 ? shift : 0);
  q->ke = q->ko = _mm512_set1_epi64(qrq_k(shift));
  q->ne = q->no = _mm512_set1_epi64(qrq_n(shift));
  q->se = q->so = _mm512_set1_epi64(qrq_sh(shift));
}

/* MBQM(acc, m, shift) per lane; ls: some lane has l > 0; sat: some lane
 * has m == INT32_MIN. */
QRQ_INL __m512i qrq512_mbqm(__m512i acc, const qrq512 *q, bool ls, bool sat) {
  const __m512i x = ls ? _mm512_sllv_epi32(acc, q->l) : acc;
  const __m512i pe = _mm512_mul_epi32(x, q->m);
  const __m512i po = _mm512_mul_epi32(_mm512_srli_epi64(x, 32), q->msw);
  const __m512i lim = _mm512_set1_epi64(-((int64_t)1 << 30));
  const __mmask8 ne = _mm512_cmplt_epi64_mask(pe, lim), no = _mm512_cmplt_epi64_mask(po, lim);
  __m512i te = _mm512_add_epi64(pe, q->ke), to = _mm512_add_epi64(po, q->ko);
  te = _mm512_mask_sub_epi64(te, ne, te, q->ne);
  to = _mm512_mask_sub_epi64(to, no, to, q->no);
  te = _mm512_srav_epi64(te, q->se);
  to = _mm512_srav_epi64(to, q->so);
  __m512i r = _mm512_mask_shuffle_epi32(te, (__mmask16)0xAAAA, to, _MM_PERM_CDAB);
  if (sat) {
    const __mmask16 k = _mm512_cmpeq_epi32_mask(r, _mm512_set1_epi32(INT32_MIN));
    r = _mm512_mask_xor_epi32(r, k, r, _mm512_set1_epi32(-1));
  }
  return r;
}

/* clamp(v + y_zp, lo, hi) as 16 bytes (lo, hi: int8 broadcasts). */
QRQ_INL __m128i qrq512_narrow(__m512i r, __m512i yzp, __m128i lo, __m128i hi) {
  const __m128i b = _mm512_cvtsepi32_epi8(_mm512_add_epi32(r, yzp));
  return _mm_min_epi8(_mm_max_epi8(b, lo), hi);
}
#endif

#if defined(__AVX2__)
#include <immintrin.h>

/* Per-lane constants (AVX2). */
typedef struct qrq256 {
  __m256i m, msw, l, mask, thr, e;
} qrq256;

QRQ_INL void qrq256_load(qrq256 *q, const int32_t *hdr) {
  q->m = _mm256_load_si256((const __m256i *)(hdr + 8));
  q->msw = _mm256_load_si256((const __m256i *)(hdr + 16));
  q->l = _mm256_load_si256((const __m256i *)(hdr + 24));
  q->mask = _mm256_load_si256((const __m256i *)(hdr + 32));
  q->thr = _mm256_load_si256((const __m256i *)(hdr + 40));
  q->e = _mm256_load_si256((const __m256i *)(hdr + 48));
}

QRQ_INL void qrq256_uniform(qrq256 *q, int32_t m, int32_t shift) {
  const int32_t e = shift > 0 ? 0 : -shift;
  const int32_t mask = (int32_t)(((int64_t)1 << e) - 1);
  q->m = q->msw = _mm256_set1_epi32(m);
  q->l = _mm256_set1_epi32(shift > 0 ? shift : 0);
  q->mask = _mm256_set1_epi32(mask);
  q->thr = _mm256_set1_epi32(mask >> 1);
  q->e = _mm256_set1_epi32(e);
}

QRQ_INL __m256i qrq256_mbqm(__m256i acc, const qrq256 *q, bool ls, bool sat) {
  const __m256i x = ls ? _mm256_sllv_epi32(acc, q->l) : acc;
  const __m256i nudge = _mm256_set1_epi64x((int64_t)1 << 30);
  __m256i pe = _mm256_mul_epi32(x, q->m);
  __m256i po = _mm256_mul_epi32(_mm256_srli_epi64(x, 32), q->msw);
  pe = _mm256_srli_epi64(_mm256_add_epi64(pe, nudge), 31);
  po = _mm256_slli_epi64(_mm256_add_epi64(po, nudge), 1);
  __m256i s = _mm256_blend_epi32(pe, po, 0xAA);
  if (sat) s = _mm256_xor_si256(s, _mm256_cmpeq_epi32(s, _mm256_set1_epi32(INT32_MIN)));
  const __m256i quo = _mm256_srav_epi32(s, q->e);
  const __m256i rem = _mm256_and_si256(s, q->mask);
  const __m256i thr = _mm256_sub_epi32(q->thr, _mm256_srai_epi32(s, 31));
  return _mm256_sub_epi32(quo, _mm256_cmpgt_epi32(rem, thr));
}

/* clamp(v + y_zp, lo, hi) as 8 bytes in the low half (lo, hi: int8 broadcasts). */
QRQ_INL __m128i qrq256_narrow(__m256i r, __m256i yzp, __m128i lo, __m128i hi) {
  const __m256i v = _mm256_add_epi32(r, yzp);
  const __m128i w = _mm_packs_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
  const __m128i b = _mm_packs_epi16(w, w);
  return _mm_min_epi8(_mm_max_epi8(b, lo), hi);
}
#endif

#endif
