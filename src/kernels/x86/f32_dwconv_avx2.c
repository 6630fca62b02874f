/*
 * f32 depthwise convolution, KH x KW (3x3, 5x5), any stride, AVX2 + FMA
 * (this file alone is compiled with -mavx2 -mfma -mf16c): the layout and
 * edge handling of f32_dwconv_avx512.c with 8-channel ymm blocks, one
 * output pixel at a time (the 5x5 weights do not all fit in the 16
 * registers, so the compiler re-reads some from L1).
 *
 * One call computes one output row, NHWC, channel-vectorised: for each
 * block of 8 channels the KH*KW weight vectors and the bias are loaded
 * once, then the row's output pixels are swept left to right, each one
 * bias + KH*KW FMAs of an input vector (loaded from rows[ky] at pixel
 * ox*stride - pad_left + kx) by its weight vector, in (ky, kx) order as
 * the reference. Vertical padding is
 * the caller's zero row; horizontal padding splits the sweep into a left
 * edge, an interior where every tap is inside the row (no tests) and a
 * right edge whose taps are tested. The last channel block (c % 8) uses
 * masked loads and stores, so nothing past a row is touched.
 *
 * 3x3 with stride 1 or 2, pad_left <= 1 and at most one right padding
 * column reached (MobileNets) sweeps its full channel blocks four pixels
 * at a time instead (dw3_fast below: a column's vector loaded once for
 * the outputs sharing it, compile-time edges), same FMAs in the same order
 * per output, so the same bits. Measured on Zen 4 (1 thread, MobileNetV2
 * shapes, loaded machine): 1.0-1.25x the pixel sweep (groups of 8:
 * 0.93-1.48x, slower on the wide stride-2 rows).
 */
#include "kernels/kernels.h"

#if ENN_KERNELS_X86
#include <immintrin.h>

#include "kernels/x86/epi_avx2.h"
#include "kernels/x86/f32_dw3_entry.h"

#define INL static inline __attribute__((always_inline))
#define UNROLL _Pragma("GCC unroll 32")
#define CR 8

static const int32_t mask_table[16] = {-1, -1, -1, -1, -1, -1, -1, -1, 0, 0, 0, 0, 0, 0, 0, 0};

INL __m256 ld(const float *p, __m256i m, bool masked) { return masked ? _mm256_maskload_ps(p, m) : _mm256_loadu_ps(p); }

/* Output pixels [ox0, ox1) of one channel block; EDGE tests each tap. */
INL void sweep(const int KH, const int KW, const bool EDGE, const bool MASKED, __m256i m, const float *const *rows,
               const __m256 *wv, __m256 bias, float *y, size_t c, size_t ox0, size_t ox1, size_t iw, size_t stride,
               size_t pad_left, const enn_f32_epi *ep) {
  for (size_t ox = ox0; ox < ox1; ox++) {
    __m256 acc = bias;
    const ptrdiff_t ix0 = (ptrdiff_t)(ox * stride) - (ptrdiff_t)pad_left;
    UNROLL for (int ky = 0; ky < KH; ky++) {
      UNROLL for (int kx = 0; kx < KW; kx++) {
        const ptrdiff_t ix = ix0 + kx;
        if (EDGE && (ix < 0 || ix >= (ptrdiff_t)iw)) continue;
        acc = _mm256_fmadd_ps(ld(rows[ky] + ix * (ptrdiff_t)c, m, MASKED), wv[ky * KW + kx], acc);
      }
    }
    acc = epi_y(acc, ep);
    if (MASKED) _mm256_maskstore_ps(y + ox * c, m, acc);
    else _mm256_storeu_ps(y + ox * c, acc);
  }
}

INL void block(const int KH, const int KW, const bool MASKED, __m256i m, const float *const *rows, const float *w,
               float *y, size_t c, size_t ow, size_t iw, size_t stride, size_t pad_left, size_t lo, size_t hi,
               const enn_f32_epi *ep) {
  __m256 wv[25];
  const __m256 bias = _mm256_load_ps(w);
  UNROLL for (int t = 0; t < KH * KW; t++) wv[t] = _mm256_load_ps(w + CR * (1 + t));
  sweep(KH, KW, true, MASKED, m, rows, wv, bias, y, c, 0, lo, iw, stride, pad_left, ep);
  sweep(KH, KW, false, MASKED, m, rows, wv, bias, y, c, lo, hi, iw, stride, pad_left, ep);
  sweep(KH, KW, true, MASKED, m, rows, wv, bias, y, c, hi, ow, iw, stride, pad_left, ep);
}

/* Channels [cb0, c) (cb0 a multiple of 8; w at its block). */
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
    block(KH, KW, false, _mm256_setzero_si256(), r, w, y + cb, c, ow, iw, stride, pad_left, lo, hi, ep);
  }
  if (cb < c) {
    const float *r[5];
    UNROLL for (int ky = 0; ky < KH; ky++) r[ky] = rows[ky] + cb;
    const __m256i m = _mm256_loadu_si256((const __m256i *)(const void *)(mask_table + 8 - (c - cb)));
    block(KH, KW, true, m, r, w, y + cb, c, ow, iw, stride, pad_left, lo, hi, ep);
  }
}

/* ---- 3x3, stride 1 or 2: pixel groups with compile-time edges ----
 * As dw3_fast in f32_dwconv_avx512.c: output pixels [ox, ox + J) of one
 * full 8-channel block at once, each input vector of their window loaded
 * once into a register and fed to every output using it (tap kx = column
 * - j*S, (ky, kx) order per output, so the same FMAs in the same order as
 * the pixel-by-pixel sweep: the same bits), J independent FMA chains, the
 * first L and last R window columns (padding) left out at compile time. */
#ifndef DW3_G
#define DW3_G 4
#endif

INL const char *step_c(const char *p, size_t bytes) {
  p += bytes;
  __asm__("" : "+r"(p));
  return p;
}

INL void g3(const int S, const int J, const int L, const int R, const float *const *rows, const __m256 *wv,
            const float *bias, float *y, size_t c, ptrdiff_t ix0, const enn_f32_epi *ep) {
  __m256 acc[DW3_G];
  const size_t cs = c * sizeof(float);
  UNROLL for (int j = 0; j < J; j++) acc[j] = _mm256_load_ps(bias);
  UNROLL for (int ky = 0; ky < 3; ky++) {
    const char *q = (const char *)(rows[ky] + (ix0 + L) * (ptrdiff_t)c); /* column L */
    UNROLL for (int col = L; col < (J - 1) * S + 3 - R; col++) {
      const int u = col - L;
      if (u > 0 && u % 4 == 0) q = step_c(q, 4 * cs);
      __m256 v = _mm256_loadu_ps((const float *)(const void *)(q + (size_t)(u % 4) * cs));
      int nuse = 0;
      UNROLL for (int j = 0; j < J; j++) nuse += col - j * S >= 0 && col - j * S < 3;
      /* a column feeding several outputs is loaded once (GCC would fold a
       * load into each FMA); one feeding a single output stays folded
       * (stride 2: measured 3-5% faster than loading it separately) */
      if (nuse > 1) __asm__("" : "+x"(v));
      UNROLL for (int j = 0; j < J; j++) {
        const int kx = col - j * S;
        if (kx >= 0 && kx < 3) acc[j] = _mm256_fmadd_ps(v, wv[ky * 3 + kx], acc[j]);
      }
    }
  }
  UNROLL for (int j = 0; j < J; j++) _mm256_storeu_ps(y + (size_t)j * c, epi_y(acc[j], ep));
}


/* The last group of a row: 1..DW3_G pixels, L, R in {0, 1}. */
INL void g3_last(const int S, size_t J, bool L, bool R, const float *const *rows, const __m256 *wv,
                 const float *bias, float *y, size_t c, ptrdiff_t ix0, const enn_f32_epi *ep) {
  switch (J) {
    G3_LAST_CASE(1)
    G3_LAST_CASE(2)
    G3_LAST_CASE(3)
    G3_LAST_CASE(4)
#if DW3_G > 4
    G3_LAST_CASE(5)
    G3_LAST_CASE(6)
#endif
#if DW3_G > 6
    G3_LAST_CASE(7)
    G3_LAST_CASE(8)
#endif
  default: break;
  }
}

/* Full channel blocks, pad_left <= 1, at most one right padding column
 * reached (only the first pixel reaches the left padding, only the last
 * the right): groups of DW3_G from the left, the last of 1..DW3_G. */
INL void dw3_fast(const int S, const float *const *rows, const float *w, float *y, size_t c, size_t nblk, size_t ow,
                  size_t pl, bool right, const enn_f32_epi *ep) {
  const size_t G = DW3_G, wblock = CR * 10;
  const size_t nhead = (ow - 1) / G;
  const size_t last = ow - G * nhead;
  for (size_t b = 0; b < nblk; b++, w += wblock) {
    const float *r[3] = {rows[0] + b * CR, rows[1] + b * CR, rows[2] + b * CR};
    float *yb = y + b * CR;
    __m256 wv[9];
    UNROLL for (int t = 0; t < 9; t++) wv[t] = _mm256_load_ps(w + CR * (1 + t));
    size_t ox = 0;
    if (nhead) {
      if (pl) g3(S, DW3_G, 1, 0, r, wv, w, yb, c, -1, ep);
      else g3(S, DW3_G, 0, 0, r, wv, w, yb, c, 0, ep);
      for (ox = G; ox < G * nhead; ox += G)
        g3(S, DW3_G, 0, 0, r, wv, w, yb + ox * c, c, (ptrdiff_t)(ox * (size_t)S) - (ptrdiff_t)pl, ep);
    }
    g3_last(S, last, ox == 0 && pl, right, r, wv, w, yb + ox * c, c, (ptrdiff_t)(ox * (size_t)S) - (ptrdiff_t)pl,
            ep);
  }
}

ENN_F32_DW3_ENTRY(enn_f32_dwconv_3x3__avx2)

void enn_f32_dwconv_5x5__avx2(const float *const *rows, const float *w, float *y, size_t c, size_t ow, size_t iw,
                                size_t stride, size_t pad_left, const enn_f32_epi *ep) {
  dw_tpl(5, 5, rows, w, y, c, 0, ow, iw, stride, pad_left, ep);
}

#endif
