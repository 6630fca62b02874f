/*
 * The AVX-512 int8 depthwise template (algorithm: qs8_dwconv_avx512.c),
 * included by qs8_dwconv_avx512.c (multiply-accumulate = vpmaddwd +
 * vpaddd) and qs8_dwconv_avx512vnni.c (vpdpwssd, the same sum in one
 * instruction); the includer defines QDW_MAC(acc, x, w) = acc + the sum of
 * the two int16 products of each dword of x and w, and includes
 * <immintrin.h> and kernels.h. An includer with vpdpbusd also defines
 * QDW_QUAD: blocks packed as quads (x86/qs8_rq.h) then run with one
 * vpdpbusd per 4 window rows and column (ldquad); the others as pairs.
 * Measured on Zen 4 (qs8_dw_bench --relu, MobileNetV2 3x3 shapes, thread
 * CPU time, two loaded-machine runs): quads + RQ_FOLDNC 0.72-0.78x the
 * time of pairs at stride 1 (0.86x at 7x7), 0.82-0.89x at stride 2, 5x5
 * 0.82x; RQ_FOLDNC alone 0.80-0.86x at stride 1.
 */
#ifndef ENN_KERNELS_X86_QS8_DWCONV_X512_H
#define ENN_KERNELS_X86_QS8_DWCONV_X512_H

#include "kernels/x86/qs8_rq.h"

#define INL static inline __attribute__((always_inline))
#define UNROLL _Pragma("GCC unroll 32")
#define CR 16
/* row4: a left edge narrower than QDW_LMIN pixels and a remainder
 * narrower than QDW_RMIN go pixel by pixel, wider ones as (edge, possibly
 * overlapping) groups of four (measured on Zen 4). */
/* Carry columns over (sweep4) only when KW - S <= QDW_CARRY_MAX (the
 * includer may lower it: without VNNI the carried registers of a 5x5 at
 * stride 1 spill, measured slower). */
#ifndef QDW_CARRY_MAX
#define QDW_CARRY_MAX 4
#endif
#define QDW_LMIN 2
#define QDW_RMIN 3
#define NPAIR(KH) (((KH) + 1) / 2) /* tap vectors per column: rows paired */
/* QB (or-ed into the RQ mode): a block packed as quads (x86/qs8_rq.h; only
 * where the includer defines QDW_QUAD, i.e. has vpdpbusd): one tap vector
 * per 4 rows and column, the input bytes transposed into dwords. */
#define QB 8
#define QQ(RQ) (((RQ) & QB) / QB) /* 1 for quads */
/* tap vectors per column, (KH + 1) / 2 or (KH + 3) / 4 (arithmetic, not ?:,
 * which made GCC ignore the loops' unroll pragmas) */
#define NTV(KH, RQ) (((KH) + 1 + 2 * QQ(RQ)) / (2 + 2 * QQ(RQ)))

/* Per channel block: everything the sweeps need besides the taps. */
typedef struct blk {
  qrq512 q;
  __m512i bias, yzp, zp1, zp2; /* zp1: x_zp as one tap, zp2: as a pair (x_zp, x_zp) */
  __m512i zpq;                 /* quads: x_zp + 128 in every byte */
  __m512i kef, kof, so1;       /* RQ_FOLD: K + y_zp * 2^(31 + e) (even, odd), e - 1 (odd) */
  __m128i lo, hi;
  __mmask16 m;
  bool ls, sat;
} blk;

INL __m512i ldx(const int8_t *p, const blk *b, bool masked) {
  return _mm512_cvtepi8_epi32(masked ? _mm_maskz_loadu_epi8(b->m, p) : _mm_loadu_si128((const __m128i *)p));
}

/* The tap vector of rows 2p (low int16) and 2p + 1 (high int16) at one
 * input position o (bytes from each row's start); the last row of an odd
 * KH stands alone, sign-extended (its weight's high int16 is 0). (Measured:
 * two vpmovsxbd + vpslld + vpblendmw beats interleaving the bytes with
 * 128-bit vpunpck*bw and one vpmovsxbw.) */
INL __m512i ldpair(const int KH, const int p, const int8_t *const *rows, ptrdiff_t o, const blk *b, bool masked) {
  const __m512i lo = ldx(rows[2 * p] + o, b, masked);
  if (2 * p + 1 >= KH) return lo;
  const __m512i hi = _mm512_slli_epi32(ldx(rows[2 * p + 1] + o, b, masked), 16);
  return _mm512_mask_blend_epi16((__mmask32)0xAAAAAAAAu, lo, hi);
}

/* The tap vector of rows 4p .. 4p + 3 (those < KH) at position o as quads:
 * per channel one dword of the rows' bytes + 128 (unsigned, for vpdpbusd;
 * bytes of rows past KH meet weight 0). The rows' 16 bytes go to the four
 * 128-bit lanes, one vpermd gathers dword L of each into lane L, one
 * vpshufb transposes each lane's 4 x 4 bytes. A lone last row is
 * zero-extended. */
INL __m128i ld8(const int8_t *p, const blk *b, bool masked) {
  return masked ? _mm_maskz_loadu_epi8(b->m, p) : _mm_loadu_si128((const __m128i *)p);
}
INL __m512i ldquad(const int KH, const int p, const int8_t *const *rows, ptrdiff_t o, const blk *b, bool masked) {
  const int n = KH - 4 * p < 4 ? KH - 4 * p : 4;
  const __m512i k80 = _mm512_set1_epi32(n == 1 ? 0x80 : (int32_t)0x80808080u);
  if (n == 1) return _mm512_xor_si512(_mm512_cvtepu8_epi32(ld8(rows[4 * p] + o, b, masked)), k80);
  __m512i v = _mm512_castsi128_si512(ld8(rows[4 * p] + o, b, masked));
  v = _mm512_inserti32x4(v, ld8(rows[4 * p + 1] + o, b, masked), 1);
  if (n > 2) v = _mm512_inserti32x4(v, ld8(rows[4 * p + 2] + o, b, masked), 2);
  if (n > 3) v = _mm512_inserti32x4(v, ld8(rows[4 * p + 3] + o, b, masked), 3);
  const __m512i di = _mm512_set_epi32(15, 11, 7, 3, 14, 10, 6, 2, 13, 9, 5, 1, 12, 8, 4, 0);
  const __m512i bi = _mm512_broadcast_i32x4(_mm_set_epi8(15, 11, 7, 3, 14, 10, 6, 2, 13, 9, 5, 1, 12, 8, 4, 0));
  return _mm512_xor_si512(_mm512_shuffle_epi8(_mm512_permutexvar_epi32(di, v), bi), k80);
}

/* Tap vector p of a column (pairs or quads by RQ & QB), and x_zp for a
 * column outside the row. */
INL __m512i ldtap(const int KH, const int RQ, const int p, const int8_t *const *rows, ptrdiff_t o, const blk *b,
                  bool masked) {
  if (RQ & QB) return ldquad(KH, p, rows, o, b, masked);
  return ldpair(KH, p, rows, o, b, masked);
}
INL __m512i zptap(const int KH, const int RQ, const int p, const blk *b) {
  if (RQ & QB) return b->zpq;
  return 2 * p + 1 < KH ? b->zp2 : b->zp1;
}

INL __m512i mac(__m512i acc, __m512i x, __m512i w, const int RQ) {
#ifdef QDW_QUAD
  if (RQ & QB) return _mm512_dpbusd_epi32(acc, x, w);
#endif
  (void)RQ;
  return QDW_MAC(acc, x, w);
}

/* Requantisation modes: RQ_GEN compiles the left shift and saturation
 * steps in (used only when the flags ask for them), RQ_PLAIN leaves them
 * out; RQ_FOLD (a block whose header flag says every channel has a right
 * shift e in [1, 22] and m >= 0) is RQ_PLAIN with y_zp folded into the
 * rounding constants (K + y_zp * 2^(31 + e): the floor division then
 * yields r + y_zp exactly, |sum| < 2^62 + 2^61 + 2^53 fits int64) and the
 * odd lanes shifted by e - 1 only, which leaves their result in the high
 * dword, where one vpblendmd (no shuffle) merges it with the even lanes'. */
/* RQ_FOLDNC: RQ_FOLD where the clamp's low end is at or above y_zp (ReLU,
 * ReLU6): the correction of negative products (compare + masked subtract
 * on both halves) is left out. A product ab < 0 gives r <= 0 with it, and
 * floor((ab + K) / 2^(31 + e)) <= 0 without it (K < 2^(31 + e)), so
 * r + y_zp <= y_zp <= lo either way and the clamp makes both lo. */
enum { RQ_FOLD, RQ_PLAIN, RQ_GEN, RQ_FOLDNC };

INL __m512i rq(__m512i acc, const blk *b, int RQF) {
  const int RQ = RQF & ~QB;
  if (RQ != RQ_FOLD && RQ != RQ_FOLDNC)
    return _mm512_add_epi32(qrq512_mbqm(acc, &b->q, RQ == RQ_GEN && b->ls, RQ == RQ_GEN && b->sat), b->yzp);
  const qrq512 *q = &b->q;
  const __m512i pe = _mm512_mul_epi32(acc, q->m);
  const __m512i po = _mm512_mul_epi32(_mm512_srli_epi64(acc, 32), q->msw);
  __m512i te = _mm512_add_epi64(pe, b->kef), to = _mm512_add_epi64(po, b->kof);
  if (RQ == RQ_FOLD) {
    const __m512i lim = _mm512_set1_epi64(-((int64_t)1 << 30));
    const __mmask8 ne = _mm512_cmplt_epi64_mask(pe, lim), no = _mm512_cmplt_epi64_mask(po, lim);
    te = _mm512_mask_sub_epi64(te, ne, te, q->ne);
    to = _mm512_mask_sub_epi64(to, no, to, q->no);
  }
  te = _mm512_srav_epi64(te, q->se);
  to = _mm512_srav_epi64(to, b->so1);
  return _mm512_mask_blend_epi32((__mmask16)0xAAAA, te, to);
}

INL void store(int8_t *y, __m512i acc, const blk *b, bool masked, int RQ) {
  const __m128i v =
      _mm_min_epi8(_mm_max_epi8(_mm512_cvtsepi32_epi8(rq(acc, b, RQ)), b->lo), b->hi);
  if (masked) _mm_mask_storeu_epi8(y, b->m, v);
  else _mm_storeu_si128((__m128i *)y, v);
}

/* Four output vectors at y, y + c, y + 2c, y + 3c: requantised, narrowed
 * together (two vpackssdw and one vpacksswb interleave their 4-channel
 * groups, one vpermd puts each output's 16 bytes in a 128-bit lane) and
 * clamped once. */
INL void store4(int8_t *y, size_t c, const __m512i *acc, const blk *b, bool masked, int RQ) {
  __m512i r[4];
  UNROLL for (int j = 0; j < 4; j++) r[j] = rq(acc[j], b, RQ);
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
INL void sweep1(const int KH, const int KW, const bool EDGE, const bool MASKED, const int RQ, const blk *b,
                const int8_t *const *rows, const __m512i *wv, int8_t *y, size_t c, size_t ox0, size_t ox1, size_t iw,
                size_t stride, size_t pad_left) {
  for (size_t ox = ox0; ox < ox1; ox++) {
    __m512i acc[2] = {b->bias, _mm512_setzero_si512()}; /* two chains: half the latency */
    const ptrdiff_t ix0 = (ptrdiff_t)(ox * stride) - (ptrdiff_t)pad_left;
    UNROLL for (int p = 0; p < NTV(KH, RQ); p++) {
      UNROLL for (int kx = 0; kx < KW; kx++) {
        const ptrdiff_t ix = ix0 + kx;
        __m512i x;
        if (EDGE && (ix < 0 || ix >= (ptrdiff_t)iw)) x = zptap(KH, RQ, p, b);
        else x = ldtap(KH, RQ, p, rows, ix * (ptrdiff_t)c, b, MASKED);
        acc[kx & 1] = mac(acc[kx & 1], x, wv[p * KW + kx], RQ);
      }
    }
    store(y + ox * c, _mm512_add_epi32(acc[0], acc[1]), b, MASKED, RQ);
  }
}

/* Four output pixels ox .. ox + 3 (stride S = 1 or 2): each input column
 * of their window union (3S + KW columns) is loaded (and paired) once and
 * feeds every output that uses it (output j uses it as tap kx = column -
 * j*S); EDGE tests each column against the row (outside: x_zp). */
INL void group4(const int KH, const int KW, const int S, const bool EDGE, const bool MASKED, const int RQ,
                const blk *b, const int8_t *const *rows, const __m512i *wv, int8_t *y, size_t c, size_t ox,
                size_t iw, size_t pad_left) {
  __m512i acc[4] = {b->bias, b->bias, b->bias, b->bias};
  const ptrdiff_t ix0 = (ptrdiff_t)(ox * (size_t)S) - (ptrdiff_t)pad_left;
  UNROLL for (int p = 0; p < NTV(KH, RQ); p++) {
    UNROLL for (int col = 0; col < 3 * S + KW; col++) {
      const ptrdiff_t ix = ix0 + col;
      __m512i x;
      if (EDGE && (ix < 0 || ix >= (ptrdiff_t)iw)) x = zptap(KH, RQ, p, b);
      else x = ldtap(KH, RQ, p, rows, ix * (ptrdiff_t)c, b, MASKED);
      UNROLL for (int j = 0; j < 4; j++) {
        const int kx = col - j * S;
        if (kx >= 0 && kx < KW) acc[j] = mac(acc[j], x, wv[p * KW + kx], RQ);
      }
    }
  }
  store4(y + ox * c, c, acc, b, MASKED, RQ);
}

/* Interior pixels from ox0, four at a time while they stay before ox1, as
 * group4 but the last KW - S columns of a group, the first ones of the
 * next, are carried over in registers: each group loads only 4S new
 * columns per pair of rows. Returns the first pixel not done. */
INL size_t sweep4(const int KH, const int KW, const int S, const bool MASKED, const int RQ, const blk *b,
                  const int8_t *const *rows, const __m512i *wv, int8_t *y, size_t c, size_t ox0, size_t ox1,
                  size_t pad_left) {
  enum { NC = 5 }; /* KW - S <= 4: carried columns per pair */
  size_t ox = ox0;
  if (ox + 4 > ox1) return ox;
  if (KW - S > QDW_CARRY_MAX) {
    for (; ox + 4 <= ox1; ox += 4) group4(KH, KW, S, false, MASKED, RQ, b, rows, wv, y, c, ox, 0, pad_left);
    return ox;
  }
  __m512i carry[3][NC];
  const ptrdiff_t o0 = (ptrdiff_t)((ox * (size_t)S - pad_left) * c);
  UNROLL for (int p = 0; p < NTV(KH, RQ); p++)
    UNROLL for (int col = 0; col < KW - S; col++)
      carry[p][col] = ldtap(KH, RQ, p, rows, o0 + (ptrdiff_t)((size_t)col * c), b, MASKED);
  for (; ox + 4 <= ox1; ox += 4) {
    __m512i acc[4] = {b->bias, b->bias, b->bias, b->bias};
    const ptrdiff_t o = (ptrdiff_t)((ox * (size_t)S - pad_left) * c);
    UNROLL for (int p = 0; p < NTV(KH, RQ); p++) {
      __m512i next[NC];
      UNROLL for (int col = 0; col < 3 * S + KW; col++) {
        const __m512i x =
            col < KW - S ? carry[p][col] : ldtap(KH, RQ, p, rows, o + (ptrdiff_t)((size_t)col * c), b, MASKED);
        if (col >= 4 * S) next[col - 4 * S] = x;
        UNROLL for (int j = 0; j < 4; j++) {
          const int kx = col - j * S;
          if (kx >= 0 && kx < KW) acc[j] = mac(acc[j], x, wv[p * KW + kx], RQ);
        }
      }
      UNROLL for (int col = 0; col < KW - S; col++) carry[p][col] = next[col];
    }
    store4(y + ox * c, c, acc, b, MASKED, RQ);
  }
  return ox;
}

/* One row of a channel block at stride S = 1 or 2, ow >= 4: a left edge of
 * fewer than QDW_LMIN pixels pixel by pixel (else edge groups of four),
 * the interior by sweep4, then edge groups; a remainder of fewer than
 * QDW_RMIN pixels pixel by pixel, else one group of four ending at ow that
 * recomputes (and rewrites, with the same values) pixels already stored. */
INL void row4(const int KH, const int KW, const int S, const bool MASKED, const int RQ, const blk *b,
              const int8_t *const *rows, const __m512i *wv, int8_t *y, size_t c, size_t ow, size_t iw,
              size_t pad_left, size_t lo, size_t hi) {
  size_t ox = 0;
  if (lo < QDW_LMIN) {
    sweep1(KH, KW, true, MASKED, RQ, b, rows, wv, y, c, 0, lo, iw, (size_t)S, pad_left);
    ox = lo;
  }
  for (; ox < lo && ox + 4 <= ow; ox += 4) group4(KH, KW, S, true, MASKED, RQ, b, rows, wv, y, c, ox, iw, pad_left);
  if (ox < hi) ox = sweep4(KH, KW, S, MASKED, RQ, b, rows, wv, y, c, ox, hi, pad_left);
  for (; ox + 4 <= ow; ox += 4) group4(KH, KW, S, true, MASKED, RQ, b, rows, wv, y, c, ox, iw, pad_left);
  if (ox + QDW_RMIN > ow) sweep1(KH, KW, true, MASKED, RQ, b, rows, wv, y, c, ox, ow, iw, (size_t)S, pad_left);
  else if (ox < ow) group4(KH, KW, S, true, MASKED, RQ, b, rows, wv, y, c, ow - 4, iw, pad_left);
}

INL void block(const int KH, const int KW, const bool MASKED, const int RQ, const blk *b, const int8_t *const *rows,
               const __m512i *wv, int8_t *y, size_t c, size_t ow, size_t iw, size_t stride, size_t pad_left,
               size_t lo, size_t hi) {
  if (ow >= 4 && stride == 1) {
    row4(KH, KW, 1, MASKED, RQ, b, rows, wv, y, c, ow, iw, pad_left, lo, hi);
  } else if (ow >= 4 && stride == 2) {
    row4(KH, KW, 2, MASKED, RQ, b, rows, wv, y, c, ow, iw, pad_left, lo, hi);
  } else {
    sweep1(KH, KW, true, MASKED, RQ, b, rows, wv, y, c, 0, lo, iw, stride, pad_left);
    sweep1(KH, KW, false, MASKED, RQ, b, rows, wv, y, c, lo, hi, iw, stride, pad_left);
    sweep1(KH, KW, true, MASKED, RQ, b, rows, wv, y, c, hi, ow, iw, stride, pad_left);
  }
}

/* RQ: RQ_GEN or RQ_PLAIN (see rq); RQ_PLAIN runs the blocks whose header
 * flag allows it as RQ_FOLD. */
INL void dw_impl(const int KH, const int KW, const int RQ, const int8_t *const *rows, const void *wp, int8_t *y,
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
  b.zpq = _mm512_set1_epi8((char)(((uint32_t)x_zp & 0xFFu) ^ 0x80u));
  b.lo = _mm_set1_epi8((char)ep->lo);
  b.hi = _mm_set1_epi8((char)ep->hi);
  b.ls = (ep->flags & ENN_QS8_EPI_LSHIFT) != 0;
  b.sat = (ep->flags & ENN_QS8_EPI_SAT) != 0;
  b.m = 0xFFFF;
  /* RQ_FOLD needs |y_zp| <= 256 (int8 zero points are) */
  const bool zp_fold = ep->y_zp >= -256 && ep->y_zp <= 256;
  const bool neg_clamped = ep->lo >= ep->y_zp; /* RQ_FOLDNC */
  const __m512i yzp64 = _mm512_set1_epi64(ep->y_zp);
  for (size_t cb = 0; cb < c; cb += CR, w += wblock) {
    const int8_t *r[5];
    UNROLL for (int ky = 0; ky < KH; ky++) r[ky] = rows[ky] + cb;
    __m512i wv[15];
    UNROLL for (int t = 0; t < NT; t++) wv[t] = _mm512_load_si512(w + CR * (QDW_HDR_AVX512 + t));
    b.bias = _mm512_load_si512(w);
    qrq512_load(&b.q, w);
    const bool masked = cb + CR > c;
    if (masked) b.m = (__mmask16)((1u << (c - cb)) - 1u);
    const bool fold = RQ == RQ_PLAIN && zp_fold && w[CR * QDW_HDR_FLAGS] != 0;
    if (fold) {
      b.kef = _mm512_add_epi64(b.q.ke, _mm512_sllv_epi64(yzp64, b.q.se));
      b.kof = _mm512_add_epi64(b.q.ko, _mm512_sllv_epi64(yzp64, b.q.so));
      b.so1 = _mm512_sub_epi64(b.q.so, _mm512_set1_epi64(32));
    }
    const int mode = fold ? (neg_clamped ? 0 : 1) : 2;
#define QDW_RUN(M, RQV) block(KH, KW, M, RQV, &b, r, wv, y + cb, c, ow, iw, stride, pad_left, lo, hi)
#define QDW_RUN2(RQV)              \
  do {                             \
    if (masked) QDW_RUN(true, RQV); \
    else QDW_RUN(false, RQV);       \
  } while (0)
#define QDW_RUN3(QF)                            \
  do {                                          \
    if (mode == 0) QDW_RUN2(RQ_FOLDNC | (QF));  \
    else if (mode == 1) QDW_RUN2(RQ_FOLD | (QF)); \
    else QDW_RUN2(RQ | (QF));                   \
  } while (0)
#ifdef QDW_QUAD
    if (w[CR * QDW_HDR_FLAGS + 1] != 0) QDW_RUN3(QB); /* the block's taps are quads */
    else
#endif
      QDW_RUN3(0);
#undef QDW_RUN3
#undef QDW_RUN2
#undef QDW_RUN
  }
}

INL void dw_tpl(const int KH, const int KW, const int8_t *const *rows, const void *wp, int8_t *y, size_t c, size_t ow,
                size_t iw, size_t stride, size_t pad_left, int32_t x_zp, const enn_qs8_epi *ep) {
  if (ep->flags & (ENN_QS8_EPI_LSHIFT | ENN_QS8_EPI_SAT))
    dw_impl(KH, KW, RQ_GEN, rows, wp, y, c, ow, iw, stride, pad_left, x_zp, ep);
  else
    dw_impl(KH, KW, RQ_PLAIN, rows, wp, y, c, ow, iw, stride, pad_left, x_zp, ep);
}

#endif
