/*
 * f16-weight GEMM, AArch64 with ARMv8.2 half-precision arithmetic
 * (FPHP + ASIMDHP; this file is compiled with -march=armv8.2-a+fp16 and
 * is offered only to CPUs reporting ENN_CPU_FPHP: kernel tag
 * ENN_ISA_NEONFP16).
 *
 * Contract: the f32 GEMM's (kernels.h) with half-precision weights:
 *   c[i, j] = epi( bias[j] + sum_{k < kc} h(a[i*a_stride + k]) * w[k, j] )
 * where h() rounds the f32 activation to binary16 (nearest even, FCVT) as
 * the tile is read, and w is enn_f16_pack_gemm's layout: per panel of 8
 * columns, 8 f32 biases then kc rows of 8 halves (0 past n).
 *
 * Accumulation: pure f16 accumulation over a deep K loses about
 * log2(K) bits of the 11 and overflows past 65504, so the sum is blocked:
 * the products of KB = 16 consecutive k are accumulated in half precision
 * (FMLA .8h, one rounding per step, lane-indexed A so no broadcast), and
 * each block's partial sum is widened to f32 (FCVTL) and added to f32
 * accumulators that start at the bias. Per output the error against the
 * exact sum of the rounded operands is therefore at most about
 * (KB + 1) * 2^-11 * S_blk + K * 2^-24 * S with S = sum |a w| (one f16
 * rounding per block step, one f32 rounding per block add), plus
 * underflow of products below 2^-24 in f16 (absolute 2^-25 each).
 * A block sum beyond 65504 in magnitude overflows to inf: the kernel is
 * for activations and weights of ordinary CNN ranges, not general data.
 *
 * Tiling: 6 rows x 8 columns (one .8h accumulator per row, 6 + 12 f32
 * accumulators), k unrolled by four (four A values converted with one
 * FCVTN, four weight rows of 8 halves); one row (batch-1 fully-connected)
 * runs a one-row tile. Rows past mr re-read and re-store row mr - 1.
 */
#include "kernels/kernels.h"

#if ENN_KERNELS_ARM64
#include <string.h>

#include "kernels/arm/epi_neon.h"

#define INL ENN_NEON_INL
#define UNROLL _Pragma("GCC unroll 32")
#define NR 8
#define MAXMR 6
#define KB 16 /* k per half-precision block (a multiple of 4) */

size_t enn_f16_pack_gemm_bytes(int64_t n, int64_t kdim) {
  const size_t panels = (size_t)((n + NR - 1) / NR);
  return panels * (NR * sizeof(float) + (size_t)kdim * NR * sizeof(uint16_t));
}

void enn_f16_pack_gemm(int64_t n, int64_t kdim, int64_t w_stride, const uint16_t *w, const float *b, void *out) {
  uint8_t *p = (uint8_t *)out;
  for (int64_t j0 = 0; j0 < n; j0 += NR) {
    for (int64_t j = 0; j < NR; j++) {
      const float v = (b && j0 + j < n) ? b[j0 + j] : 0.0f;
      memcpy(p, &v, sizeof v);
      p += sizeof v;
    }
    for (int64_t k = 0; k < kdim; k++) {
      for (int64_t j = 0; j < NR; j++) {
        const uint16_t h = j0 + j < n ? w[(j0 + j) * w_stride + k] : (uint16_t)0;
        memcpy(p, &h, sizeof h);
        p += sizeof h;
      }
    }
  }
}

/* k step L of four: weight row L, A lane L. */
#define KSTEP(L)                                                                           \
  do {                                                                                     \
    const float16x8_t wv = vld1q_f16(wk + (L) * NR);                                        \
    UNROLL for (int i = 0; i < MR; i++) acc[i] = vfmaq_lane_f16(acc[i], wv, av[i], L);    \
  } while (0)

/* One panel (8 packed columns, ncol of them stored) for MR rows. */
INL void panel(const int MR, const float *const *ap, size_t kc, const uint8_t *wp, float *const *cp, size_t ncol,
               const enn_f32_epi *ep) {
  const float *bias = (const float *)(const void *)wp;
  const float16_t *wk = (const float16_t *)(const void *)(wp + NR * sizeof(float));
  float32x4_t lo[MAXMR], hi[MAXMR];
  UNROLL for (int i = 0; i < MR; i++) {
    lo[i] = vld1q_f32(bias);
    hi[i] = vld1q_f32(bias + 4);
  }
  size_t k = 0;
  while (k < kc) {
    const size_t kend = kc - k > KB ? k + KB : kc;
    float16x8_t acc[MAXMR];
    UNROLL for (int i = 0; i < MR; i++) acc[i] = vdupq_n_f16((float16_t)0.0f);
    for (; k + 4 <= kend; k += 4, wk += 4 * NR) {
      float16x4_t av[MAXMR];
      UNROLL for (int i = 0; i < MR; i++) av[i] = vcvt_f16_f32(vld1q_f32(ap[i] + k));
      KSTEP(0);
      KSTEP(1);
      KSTEP(2);
      KSTEP(3);
    }
    for (; k < kend; k++, wk += NR) {
      const float16x8_t wv = vld1q_f16(wk);
      UNROLL for (int i = 0; i < MR; i++) acc[i] = vfmaq_f16(acc[i], wv, vdupq_n_f16((float16_t)ap[i][k]));
    }
    UNROLL for (int i = 0; i < MR; i++) {
      lo[i] = vaddq_f32(lo[i], vcvt_f32_f16(vget_low_f16(acc[i])));
      hi[i] = vaddq_f32(hi[i], vcvt_high_f32_f16(acc[i]));
    }
  }
  UNROLL for (int i = MR - 1; i >= 0; i--) {
    if (ncol >= NR) {
      vst1q_f32(cp[i], epi_q(lo[i], ep));
      vst1q_f32(cp[i] + 4, epi_q(hi[i], ep));
    } else if (ncol > 4) {
      vst1q_f32(cp[i], epi_q(lo[i], ep));
      st_part(cp[i] + 4, epi_q(hi[i], ep), ncol - 4);
    } else {
      st_part(cp[i], epi_q(lo[i], ep), ncol);
    }
  }
}

INL void tile(const int MR, size_t mr, size_t nc, size_t kc, const float *a, size_t a_stride, const uint8_t *w,
              float *c, size_t c_stride, const enn_f32_epi *ep) {
  const float *ap[MAXMR];
  float *cp[MAXMR];
  UNROLL for (int i = 0; i < MR; i++) {
    const size_t r = (size_t)i < mr ? (size_t)i : mr - 1;
    ap[i] = a + r * a_stride;
    cp[i] = c + r * c_stride;
  }
  const size_t pstride = NR * sizeof(float) + kc * NR * sizeof(uint16_t);
  for (; nc >= NR; nc -= NR, w += pstride) {
    panel(MR, ap, kc, w, cp, NR, ep);
    UNROLL for (int i = 0; i < MR; i++) cp[i] += NR;
  }
  if (nc) panel(MR, ap, kc, w, cp, nc, ep);
}

void enn_f16_gemm_minmax_6x8__neonfp16(size_t mr, size_t nc, size_t kc, const float *a, size_t a_stride,
                                        const void *w, float *c, size_t c_stride, const enn_f32_epi *ep) {
  if (mr == 1) tile(1, 1, nc, kc, a, a_stride, (const uint8_t *)w, c, c_stride, ep);
  else tile(MAXMR, mr, nc, kc, a, a_stride, (const uint8_t *)w, c, c_stride, ep);
}

#endif
