/*
 * Any row count for the f32 GEMM kernels (enn_kernel.any_rows): mr > MR
 * rows are cut into nt = ceil(mr / MR) balanced tiles, tile t = rows
 * [mr * t / nt, mr * (t + 1) / nt) (the split conv2d_fast.c's driver
 * makes, so the same tiles), and each run of consecutive tiles of equal
 * size goes to one call of that size's multi-tile routine: the call and
 * the tile's prologue are paid once per run instead of once per tile.
 * Balanced tiles of more than MR rows hold at least MR / 2 rows, so a
 * kernel provides routines for sizes lo..MR with lo = (MR + 1) / 2.
 */
#ifndef ENN_KERNELS_X86_GEMM_ROWS_H
#define ENN_KERNELS_X86_GEMM_ROWS_H

#include <stddef.h>

#include "kernels/kernels.h"

/* Runs CALL (which sees t: the run's first tile, run: its tile count, r:
 * its first row, sz: its tiles' size) for each run of equal tiles. */
#define ENN_TILE_RUNS(mr, MR, CALL)                                                  \
  do {                                                                               \
    const size_t nt_ = ((mr) + (MR)-1) / (MR);                                       \
    for (size_t t = 0; t < nt_;) {                                                   \
      const size_t r = (mr)*t / nt_, sz = (mr) * (t + 1) / nt_ - r;                  \
      size_t run = 1;                                                                \
      while (t + run < nt_ && (mr) * (t + run + 1) / nt_ - (mr) * (t + run) / nt_ == sz) run++; \
      CALL;                                                                          \
      t += run;                                                                      \
    }                                                                                \
  } while (0)

/* n consecutive tiles of exactly R rows starting at a / c. */
typedef void (*enn_f32_tiles_fn)(size_t n, size_t nc, size_t kc, const float *a, size_t a_stride, const float *w,
                                 float *c, size_t c_stride, const enn_f32_epi *ep);

/* Defines tiles<R>: n tiles of R rows, each through the file's one-tile
 * routine TILE(R, ap, c) with NPTR row pointers ap (rows past R repeat the
 * last one, as the one-tile routines expect). */
#define ENN_F32_TILES_FN(R, NPTR, TILE)                                                                         \
  static __attribute__((noinline)) void tiles##R(size_t n, size_t nc, size_t kc, const float *a, size_t a_stride,  \
                                                 const float *w, float *c, size_t c_stride, const enn_f32_epi *ep) { \
    for (size_t t = 0; t < n; t++, a += R * a_stride, c += R * c_stride) {                                      \
      const float *ap[NPTR];                                                                                    \
      for (int i = 0; i < (NPTR); i++) ap[i] = a + (size_t)(i < R ? i : R - 1) * a_stride;                      \
      TILE(R, ap, c);                                                                                           \
    }                                                                                                           \
  }

/* mr > MR rows; tiles[R - lo] handles tiles of R rows. */
static inline void enn_f32_gemm_row_runs(size_t MR, size_t lo, const enn_f32_tiles_fn *tiles, size_t mr, size_t nc,
                                         size_t kc, const float *a, size_t a_stride, const float *w, float *c,
                                         size_t c_stride, const enn_f32_epi *ep) {
  ENN_TILE_RUNS(mr, MR, tiles[sz - lo](run, nc, kc, a + r * a_stride, a_stride, w, c + r * c_stride, c_stride, ep));
}

/* The IGEMM form: n tiles of R rows, tile t's table of ks x TAB row
 * pointers at a + t * ks * TAB (kernels.h), through TILE(R, table, c). */
typedef void (*enn_f32_itiles_fn)(size_t n, size_t nc, size_t kc, size_t ks, const float *const *a, const float *w,
                                  float *c, size_t c_stride, const enn_f32_epi *ep);
#define ENN_F32_ITILES_FN(R, TAB, TILE)                                                                          \
  static __attribute__((noinline)) void itiles##R(size_t n, size_t nc, size_t kc, size_t ks, const float *const *a, \
                                                  const float *w, float *c, size_t c_stride, const enn_f32_epi *ep) { \
    for (size_t t = 0; t < n; t++, a += ks * (TAB), c += R * c_stride) TILE(R, a, c);                           \
  }

static inline void enn_f32_igemm_row_runs(size_t MR, size_t lo, const enn_f32_itiles_fn *tiles, size_t mr, size_t nc,
                                          size_t kc, size_t ks, const float *const *a, const float *w, float *c,
                                          size_t c_stride, const enn_f32_epi *ep) {
  ENN_TILE_RUNS(mr, MR, tiles[sz - lo](run, nc, kc, ks, a + t * ks * MR, w, c + r * c_stride, c_stride, ep));
}

#endif
