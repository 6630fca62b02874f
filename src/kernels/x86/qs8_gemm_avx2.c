/*
 * int8 GEMM and indirect-GEMM microkernels, AVX2 (this file alone is
 * compiled with -mavx2 -mfma -mf16c).
 *
 * Exact products without VNNI: activations and weights are sign-extended
 * to int16 and multiplied with vpmaddwd, which adds pairs of int16
 * products into int32 lanes exactly (|x0 w0 + x1 w1| <= 2 * 128 * 128);
 * vpmaddubsw is not used: it saturates its int16 pair sums. The weights
 * are packed as int16 (qs8_pack.c). A group of 4 channels of a row is
 * broadcast as one 32-bit value and sign-extended (vpmovsxbw) to
 * x0 x1 x2 x3 repeated: against a weight vector holding 4 columns x 4
 * channels, vpmaddwd gives each column two partial sums (channels 0+1 and
 * 2+3), which accumulate with vpaddd (wrapping, as the reference's
 * modulo-2^32 sum); at the end one vphaddd of a column block's two vectors
 * gives its 8 columns in order. The packed bias holds -x_zp * sum_k w, so
 * the raw activation bytes (and a padding row of x_zp bytes) give the
 * reference accumulator exactly. A tail of 1-3 channels is assembled
 * byte by byte (never reading past the row).
 *
 * Tiling: MR x NR = 2 x 24 (3 column blocks, 6 accumulators per row, 12
 * in all, the weights as memory operands of vpmaddwd): measured on Zen 4
 * over MobileNetV2's 1x1 layers, 58 GMAC/s against 53 for 4 x 16 (which
 * spills) and 35-43 for 4 x 8, 6 x 8, 3 x 16, 1 x 32, 2 x 32 and 3 x 24.
 *
 * Requantisation per 8 columns in registers, exactly enn_requantize:
 * 64-bit products of the even and odd lanes (vpmuldq), + 2^30, the
 * rounded product taken from bits 31..62 (one formula for both signs:
 * gemmlowp's nudge), the INT32_MIN * INT32_MIN saturation (when a
 * multiplier is INT32_MIN), then RoundingDivideByPOT in 32 bits with the
 * per-channel mask and threshold, + zero point (wrapping), clamp, and
 * narrowing with signed saturation (vpackssdw, vpacksswb).
 */
#include "kernels/kernels.h"

#if ENN_KERNELS_X86
#if defined(__GNUC__) && !defined(__clang__)
/* As in qs8_gemm_avx512vnni.c: PRE makes GCC spill the accumulators. */
#pragma GCC optimize("no-tree-pre")
#endif
#include <immintrin.h>
#include <string.h>

#include "kernels/x86/qs8_panel.h"

#define INL static inline __attribute__((always_inline))
#define UNROLL _Pragma("GCC unroll 16")

/* The tile (rows, vectors per panel, the name's NR) can be set on the
 * compiler's command line to measure others; the table lists the default. */
#ifndef QA_MR
#define QA_MR 2
#endif
#ifndef QA_NV
#define QA_NV 3
#endif
#ifndef QA_NRN
#define QA_NRN 24
#endif
#define NR (8 * QA_NV)
#define MAXR (QA_MR > 8 ? QA_MR : 8)
/* Epilogue flags beside ENN_QS8_EPI_*: clamps narrower than int8's range
 * (the narrowing saturates anyway), and NEG_CLAMPED: the clamp's low end
 * is at or above the output zero point (ReLU, ReLU6), so a negative s,
 * whose quotient is <= 0 however its tie rounds, ends at lo: the
 * threshold's + 1 for negative values is skipped. */
#define CLAMP_LO 0x100
#define CLAMP_HI 0x200
#define NEG_CLAMPED 0x400

INL __m256i bcast16(const int8_t *p) {
  int32_t v;
  memcpy(&v, p, sizeof v);
  return _mm256_cvtepi8_epi16(_mm_set1_epi32(v));
}

INL __m256i tail16(const int8_t *p, size_t rem) {
  uint32_t v = (uint8_t)p[0];
  if (rem > 1) v |= (uint32_t)(uint8_t)p[1] << 8;
  if (rem > 2) v |= (uint32_t)(uint8_t)p[2] << 16;
  return _mm256_cvtepi8_epi16(_mm_set1_epi32((int32_t)v));
}

/* enn_requantize of 8 accumulators with the constants of block rq. */
INL __m256i requant(__m256i acc, const unsigned char *rq, int32_t flags, __m256i zp, __m256i lo, __m256i hi) {
  __m256i x = acc;
  if (flags & ENN_QS8_EPI_LSHIFT) x = _mm256_sllv_epi32(x, _mm256_load_si256((const __m256i *)(rq + QA_OFF_L)));
  const __m256i nudge = _mm256_set1_epi64x((int64_t)1 << 30);
  __m256i pe = _mm256_mul_epi32(x, _mm256_load_si256((const __m256i *)(rq + QA_OFF_M)));
  __m256i po = _mm256_mul_epi32(_mm256_srli_epi64(x, 32), _mm256_load_si256((const __m256i *)(rq + QA_OFF_MSW)));
  pe = _mm256_srli_epi64(_mm256_add_epi64(pe, nudge), 31); /* low dwords: bits 31..62 */
  po = _mm256_slli_epi64(_mm256_add_epi64(po, nudge), 1);  /* high dwords: bits 31..62 */
  __m256i s = _mm256_blend_epi32(pe, po, 0xAA);
  if (flags & ENN_QS8_EPI_SAT) /* 2^31 wrapped to INT32_MIN: the saturated INT32_MAX */
    s = _mm256_xor_si256(s, _mm256_cmpeq_epi32(s, _mm256_set1_epi32(INT32_MIN)));
  /* RoundingDivideByPOT(s, e) */
  const __m256i rem = _mm256_and_si256(s, _mm256_load_si256((const __m256i *)(rq + QA_OFF_MASK)));
  __m256i thr = _mm256_load_si256((const __m256i *)(rq + QA_OFF_THR));
  if (!(flags & NEG_CLAMPED)) thr = _mm256_sub_epi32(thr, _mm256_srai_epi32(s, 31)); /* + 1 where s < 0 */
  __m256i r = _mm256_srav_epi32(s, _mm256_load_si256((const __m256i *)(rq + QA_OFF_E)));
  r = _mm256_sub_epi32(r, _mm256_cmpgt_epi32(rem, thr));
  r = _mm256_add_epi32(r, zp);
  if (flags & CLAMP_LO) r = _mm256_max_epi32(r, lo);
  if (flags & CLAMP_HI) r = _mm256_min_epi32(r, hi);
  return r;
}

/* Stores the 8 int32 lanes of r, narrowed with saturation, to c (n <= 8
 * of them). */
INL void store8(int8_t *c, __m256i r, size_t n) {
  const __m128i h = _mm_packs_epi32(_mm256_castsi256_si128(r), _mm256_extracti128_si256(r, 1));
  const __m128i b = _mm_packs_epi16(h, h);
  if (n >= 8) {
    _mm_storel_epi64((__m128i *)(void *)c, b);
    return;
  }
  uint8_t tmp[16];
  _mm_storeu_si128((__m128i *)(void *)tmp, b);
  for (size_t j = 0; j < n; j++) c[j] = (int8_t)tmp[j];
}

/* One panel for R rows (R <= MRP, the table's row count) and V of the
 * panel's QA_NV column blocks: a = ks x MRP row pointers, w = the panel,
 * ncol valid columns, rows >= mr not stored. */
INL void panel(const int R, const int V, const int MRP, const int8_t *const *a, size_t ks, size_t kc,
               const unsigned char *w, int8_t *c, size_t c_stride, size_t mr, size_t ncol, const enn_qs8_epi *ep) {
  __m256i acc[MAXR][2 * QA_NV];
  UNROLL for (int i = 0; i < R; i++) UNROLL for (int v = 0; v < 2 * V; v++) acc[i][v] = _mm256_setzero_si256();
  const unsigned char *wk = w + 4 * NR + QA_NV * QA_REQ_BYTES;
  const size_t kfull = kc & ~(size_t)3, step = 64 * QA_NV;
  for (size_t t = 0; t < ks; t++) {
    const int8_t *p[MAXR];
    UNROLL for (int i = 0; i < R; i++) p[i] = a[t * (size_t)MRP + (size_t)i];
    for (size_t k = 0; k < kfull; k += 4, wk += step) {
      __m256i b[2 * QA_NV];
      UNROLL for (int v = 0; v < 2 * V; v++) b[v] = _mm256_load_si256((const __m256i *)(wk + 32 * v));
      UNROLL for (int i = 0; i < R; i++) {
        const __m256i x = bcast16(p[i] + k);
        UNROLL for (int v = 0; v < 2 * V; v++) acc[i][v] = _mm256_add_epi32(acc[i][v], _mm256_madd_epi16(x, b[v]));
      }
    }
    if (kc & 3) {
      __m256i b[2 * QA_NV];
      UNROLL for (int v = 0; v < 2 * V; v++) b[v] = _mm256_load_si256((const __m256i *)(wk + 32 * v));
      UNROLL for (int i = 0; i < R; i++) {
        const __m256i x = tail16(p[i] + kfull, kc & 3);
        UNROLL for (int v = 0; v < 2 * V; v++) acc[i][v] = _mm256_add_epi32(acc[i][v], _mm256_madd_epi16(x, b[v]));
      }
      wk += step;
    }
  }
  /* (c is int8_t: its stores may alias *ep, so read ep once, before them) */
  const int32_t flags = ep->flags | (ep->lo > -128 ? CLAMP_LO : 0) | (ep->hi < 127 ? CLAMP_HI : 0) |
                        (ep->lo >= ep->y_zp ? NEG_CLAMPED : 0);
  const __m256i zp = _mm256_set1_epi32(ep->y_zp), lo = _mm256_set1_epi32(ep->lo), hi = _mm256_set1_epi32(ep->hi);
  __m256i off[MAXR]; /* a folded weight zero point's row offsets (kernels.h), read before any store */
  const bool has_off = ep->row_off != NULL;
  UNROLL for (int i = 0; i < R; i++) off[i] = _mm256_set1_epi32(has_off && (size_t)i < mr ? ep->row_off[i] : 0);
  const unsigned char *rq = w + 4 * NR;
  UNROLL for (int v = 0; v < V; v++) {
    const size_t rem = ncol > (size_t)v * 8 ? ncol - (size_t)v * 8 : 0;
    const __m256i bias = _mm256_load_si256((const __m256i *)(w + 32 * v));
    UNROLL for (int i = 0; i < R; i++) {
      if ((size_t)i >= mr) break;
      __m256i sum = _mm256_add_epi32(_mm256_hadd_epi32(acc[i][2 * v], acc[i][2 * v + 1]), bias);
      if (has_off) sum = _mm256_add_epi32(sum, off[i]);
      store8(c + (size_t)i * c_stride + 8 * v, requant(sum, rq + v * QA_REQ_BYTES, flags, zp, lo, hi), rem);
    }
  }
}

/* All nc columns of R rows. */
INL void tile(const int R, const int MRP, size_t mr, size_t nc, size_t kc, size_t ks, const int8_t *const *a,
              const unsigned char *w, int8_t *c, size_t c_stride, const enn_qs8_epi *ep) {
  const size_t pstride = 4 * NR + QA_NV * QA_REQ_BYTES + ks * ((kc + 3) & ~(size_t)3) * NR * 2;
  for (; nc >= NR; nc -= NR, w += pstride, c += NR) panel(R, QA_NV, MRP, a, ks, kc, w, c, c_stride, mr, NR, ep);
#if QA_NV > 2
  if (nc > 16) panel(R, 3, MRP, a, ks, kc, w, c, c_stride, mr, nc, ep);
  else
#endif
#if QA_NV > 1
  if (nc > 8) panel(R, 2, MRP, a, ks, kc, w, c, c_stride, mr, nc, ep);
  else
#endif
  if (nc) panel(R, 1, MRP, a, ks, kc, w, c, c_stride, mr, nc, ep);
}

/* Dispatch on the row count: the full tile, or the smallest of 1 and 2
 * rows covering mr (the table's extra rows repeat row mr - 1). */
INL void rows(size_t mr, size_t nc, size_t kc, size_t ks, const int8_t *const *a, const unsigned char *w, int8_t *c,
              size_t c_stride, const enn_qs8_epi *ep) {
  if (mr == 1) tile(1, QA_MR, mr, nc, kc, ks, a, w, c, c_stride, ep);
  else if (mr == 2 && QA_MR > 2) tile(2, QA_MR, mr, nc, kc, ks, a, w, c, c_stride, ep);
  else tile(QA_MR, QA_MR, mr, nc, kc, ks, a, w, c, c_stride, ep);
}

#define QA_CAT2(a, b) a##b
#define QA_CAT(a, b) QA_CAT2(a, b)
#define QA_NAME(op) QA_CAT(QA_CAT(QA_CAT(QA_CAT(enn_qs8_, op), QA_MR), QA_CAT(x, QA_NRN)), __avx2)

void QA_NAME(gemm_)(size_t mr, size_t nc, size_t kc, const int8_t *a, size_t a_stride, const void *w, int8_t *c,
                    size_t c_stride, const enn_qs8_epi *ep) {
  const int8_t *ap[QA_MR];
  for (size_t i = 0; i < QA_MR; i++) ap[i] = a + (i < mr ? i : mr - 1) * a_stride;
  rows(mr, nc, kc, 1, ap, w, c, c_stride, ep);
}

void QA_NAME(igemm_)(size_t mr, size_t nc, size_t kc, size_t ks, const int8_t *const *a, const void *w, int8_t *c,
                     size_t c_stride, const enn_qs8_epi *ep) {
  rows(mr, nc, kc, ks, a, w, c, c_stride, ep);
}

#endif
