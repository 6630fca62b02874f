/*
 * int8 depthwise convolution, KH x KW (3x3, 5x5), any stride, baseline
 * AArch64 NEON (enn_qs8_dwconv_{3x3,5x5}__neon); the contract is kernels.h
 * QS8_DWCONV, the weights enn_qs8_pack_dwconv's NEON layout
 * (arm/qs8_neon.h: per block of 16 channels the biases, m, l, -e, then per
 * tap 16 int16 weights w - w_zp).
 *
 * One call computes one output row, NHWC, 16 channels per block in four
 * int32x4 accumulators. For each block the biases and the requantisation
 * constants are loaded once, then the row's output pixels are swept left
 * to right: per tap the 16 input bytes are sign-extended to int16
 * (vmovl_s8) and multiplied by the tap's int16 weights with vmlal_s16
 * (exact products, wrapping int32 sums as the reference). Vertical
 * padding is the caller's row of x_zp bytes; horizontal padding splits the
 * sweep into a left edge, an interior where every tap is inside the row
 * (no test per tap) and a right edge, where a column outside the row
 * reads x_zp (whose products the packed bias correction cancels). The
 * sums are requantised exactly as enn_requantize (arm/qs8_neon.h),
 * narrowed with saturation and clamped in int8. The last block (c % 16
 * channels) goes through a 16-byte copy in and out, so nothing past a row
 * is read or written.
 */
#include "kernels/kernels.h"

#if ENN_KERNELS_ARM64
#include <arm_neon.h>
#include <string.h>

#include "kernels/arm/qs8_neon.h"

#define INL static inline __attribute__((always_inline))
#define UNROLL _Pragma("GCC unroll 32")
#define CR QN_NR

typedef struct blk {
  int32x4_t bias[4], m[4], l[4], ne[4], yzp;
  int8x16_t lo, hi, xzp;
  size_t n; /* channels of this block (CR, or fewer in the last) */
  int ls;
} blk;

INL int8x16_t ldx(const int8_t *p, const blk *b, bool masked) {
  if (!masked) return vld1q_s8(p);
  int8_t t[16] = {0};
  memcpy(t, p, b->n);
  return vld1q_s8(t);
}

INL void mac(int32x4_t *acc, int8x16_t x, const int16_t *w) {
  const int16x8_t x0 = vmovl_s8(vget_low_s8(x)), x1 = vmovl_high_s8(x);
  const int16x8_t w0 = vld1q_s16(w), w1 = vld1q_s16(w + 8);
  acc[0] = vmlal_s16(acc[0], vget_low_s16(x0), vget_low_s16(w0));
  acc[1] = vmlal_high_s16(acc[1], x0, w0);
  acc[2] = vmlal_s16(acc[2], vget_low_s16(x1), vget_low_s16(w1));
  acc[3] = vmlal_high_s16(acc[3], x1, w1);
}

INL void store(int8_t *y, const int32x4_t *acc, const blk *b, bool masked) {
  int32x4_t r[4];
  UNROLL for (int v = 0; v < 4; v++) r[v] = qn_mbqm(acc[v], b->m[v], b->l[v], b->ne[v], b->ls);
  const int8x16_t o = qn_narrow16(r[0], r[1], r[2], r[3], b->yzp, b->lo, b->hi);
  qn_store(y, o, masked ? b->n : CR);
}

INL void sweep(const int KH, const int KW, const bool EDGE, const bool MASKED, const blk *b,
               const int8_t *const *rows, const int16_t *wt, int8_t *y, size_t c, size_t ox0, size_t ox1, size_t iw,
               size_t stride, size_t pad_left) {
  for (size_t ox = ox0; ox < ox1; ox++) {
    int32x4_t acc[4] = {b->bias[0], b->bias[1], b->bias[2], b->bias[3]};
    const ptrdiff_t ix0 = (ptrdiff_t)(ox * stride) - (ptrdiff_t)pad_left;
    UNROLL for (int ky = 0; ky < KH; ky++) {
      UNROLL for (int kx = 0; kx < KW; kx++) {
        const ptrdiff_t ix = ix0 + kx;
        int8x16_t x;
        if (EDGE && (ix < 0 || ix >= (ptrdiff_t)iw)) x = b->xzp;
        else x = ldx(rows[ky] + ix * (ptrdiff_t)c, b, MASKED);
        mac(acc, x, wt + (size_t)(ky * KW + kx) * CR);
      }
    }
    store(y + ox * c, acc, b, MASKED);
  }
}

INL void dw_impl(const int KH, const int KW, const int8_t *const *rows, const void *wp, int8_t *y, size_t c, size_t ow,
                 size_t iw, size_t stride, size_t pad_left, int32_t x_zp, const enn_qs8_epi *ep) {
  /* Interior: ox*stride >= pad_left and ox*stride - pad_left + KW - 1 < iw. */
  size_t lo = (pad_left + stride - 1) / stride, hi = 0;
  if (iw + pad_left >= (size_t)KW) hi = (iw + pad_left - (size_t)KW) / stride + 1;
  if (hi > ow) hi = ow;
  if (lo > hi) lo = hi;
  const size_t wblock = CR * 4 * QDW_HDR_NEON + (size_t)(KH * KW) * CR * 2; /* bytes */
  const unsigned char *w = wp;
  blk b;
  b.yzp = vdupq_n_s32(ep->y_zp);
  b.xzp = vdupq_n_s8((int8_t)x_zp);
  b.lo = vdupq_n_s8((int8_t)ep->lo);
  b.hi = vdupq_n_s8((int8_t)ep->hi);
  b.ls = (ep->flags & ENN_QS8_EPI_LSHIFT) != 0;
  for (size_t cb = 0; cb < c; cb += CR, w += wblock) {
    const int8_t *r[5];
    UNROLL for (int ky = 0; ky < KH; ky++) r[ky] = rows[ky] + cb;
    const int32_t *h = (const int32_t *)(const void *)w;
    UNROLL for (int v = 0; v < 4; v++) {
      b.bias[v] = vld1q_s32(h + 4 * v);
      b.m[v] = vld1q_s32(h + CR + 4 * v);
      b.l[v] = vld1q_s32(h + 2 * CR + 4 * v);
      b.ne[v] = vld1q_s32(h + 3 * CR + 4 * v);
    }
    const int16_t *wt = (const int16_t *)(const void *)(w + CR * 4 * QDW_HDR_NEON);
    int8_t *yb = y + cb;
    if (cb + CR <= c) {
      b.n = CR;
      sweep(KH, KW, true, false, &b, r, wt, yb, c, 0, lo, iw, stride, pad_left);
      sweep(KH, KW, false, false, &b, r, wt, yb, c, lo, hi, iw, stride, pad_left);
      sweep(KH, KW, true, false, &b, r, wt, yb, c, hi, ow, iw, stride, pad_left);
    } else {
      b.n = c - cb;
      sweep(KH, KW, true, true, &b, r, wt, yb, c, 0, ow, iw, stride, pad_left);
    }
  }
}

void enn_qs8_dwconv_3x3__neon(const int8_t *const *rows, const void *w, int8_t *y, size_t c, size_t ow, size_t iw,
                              size_t stride, size_t pad_left, int32_t x_zp, const enn_qs8_epi *ep) {
  dw_impl(3, 3, rows, w, y, c, ow, iw, stride, pad_left, x_zp, ep);
}

void enn_qs8_dwconv_5x5__neon(const int8_t *const *rows, const void *w, int8_t *y, size_t c, size_t ow, size_t iw,
                              size_t stride, size_t pad_left, int32_t x_zp, const enn_qs8_epi *ep) {
  dw_impl(5, 5, rows, w, y, c, ow, iw, stride, pad_left, x_zp, ep);
}

#endif
