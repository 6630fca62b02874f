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
 */
#include "kernels/kernels.h"

#if ENN_KERNELS_X86
#include <immintrin.h>

#include "kernels/x86/epi_avx2.h"

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

INL void dw_tpl(const int KH, const int KW, const float *const *rows, const float *w, float *y, size_t c, size_t ow,
                size_t iw, size_t stride, size_t pad_left, const enn_f32_epi *ep) {
  /* Interior: ox*stride >= pad_left and ox*stride - pad_left + KW - 1 < iw. */
  size_t lo = (pad_left + stride - 1) / stride, hi = 0;
  if (iw + pad_left >= (size_t)KW) hi = (iw + pad_left - (size_t)KW) / stride + 1;
  if (hi > ow) hi = ow;
  if (lo > hi) lo = hi;
  const size_t wblock = CR * (1 + (size_t)(KH * KW));
  size_t cb = 0;
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

void enn_f32_dwconv_3x3__avx2(const float *const *rows, const float *w, float *y, size_t c, size_t ow, size_t iw,
                                size_t stride, size_t pad_left, const enn_f32_epi *ep) {
  dw_tpl(3, 3, rows, w, y, c, ow, iw, stride, pad_left, ep);
}

void enn_f32_dwconv_5x5__avx2(const float *const *rows, const float *w, float *y, size_t c, size_t ow, size_t iw,
                                size_t stride, size_t pad_left, const enn_f32_epi *ep) {
  dw_tpl(5, 5, rows, w, y, c, ow, iw, stride, pad_left, ep);
}

#endif
