/*
 * The int8 requantisation in NEON and the packed layouts of the NEON int8
 * kernels (qs8_gemm_neon.c, qs8_dwconv_neon.c), shared with the packers
 * (kernels/qs8_pack.c, kernels/qs8_pack_dw.c).
 *
 * enn_requantize (quant/requant.h) of acc with multiplier m, left shift
 * l = max(shift, 0) and right shift e = max(-shift, 0), four lanes at once:
 *   x = vshlq_s32(acc, l)          32-bit shift left, wrapping
 *   s = vqrdmulhq_s32(x, m)        saturate((2 x m + 2^31) >> 32)
 *                                  = floor((x m + 2^30) / 2^31): exactly
 *                                  SaturatingRoundingDoublingHighMul, the
 *                                  INT32_MIN * INT32_MIN saturation included
 *   s' = s + (s < 0 && e > 0 ? -1 : 0)   (saturating add: the fix-up)
 *   r = vrshlq_s32(s', -e)         floor((s' + 2^(e-1)) / 2^e), computed
 *                                  without overflow, s' for e = 0
 * vrshl rounds ties up; the -1 for negative s turns that into the
 * round-half-away-from-zero of RoundingDivideByPOT: for s = q 2^e + rem
 * (0 <= rem < 2^e), floor((s - 1 + 2^(e-1)) / 2^e) = q + [rem >= 2^(e-1) + 1],
 * which is requant.h's q + [rem > (2^e - 1) >> 1 + 1]. (The saturating add
 * only changes s = INT32_MIN, whose quotient it does not change.) The
 * fix-up is vshrq_n_s32(vandq_s32(s, -e), 31): the sign bit of s where the
 * shift vector -e is negative.
 * Then y = clamp(r + y_zp, lo, hi): the sum wraps (vaddq_s32, as requant.h),
 * is narrowed to int8 with signed saturation (vqmovn) and clamped in int8
 * (the same result, -128 <= lo <= hi <= 127).
 *
 * GEMM / IGEMM panel (NR = 16 columns), byte offsets from the panel start:
 *   +0   int32 bias[16]   b - x_zp * sum w (x_zp folded in; kernels.h)
 *   +64  int32 m[16]
 *   +128 int32 l[16]
 *   +192 int32 -e[16]
 *   +256 the weights, int16: per tap, per group of 4 channels (kc rounded
 *        up to 4, zero-filled), per channel q of the group, the 16
 *        columns' weights (32 bytes; 0 past n).
 *        The dot-product kernels (qs8_gemm_neondot.c, tag ENN_ISA_NEONDOT)
 *        have the same header and int8 weights: per tap, per group of 4
 *        channels, 64 bytes, column j's 4 channels at bytes 4j..4j+3.
 *
 * Depthwise block (nr = 16 channels): vectors of nr int32 lanes:
 * 0 bias', 1 m, 2 l, 3 -e (QDW_HDR_NEON vectors), then per tap t < kh*kw
 * (row-major) nr int16 weights w' = w - w_zp (in [-255, 255]).
 */
#ifndef ENN_KERNELS_ARM_QS8_NEON_H
#define ENN_KERNELS_ARM_QS8_NEON_H

#include <stddef.h>
#include <stdint.h>

#include "kernels/kernels.h"

#define QN_NR 16
#define QN_OFF_BIAS 0
#define QN_OFF_M 64
#define QN_OFF_L 128
#define QN_OFF_NE 192
#define QN_HDR_BYTES 256

#define QDW_HDR_NEON 4

#if defined(__aarch64__) && defined(__ARM_NEON)
#include <arm_neon.h>

#define QN_INL static inline __attribute__((always_inline))

/* MBQM(acc, m, shift) per lane; l = left shifts, ne = -right shifts; ls:
 * some lane has l > 0 (ENN_QS8_EPI_LSHIFT). */
QN_INL int32x4_t qn_mbqm(int32x4_t acc, int32x4_t m, int32x4_t l, int32x4_t ne, int ls) {
  const int32x4_t x = ls ? vshlq_s32(acc, l) : acc;
  const int32x4_t s = vqrdmulhq_s32(x, m);
  const int32x4_t fix = vshrq_n_s32(vandq_s32(s, ne), 31);
  return vrshlq_s32(vqaddq_s32(s, fix), ne);
}

/* clamp(r + y_zp, lo, hi) of 16 lanes as 16 bytes. */
QN_INL int8x16_t qn_narrow16(int32x4_t r0, int32x4_t r1, int32x4_t r2, int32x4_t r3, int32x4_t zp, int8x16_t lo,
                             int8x16_t hi) {
  const int16x8_t h0 = vcombine_s16(vqmovn_s32(vaddq_s32(r0, zp)), vqmovn_s32(vaddq_s32(r1, zp)));
  const int16x8_t h1 = vcombine_s16(vqmovn_s32(vaddq_s32(r2, zp)), vqmovn_s32(vaddq_s32(r3, zp)));
  const int8x16_t b = vcombine_s8(vqmovn_s16(h0), vqmovn_s16(h1));
  return vminq_s8(vmaxq_s8(b, lo), hi);
}

/* Stores the first n (<= 16) bytes of v. */
QN_INL void qn_store(int8_t *c, int8x16_t v, size_t n) {
  if (n >= 16) {
    vst1q_s8(c, v);
    return;
  }
  int8_t tmp[16];
  vst1q_s8(tmp, v);
  for (size_t j = 0; j < n; j++) c[j] = tmp[j];
}
/* The GEMM panel epilogue shared by the NEON and NEON-dot kernels: rows
 * i < min(R, mr) of the int32 accumulators acc[i][0..3] (16 columns), plus
 * ep->row_off[i] when set (kernels.h), are
 * requantised with panel w's per-column constants and ep, and their first
 * ncol bytes stored at c + i*c_stride. ep is read before any store (c is
 * int8_t, so its stores may alias *ep). */
QN_INL void qn_requant_rows(const int R, int32x4_t (*acc)[4], const unsigned char *w, int8_t *c, size_t c_stride,
                            size_t mr, size_t ncol, const enn_qs8_epi *ep) {
  const int ls = (ep->flags & ENN_QS8_EPI_LSHIFT) != 0;
  const int32x4_t zp = vdupq_n_s32(ep->y_zp);
  const int8x16_t lo = vdupq_n_s8((int8_t)ep->lo), hi = vdupq_n_s8((int8_t)ep->hi);
  const int32_t *m = (const int32_t *)(const void *)(w + QN_OFF_M);
  const int32_t *l = (const int32_t *)(const void *)(w + QN_OFF_L);
  const int32_t *ne = (const int32_t *)(const void *)(w + QN_OFF_NE);
  if (ep->row_off) { /* a folded weight zero point (kernels.h), added before any store */
    _Pragma("GCC unroll 16") for (int i = 0; i < R; i++) {
      if ((size_t)i >= mr) break;
      const int32x4_t o = vdupq_n_s32(ep->row_off[i]);
      _Pragma("GCC unroll 4") for (int v = 0; v < 4; v++) acc[i][v] = vaddq_s32(acc[i][v], o);
    }
  }
  int32x4_t vm[4], vl[4], vne[4];
  _Pragma("GCC unroll 4") for (int v = 0; v < 4; v++) {
    vm[v] = vld1q_s32(m + 4 * v);
    vl[v] = vld1q_s32(l + 4 * v);
    vne[v] = vld1q_s32(ne + 4 * v);
  }
  _Pragma("GCC unroll 16") for (int i = 0; i < R; i++) {
    if ((size_t)i >= mr) break;
    int32x4_t r[4];
    _Pragma("GCC unroll 4") for (int v = 0; v < 4; v++) r[v] = qn_mbqm(acc[i][v], vm[v], vl[v], vne[v], ls);
    qn_store(c + (size_t)i * c_stride, qn_narrow16(r[0], r[1], r[2], r[3], zp, lo, hi), ncol);
  }
}
#endif

#endif
