/*
 * int8 GEMM and indirect-GEMM microkernels, AVX-512 VNNI (this file alone
 * is compiled with the AVX-512 flags plus -mavx512vnni; select.c offers
 * them only on CPUs with AVX512-VNNI).
 *
 * vpdpbusd multiplies unsigned bytes by signed bytes, four per int32 lane,
 * and adds the four products to the lane (wrapping, no saturation). The
 * activations are int8, so each 4-byte group of a row is broadcast and
 * xor-ed with 0x80 (x + 128 as an unsigned byte); the packed bias already
 * holds -(128 + x_zp) * sum_k w (qs8_pack.c), so the accumulator equals
 * the reference's b + sum_k w (x - x_zp) modulo 2^32 exactly. Channels are
 * consumed 4 at a time; a tail of 1-3 channels is read with a masked load
 * (never past the row) and the packed weights are zero beyond kc.
 *
 * Tiling: MR x NR = 7 x 48: an MR x 48 block of int32 accumulators in
 * 21 zmm, three weight vectors, one broadcast row; per group of 4
 * channels 3 loads + 7 broadcast-xors + 21 vpdpbusd. Measured on Zen 4
 * over MobileNetV2's 1x1 layers, 6 x 64, 8 x 32, 12 x 32 and 5 x 64 were
 * within noise (125-133 GMAC/s over the set; 200-220 on layers with
 * K >= 160, where vpdpbusd issues every cycle); the layers with K <= 32
 * are bound by the requantisation, not the tile. 7 rows divide every
 * MobileNet layer's pixel count (7x7 up to 112x112). A panel whose last
 * columns are fewer than 48 runs ceil(n / 16) vectors, the last of them
 * 8 lanes wide (ymm: vpdpbusd and the epilogue at half the cost on Zen
 * 4's 256-bit datapath) when it holds at most 8 columns: N = 24 (the
 * MobileNetV2 projections of features.2-3) runs 16 + 8 lanes instead of
 * 2 x 16, measured 17-23% faster on those rows (1 thread, Zen 4, best of
 * 30, thread CPU time); N = 16 runs one vector. The packed layout is the
 * full panel's (qs8_panel.h). Smaller row counts (mr < 7) run tiles of
 * 1, 2 or 4 rows.
 *
 * Weight prefetch (base/prefetch.h): a full panel with at least
 * PF_MIN_STEPS k-steps claims that many lines of the thread's stream, if
 * it has one, and prefetches one per k-step (_MM_HINT_T1).
 *
 * Requantisation runs in registers on 16 columns at a time, exactly as
 * enn_requantize (qs8_panel.h derives the formula): 64-bit products of
 * even and odd lanes (vpmuldq), both roundings folded into one
 * arithmetic shift, the INT32_MIN * INT32_MIN saturation (only when a
 * multiplier is INT32_MIN), + zero point (wrapping), clamp (skipped where
 * the range is int8's), vpmovsdb.
 */
#include "kernels/kernels.h"

#if ENN_KERNELS_X86
#if defined(__GNUC__) && !defined(__clang__)
/* GCC's partial redundancy elimination splits the accumulators' live
 * ranges across the tap loop and then spills most of them (3x slower). */
#pragma GCC optimize("no-tree-pre")
#endif
#include <immintrin.h>
#include <string.h>

#include "base/prefetch.h"
#include "kernels/x86/qs8_panel.h"

#define INL static inline __attribute__((always_inline))
#define UNROLL _Pragma("GCC unroll 16")

/* The tile (rows, vectors per panel, the name's NR) can be set on the
 * compiler's command line to measure others; the table lists the default. */
#ifndef QV_MR
#define QV_MR 7
#endif
#ifndef QV_NV
#define QV_NV 3
#endif
#define NR (16 * QV_NV)
#ifndef QV_NRN
#define QV_NRN 48
#endif
#define MAXR (QV_MR > 8 ? QV_MR : 8)
/* Panels with fewer k-steps (4 channels each, over all taps) do not read
 * the prefetch stream: the thread-local look-up would be a visible part
 * of their time (MobileNetV2's K = 16..24 expansions), and the nodes a
 * stream runs over (the last, widest layers before a classifier) have
 * K >= 160. */
#define PF_MIN_STEPS 16

INL __m512i bcast_xor(const int8_t *p, __m512i k80) {
  int32_t v;
  memcpy(&v, p, sizeof v);
  return _mm512_xor_si512(_mm512_set1_epi32(v), k80);
}

INL __m512i tail_xor(const int8_t *p, size_t rem, __m512i k80) {
  const __m128i v = _mm_maskz_loadu_epi8((__mmask16)((1u << rem) - 1u), p);
  return _mm512_xor_si512(_mm512_broadcastd_epi32(v), k80);
}

/* Epilogue flags beside ENN_QS8_EPI_*: clamps narrower than int8's range
 * (the narrowing saturates to [-128, 127] anyway), and NEG_CLAMPED: the
 * clamp's low end is at or above the output zero point (ReLU, ReLU6). A
 * product ab < 0 gives a result <= 0 with or without the correction for
 * negative values (which only exists for e >= 1, where |result| <= 2^30
 * and + y_zp cannot wrap), so it ends at lo either way: the compare +
 * masked subtract on both halves is skipped. */
#define CLAMP_LO 0x100
#define CLAMP_HI 0x200
#define NEG_CLAMPED 0x400

/* enn_requantize of 16 accumulators with the constants of block rq. */
INL __m512i requant(__m512i acc, const unsigned char *rq, int32_t flags, __m512i zp, __m512i lo, __m512i hi) {
  __m512i x = acc;
  if (flags & ENN_QS8_EPI_LSHIFT) x = _mm512_sllv_epi32(x, _mm512_load_si512(rq + QV_OFF_L));
  __m512i pe = _mm512_mul_epi32(x, _mm512_load_si512(rq + QV_OFF_M));
  __m512i po = _mm512_mul_epi32(_mm512_srli_epi64(x, 32), _mm512_load_si512(rq + QV_OFF_MSW));
  if (!(flags & NEG_CLAMPED)) { /* the round-half-away correction of negative products */
    const __m512i nthr = _mm512_set1_epi64(-((int64_t)1 << 30));
    const __mmask8 ne = _mm512_cmplt_epi64_mask(pe, nthr), no = _mm512_cmplt_epi64_mask(po, nthr);
    pe = _mm512_mask_sub_epi64(pe, ne, pe, _mm512_load_si512(rq + QV_OFF_N));
    po = _mm512_mask_sub_epi64(po, no, po, _mm512_load_si512(rq + QV_OFF_N + 64));
  }
  pe = _mm512_add_epi64(pe, _mm512_load_si512(rq + QV_OFF_K));
  po = _mm512_add_epi64(po, _mm512_load_si512(rq + QV_OFF_K + 64));
  pe = _mm512_srav_epi64(pe, _mm512_load_si512(rq + QV_OFF_SH));
  po = _mm512_srav_epi64(po, _mm512_load_si512(rq + QV_OFF_SH + 64));
  const __m512i idx = _mm512_set_epi32(30, 14, 28, 12, 26, 10, 24, 8, 22, 6, 20, 4, 18, 2, 16, 0);
  __m512i r = _mm512_permutex2var_epi32(pe, idx, po);
  if (flags & ENN_QS8_EPI_SAT) { /* 2^31 wrapped: the saturated INT32_MAX */
    const __m512i imin = _mm512_set1_epi32(INT32_MIN);
    r = _mm512_mask_sub_epi32(r, _mm512_cmpeq_epi32_mask(r, imin), r, _mm512_set1_epi32(1));
  }
  r = _mm512_add_epi32(r, zp);
  if (flags & CLAMP_LO) r = _mm512_max_epi32(r, lo);
  if (flags & CLAMP_HI) r = _mm512_min_epi32(r, hi);
  return r; /* the caller narrows with signed saturation: [-128, 127] */
}

/* requant on 8 accumulators (a panel's last 8 columns, the first 8 lanes
 * of its 16-column block rq: the 64-bit constants of lanes 0..7 are the
 * first 4 qwords of the even and of the odd halves). */
INL __m256i requant8(__m256i acc, const unsigned char *rq, int32_t flags, __m512i zp, __m512i lo, __m512i hi) {
  __m256i x = acc;
  if (flags & ENN_QS8_EPI_LSHIFT) x = _mm256_sllv_epi32(x, _mm256_load_si256((const __m256i *)(const void *)(rq + QV_OFF_L)));
  __m256i pe = _mm256_mul_epi32(x, _mm256_load_si256((const __m256i *)(const void *)(rq + QV_OFF_M)));
  __m256i po = _mm256_mul_epi32(_mm256_srli_epi64(x, 32), _mm256_load_si256((const __m256i *)(const void *)(rq + QV_OFF_MSW)));
  if (!(flags & NEG_CLAMPED)) {
    const __m256i nthr = _mm256_set1_epi64x(-((int64_t)1 << 30));
    const __mmask8 ne = _mm256_cmplt_epi64_mask(pe, nthr), no = _mm256_cmplt_epi64_mask(po, nthr);
    pe = _mm256_mask_sub_epi64(pe, ne, pe, _mm256_load_si256((const __m256i *)(const void *)(rq + QV_OFF_N)));
    po = _mm256_mask_sub_epi64(po, no, po, _mm256_load_si256((const __m256i *)(const void *)(rq + QV_OFF_N + 64)));
  }
  pe = _mm256_add_epi64(pe, _mm256_load_si256((const __m256i *)(const void *)(rq + QV_OFF_K)));
  po = _mm256_add_epi64(po, _mm256_load_si256((const __m256i *)(const void *)(rq + QV_OFF_K + 64)));
  pe = _mm256_srav_epi64(pe, _mm256_load_si256((const __m256i *)(const void *)(rq + QV_OFF_SH)));
  po = _mm256_srav_epi64(po, _mm256_load_si256((const __m256i *)(const void *)(rq + QV_OFF_SH + 64)));
  const __m256i idx = _mm256_set_epi32(14, 6, 12, 4, 10, 2, 8, 0);
  __m256i r = _mm256_permutex2var_epi32(pe, idx, po);
  if (flags & ENN_QS8_EPI_SAT) {
    const __m256i imin = _mm256_set1_epi32(INT32_MIN);
    r = _mm256_mask_sub_epi32(r, _mm256_cmpeq_epi32_mask(r, imin), r, _mm256_set1_epi32(1));
  }
  r = _mm256_add_epi32(r, _mm512_castsi512_si256(zp));
  if (flags & CLAMP_LO) r = _mm256_max_epi32(r, _mm512_castsi512_si256(lo));
  if (flags & CLAMP_HI) r = _mm256_min_epi32(r, _mm512_castsi512_si256(hi));
  return r;
}

/* One panel for R rows (R <= MRP, the table's row count) and V of the
 * panel's QV_NV vectors, the last of them 8 lanes wide (ymm) when H: a =
 * ks x MRP row pointers, w = the panel, ncol valid columns (<= 16 * V, or
 * 16 * V - 8 when H), rows >= mr not stored. A half vector reads the first
 * 32 bytes of its 64-byte blocks (bias, constants, weights): the layout
 * is the full panel's. */
INL void panel(const int R, const int V, const int H, const int MRP, const int8_t *const *a, size_t ks, size_t kc,
               const unsigned char *w, int8_t *c, size_t c_stride, size_t mr, size_t ncol, const enn_qs8_epi *ep) {
  const int VF = V - H; /* full vectors */
  __m512i acc[MAXR][QV_NV];
  __m256i acch[MAXR];
  UNROLL for (int v = 0; v < VF; v++) {
    const __m512i b = _mm512_load_si512(w + 64 * v);
    UNROLL for (int i = 0; i < R; i++) acc[i][v] = b;
  }
  if (H) {
    const __m256i b = _mm256_load_si256((const __m256i *)(const void *)(w + 64 * VF));
    UNROLL for (int i = 0; i < R; i++) acch[i] = b;
  }
  const __m512i k80 = _mm512_set1_epi32((int32_t)0x80808080u);
  const unsigned char *wk = w + 4 * NR + QV_NV * QV_REQ_BYTES;
  const size_t kfull = kc & ~(size_t)3;
  /* a weight prefetch stream (base/prefetch.h), full panels of at least
   * PF_MIN_STEPS k-steps: one line per full k-step of a claimed range
   * (none without one) */
  const char *pf = NULL;
  if (V == QV_NV && !H && ks * (kfull / 4) >= PF_MIN_STEPS)
    pf = enn_pf_claim((int64_t)(ks * (kfull / 4)), (int64_t)(ks * kc) * R * NR);
  for (size_t t = 0; t < ks; t++) {
    const int8_t *p[MAXR];
    UNROLL for (int i = 0; i < R; i++) p[i] = a[t * (size_t)MRP + (size_t)i];
    /* one k-step of 4 channels (the loop is written twice: with and
     * without the prefetch, no branch per step) */
#define QV_KSTEP(PREFETCH)                                                                              \
  do {                                                                                                  \
    __m512i b[QV_NV];                                                                                   \
    __m256i bh = _mm256_setzero_si256();                                                                \
    UNROLL for (int v = 0; v < VF; v++) b[v] = _mm512_load_si512(wk + 64 * v);                         \
    if (H) bh = _mm256_load_si256((const __m256i *)(const void *)(wk + 64 * VF));                       \
    PREFETCH;                                                                                           \
    UNROLL for (int i = 0; i < R; i++) {                                                                \
      const __m512i x = bcast_xor(p[i] + k, k80);                                                       \
      UNROLL for (int v = 0; v < VF; v++) acc[i][v] = _mm512_dpbusd_epi32(acc[i][v], x, b[v]);          \
      if (H) acch[i] = _mm256_dpbusd_epi32(acch[i], _mm512_castsi512_si256(x), bh);                     \
    }                                                                                                   \
  } while (0)
    if (pf)
      for (size_t k = 0; k < kfull; k += 4, wk += 4 * NR) QV_KSTEP((_mm_prefetch(pf, _MM_HINT_T1), pf += 64));
    else
      for (size_t k = 0; k < kfull; k += 4, wk += 4 * NR) QV_KSTEP((void)0);
#undef QV_KSTEP
    if (kc & 3) {
      __m512i b[QV_NV];
      __m256i bh = _mm256_setzero_si256();
      UNROLL for (int v = 0; v < VF; v++) b[v] = _mm512_load_si512(wk + 64 * v);
      if (H) bh = _mm256_load_si256((const __m256i *)(const void *)(wk + 64 * VF));
      UNROLL for (int i = 0; i < R; i++) {
        const __m512i x = tail_xor(p[i] + kfull, kc & 3, k80);
        UNROLL for (int v = 0; v < VF; v++) acc[i][v] = _mm512_dpbusd_epi32(acc[i][v], x, b[v]);
        if (H) acch[i] = _mm256_dpbusd_epi32(acch[i], _mm512_castsi512_si256(x), bh);
      }
      wk += 4 * NR;
    }
  }
  /* (c is int8_t: its stores may alias *ep, so read ep once, before them) */
  const int32_t flags = ep->flags | (ep->lo > -128 ? CLAMP_LO : 0) | (ep->hi < 127 ? CLAMP_HI : 0) |
                        (ep->lo >= ep->y_zp ? NEG_CLAMPED : 0);
  const __m512i zp = _mm512_set1_epi32(ep->y_zp), lo = _mm512_set1_epi32(ep->lo), hi = _mm512_set1_epi32(ep->hi);
  if (ep->row_off) { /* a folded weight zero point (kernels.h) */
    const int32_t *ro = ep->row_off;
    UNROLL for (int i = 0; i < R; i++) {
      if ((size_t)i >= mr) break;
      const __m512i o = _mm512_set1_epi32(ro[i]);
      UNROLL for (int v = 0; v < VF; v++) acc[i][v] = _mm512_add_epi32(acc[i][v], o);
      if (H) acch[i] = _mm256_add_epi32(acch[i], _mm512_castsi512_si256(o));
    }
  }
  const unsigned char *rq = w + 4 * NR;
  UNROLL for (int v = 0; v < VF; v++) {
    const size_t rem = ncol > (size_t)v * 16 ? ncol - (size_t)v * 16 : 0;
    const __mmask16 m = (__mmask16)(rem >= 16 ? 0xFFFFu : (1u << rem) - 1u);
    UNROLL for (int i = 0; i < R; i++) {
      if ((size_t)i >= mr) break;
      const __m128i y = _mm512_cvtsepi32_epi8(requant(acc[i][v], rq + v * QV_REQ_BYTES, flags, zp, lo, hi));
      if (rem >= 16) _mm_storeu_si128((__m128i *)(void *)(c + (size_t)i * c_stride + 16 * v), y);
      else _mm_mask_storeu_epi8(c + (size_t)i * c_stride + 16 * v, m, y);
    }
  }
  if (H) {
    const size_t rem = ncol - (size_t)VF * 16; /* 1..8 */
    const __mmask16 m = (__mmask16)((1u << rem) - 1u);
    UNROLL for (int i = 0; i < R; i++) {
      if ((size_t)i >= mr) break;
      const __m128i y = _mm256_cvtsepi32_epi8(requant8(acch[i], rq + VF * QV_REQ_BYTES, flags, zp, lo, hi));
      if (rem == 8) _mm_storel_epi64((__m128i *)(void *)(c + (size_t)i * c_stride + 16 * VF), y);
      else _mm_mask_storeu_epi8(c + (size_t)i * c_stride + 16 * VF, m, y);
    }
  }
}

/* All nc columns of R rows. */
INL void tile(const int R, const int MRP, size_t mr, size_t nc, size_t kc, size_t ks, const int8_t *const *a,
              const unsigned char *w, int8_t *c, size_t c_stride, const enn_qs8_epi *ep) {
  const size_t pstride = 4 * NR + QV_NV * QV_REQ_BYTES + ks * ((kc + 3) & ~(size_t)3) * NR;
  for (; nc >= NR; nc -= NR, w += pstride, c += NR) panel(R, QV_NV, 0, MRP, a, ks, kc, w, c, c_stride, mr, NR, ep);
  /* the last panel: ceil(nc / 16) vectors, the last one 8 lanes wide
   * when it has at most 8 columns */
  const int H = nc && ((nc - 1) & 15) < 8;
#if QV_NV > 3
  if (nc > 48) { if (H) panel(R, 4, 1, MRP, a, ks, kc, w, c, c_stride, mr, nc, ep); else panel(R, 4, 0, MRP, a, ks, kc, w, c, c_stride, mr, nc, ep); }
  else
#endif
#if QV_NV > 2
  if (nc > 32) { if (H) panel(R, 3, 1, MRP, a, ks, kc, w, c, c_stride, mr, nc, ep); else panel(R, 3, 0, MRP, a, ks, kc, w, c, c_stride, mr, nc, ep); }
  else
#endif
  if (nc > 16) { if (H) panel(R, 2, 1, MRP, a, ks, kc, w, c, c_stride, mr, nc, ep); else panel(R, 2, 0, MRP, a, ks, kc, w, c, c_stride, mr, nc, ep); }
  else if (nc) { if (H) panel(R, 1, 1, MRP, a, ks, kc, w, c, c_stride, mr, nc, ep); else panel(R, 1, 0, MRP, a, ks, kc, w, c, c_stride, mr, nc, ep); }
}

/* Dispatch on the row count: the full tile, or the smallest of 1, 2, 4
 * rows covering mr (the table's extra rows repeat row mr - 1). */
INL void rows(size_t mr, size_t nc, size_t kc, size_t ks, const int8_t *const *a, const unsigned char *w, int8_t *c,
              size_t c_stride, const enn_qs8_epi *ep) {
  if (mr >= QV_MR) tile(QV_MR, QV_MR, mr, nc, kc, ks, a, w, c, c_stride, ep);
  else if (mr == 1) tile(1, QV_MR, mr, nc, kc, ks, a, w, c, c_stride, ep);
  else if (mr == 2) tile(2, QV_MR, mr, nc, kc, ks, a, w, c, c_stride, ep);
  else if (mr <= 4) tile(4, QV_MR, mr, nc, kc, ks, a, w, c, c_stride, ep);
  else tile(QV_MR, QV_MR, mr, nc, kc, ks, a, w, c, c_stride, ep);
}

#define QV_CAT2(a, b) a##b
#define QV_CAT(a, b) QV_CAT2(a, b)
#define QV_NAME(op) QV_CAT(QV_CAT(QV_CAT(QV_CAT(enn_qs8_, op), QV_MR), QV_CAT(x, QV_NRN)), __avx512vnni)

void QV_NAME(gemm_)(size_t mr, size_t nc, size_t kc, const int8_t *a, size_t a_stride, const void *w, int8_t *c,
                    size_t c_stride, const enn_qs8_epi *ep) {
  const int8_t *ap[QV_MR];
  for (size_t i = 0; i < QV_MR; i++) ap[i] = a + (i < mr ? i : mr - 1) * a_stride;
  rows(mr, nc, kc, 1, ap, w, c, c_stride, ep);
}

void QV_NAME(igemm_)(size_t mr, size_t nc, size_t kc, size_t ks, const int8_t *const *a, const void *w, int8_t *c,
                     size_t c_stride, const enn_qs8_epi *ep) {
  rows(mr, nc, kc, ks, a, w, c, c_stride, ep);
}

#endif
