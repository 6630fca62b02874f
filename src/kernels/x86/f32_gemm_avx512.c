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
 * independent FMA chains hide the FMA latency.
 */
#include "kernels/kernels.h"

#if ENN_KERNELS_X86
#include <immintrin.h>

#define INL static inline __attribute__((always_inline))
#define UNROLL _Pragma("GCC unroll 32")
#define NR 32
#define MAXMR 8

INL __mmask16 mask16(size_t n) { return n >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << n) - 1u); }
INL __mmask8 mask8(size_t n) { return n >= 8 ? (__mmask8)0xFF : (__mmask8)((1u << n) - 1u); }

INL __m512 epi_z(__m512 x, const enn_f32_epi *ep) {
  switch (ep->kind) {
  case ENN_EPI_MINMAX: return _mm512_min_ps(_mm512_max_ps(x, _mm512_set1_ps(ep->min)), _mm512_set1_ps(ep->max));
  case ENN_EPI_HSWISH: {
    __m512 t = _mm512_add_ps(x, _mm512_set1_ps(3.0f));
    t = _mm512_min_ps(_mm512_max_ps(t, _mm512_setzero_ps()), _mm512_set1_ps(6.0f));
    return _mm512_mul_ps(_mm512_mul_ps(x, t), _mm512_set1_ps(1.0f / 6.0f));
  }
  case ENN_EPI_HSIGMOID: {
    __m512 t = _mm512_fmadd_ps(x, _mm512_set1_ps(ep->alpha), _mm512_set1_ps(ep->beta));
    return _mm512_min_ps(_mm512_max_ps(t, _mm512_setzero_ps()), _mm512_set1_ps(1.0f));
  }
  default: return x;
  }
}

INL __m256 epi_y(__m256 x, const enn_f32_epi *ep) {
  switch (ep->kind) {
  case ENN_EPI_MINMAX: return _mm256_min_ps(_mm256_max_ps(x, _mm256_set1_ps(ep->min)), _mm256_set1_ps(ep->max));
  case ENN_EPI_HSWISH: {
    __m256 t = _mm256_add_ps(x, _mm256_set1_ps(3.0f));
    t = _mm256_min_ps(_mm256_max_ps(t, _mm256_setzero_ps()), _mm256_set1_ps(6.0f));
    return _mm256_mul_ps(_mm256_mul_ps(x, t), _mm256_set1_ps(1.0f / 6.0f));
  }
  case ENN_EPI_HSIGMOID: {
    __m256 t = _mm256_fmadd_ps(x, _mm256_set1_ps(ep->alpha), _mm256_set1_ps(ep->beta));
    return _mm256_min_ps(_mm256_max_ps(t, _mm256_setzero_ps()), _mm256_set1_ps(1.0f));
  }
  default: return x;
  }
}

/* One panel for MR rows: NZ zmm (16 columns each) then NY (0/1) ymm
 * accumulators per row; w points at the panel (NR biases, then kc rows of
 * NR). IND: a is the indirection table (ks x MR pointers), else a[i] are
 * the MR row pointers (ks = 1). ncol = valid columns (masked store when
 * below NZ*16 + NY*8). */
INL void panel(const int MR, const int NZ, const int NY, const float *const *a, size_t ks, size_t kc,
               const float *w, float *const *cp, size_t ncol, const enn_f32_epi *ep) {
  __m512 z[MAXMR][2];
  __m256 y[MAXMR];
  UNROLL for (int i = 0; i < MR; i++) {
    UNROLL for (int v = 0; v < NZ; v++) z[i][v] = _mm512_load_ps(w + 16 * v);
    if (NY) y[i] = _mm256_load_ps(w + 16 * NZ);
  }
  const float *wk = w + NR;
  for (size_t t = 0; t < ks; t++) {
    const float *ap[MAXMR];
    UNROLL for (int i = 0; i < MR; i++) ap[i] = a[t * (size_t)MR + (size_t)i];
    for (size_t k = 0; k < kc; k++) {
      __m512 b[2];
      __m256 by = _mm256_setzero_ps();
      UNROLL for (int v = 0; v < NZ; v++) b[v] = _mm512_load_ps(wk + 16 * v);
      if (NY) by = _mm256_load_ps(wk + 16 * NZ);
      wk += NR;
      UNROLL for (int i = 0; i < MR; i++) {
        const float s = ap[i][k];
        if (NZ) {
          const __m512 av = _mm512_set1_ps(s);
          UNROLL for (int v = 0; v < NZ; v++) z[i][v] = _mm512_fmadd_ps(av, b[v], z[i][v]);
        }
        if (NY) y[i] = _mm256_fmadd_ps(_mm256_set1_ps(s), by, y[i]);
      }
    }
  }
  const bool full = ncol >= (size_t)(NZ * 16 + NY * 8);
  UNROLL for (int i = MR - 1; i >= 0; i--) {
    UNROLL for (int v = 0; v < NZ; v++) {
      const __m512 r = epi_z(z[i][v], ep);
      if (full) _mm512_storeu_ps(cp[i] + 16 * v, r);
      else {
        const size_t rem = ncol > (size_t)v * 16 ? ncol - (size_t)v * 16 : 0;
        _mm512_mask_storeu_ps(cp[i] + 16 * v, mask16(rem), r);
      }
    }
    if (NY) {
      const __m256 r = epi_y(y[i], ep);
      if (full) _mm256_storeu_ps(cp[i] + 16 * NZ, r);
      else {
        const size_t rem = ncol > (size_t)NZ * 16 ? ncol - (size_t)NZ * 16 : 0;
        _mm256_mask_storeu_ps(cp[i] + 16 * NZ, mask8(rem), r);
      }
    }
  }
}

/* All nc columns of MR rows (pointer table a as in panel()). */
INL void tile(const int MR, size_t mr, size_t nc, size_t kc, size_t ks, const float *const *a, const float *w, float *c,
              size_t c_stride, const enn_f32_epi *ep) {
  float *cp[MAXMR];
  UNROLL for (int i = 0; i < MR; i++) cp[i] = c + ((size_t)i < mr ? (size_t)i : mr - 1) * c_stride;
  const size_t pstride = NR + ks * kc * NR;
  for (; nc >= NR; nc -= NR, w += pstride) {
    panel(MR, 2, 0, a, ks, kc, w, cp, NR, ep);
    UNROLL for (int i = 0; i < MR; i++) cp[i] += NR;
  }
  if (nc > 24) panel(MR, 2, 0, a, ks, kc, w, cp, nc, ep);
  else if (nc > 16) panel(MR, 1, 1, a, ks, kc, w, cp, nc, ep);
  else if (nc > 8) panel(MR, 1, 0, a, ks, kc, w, cp, nc, ep);
  else if (nc) panel(MR, 0, 1, a, ks, kc, w, cp, nc, ep);
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
    float *cp = c;
    tile(1, 1, nc, kc, 1, ap, w, cp, 0, ep);
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
  tile(7, mr, nc, kc, 1, ap, w, c, c_stride, ep);
}

void enn_f32_igemm_minmax_7x32__avx512(size_t mr, size_t nc, size_t kc, size_t ks, const float *const *a,
                                       const float *w, float *c, size_t c_stride, const enn_f32_epi *ep) {
  tile(7, mr, nc, kc, ks, a, w, c, c_stride, ep);
}

#endif
