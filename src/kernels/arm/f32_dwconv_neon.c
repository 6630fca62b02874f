/*
 * f32 depthwise convolution, KH x KW (3x3, 5x5), any stride, AArch64
 * NEON: the layout and edge handling of the x86 kernels
 * (f32_dwconv_avx2.c) with 8-channel blocks of two q registers.
 *
 * One call computes one output row, NHWC, channel-vectorised: for each
 * block of 8 channels (enn_f32_pack_dwconv with cr = 8: 8 biases, then 8
 * weights per tap) the KH*KW weight vectors and the bias are loaded once
 * (3x3: 18 of the 32 q registers; the 50 of 5x5 do not fit, so the
 * compiler re-reads some from the stack, in L1), then the row's output
 * pixels are swept left to right, each one bias + KH*KW FMAs of an input
 * vector (from rows[ky] at pixel ox*stride - pad_left + kx) by its weight
 * vector, in (ky, kx) order as the reference.
 * Vertical padding is the caller's zero row; horizontal padding splits the
 * sweep into a left edge, an interior where every tap is inside the row
 * (no tests; two output pixels per step, so four FMA chains are in
 * flight) and a right edge whose taps are tested. Channels past the last
 * full block run as one 4-channel block and / or a block of 1..3 lanes
 * with partial loads and stores, so nothing past a row is read or written.
 * Each output element is computed the same way on every path, so results
 * do not depend on the row split.
 */
#include "kernels/kernels.h"

#if ENN_KERNELS_ARM64
#include "kernels/arm/epi_neon.h"

#define INL ENN_NEON_INL
#define UNROLL _Pragma("GCC unroll 32")
#define CR 8

/* NV vectors of a pixel's channels at p: full q loads, or (PART) one
 * vector of n lanes. */
INL float32x4_t ldv(const float *p, int v, bool part, size_t n) { return part ? ld_part(p, n) : vld1q_f32(p + 4 * v); }

INL void stv(float *p, int v, float32x4_t x, bool part, size_t n) {
  if (part) st_part(p, x, n);
  else vst1q_f32(p + 4 * v, x);
}

/* Output pixels [ox0, ox1) of one channel block; EDGE tests each tap. */
INL void sweep(const int KH, const int KW, const int NV, const bool EDGE, const bool PART, size_t n,
               const float *const *rows, const float32x4_t (*wv)[2], const float32x4_t *bias, float *y, size_t c,
               size_t ox0, size_t ox1, size_t iw, size_t stride, size_t pad_left, const enn_f32_epi *ep) {
  size_t ox = ox0;
  if (!EDGE) {
    for (; ox + 2 <= ox1; ox += 2) {
      float32x4_t a0[2], a1[2];
      UNROLL for (int v = 0; v < NV; v++) a0[v] = a1[v] = bias[v];
      const size_t ix0 = ox * stride - pad_left, ix1 = ix0 + stride;
      UNROLL for (int ky = 0; ky < KH; ky++) {
        UNROLL for (int kx = 0; kx < KW; kx++) {
          const float *p0 = rows[ky] + (ix0 + (size_t)kx) * c, *p1 = rows[ky] + (ix1 + (size_t)kx) * c;
          UNROLL for (int v = 0; v < NV; v++) {
            a0[v] = vfmaq_f32(a0[v], ldv(p0, v, PART, n), wv[ky * KW + kx][v]);
            a1[v] = vfmaq_f32(a1[v], ldv(p1, v, PART, n), wv[ky * KW + kx][v]);
          }
        }
      }
      UNROLL for (int v = 0; v < NV; v++) {
        stv(y + ox * c, v, epi_q(a0[v], ep), PART, n);
        stv(y + (ox + 1) * c, v, epi_q(a1[v], ep), PART, n);
      }
    }
  }
  for (; ox < ox1; ox++) {
    float32x4_t acc[2];
    UNROLL for (int v = 0; v < NV; v++) acc[v] = bias[v];
    const ptrdiff_t ix0 = (ptrdiff_t)(ox * stride) - (ptrdiff_t)pad_left;
    UNROLL for (int ky = 0; ky < KH; ky++) {
      UNROLL for (int kx = 0; kx < KW; kx++) {
        const ptrdiff_t ix = ix0 + kx;
        if (EDGE && (ix < 0 || ix >= (ptrdiff_t)iw)) continue;
        const float *p = rows[ky] + ix * (ptrdiff_t)c;
        UNROLL for (int v = 0; v < NV; v++) acc[v] = vfmaq_f32(acc[v], ldv(p, v, PART, n), wv[ky * KW + kx][v]);
      }
    }
    UNROLL for (int v = 0; v < NV; v++) stv(y + ox * c, v, epi_q(acc[v], ep), PART, n);
  }
}

/* One channel block: rows / y already offset to its first channel, w to
 * its first lane inside the packed 8-channel block. */
INL void block(const int KH, const int KW, const int NV, const bool PART, size_t n, const float *const *rows,
               const float *w, float *y, size_t c, size_t ow, size_t iw, size_t stride, size_t pad_left, size_t lo,
               size_t hi, const enn_f32_epi *ep) {
  float32x4_t wv[25][2], bias[2];
  UNROLL for (int v = 0; v < NV; v++) bias[v] = vld1q_f32(w + 4 * v);
  UNROLL for (int t = 0; t < KH * KW; t++) {
    UNROLL for (int v = 0; v < NV; v++) wv[t][v] = vld1q_f32(w + CR * (1 + t) + 4 * v);
  }
  const float32x4_t(*cwv)[2] = (const float32x4_t(*)[2])wv;
  sweep(KH, KW, NV, true, PART, n, rows, cwv, bias, y, c, 0, lo, iw, stride, pad_left, ep);
  sweep(KH, KW, NV, false, PART, n, rows, cwv, bias, y, c, lo, hi, iw, stride, pad_left, ep);
  sweep(KH, KW, NV, true, PART, n, rows, cwv, bias, y, c, hi, ow, iw, stride, pad_left, ep);
}

INL void dw_tpl(const int KH, const int KW, const float *const *rows, const float *w, float *y, size_t c, size_t ow,
                size_t iw, size_t stride, size_t pad_left, const enn_f32_epi *ep) {
  /* Interior: ox*stride >= pad_left and ox*stride - pad_left + KW - 1 < iw. */
  size_t lo = (pad_left + stride - 1) / stride, hi = 0;
  if (iw + pad_left >= (size_t)KW) hi = (iw + pad_left - (size_t)KW) / stride + 1;
  if (hi > ow) hi = ow;
  if (lo > hi) lo = hi;
  const size_t wblock = CR * (1 + (size_t)(KH * KW));
  const float *r[5];
  size_t cb = 0;
  for (; cb + CR <= c; cb += CR, w += wblock) {
    UNROLL for (int ky = 0; ky < KH; ky++) r[ky] = rows[ky] + cb;
    block(KH, KW, 2, false, 4, r, w, y + cb, c, ow, iw, stride, pad_left, lo, hi, ep);
  }
  if (cb < c && c - cb >= 4) { /* lanes 0..3 of the last packed block */
    UNROLL for (int ky = 0; ky < KH; ky++) r[ky] = rows[ky] + cb;
    block(KH, KW, 1, false, 4, r, w, y + cb, c, ow, iw, stride, pad_left, lo, hi, ep);
    cb += 4;
    w += 4;
  }
  if (cb < c) { /* 1..3 channels: lanes 0..2 or 4..6 of the last packed block */
    UNROLL for (int ky = 0; ky < KH; ky++) r[ky] = rows[ky] + cb;
    block(KH, KW, 1, true, c - cb, r, w, y + cb, c, ow, iw, stride, pad_left, lo, hi, ep);
  }
}

void enn_f32_dwconv_3x3__neon(const float *const *rows, const float *w, float *y, size_t c, size_t ow, size_t iw,
                              size_t stride, size_t pad_left, const enn_f32_epi *ep) {
  dw_tpl(3, 3, rows, w, y, c, ow, iw, stride, pad_left, ep);
}

void enn_f32_dwconv_5x5__neon(const float *const *rows, const float *w, float *y, size_t c, size_t ow, size_t iw,
                              size_t stride, size_t pad_left, const enn_f32_epi *ep) {
  dw_tpl(5, 5, rows, w, y, c, ow, iw, stride, pad_left, ep);
}

#endif
