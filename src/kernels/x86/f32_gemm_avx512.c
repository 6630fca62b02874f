/*
 * f32 GEMM and indirect-GEMM microkernels, AVX-512F (this file alone is
 * compiled with -mavx512f -mavx512bw -mavx512vl -mavx512dq -mfma).
 *
 * Tiling: an MR x 32 block of C lives in MR x 2 zmm accumulators. Each k
 * step loads one row of the packed weight panel (32 floats, two aligned
 * zmm loads) and broadcasts one A element per row, so a step is 2*MR FMAs
 * against 2 + MR loads. 7 x 32 measured best on Zen 4 across the
 * MobileNetV2 1x1 layers (bench/kernels): 14 x 32, 8 x 32, 12 x 32,
 * 28 x 16 and 6 x 64 were within 0-15% on large M and worse on the 7x7
 * layers (M = 49 = 7 * 7). The last panel of a layer whose width is not a
 * multiple of 32 runs with 2 zmm, zmm + ymm, 1 zmm or 1 ymm accumulators
 * per row (24 columns cost 24, not 32, lanes: a 256-bit FMA issues at
 * twice the rate of a 512-bit one on a 256-bit datapath) and masked stores.
 *
 * Every output element is bias + its K products accumulated in k order,
 * one rounding per FMA, whatever the tile, panel width or thread split, so
 * results do not depend on how the output is partitioned. The epilogue
 * (clamp / hard-swish / hard-sigmoid) runs in registers. Rows past mr
 * re-read and re-store row mr - 1 (identical values): no row branches.
 *
 * The kernel walks all nc columns panel by panel with the same A rows,
 * which stay in L1 while the weight panels stream from L2. With one row
 * (fully-connected layers at batch 1) four panels run together so eight
 * independent FMA chains hide the FMA latency. The indirect kernel's k
 * loops are inline assembly (see "the 7-row panels" below); the direct
 * one keeps the compiler's code, which is as fast there.
 */
#include "kernels/kernels.h"

#if ENN_KERNELS_X86
#include <immintrin.h>

#include "kernels/x86/epi_avx512.h"

#define INL static inline __attribute__((always_inline))
#define UNROLL _Pragma("GCC unroll 32")
#define NR 32
#define MAXMR 8

INL __mmask16 mask16(size_t n) { return (__mmask16)(n >= 16 ? 0xFFFFu : (1u << n) - 1u); }
INL __mmask8 mask8(size_t n) { return (__mmask8)(n >= 8 ? 0xFFu : (1u << n) - 1u); }

/* ------------------------------------------------ the 7-row panels
 * In assembly: with the 7 A row pointers, the weight pointer, the k
 * offset and its end live through the k loop, GCC's register allocator
 * parked row pointers in vector registers and moved them back every step
 * (1.4x slower on the indirect kernel). Each routine initialises the
 * accumulators from the panel's bias row (w), then for every tap t < ks
 * loads the tap's 7 row pointers from tab[7t..7t+6] and adds
 * sum_k a_i[k] * w[k][cols] for k < kc (kc >= 1, ascending, one FMA per
 * product), and finally stores the accumulators to acc (row-major, 64-byte
 * aligned) for the C epilogue. */
#define LOADP                                                                                         \
  "mov 0(%[tab]), %[p0]\n\t"                                                                          \
  "mov 8(%[tab]), %[p1]\n\t"                                                                          \
  "mov 16(%[tab]), %[p2]\n\t"                                                                         \
  "mov 24(%[tab]), %[p3]\n\t"                                                                         \
  "mov 32(%[tab]), %[p4]\n\t"                                                                         \
  "mov 40(%[tab]), %[p5]\n\t"                                                                         \
  "mov 48(%[tab]), %[p6]\n\t"                                                                         \
  "add $56, %[tab]\n\t"                                                                               \
  "xor %[k], %[k]\n\t"
#define KSTEP_END                                                                                     \
  "add $128, %[w]\n\t"                                                                                \
  "add $4, %[k]\n\t"                                                                                  \
  "cmp %[kend], %[k]\n\t"                                                                             \
  "jb 1b\n\t"                                                                                         \
  "dec %[ks]\n\t"                                                                                     \
  "jnz 2b\n\t"
#define PANEL_OPERANDS                                                                                \
  : [tab] "+r"(tab), [ks] "+r"(ks), [w] "+r"(w), [p0] "=&r"(p0), [p1] "=&r"(p1), [p2] "=&r"(p2),          \
    [p3] "=&r"(p3), [p4] "=&r"(p4), [p5] "=&r"(p5), [p6] "=&r"(p6), [k] "=&r"(k)                        \
  : [kend] "r"(kend), [acc] "r"(acc)
#define PANEL_LOCALS                                                                                  \
  const float *p0, *p1, *p2, *p3, *p4, *p5, *p6;                                                      \
  size_t k;                                                                                           \
  const size_t kend = kc * sizeof(float)

/* 32 columns: zmm(2i), zmm(2i+1) for row i, one broadcast for both. */
#define R_Z2(i, a, b)                                                                                 \
  "vbroadcastss (%[p" #i "],%[k]), %%zmm29\n\t"                                                       \
  "vfmadd231ps %%zmm30, %%zmm29, %%zmm" #a "\n\t"                                                     \
  "vfmadd231ps %%zmm31, %%zmm29, %%zmm" #b "\n\t"
static const float *panel7_z2(const float *const *tab, size_t ks, size_t kc, const float *w, float *acc) {
  PANEL_LOCALS;
  __asm__ volatile("vmovaps (%[w]), %%zmm0\n\t"
                   "vmovaps 64(%[w]), %%zmm1\n\t"
                   "vmovaps %%zmm0, %%zmm2\n\t"
                   "vmovaps %%zmm1, %%zmm3\n\t"
                   "vmovaps %%zmm0, %%zmm4\n\t"
                   "vmovaps %%zmm1, %%zmm5\n\t"
                   "vmovaps %%zmm0, %%zmm6\n\t"
                   "vmovaps %%zmm1, %%zmm7\n\t"
                   "vmovaps %%zmm0, %%zmm8\n\t"
                   "vmovaps %%zmm1, %%zmm9\n\t"
                   "vmovaps %%zmm0, %%zmm10\n\t"
                   "vmovaps %%zmm1, %%zmm11\n\t"
                   "vmovaps %%zmm0, %%zmm12\n\t"
                   "vmovaps %%zmm1, %%zmm13\n\t"
                   "add $128, %[w]\n\t"
                   "2:\n\t" LOADP "1:\n\t"
                   "vmovaps (%[w]), %%zmm30\n\t"
                   "vmovaps 64(%[w]), %%zmm31\n\t" R_Z2(0, 0, 1) R_Z2(1, 2, 3) R_Z2(2, 4, 5) R_Z2(3, 6, 7)
                       R_Z2(4, 8, 9) R_Z2(5, 10, 11) R_Z2(6, 12, 13) KSTEP_END
                   "vmovaps %%zmm0, 0(%[acc])\n\t"
                   "vmovaps %%zmm1, 64(%[acc])\n\t"
                   "vmovaps %%zmm2, 128(%[acc])\n\t"
                   "vmovaps %%zmm3, 192(%[acc])\n\t"
                   "vmovaps %%zmm4, 256(%[acc])\n\t"
                   "vmovaps %%zmm5, 320(%[acc])\n\t"
                   "vmovaps %%zmm6, 384(%[acc])\n\t"
                   "vmovaps %%zmm7, 448(%[acc])\n\t"
                   "vmovaps %%zmm8, 512(%[acc])\n\t"
                   "vmovaps %%zmm9, 576(%[acc])\n\t"
                   "vmovaps %%zmm10, 640(%[acc])\n\t"
                   "vmovaps %%zmm11, 704(%[acc])\n\t"
                   "vmovaps %%zmm12, 768(%[acc])\n\t"
                   "vmovaps %%zmm13, 832(%[acc])\n\t" PANEL_OPERANDS
                   : "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7", "xmm8", "xmm9", "xmm10",
                     "xmm11", "xmm12", "xmm13", "xmm29", "xmm30", "xmm31", "cc", "memory");
  return w;
}

/* 24 columns: zmm(i) and ymm(7+i) for row i. */
#define R_Z1Y1(i, a, b)                                                                               \
  "vbroadcastss (%[p" #i "],%[k]), %%zmm29\n\t"                                                       \
  "vfmadd231ps %%zmm30, %%zmm29, %%zmm" #a "\n\t"                                                     \
  "vfmadd231ps %%ymm31, %%ymm29, %%ymm" #b "\n\t"
static const float *panel7_z1y1(const float *const *tab, size_t ks, size_t kc, const float *w, float *acc) {
  PANEL_LOCALS;
  __asm__ volatile("vmovaps (%[w]), %%zmm0\n\t"
                   "vmovaps 64(%[w]), %%ymm7\n\t"
                   "vmovaps %%zmm0, %%zmm1\n\t"
                   "vmovaps %%zmm0, %%zmm2\n\t"
                   "vmovaps %%zmm0, %%zmm3\n\t"
                   "vmovaps %%zmm0, %%zmm4\n\t"
                   "vmovaps %%zmm0, %%zmm5\n\t"
                   "vmovaps %%zmm0, %%zmm6\n\t"
                   "vmovaps %%ymm7, %%ymm8\n\t"
                   "vmovaps %%ymm7, %%ymm9\n\t"
                   "vmovaps %%ymm7, %%ymm10\n\t"
                   "vmovaps %%ymm7, %%ymm11\n\t"
                   "vmovaps %%ymm7, %%ymm12\n\t"
                   "vmovaps %%ymm7, %%ymm13\n\t"
                   "add $128, %[w]\n\t"
                   "2:\n\t" LOADP "1:\n\t"
                   "vmovaps (%[w]), %%zmm30\n\t"
                   "vmovaps 64(%[w]), %%ymm31\n\t" R_Z1Y1(0, 0, 7) R_Z1Y1(1, 1, 8) R_Z1Y1(2, 2, 9) R_Z1Y1(3, 3, 10)
                       R_Z1Y1(4, 4, 11) R_Z1Y1(5, 5, 12) R_Z1Y1(6, 6, 13) KSTEP_END
                   "vmovaps %%zmm0, 0(%[acc])\n\t"
                   "vmovaps %%ymm7, 64(%[acc])\n\t"
                   "vmovaps %%zmm1, 128(%[acc])\n\t"
                   "vmovaps %%ymm8, 192(%[acc])\n\t"
                   "vmovaps %%zmm2, 256(%[acc])\n\t"
                   "vmovaps %%ymm9, 320(%[acc])\n\t"
                   "vmovaps %%zmm3, 384(%[acc])\n\t"
                   "vmovaps %%ymm10, 448(%[acc])\n\t"
                   "vmovaps %%zmm4, 512(%[acc])\n\t"
                   "vmovaps %%ymm11, 576(%[acc])\n\t"
                   "vmovaps %%zmm5, 640(%[acc])\n\t"
                   "vmovaps %%ymm12, 704(%[acc])\n\t"
                   "vmovaps %%zmm6, 768(%[acc])\n\t"
                   "vmovaps %%ymm13, 832(%[acc])\n\t" PANEL_OPERANDS
                   : "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7", "xmm8", "xmm9", "xmm10",
                     "xmm11", "xmm12", "xmm13", "xmm29", "xmm30", "xmm31", "cc", "memory");
  return w;
}

/* 16 columns: zmm(i) for row i, the broadcast folded into the FMA. */
#define R_Z1(i) "vfmadd231ps (%[p" #i "],%[k])%{1to16%}, %%zmm30, %%zmm" #i "\n\t"
static const float *panel7_z1(const float *const *tab, size_t ks, size_t kc, const float *w, float *acc) {
  PANEL_LOCALS;
  __asm__ volatile("vmovaps (%[w]), %%zmm0\n\t"
                   "vmovaps %%zmm0, %%zmm1\n\t"
                   "vmovaps %%zmm0, %%zmm2\n\t"
                   "vmovaps %%zmm0, %%zmm3\n\t"
                   "vmovaps %%zmm0, %%zmm4\n\t"
                   "vmovaps %%zmm0, %%zmm5\n\t"
                   "vmovaps %%zmm0, %%zmm6\n\t"
                   "add $128, %[w]\n\t"
                   "2:\n\t" LOADP "1:\n\t"
                   "vmovaps (%[w]), %%zmm30\n\t" R_Z1(0) R_Z1(1) R_Z1(2) R_Z1(3) R_Z1(4) R_Z1(5) R_Z1(6) KSTEP_END
                   "vmovaps %%zmm0, 0(%[acc])\n\t"
                   "vmovaps %%zmm1, 128(%[acc])\n\t"
                   "vmovaps %%zmm2, 256(%[acc])\n\t"
                   "vmovaps %%zmm3, 384(%[acc])\n\t"
                   "vmovaps %%zmm4, 512(%[acc])\n\t"
                   "vmovaps %%zmm5, 640(%[acc])\n\t"
                   "vmovaps %%zmm6, 768(%[acc])\n\t" PANEL_OPERANDS
                   : "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm30", "cc", "memory");
  return w;
}

/* 8 columns: ymm(i) for row i. */
#define R_Y1(i) "vfmadd231ps (%[p" #i "],%[k])%{1to8%}, %%ymm30, %%ymm" #i "\n\t"
static const float *panel7_y1(const float *const *tab, size_t ks, size_t kc, const float *w, float *acc) {
  PANEL_LOCALS;
  __asm__ volatile("vmovaps (%[w]), %%ymm0\n\t"
                   "vmovaps %%ymm0, %%ymm1\n\t"
                   "vmovaps %%ymm0, %%ymm2\n\t"
                   "vmovaps %%ymm0, %%ymm3\n\t"
                   "vmovaps %%ymm0, %%ymm4\n\t"
                   "vmovaps %%ymm0, %%ymm5\n\t"
                   "vmovaps %%ymm0, %%ymm6\n\t"
                   "add $128, %[w]\n\t"
                   "2:\n\t" LOADP "1:\n\t"
                   "vmovaps (%[w]), %%ymm30\n\t" R_Y1(0) R_Y1(1) R_Y1(2) R_Y1(3) R_Y1(4) R_Y1(5) R_Y1(6) KSTEP_END
                   "vmovaps %%ymm0, 0(%[acc])\n\t"
                   "vmovaps %%ymm1, 128(%[acc])\n\t"
                   "vmovaps %%ymm2, 256(%[acc])\n\t"
                   "vmovaps %%ymm3, 384(%[acc])\n\t"
                   "vmovaps %%ymm4, 512(%[acc])\n\t"
                   "vmovaps %%ymm5, 640(%[acc])\n\t"
                   "vmovaps %%ymm6, 768(%[acc])\n\t" PANEL_OPERANDS
                   : "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm30", "cc", "memory");
  return w;
}

/* One panel for MR rows: NZ zmm (16 columns each) then NY (0/1) ymm
 * accumulators per row; w points at the panel (NR biases, then ks*kc rows
 * of NR); a = ks x MR row pointers; ncol = valid columns (masked stores
 * below NZ*16 + NY*8). */
INL void panel(const int MR, const bool ASM, const int NZ, const int NY, const float *const *a, size_t ks, size_t kc,
               const float *w, float *c, size_t c_stride, size_t mr, size_t ncol, const enn_f32_epi *ep) {
  __m512 z[MAXMR][2];
  __m256 y[MAXMR];
  if (ASM && MR == 7) { /* the assembly routines; acc row i: zmm at 128*i bytes, second zmm / ymm at +64 */
    _Alignas(64) float acc[7 * 32];
    if (NZ == 2) panel7_z2(a, ks, kc, w, acc);
    else if (NZ == 1 && NY) panel7_z1y1(a, ks, kc, w, acc);
    else if (NZ == 1) panel7_z1(a, ks, kc, w, acc);
    else panel7_y1(a, ks, kc, w, acc);
    UNROLL for (int i = 0; i < MR; i++) {
      UNROLL for (int v = 0; v < NZ; v++) z[i][v] = _mm512_load_ps(acc + 32 * i + 16 * v);
      if (NY) y[i] = _mm256_load_ps(acc + 32 * i + 16 * NZ);
    }
  } else {
    UNROLL for (int i = 0; i < MR; i++) {
      UNROLL for (int v = 0; v < NZ; v++) z[i][v] = _mm512_load_ps(w + 16 * v);
      if (NY) y[i] = _mm256_load_ps(w + 16 * NZ);
    }
    const float *wk = w + NR;
    for (size_t t = 0; t < ks; t++) {
      const float *const *ap = a + t * (size_t)MR;
      for (size_t k = 0; k < kc; k++, wk += NR) {
        __m512 b[2];
        __m256 by = _mm256_setzero_ps();
        UNROLL for (int v = 0; v < NZ; v++) b[v] = _mm512_load_ps(wk + 16 * v);
        if (NY) by = _mm256_load_ps(wk + 16 * NZ);
        UNROLL for (int i = 0; i < MR; i++) {
          UNROLL for (int v = 0; v < NZ; v++) z[i][v] = _mm512_fmadd_ps(_mm512_set1_ps(ap[i][k]), b[v], z[i][v]);
          if (NY) y[i] = _mm256_fmadd_ps(_mm256_set1_ps(ap[i][k]), by, y[i]);
        }
      }
    }
  }
  const bool full = ncol >= (size_t)(NZ * 16 + NY * 8);
  UNROLL for (int i = MR - 1; i >= 0; i--) {
    float *ci = c + ((size_t)i < mr ? (size_t)i : mr - 1) * c_stride;
    UNROLL for (int v = 0; v < NZ; v++) {
      const __m512 r = epi_z(z[i][v], ep);
      if (full) _mm512_storeu_ps(ci + 16 * v, r);
      else {
        const size_t rem = ncol > (size_t)v * 16 ? ncol - (size_t)v * 16 : 0;
        _mm512_mask_storeu_ps(ci + 16 * v, mask16(rem), r);
      }
    }
    if (NY) {
      const __m256 r = epi_y(y[i], ep);
      const size_t c0 = (size_t)(NZ * 16);
      if (full) _mm256_storeu_ps(ci + c0, r);
      else _mm256_mask_storeu_ps(ci + c0, mask8(ncol > c0 ? ncol - c0 : 0), r);
    }
  }
}

/* All nc columns of MR rows. ASM: the assembly k loops (indirect kernel;
 * the direct one keeps GCC's code, 5-15% faster at small K where the
 * routines' accumulator store / reload is not amortised). */
INL void tile(const int MR, const bool ASM, size_t mr, size_t nc, size_t kc, size_t ks, const float *const *a,
              const float *w, float *c, size_t c_stride, const enn_f32_epi *ep) {
  const size_t pstride = NR + ks * kc * NR;
  for (; nc >= NR; nc -= NR, w += pstride, c += NR) panel(MR, ASM, 2, 0, a, ks, kc, w, c, c_stride, mr, NR, ep);
  if (nc > 24) panel(MR, ASM, 2, 0, a, ks, kc, w, c, c_stride, mr, nc, ep);
  else if (nc > 16) panel(MR, ASM, 1, 1, a, ks, kc, w, c, c_stride, mr, nc, ep);
  else if (nc > 8) panel(MR, ASM, 1, 0, a, ks, kc, w, c, c_stride, mr, nc, ep);
  else if (nc) panel(MR, ASM, 0, 1, a, ks, kc, w, c, c_stride, mr, nc, ep);
}

/* One row, four panels at a time (eight independent accumulators). */
static void gemv(size_t nc, size_t kc, const float *a, const float *w, float *c, const enn_f32_epi *ep) {
  const size_t pstride = NR + kc * NR;
  for (; nc >= 4 * NR; nc -= 4 * NR, w += 4 * pstride, c += 4 * NR) {
    __m512 acc[8];
    UNROLL for (size_t p = 0; p < 4; p++) {
      acc[2 * p] = _mm512_load_ps(w + p * pstride);
      acc[2 * p + 1] = _mm512_load_ps(w + p * pstride + 16);
    }
    const float *wk = w + NR;
    for (size_t k = 0; k < kc; k++, wk += NR) {
      const __m512 av = _mm512_set1_ps(a[k]);
      UNROLL for (size_t p = 0; p < 4; p++) {
        acc[2 * p] = _mm512_fmadd_ps(av, _mm512_load_ps(wk + p * pstride), acc[2 * p]);
        acc[2 * p + 1] = _mm512_fmadd_ps(av, _mm512_load_ps(wk + p * pstride + 16), acc[2 * p + 1]);
      }
    }
    UNROLL for (int v = 0; v < 8; v++) _mm512_storeu_ps(c + 16 * v, epi_z(acc[v], ep));
  }
  if (nc) {
    const float *ap[1] = {a};
    tile(1, false, 1, nc, kc, 1, ap, w, c, 0, ep);
  }
}

void enn_f32_gemm_minmax_7x32__avx512(size_t mr, size_t nc, size_t kc, const float *a, size_t a_stride,
                                      const float *w, float *c, size_t c_stride, const enn_f32_epi *ep) {
  if (mr == 1) {
    gemv(nc, kc, a, w, c, ep);
    return;
  }
  const float *ap[7];
  for (size_t i = 0; i < 7; i++) ap[i] = a + (i < mr ? i : mr - 1) * a_stride;
  tile(7, false, mr, nc, kc, 1, ap, w, c, c_stride, ep);
}

void enn_f32_igemm_minmax_7x32__avx512(size_t mr, size_t nc, size_t kc, size_t ks, const float *const *a,
                                       const float *w, float *c, size_t c_stride, const enn_f32_epi *ep) {
  tile(7, true, mr, nc, kc, ks, a, w, c, c_stride, ep);
}

#endif
