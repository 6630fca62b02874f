/*
 * f32 GEMM and indirect-GEMM microkernels, AVX2 + FMA (this file alone is
 * compiled with -mavx2 -mfma -mf16c).
 *
 * Tiling: an MR x 16 block of C in MR x 2 ymm accumulators; 6 x 16 uses
 * 12 of the 16 registers, leaving two for the weight row and one for the
 * broadcast A element. Each k step: two aligned loads of the packed
 * weight row (16 floats), six broadcasts, twelve FMAs. A last panel of at
 * most 8 columns runs with one accumulator per row; column tails are
 * stored with vmaskmovps.
 *
 * Numerics and the walk over panels are those of the AVX-512 kernels
 * (f32_gemm_avx512.c): bias, then the K products in k order, one rounding
 * per FMA; a call with mr < 6 rows runs a tile of exactly mr rows; one
 * row runs four panels at a time to hide the FMA latency. Two-vector
 * panels feed a weight prefetch stream as the AVX-512 ones do.
 */
#include "kernels/kernels.h"

#if ENN_KERNELS_X86
#include <immintrin.h>

#include "base/prefetch.h"
#include "kernels/x86/epi_avx2.h"
#include "kernels/x86/gemm_rows.h"

#define INL static inline __attribute__((always_inline))
#define UNROLL _Pragma("GCC unroll 32")
#define NR 16
#define MAXMR 6

static const int32_t mask_table[16] = {-1, -1, -1, -1, -1, -1, -1, -1, 0, 0, 0, 0, 0, 0, 0, 0};
/* Lanes [0, n) set, n in 0..8. */
INL __m256i mask8(size_t n) { return _mm256_loadu_si256((const __m256i *)(const void *)(mask_table + 8 - n)); }

/* One panel for MR rows with NV (1 or 2) ymm accumulators per row. */
INL void panel(const int MR, const int NV, const float *const *a, size_t ks, size_t kc, const float *w,
               float *const *cp, size_t ncol, const enn_f32_epi *ep) {
  __m256 acc[MAXMR][2];
  UNROLL for (int i = 0; i < MR; i++) {
    UNROLL for (int v = 0; v < NV; v++) acc[i][v] = _mm256_load_ps(w + 8 * v);
  }
  const float *wk = w + NR;
  /* a weight prefetch stream (base/prefetch.h): one line per k-step of a
   * claimed range */
  const char *claimed = NV == 2 ? enn_pf_claim((int64_t)(kc * ks), (int64_t)(kc * ks) * MR * NR) : NULL;
  if (ks == 1 && !claimed) { /* one tap: the loop nest without the tap loop and the prefetches */
    const float *ap[MAXMR];
    UNROLL for (int i = 0; i < MR; i++) ap[i] = a[i];
    for (size_t k = 0; k < kc; k++, wk += NR) {
      __m256 b[2];
      UNROLL for (int v = 0; v < NV; v++) b[v] = _mm256_load_ps(wk + 8 * v);
      UNROLL for (int i = 0; i < MR; i++) {
        const __m256 av = _mm256_broadcast_ss(ap[i] + k);
        UNROLL for (int v = 0; v < NV; v++) acc[i][v] = _mm256_fmadd_ps(av, b[v], acc[i][v]);
      }
    }
  } else {
    /* with a claimed range one line per k-step, else the same (cached)
     * line every step */
    const char *pf = claimed ? claimed : (const char *)(const void *)w;
    const size_t pfs = claimed ? 64 : 0;
    for (size_t t = 0; t < ks; t++) {
      const float *ap[MAXMR];
      UNROLL for (int i = 0; i < MR; i++) ap[i] = a[t * (size_t)MAXMR + (size_t)i]; /* tables hold MAXMR per tap */
      for (size_t k = 0; k < kc; k++) {
        __m256 b[2];
        UNROLL for (int v = 0; v < NV; v++) b[v] = _mm256_load_ps(wk + 8 * v);
        wk += NR;
        if (NV == 2) {
          _mm_prefetch(pf, _MM_HINT_T1);
          pf += pfs;
        }
        UNROLL for (int i = 0; i < MR; i++) {
          const __m256 av = _mm256_broadcast_ss(ap[i] + k);
          UNROLL for (int v = 0; v < NV; v++) acc[i][v] = _mm256_fmadd_ps(av, b[v], acc[i][v]);
        }
      }
    }
  }
  EPI_SWITCH(ep->kind, UNROLL for (int i = 0; i < MR; i++) {
    UNROLL for (int v = 0; v < NV; v++) acc[i][v] = epi_yk(acc[i][v], EPI_K, ep);
  });
  const bool full = ncol >= (size_t)(NV * 8);
  UNROLL for (int i = MR - 1; i >= 0; i--) {
    UNROLL for (int v = 0; v < NV; v++) {
      const __m256 r = acc[i][v];
      if (full) _mm256_storeu_ps(cp[i] + 8 * v, r);
      else {
        const size_t rem = ncol > (size_t)v * 8 ? ncol - (size_t)v * 8 : 0;
        _mm256_maskstore_ps(cp[i] + 8 * v, mask8(rem < 8 ? rem : 8), r);
      }
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
  if (nc > 8) panel(MR, 2, a, ks, kc, w, cp, nc, ep);
  else if (nc) panel(MR, 1, a, ks, kc, w, cp, nc, ep);
}

static void gemv(size_t nc, size_t kc, const float *a, const float *w, float *c, const enn_f32_epi *ep) {
  const size_t pstride = NR + kc * NR;
  for (; nc >= 4 * NR; nc -= 4 * NR, w += 4 * pstride, c += 4 * NR) {
    __m256 acc[8];
    UNROLL for (size_t p = 0; p < 4; p++) {
      acc[2 * p] = _mm256_load_ps(w + p * pstride);
      acc[2 * p + 1] = _mm256_load_ps(w + p * pstride + 8);
    }
    const float *wk = w + NR;
    for (size_t k = 0; k < kc; k++, wk += NR) {
      const __m256 av = _mm256_broadcast_ss(a + k);
      UNROLL for (size_t p = 0; p < 4; p++) {
        acc[2 * p] = _mm256_fmadd_ps(av, _mm256_load_ps(wk + p * pstride), acc[2 * p]);
        acc[2 * p + 1] = _mm256_fmadd_ps(av, _mm256_load_ps(wk + p * pstride + 8), acc[2 * p + 1]);
      }
    }
    UNROLL for (int v = 0; v < 8; v++) _mm256_storeu_ps(c + 8 * v, epi_y(acc[v], ep));
  }
  if (nc) {
    const float *ap[1] = {a};
    tile(1, 1, nc, kc, 1, ap, w, c, 0, ep);
  }
}

/* mr rows with a tile of exactly mr rows; a = MAXMR pointers per tap. */
static void tile_mr(size_t mr, size_t nc, size_t kc, size_t ks, const float *const *a, const float *w, float *c,
                    size_t c_stride, const enn_f32_epi *ep) {
  switch (mr) {
  case 1: tile(1, 1, nc, kc, ks, a, w, c, c_stride, ep); break;
  case 2: tile(2, 2, nc, kc, ks, a, w, c, c_stride, ep); break;
  case 3: tile(3, 3, nc, kc, ks, a, w, c, c_stride, ep); break;
  case 4: tile(4, 4, nc, kc, ks, a, w, c, c_stride, ep); break;
  case 5: tile(5, 5, nc, kc, ks, a, w, c, c_stride, ep); break;
  default: tile(6, mr, nc, kc, ks, a, w, c, c_stride, ep); break;
  }
}

/* n consecutive tiles of exactly R rows (R = 3..6, gemm_rows.h) in one call. */
#define TILE256(R, ap, c) tile(R, R, nc, kc, 1, ap, w, c, c_stride, ep)
#define TILES_FN(R) ENN_F32_TILES_FN(R, MAXMR, TILE256)
TILES_FN(3)
TILES_FN(4)
TILES_FN(5)
TILES_FN(6)
static const enn_f32_tiles_fn g_tiles_n[4] = {tiles3, tiles4, tiles5, tiles6};

void enn_f32_gemm_minmax_6x16__avx2(size_t mr, size_t nc, size_t kc, const float *a, size_t a_stride, const float *w,
                                    float *c, size_t c_stride, const enn_f32_epi *ep) {
  if (mr == 1) {
    gemv(nc, kc, a, w, c, ep);
    return;
  }
  if (mr > MAXMR) { /* any_rows (gemm_rows.h) */
    enn_f32_gemm_row_runs(MAXMR, 3, g_tiles_n, mr, nc, kc, a, a_stride, w, c, c_stride, ep);
    return;
  }
  const float *ap[MAXMR];
  for (size_t i = 0; i < MAXMR; i++) ap[i] = a + (i < mr ? i : mr - 1) * a_stride;
  tile_mr(mr, nc, kc, 1, ap, w, c, c_stride, ep);
}

void enn_f32_igemm_minmax_6x16__avx2(size_t mr, size_t nc, size_t kc, size_t ks, const float *const *a,
                                     const float *w, float *c, size_t c_stride, const enn_f32_epi *ep) {
  tile_mr(mr, nc, kc, ks, a, w, c, c_stride, ep);
}

#endif
