/*
 * int8 GEMM and indirect-GEMM microkernels, baseline AArch64 NEON
 * (enn_qs8_gemm_4x16__neon, enn_qs8_igemm_4x16__neon; contract in
 * kernels.h).
 *
 * Exact products: a group of 4 channels of a row is loaded as 4 bytes and
 * sign-extended to int16 (vmovl_s8); the weights are packed as int16
 * (qs8_pack.c, layout in arm/qs8_neon.h), 16 columns per channel, and
 * vmlal_lane_s16 / vmlal_high_lane_s16 multiply each column's weight by
 * one channel of the row and add the exact int32 product to the column's
 * accumulator (wrapping, as the reference's modulo-2^32 sum). The packed
 * bias holds b - x_zp * sum_k w, so the raw activation bytes (and a
 * padding row of x_zp bytes) give the reference accumulator exactly. A
 * tail of 1-3 channels is assembled byte by byte (never reading past the
 * row); its missing channels meet zero weights.
 *
 * Tiling: MR x NR = 4 x 16: 16 int32x4 accumulators, 8 weight vectors
 * per group, 4 activation vectors (28 of the 32 NEON registers). A panel
 * narrower than 16 columns computes all 16 (zero weights) and stores ncol.
 *
 * Requantisation in registers, exactly enn_requantize (arm/qs8_neon.h:
 * vqrdmulhq_s32, the sign fix-up, vrshlq_s32), + zero point, signed
 * saturating narrowing, clamp.
 */
#include "kernels/kernels.h"

#if ENN_KERNELS_ARM64
#include <arm_neon.h>
#include <string.h>

#include "kernels/arm/qs8_neon.h"

#define INL static inline __attribute__((always_inline))
#define UNROLL _Pragma("GCC unroll 16")
#define MR 4
#define NR QN_NR

/* 4 channels of a row as int16 lanes 0..3. */
INL int16x4_t load4(const int8_t *p) {
  int32_t v;
  memcpy(&v, p, sizeof v);
  return vget_low_s16(vmovl_s8(vreinterpret_s8_s32(vdup_n_s32(v))));
}

INL int16x4_t tail4(const int8_t *p, size_t rem) {
  uint32_t v = (uint8_t)p[0];
  if (rem > 1) v |= (uint32_t)(uint8_t)p[1] << 8;
  if (rem > 2) v |= (uint32_t)(uint8_t)p[2] << 16;
  return vget_low_s16(vmovl_s8(vreinterpret_s8_u32(vdup_n_u32(v))));
}

/* acc[0..3] += x[Q] * the 16 weights of channel Q (w0: columns 0-7, w1: 8-15). */
#define MAC(acc, x, w0, w1, Q)                                                                                         \
  do {                                                                                                                 \
    (acc)[0] = vmlal_lane_s16((acc)[0], vget_low_s16(w0), (x), Q);                                                     \
    (acc)[1] = vmlal_high_lane_s16((acc)[1], (w0), (x), Q);                                                            \
    (acc)[2] = vmlal_lane_s16((acc)[2], vget_low_s16(w1), (x), Q);                                                     \
    (acc)[3] = vmlal_high_lane_s16((acc)[3], (w1), (x), Q);                                                            \
  } while (0)

INL void group(const int R, int32x4_t acc[MR][4], const int16x4_t *x, const int16_t *wk) {
  const int16x8_t a0 = vld1q_s16(wk), a1 = vld1q_s16(wk + 8);
  const int16x8_t b0 = vld1q_s16(wk + 16), b1 = vld1q_s16(wk + 24);
  const int16x8_t c0 = vld1q_s16(wk + 32), c1 = vld1q_s16(wk + 40);
  const int16x8_t d0 = vld1q_s16(wk + 48), d1 = vld1q_s16(wk + 56);
  UNROLL for (int i = 0; i < R; i++) {
    MAC(acc[i], x[i], a0, a1, 0);
    MAC(acc[i], x[i], b0, b1, 1);
    MAC(acc[i], x[i], c0, c1, 2);
    MAC(acc[i], x[i], d0, d1, 3);
  }
}

/* One panel (16 columns, ncol of them stored) for R rows (R <= MR):
 * a = ks x MR row pointers, rows >= mr not stored. */
INL void panel(const int R, const int8_t *const *a, size_t ks, size_t kc, const unsigned char *w, int8_t *c,
               size_t c_stride, size_t mr, size_t ncol, const enn_qs8_epi *ep) {
  int32x4_t acc[MR][4];
  UNROLL for (int i = 0; i < R; i++) UNROLL for (int v = 0; v < 4; v++) acc[i][v] = vld1q_s32((const int32_t *)(const void *)(w + QN_OFF_BIAS) + 4 * v);
  const int16_t *wk = (const int16_t *)(const void *)(w + QN_HDR_BYTES);
  const size_t kfull = kc & ~(size_t)3;
  for (size_t t = 0; t < ks; t++) {
    const int8_t *p[MR];
    UNROLL for (int i = 0; i < R; i++) p[i] = a[t * MR + (size_t)i];
    for (size_t k = 0; k < kfull; k += 4, wk += 4 * NR) {
      int16x4_t x[MR];
      UNROLL for (int i = 0; i < R; i++) x[i] = load4(p[i] + k);
      group(R, acc, x, wk);
    }
    if (kc & 3) {
      int16x4_t x[MR];
      UNROLL for (int i = 0; i < R; i++) x[i] = tail4(p[i] + kfull, kc & 3);
      group(R, acc, x, wk);
      wk += 4 * NR;
    }
  }
  qn_requant_rows(R, acc, w, c, c_stride, mr, ncol, ep);
}

INL void tile(const int R, size_t mr, size_t nc, size_t kc, size_t ks, const int8_t *const *a,
              const unsigned char *w, int8_t *c, size_t c_stride, const enn_qs8_epi *ep) {
  const size_t pstride = QN_HDR_BYTES + ks * ((kc + 3) & ~(size_t)3) * NR * 2;
  for (; nc > 0; w += pstride, c += NR) {
    const size_t ncol = nc < NR ? nc : NR;
    panel(R, a, ks, kc, w, c, c_stride, mr, ncol, ep);
    nc -= ncol;
  }
}

/* Dispatch on the row count: 1, 2 or the full tile (the table's extra
 * rows repeat row mr - 1). */
static void rows(size_t mr, size_t nc, size_t kc, size_t ks, const int8_t *const *a, const unsigned char *w, int8_t *c,
                 size_t c_stride, const enn_qs8_epi *ep) {
  if (mr == 1) tile(1, mr, nc, kc, ks, a, w, c, c_stride, ep);
  else if (mr == 2) tile(2, mr, nc, kc, ks, a, w, c, c_stride, ep);
  else tile(MR, mr, nc, kc, ks, a, w, c, c_stride, ep);
}

void enn_qs8_gemm_4x16__neon(size_t mr, size_t nc, size_t kc, const int8_t *a, size_t a_stride, const void *w,
                             int8_t *c, size_t c_stride, const enn_qs8_epi *ep) {
  const int8_t *ap[MR];
  for (size_t i = 0; i < MR; i++) ap[i] = a + (i < mr ? i : mr - 1) * a_stride;
  rows(mr, nc, kc, 1, ap, w, c, c_stride, ep);
}

void enn_qs8_igemm_4x16__neon(size_t mr, size_t nc, size_t kc, size_t ks, const int8_t *const *a, const void *w,
                              int8_t *c, size_t c_stride, const enn_qs8_epi *ep) {
  rows(mr, nc, kc, ks, a, w, c, c_stride, ep);
}

#endif
