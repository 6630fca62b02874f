/*
 * f32 depthwise convolution, KH x KW (3x3, 5x5), any stride, AVX-512F
 * (this file alone is compiled with the AVX-512 flags).
 *
 * One call computes one output row, NHWC, channel-vectorised: for each
 * block of 16 channels the KH*KW weight vectors and the bias are loaded
 * into registers once (25 + 1 of 32 zmm for 5x5), then the row's output
 * pixels are swept left to right, each one bias + KH*KW FMAs of an input
 * vector (loaded from rows[ky] at pixel ox*stride - pad_left + kx) by its
 * weight vector, in (ky, kx) order as the reference. Vertical padding is
 * the caller's zero row. With stride 1 or 2 the row is swept four output
 * pixels at a time (the last 1-3 together): each input vector of their
 * window union is loaded once (6 loads instead of 12 per row for 3x3
 * stride 1) and independent FMA chains hide the FMA latency (a pixel
 * alone waits on the latency of its KH*KW dependent FMAs: the edge and
 * left-over pixels done one by one took as long as the twenty others of a
 * 24-wide stride-2 row). Groups that reach into the horizontal padding
 * test each column against the row and skip those outside; interior
 * groups test nothing. Other strides go pixel by pixel. The last channel
 * block (c % 16) uses
 * masked loads and stores, so nothing past a row is touched.
 *
 * 3x3 with stride 1 or 2 (the MobileNet case), pad_left <= 1 and at most
 * one column of right padding reached, has its own sweep (dw3_fast) for
 * the full channel blocks: groups of EIGHT pixels (8 independent FMA
 * chains; a stride-1 group loads 30 vectors for 72 FMAs), the edges as
 * compile-time column ranges (the first group skips the left padding
 * column, the last group of 1-8 pixels the right one: no run-time tests),
 * each input vector held in a register for all the FMAs using it (GCC
 * otherwise folds a load into every FMA: 72 loads per group), column
 * addresses from one moving pointer per row, and the epilogue's kind
 * switched on once per group. Same FMAs in the same order per output, so
 * the same bits. Measured (Zen 4, 1 thread, MobileNetV2 shapes, loaded
 * machine): 1.15-1.8x the four-pixel sweep.
 */
#include "kernels/kernels.h"

#if ENN_KERNELS_X86
#include <immintrin.h>

#include "kernels/x86/epi_avx512.h"
#include "kernels/x86/f32_dw3_entry.h"

#define INL static inline __attribute__((always_inline))
#define UNROLL _Pragma("GCC unroll 32")
#define CR 16

INL __m512 ld(const float *p, __mmask16 m, bool masked) {
  return masked ? _mm512_maskz_loadu_ps(m, p) : _mm512_loadu_ps(p);
}

/* Output pixels [ox0, ox1) of one channel block, one at a time; EDGE
 * tests each tap against the row. */
INL void sweep1(const int KH, const int KW, const bool EDGE, const bool MASKED, __mmask16 m, const float *const *rows,
                const __m512 *wv, __m512 bias, float *y, size_t c, size_t ox0, size_t ox1, size_t iw, size_t stride,
                size_t pad_left, const enn_f32_epi *ep) {
  for (size_t ox = ox0; ox < ox1; ox++) {
    __m512 acc = bias;
    const ptrdiff_t ix0 = (ptrdiff_t)(ox * stride) - (ptrdiff_t)pad_left;
    UNROLL for (int ky = 0; ky < KH; ky++) {
      UNROLL for (int kx = 0; kx < KW; kx++) {
        const ptrdiff_t ix = ix0 + kx;
        if (EDGE && (ix < 0 || ix >= (ptrdiff_t)iw)) continue;
        acc = _mm512_fmadd_ps(ld(rows[ky] + ix * (ptrdiff_t)c, m, MASKED), wv[ky * KW + kx], acc);
      }
    }
    acc = epi_z(acc, ep);
    if (MASKED) _mm512_mask_storeu_ps(y + ox * c, m, acc);
    else _mm512_storeu_ps(y + ox * c, acc);
  }
}

/* Output pixels [ox, ox + J) together: each input vector of their window
 * union is loaded once and feeds every output that uses it (for output j,
 * tap kx = column - j*S), in (ky, kx) order per output; J independent FMA
 * chains hide the FMA latency. EDGE: columns outside [0, iw) are skipped
 * (their taps contribute nothing), tested per column. */
INL void group(const int KH, const int KW, const int S, const int J, const bool EDGE, const bool MASKED,
               __mmask16 m, const float *const *rows, const __m512 *wv, __m512 bias, float *y, size_t c, size_t ox,
               size_t iw, size_t pad_left, const enn_f32_epi *ep) {
  __m512 acc[4];
  UNROLL for (int j = 0; j < J; j++) acc[j] = bias;
  const ptrdiff_t ix0 = (ptrdiff_t)(ox * (size_t)S) - (ptrdiff_t)pad_left;
  UNROLL for (int ky = 0; ky < KH; ky++) {
    UNROLL for (int col = 0; col < (J - 1) * S + KW; col++) {
      const ptrdiff_t ix = ix0 + col;
      if (EDGE && (ix < 0 || ix >= (ptrdiff_t)iw)) continue;
      __m512 v = ld(rows[ky] + ix * (ptrdiff_t)c, m, MASKED);
      __asm__("" : "+v"(v)); /* one load per column (see dw3_fast below) */
      UNROLL for (int j = 0; j < J; j++) {
        const int kx = col - j * S;
        if (kx >= 0 && kx < KW) acc[j] = _mm512_fmadd_ps(v, wv[ky * KW + kx], acc[j]);
      }
    }
  }
  UNROLL for (int j = 0; j < J; j++) {
    const __m512 o = epi_z(acc[j], ep);
    if (MASKED) _mm512_mask_storeu_ps(y + (ox + (size_t)j) * c, m, o);
    else _mm512_storeu_ps(y + (ox + (size_t)j) * c, o);
  }
}

/* The whole row with stride S (1 or 2) in groups of four pixels (the last
 * one of 1-3); groups with a pixel outside the interior [lo, hi) test
 * their columns. */
INL void sweep_groups(const int KH, const int KW, const int S, const bool MASKED, __mmask16 m,
                      const float *const *rows, const __m512 *wv, __m512 bias, float *y, size_t c, size_t ow,
                      size_t iw, size_t pad_left, size_t lo, size_t hi, const enn_f32_epi *ep) {
  size_t ox = 0;
  for (; ox + 4 <= ow; ox += 4) {
    if (ox >= lo && ox + 4 <= hi) group(KH, KW, S, 4, false, MASKED, m, rows, wv, bias, y, c, ox, iw, pad_left, ep);
    else group(KH, KW, S, 4, true, MASKED, m, rows, wv, bias, y, c, ox, iw, pad_left, ep);
  }
  switch (ow - ox) { /* the tail group always tests: it is rarely interior */
  case 3: group(KH, KW, S, 3, true, MASKED, m, rows, wv, bias, y, c, ox, iw, pad_left, ep); break;
  case 2: group(KH, KW, S, 2, true, MASKED, m, rows, wv, bias, y, c, ox, iw, pad_left, ep); break;
  case 1: group(KH, KW, S, 1, true, MASKED, m, rows, wv, bias, y, c, ox, iw, pad_left, ep); break;
  default: break;
  }
}

INL void block(const int KH, const int KW, const bool MASKED, __mmask16 m, const float *const *rows, const float *w,
               float *y, size_t c, size_t ow, size_t iw, size_t stride, size_t pad_left, size_t lo, size_t hi,
               const enn_f32_epi *ep) {
  __m512 wv[25];
  const __m512 bias = _mm512_load_ps(w);
  UNROLL for (int t = 0; t < KH * KW; t++) wv[t] = _mm512_load_ps(w + CR * (1 + t));
  if (stride == 1) sweep_groups(KH, KW, 1, MASKED, m, rows, wv, bias, y, c, ow, iw, pad_left, lo, hi, ep);
  else if (stride == 2) sweep_groups(KH, KW, 2, MASKED, m, rows, wv, bias, y, c, ow, iw, pad_left, lo, hi, ep);
  else {
    sweep1(KH, KW, true, MASKED, m, rows, wv, bias, y, c, 0, lo, iw, stride, pad_left, ep);
    sweep1(KH, KW, false, MASKED, m, rows, wv, bias, y, c, lo, hi, iw, stride, pad_left, ep);
    sweep1(KH, KW, true, MASKED, m, rows, wv, bias, y, c, hi, ow, iw, stride, pad_left, ep);
  }
}

/* ---- 3x3, stride 1 or 2: eight-pixel groups with compile-time edges ----
 * Output pixels [ox, ox + J) of one full channel block; the group's window
 * has NC = (J - 1) * S + 3 columns, of which the first L and the last R lie
 * in the horizontal padding (compile-time, so no column is tested at run
 * time): each remaining input vector is loaded once and feeds every output
 * that uses it (tap kx = column - j*S), so each output is still bias + its
 * taps in (ky, kx) order, one FMA each. J = 8 gives eight independent FMA
 * chains (twice the FMA latency x throughput of Zen 4 / Skylake) and 30
 * (stride 1) or 51 (stride 2) loads for 72 FMAs. The epilogue's kind is
 * tested once per group. */
/* An opaque pointer step: the compiler keeps one moving pointer per input
 * row (and the output) and addresses columns as p + {1, 2, 3} * stride,
 * instead of materialising every column's multiple of the channel stride
 * in registers (17 of them for a stride-2 group: spilled, measured 1.5x
 * slower on narrow rows). */
INL const char *step_c(const char *p, size_t bytes) {
  p += bytes;
  __asm__("" : "+r"(p));
  return p;
}

INL void epi_store(const int J, __m512 *acc, float *y, size_t c, const enn_f32_epi *ep) {
  switch (ep->kind) {
  case ENN_EPI_NONE: break;
  case ENN_EPI_RELU:
    UNROLL for (int j = 0; j < J; j++) acc[j] = _mm512_max_ps(acc[j], _mm512_setzero_ps());
    break;
  case ENN_EPI_MINMAX: {
    const __m512 lo = _mm512_set1_ps(ep->min), hi = _mm512_set1_ps(ep->max);
    UNROLL for (int j = 0; j < J; j++) acc[j] = _mm512_min_ps(hi, _mm512_max_ps(lo, acc[j]));
    break;
  }
  default:
    UNROLL for (int j = 0; j < J; j++) acc[j] = epi_z(acc[j], ep);
    break;
  }
  const size_t cs = c * sizeof(float);
  const char *q = (const char *)y;
  UNROLL for (int j = 0; j < J; j++) {
    if (j > 0 && j % 4 == 0) q = step_c(q, 4 * cs);
    _mm512_storeu_ps((float *)(uintptr_t)(q + (size_t)(j % 4) * cs), acc[j]);
  }
}

INL void g3(const int S, const int J, const int L, const int R, const float *const *rows, const __m512 *wv,
            __m512 bias, float *y, size_t c, ptrdiff_t ix0, const enn_f32_epi *ep) {
  __m512 acc[8];
  const size_t cs = c * sizeof(float);
  UNROLL for (int j = 0; j < J; j++) acc[j] = bias;
  UNROLL for (int ky = 0; ky < 3; ky++) {
    const char *q = (const char *)(rows[ky] + (ix0 + L) * (ptrdiff_t)c); /* column L */
    UNROLL for (int col = L; col < (J - 1) * S + 3 - R; col++) {
      const int u = col - L;
      if (u > 0 && u % 4 == 0) q = step_c(q, 4 * cs);
      __m512 v = _mm512_loadu_ps((const float *)(const void *)(q + (size_t)(u % 4) * cs));
      __asm__("" : "+v"(v)); /* one load per column, not one folded into each FMA using it */
      UNROLL for (int j = 0; j < J; j++) {
        const int kx = col - j * S;
        if (kx >= 0 && kx < 3) acc[j] = _mm512_fmadd_ps(v, wv[ky * 3 + kx], acc[j]);
      }
    }
  }
  epi_store(J, acc, y, c, ep);
}

/* The last group of a row: J = 1..8 pixels, L, R in {0, 1}. */

INL void g3_last(const int S, size_t J, bool L, bool R, const float *const *rows, const __m512 *wv, __m512 bias,
                 float *y, size_t c, ptrdiff_t ix0, const enn_f32_epi *ep) {
  switch (J) {
    G3_LAST_CASE(1)
    G3_LAST_CASE(2)
    G3_LAST_CASE(3)
    G3_LAST_CASE(4)
    G3_LAST_CASE(5)
    G3_LAST_CASE(6)
    G3_LAST_CASE(7)
    G3_LAST_CASE(8)
  default: break;
  }
}

/* The full channel blocks of a 3x3 row with stride S, pad_left pl <= 1 and
 * at most one column of right padding in use (only the first pixel can
 * reach the left padding and only the last the right): groups of eight
 * from the left, the last group of 1-8 pixels. */
INL void dw3_fast(const int S, const float *const *rows, const float *w, float *y, size_t c, size_t nblk, size_t ow,
                  size_t pl, bool right, const enn_f32_epi *ep) {
  const size_t wblock = CR * 10;
  const size_t nhead = (ow - 1) / 8; /* groups of eight before the last group */
  const size_t last = ow - 8 * nhead;
  for (size_t b = 0; b < nblk; b++, w += wblock) {
    const float *r[3] = {rows[0] + b * CR, rows[1] + b * CR, rows[2] + b * CR};
    float *yb = y + b * CR;
    __m512 wv[9];
    const __m512 bias = _mm512_load_ps(w);
    UNROLL for (int t = 0; t < 9; t++) wv[t] = _mm512_load_ps(w + CR * (1 + t));
    size_t ox = 0;
    if (nhead) {
      if (pl) g3(S, 8, 1, 0, r, wv, bias, yb, c, -1, ep);
      else g3(S, 8, 0, 0, r, wv, bias, yb, c, 0, ep);
      for (ox = 8; ox < 8 * nhead; ox += 8)
        g3(S, 8, 0, 0, r, wv, bias, yb + ox * c, c, (ptrdiff_t)(ox * (size_t)S) - (ptrdiff_t)pl, ep);
    }
    g3_last(S, last, ox == 0 && pl, right, r, wv, bias, yb + ox * c, c,
            (ptrdiff_t)(ox * (size_t)S) - (ptrdiff_t)pl, ep);
  }
}

/* Channels [cb0, c) (cb0 a multiple of 16; w at its block). */
INL void dw_tpl(const int KH, const int KW, const float *const *rows, const float *w, float *y, size_t c, size_t cb0,
                size_t ow, size_t iw, size_t stride, size_t pad_left, const enn_f32_epi *ep) {
  /* Interior: ox*stride >= pad_left and ox*stride - pad_left + KW - 1 < iw. */
  size_t lo = (pad_left + stride - 1) / stride, hi = 0;
  if (iw + pad_left >= (size_t)KW) hi = (iw + pad_left - (size_t)KW) / stride + 1;
  if (hi > ow) hi = ow;
  if (lo > hi) lo = hi;
  const size_t wblock = CR * (1 + (size_t)(KH * KW));
  size_t cb = cb0;
  for (; cb + CR <= c; cb += CR, w += wblock) {
    const float *r[5];
    UNROLL for (int ky = 0; ky < KH; ky++) r[ky] = rows[ky] + cb;
    block(KH, KW, false, 0xFFFF, r, w, y + cb, c, ow, iw, stride, pad_left, lo, hi, ep);
  }
  if (cb < c) {
    const float *r[5];
    UNROLL for (int ky = 0; ky < KH; ky++) r[ky] = rows[ky] + cb;
    const __mmask16 m = (__mmask16)((1u << (c - cb)) - 1u);
    block(KH, KW, true, m, r, w, y + cb, c, ow, iw, stride, pad_left, lo, hi, ep);
  }
}

ENN_F32_DW3_ENTRY(enn_f32_dwconv_3x3__avx512)

void enn_f32_dwconv_5x5__avx512(const float *const *rows, const float *w, float *y, size_t c, size_t ow, size_t iw,
                                size_t stride, size_t pad_left, const enn_f32_epi *ep) {
  dw_tpl(5, 5, rows, w, y, c, 0, ow, iw, stride, pad_left, ep);
}

#endif
