/*
 * f32 GEMM and indirect-GEMM microkernels, AArch64 NEON (baseline on
 * AArch64: no extra compiler flags).
 *
 * Tiling: a 6 x 8 block of C in 6 x 2 q-register accumulators (12 of the
 * 32 vector registers). The k loop is unrolled by four: each row's next
 * four A values are one q load, and each k step loads the packed weight
 * row (8 floats, two q loads) and issues 12 lane-indexed FMAs
 * (vfmaq_laneq_f32: the A value is taken from a lane, no broadcast
 * instruction), so a step is 12 FMAs against 2 + 6/4 loads with 6 + 2
 * registers in flight. The k remainder (kc % 4) broadcasts one A value
 * per row (ld1r). A last panel of at most 4 columns runs with one
 * accumulator per row; column tails are stored lane by lane.
 *
 * Numerics are those of the x86 kernels (f32_gemm_avx512.c): every
 * output element is bias + its K products accumulated in k order, one
 * rounding per FMA, whatever the tile, panel or thread split. Rows past
 * mr re-read and re-store row mr - 1 (identical values). With one row
 * (fully-connected layers at batch 1) four panels run together so eight
 * independent FMA chains hide the FMA latency.
 */
#include "kernels/kernels.h"

#if ENN_KERNELS_ARM64
#include "kernels/arm/epi_neon.h"

#define INL ENN_NEON_INL
#define UNROLL _Pragma("GCC unroll 32")
#define NR 8
#define MAXMR 6

/* One k step of the unrolled loop: weight row L of the four, A lane L. */
#define KSTEP(L)                                                                  \
  do {                                                                            \
    const float32x4_t w0 = vld1q_f32(wk + (L) * NR);                              \
    UNROLL for (int i = 0; i < MR; i++) acc[i][0] = vfmaq_laneq_f32(acc[i][0], w0, av[i], L); \
    if (NV == 2) {                                                                \
      const float32x4_t w1 = vld1q_f32(wk + (L) * NR + 4);                        \
      UNROLL for (int i = 0; i < MR; i++) acc[i][1] = vfmaq_laneq_f32(acc[i][1], w1, av[i], L); \
    }                                                                             \
  } while (0)

/* One panel (8 packed columns, ncol of them stored) for MR rows with NV
 * (1 or 2) accumulators per row. */
INL void panel(const int MR, const int NV, const float *const *a, size_t ks, size_t kc, const float *w,
               float *const *cp, size_t ncol, const enn_f32_epi *ep) {
  float32x4_t acc[MAXMR][2];
  UNROLL for (int i = 0; i < MR; i++) {
    UNROLL for (int v = 0; v < NV; v++) acc[i][v] = vld1q_f32(w + 4 * v);
  }
  const float *wk = w + NR;
  for (size_t t = 0; t < ks; t++) {
    const float *ap[MAXMR];
    UNROLL for (int i = 0; i < MR; i++) ap[i] = a[t * (size_t)MR + (size_t)i];
    size_t k = 0;
    for (; k + 4 <= kc; k += 4, wk += 4 * NR) {
      float32x4_t av[MAXMR];
      UNROLL for (int i = 0; i < MR; i++) av[i] = vld1q_f32(ap[i] + k);
      KSTEP(0);
      KSTEP(1);
      KSTEP(2);
      KSTEP(3);
    }
    for (; k < kc; k++, wk += NR) {
      UNROLL for (int i = 0; i < MR; i++) {
        const float32x4_t x = vld1q_dup_f32(ap[i] + k);
        UNROLL for (int v = 0; v < NV; v++) acc[i][v] = vfmaq_f32(acc[i][v], x, vld1q_f32(wk + 4 * v));
      }
    }
  }
  UNROLL for (int i = MR - 1; i >= 0; i--) {
    if (ncol >= (size_t)(4 * NV)) {
      UNROLL for (int v = 0; v < NV; v++) vst1q_f32(cp[i] + 4 * v, epi_q(acc[i][v], ep));
    } else if (NV == 2) { /* 5..7 columns */
      vst1q_f32(cp[i], epi_q(acc[i][0], ep));
      st_part(cp[i] + 4, epi_q(acc[i][1], ep), ncol - 4);
    } else {
      st_part(cp[i], epi_q(acc[i][0], ep), ncol);
    }
  }
}

INL void tile(const int MR, size_t mr, size_t nc, size_t kc, size_t ks, const float *const *a, const float *w, float *c,
              size_t c_stride, const enn_f32_epi *ep) {
  float *cp[MAXMR];
  UNROLL for (int i = 0; i < MR; i++) cp[i] = c + ((size_t)i < mr ? (size_t)i : mr - 1) * c_stride;
  const size_t pstride = NR + ks * kc * NR;
  for (; nc >= NR; nc -= NR, w += pstride) {
    panel(MR, 2, a, ks, kc, w, cp, NR, ep);
    UNROLL for (int i = 0; i < MR; i++) cp[i] += NR;
  }
  if (nc > 4) panel(MR, 2, a, ks, kc, w, cp, nc, ep);
  else if (nc) panel(MR, 1, a, ks, kc, w, cp, nc, ep);
}

/* One row: four panels at once (eight accumulators), then the rest. */
static void gemv(size_t nc, size_t kc, const float *a, const float *w, float *c, const enn_f32_epi *ep) {
  const size_t pstride = NR + kc * NR;
  for (; nc >= 4 * NR; nc -= 4 * NR, w += 4 * pstride, c += 4 * NR) {
    float32x4_t acc[8];
    UNROLL for (size_t p = 0; p < 4; p++) {
      acc[2 * p] = vld1q_f32(w + p * pstride);
      acc[2 * p + 1] = vld1q_f32(w + p * pstride + 4);
    }
    const float *wk = w + NR;
    for (size_t k = 0; k < kc; k++, wk += NR) {
      const float32x4_t x = vld1q_dup_f32(a + k);
      UNROLL for (size_t p = 0; p < 4; p++) {
        acc[2 * p] = vfmaq_f32(acc[2 * p], x, vld1q_f32(wk + p * pstride));
        acc[2 * p + 1] = vfmaq_f32(acc[2 * p + 1], x, vld1q_f32(wk + p * pstride + 4));
      }
    }
    UNROLL for (int v = 0; v < 8; v++) vst1q_f32(c + 4 * v, epi_q(acc[v], ep));
  }
  if (nc) {
    const float *ap[1] = {a};
    tile(1, 1, nc, kc, 1, ap, w, c, 0, ep);
  }
}

void enn_f32_gemm_minmax_6x8__neon(size_t mr, size_t nc, size_t kc, const float *a, size_t a_stride, const float *w,
                                   float *c, size_t c_stride, const enn_f32_epi *ep) {
  if (mr == 1) {
    gemv(nc, kc, a, w, c, ep);
    return;
  }
  const float *ap[MAXMR];
  for (size_t i = 0; i < MAXMR; i++) ap[i] = a + (i < mr ? i : mr - 1) * a_stride;
  tile(MAXMR, mr, nc, kc, 1, ap, w, c, c_stride, ep);
}

void enn_f32_igemm_minmax_6x8__neon(size_t mr, size_t nc, size_t kc, size_t ks, const float *const *a, const float *w,
                                    float *c, size_t c_stride, const enn_f32_epi *ep) {
  tile(MAXMR, mr, nc, kc, ks, a, w, c, c_stride, ep);
}

#endif
