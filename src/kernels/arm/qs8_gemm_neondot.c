/*
 * int8 GEMM and indirect-GEMM microkernels with the ARMv8.2 dot product
 * (enn_qs8_gemm_4x16__neondot, enn_qs8_igemm_4x16__neondot; this file
 * alone is compiled with -march=armv8.2-a+dotprod, and the table tags the
 * entries ENN_ISA_NEONDOT so they run only where the CPU reports asimddp).
 * Contract in kernels.h; panel layout in arm/qs8_neon.h (the NEON header,
 * then int8 weights: per group of 4 channels, column j's 4 channels at
 * bytes 4j..4j+3 of a 64-byte block).
 *
 * sdot (vdotq_s32) adds to each int32 lane the four exact int8 x int8
 * products of its 4-byte groups: a row's 4 channels, broadcast to every
 * lane, against 4 columns' 4 channels; int32 accumulation wraps modulo
 * 2^32 as the reference's. Both operands are signed, so the packed bias
 * holds b - x_zp * sum w (as the plain NEON kernel's) and a padding row
 * of x_zp bytes gives exactly the reference's zero contribution. A tail
 * of 1-3 channels is assembled byte by byte (never reading past a row).
 *
 * Tiling: MR x NR = 4 x 16 (16 accumulators, 4 weight vectors per group).
 * Requantisation as qs8_gemm_neon.c (arm/qs8_neon.h), bit-exact with
 * enn_requantize.
 */
#include "kernels/kernels.h"

#if ENN_KERNELS_ARM64 && defined(__ARM_FEATURE_DOTPROD)
#include <arm_neon.h>
#include <string.h>

#include "kernels/arm/qs8_neon.h"

#define INL static inline __attribute__((always_inline))
#define UNROLL _Pragma("GCC unroll 16")
#define MR 4
#define NR QN_NR

/* A row's 4 channels in every 32-bit lane. */
INL int8x16_t bcast4(const int8_t *p) {
  int32_t v;
  memcpy(&v, p, sizeof v);
  return vreinterpretq_s8_s32(vdupq_n_s32(v));
}

INL int8x16_t tail4(const int8_t *p, size_t rem) {
  uint32_t v = (uint8_t)p[0];
  if (rem > 1) v |= (uint32_t)(uint8_t)p[1] << 8;
  if (rem > 2) v |= (uint32_t)(uint8_t)p[2] << 16;
  return vreinterpretq_s8_u32(vdupq_n_u32(v));
}

INL void group(const int R, int32x4_t acc[MR][4], const int8x16_t *x, const int8_t *wk) {
  const int8x16_t w0 = vld1q_s8(wk), w1 = vld1q_s8(wk + 16), w2 = vld1q_s8(wk + 32), w3 = vld1q_s8(wk + 48);
  UNROLL for (int i = 0; i < R; i++) {
    acc[i][0] = vdotq_s32(acc[i][0], w0, x[i]);
    acc[i][1] = vdotq_s32(acc[i][1], w1, x[i]);
    acc[i][2] = vdotq_s32(acc[i][2], w2, x[i]);
    acc[i][3] = vdotq_s32(acc[i][3], w3, x[i]);
  }
}

/* One panel (16 columns, ncol of them stored) for R rows (R <= MR). */
INL void panel(const int R, const int8_t *const *a, size_t ks, size_t kc, const unsigned char *w, int8_t *c,
               size_t c_stride, size_t mr, size_t ncol, const enn_qs8_epi *ep) {
  int32x4_t acc[MR][4];
  const int32_t *bias = (const int32_t *)(const void *)(w + QN_OFF_BIAS);
  UNROLL for (int i = 0; i < R; i++) UNROLL for (int v = 0; v < 4; v++) acc[i][v] = vld1q_s32(bias + 4 * v);
  const int8_t *wk = (const int8_t *)(const void *)(w + QN_HDR_BYTES);
  const size_t kfull = kc & ~(size_t)3;
  for (size_t t = 0; t < ks; t++) {
    const int8_t *p[MR];
    UNROLL for (int i = 0; i < R; i++) p[i] = a[t * MR + (size_t)i];
    for (size_t k = 0; k < kfull; k += 4, wk += 4 * NR) {
      int8x16_t x[MR];
      UNROLL for (int i = 0; i < R; i++) x[i] = bcast4(p[i] + k);
      group(R, acc, x, wk);
    }
    if (kc & 3) {
      int8x16_t x[MR];
      UNROLL for (int i = 0; i < R; i++) x[i] = tail4(p[i] + kfull, kc & 3);
      group(R, acc, x, wk);
      wk += 4 * NR;
    }
  }
  qn_requant_rows(R, acc, w, c, c_stride, mr, ncol, ep);
}

INL void tile(const int R, size_t mr, size_t nc, size_t kc, size_t ks, const int8_t *const *a,
              const unsigned char *w, int8_t *c, size_t c_stride, const enn_qs8_epi *ep) {
  const size_t pstride = QN_HDR_BYTES + ks * ((kc + 3) & ~(size_t)3) * NR;
  for (; nc > 0; w += pstride, c += NR) {
    const size_t ncol = nc < NR ? nc : NR;
    panel(R, a, ks, kc, w, c, c_stride, mr, ncol, ep);
    nc -= ncol;
  }
}

static void rows(size_t mr, size_t nc, size_t kc, size_t ks, const int8_t *const *a, const unsigned char *w, int8_t *c,
                 size_t c_stride, const enn_qs8_epi *ep) {
  if (mr == 1) tile(1, mr, nc, kc, ks, a, w, c, c_stride, ep);
  else if (mr == 2) tile(2, mr, nc, kc, ks, a, w, c, c_stride, ep);
  else tile(MR, mr, nc, kc, ks, a, w, c, c_stride, ep);
}

void enn_qs8_gemm_4x16__neondot(size_t mr, size_t nc, size_t kc, const int8_t *a, size_t a_stride, const void *w,
                                int8_t *c, size_t c_stride, const enn_qs8_epi *ep) {
  const int8_t *ap[MR];
  for (size_t i = 0; i < MR; i++) ap[i] = a + (i < mr ? i : mr - 1) * a_stride;
  rows(mr, nc, kc, 1, ap, w, c, c_stride, ep);
}

void enn_qs8_igemm_4x16__neondot(size_t mr, size_t nc, size_t kc, size_t ks, const int8_t *const *a, const void *w,
                                 int8_t *c, size_t c_stride, const enn_qs8_epi *ep) {
  rows(mr, nc, kc, ks, a, w, c, c_stride, ep);
}

#endif
