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
 * (clamp / hard-swish / hard-sigmoid) runs in registers. A call with
 * mr < 7 rows runs a tile of exactly mr rows (one function per row count),
 * so the drivers cut M into balanced tiles (e.g. 36 = 6 x 6, 9 = 5 + 4)
 * and no FMA is spent on a row that is not stored.
 *
 * The kernel walks all nc columns panel by panel with the same A rows,
 * which stay in L1 while the weight panels stream from L2. With one row
 * (fully-connected layers at batch 1) four panels run together so eight
 * independent FMA chains hide the FMA latency. 16-column panels run k
 * loops in inline assembly (see "the assembly panels" below), the others
 * the compiler's code. The compiler's 32-column panels also feed a weight
 * prefetch stream when the session gives the thread one (base/prefetch.h:
 * one prefetch per k-step of a claimed range; results are unaffected).
 */
#include "kernels/kernels.h"

#if ENN_KERNELS_X86
#include <immintrin.h>

#include "base/prefetch.h"
#include "kernels/x86/epi_avx512.h"
#include "kernels/x86/gemm_rows.h"

#define INL static inline __attribute__((always_inline))
#define UNROLL _Pragma("GCC unroll 32")
#define NR 32
#define MAXMR 8
#define TABMR 7 /* row pointers per tap in an indirection table (the kernel's MR) */
/* panel()'s ASM argument: 0 = GCC's k loops, 1 = the assembly routines,
 * ASM_NARROW = assembly for 16-column panels with kc * ks >= 16 only. */
#define ASM_NARROW 2

INL __mmask16 mask16(size_t n) { return (__mmask16)(n >= 16 ? 0xFFFFu : (1u << n) - 1u); }
INL __mmask8 mask8(size_t n) { return (__mmask8)(n >= 8 ? 0xFFu : (1u << n) - 1u); }

/* ------------------------------------------------ the assembly panels
 * In assembly: with up to 7 A row pointers, the weight pointer, the k
 * offset and its end live through the k loop, GCC's register allocator
 * parked row pointers in vector registers and moved them back every step
 * (1.4x slower on the indirect kernel, up to 1.3x on small-K GEMMs). Each
 * routine (one per row count R = 1..7 and accumulator shape) initialises
 * the accumulators from the panel's bias row (w), then for every tap
 * t < ks loads the tap's R row pointers from tab[7t..7t+R-1] (tables hold
 * 7 pointers per tap whatever R) and adds sum_k a_i[k] * w[k][cols] for
 * k < kc (kc >= 1, ascending, one FMA per product), and finally stores the
 * accumulators to acc (row i at 128*i bytes: the first zmm / ymm, then the
 * second at +64; 64-byte aligned) for the C epilogue. The routines are
 * generated from per-row macros: REPn(M) expands M(0) .. M(n-1). */
#define REP1(M) M(0)
#define REP2(M) REP1(M) M(1)
#define REP3(M) REP2(M) M(2)
#define REP4(M) REP3(M) M(3)
#define REP5(M) REP4(M) M(4)
#define REP6(M) REP5(M) M(5)
#define REP7(M) REP6(M) M(6)
/* register numbers and byte offsets of row i as string literals */
#define EVEN_0 "0"
#define EVEN_1 "2"
#define EVEN_2 "4"
#define EVEN_3 "6"
#define EVEN_4 "8"
#define EVEN_5 "10"
#define EVEN_6 "12"
#define ODD_0 "1"
#define ODD_1 "3"
#define ODD_2 "5"
#define ODD_3 "7"
#define ODD_4 "9"
#define ODD_5 "11"
#define ODD_6 "13"
#define SEVEN_0 "7"
#define SEVEN_1 "8"
#define SEVEN_2 "9"
#define SEVEN_3 "10"
#define SEVEN_4 "11"
#define SEVEN_5 "12"
#define SEVEN_6 "13"
#define NUM_0 "0"
#define NUM_1 "1"
#define NUM_2 "2"
#define NUM_3 "3"
#define NUM_4 "4"
#define NUM_5 "5"
#define NUM_6 "6"
#define OFF_0 "0"
#define OFF_1 "128"
#define OFF_2 "256"
#define OFF_3 "384"
#define OFF_4 "512"
#define OFF_5 "640"
#define OFF_6 "768"
#define OFF2_0 "64"
#define OFF2_1 "192"
#define OFF2_2 "320"
#define OFF2_3 "448"
#define OFF2_4 "576"
#define OFF2_5 "704"
#define OFF2_6 "832"
#define PTR_0 "0"
#define PTR_1 "8"
#define PTR_2 "16"
#define PTR_3 "24"
#define PTR_4 "32"
#define PTR_5 "40"
#define PTR_6 "48"

#define LOADP_ROW(i) "mov " PTR_##i "(%[tab]), %[p" #i "]\n\t"
#define LOADP_TAIL                                                                                    \
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
#define PANEL_CLOBBERS                                                                                \
  "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7", "xmm8", "xmm9", "xmm10", "xmm11", "xmm12",    \
      "xmm13", "xmm29", "xmm30", "xmm31", "cc", "memory"
#define PANEL_FN(NAME, R, INIT0, INIT, LOADW, ROW, STORE)                                             \
  static const float *NAME(const float *const *tab, size_t ks, size_t kc, const float *w, float *acc) {     \
    const float *p0, *p1, *p2, *p3, *p4, *p5, *p6;                                                    \
    size_t k;                                                                                         \
    const size_t kend = kc * sizeof(float);                                                           \
    __asm__ volatile(INIT0 REP##R(INIT) "add $128, %[w]\n\t"                                          \
                     "2:\n\t" REP##R(LOADP_ROW) LOADP_TAIL "1:\n\t" LOADW REP##R(ROW) KSTEP_END             \
                         REP##R(STORE) PANEL_OPERANDS                                                 \
                     : PANEL_CLOBBERS);                                                               \
    (void)p0, (void)p1, (void)p2, (void)p3, (void)p4, (void)p5, (void)p6;                               \
    return w;                                                                                         \
  }

/* 32 columns: zmm(2i), zmm(2i+1) for row i, one broadcast for both. */
#define Z2_INIT0 "vmovaps (%[w]), %%zmm0\n\tvmovaps 64(%[w]), %%zmm1\n\t"
#define Z2_INIT(i) "vmovaps %%zmm0, %%zmm" EVEN_##i "\n\tvmovaps %%zmm1, %%zmm" ODD_##i "\n\t"
#define Z2_LOADW "vmovaps (%[w]), %%zmm30\n\tvmovaps 64(%[w]), %%zmm31\n\t"
#define Z2_ROW(i)                                                                                     \
  "vbroadcastss (%[p" #i "],%[k]), %%zmm29\n\t"                                                       \
  "vfmadd231ps %%zmm30, %%zmm29, %%zmm" EVEN_##i "\n\t"                                               \
  "vfmadd231ps %%zmm31, %%zmm29, %%zmm" ODD_##i "\n\t"
#define Z2_STORE(i)                                                                                   \
  "vmovaps %%zmm" EVEN_##i ", " OFF_##i "(%[acc])\n\tvmovaps %%zmm" ODD_##i ", " OFF2_##i "(%[acc])\n\t"
/* 24 columns: zmm(i) and ymm(7+i) for row i. */
#define Z1Y1_INIT0 "vmovaps (%[w]), %%zmm0\n\tvmovaps 64(%[w]), %%ymm7\n\t"
#define Z1Y1_INIT(i) "vmovaps %%zmm0, %%zmm" NUM_##i "\n\tvmovaps %%ymm7, %%ymm" SEVEN_##i "\n\t"
#define Z1Y1_LOADW "vmovaps (%[w]), %%zmm30\n\tvmovaps 64(%[w]), %%ymm31\n\t"
#define Z1Y1_ROW(i)                                                                                   \
  "vbroadcastss (%[p" #i "],%[k]), %%zmm29\n\t"                                                       \
  "vfmadd231ps %%zmm30, %%zmm29, %%zmm" NUM_##i "\n\t"                                                \
  "vfmadd231ps %%ymm31, %%ymm29, %%ymm" SEVEN_##i "\n\t"
#define Z1Y1_STORE(i)                                                                                 \
  "vmovaps %%zmm" NUM_##i ", " OFF_##i "(%[acc])\n\tvmovaps %%ymm" SEVEN_##i ", " OFF2_##i "(%[acc])\n\t"
/* 16 columns: zmm(i) for row i, the broadcast folded into the FMA. */
#define Z1_INIT0 "vmovaps (%[w]), %%zmm0\n\t"
#define Z1_INIT(i) "vmovaps %%zmm0, %%zmm" NUM_##i "\n\t"
#define Z1_LOADW "vmovaps (%[w]), %%zmm30\n\t"
#define Z1_ROW(i) "vfmadd231ps (%[p" #i "],%[k])%{1to16%}, %%zmm30, %%zmm" NUM_##i "\n\t"
#define Z1_STORE(i) "vmovaps %%zmm" NUM_##i ", " OFF_##i "(%[acc])\n\t"
/* 8 columns: ymm(i) for row i. */
#define Y1_INIT0 "vmovaps (%[w]), %%ymm0\n\t"
#define Y1_INIT(i) "vmovaps %%ymm0, %%ymm" NUM_##i "\n\t"
#define Y1_LOADW "vmovaps (%[w]), %%ymm30\n\t"
#define Y1_ROW(i) "vfmadd231ps (%[p" #i "],%[k])%{1to8%}, %%ymm30, %%ymm" NUM_##i "\n\t"
#define Y1_STORE(i) "vmovaps %%ymm" NUM_##i ", " OFF_##i "(%[acc])\n\t"

#define PANELS(R)                                                                                     \
  PANEL_FN(panel##R##_z2, R, Z2_INIT0, Z2_INIT, Z2_LOADW, Z2_ROW, Z2_STORE)                           \
  PANEL_FN(panel##R##_z1y1, R, Z1Y1_INIT0, Z1Y1_INIT, Z1Y1_LOADW, Z1Y1_ROW, Z1Y1_STORE)               \
  PANEL_FN(panel##R##_z1, R, Z1_INIT0, Z1_INIT, Z1_LOADW, Z1_ROW, Z1_STORE)                           \
  PANEL_FN(panel##R##_y1, R, Y1_INIT0, Y1_INIT, Y1_LOADW, Y1_ROW, Y1_STORE)
PANELS(1)
PANELS(2)
PANELS(3)
PANELS(4)
PANELS(5)
PANELS(6)
PANELS(7)

typedef const float *(*panel_fn)(const float *const *, size_t, size_t, const float *, float *);
/* [R - 1][shape]: shape 0 = z2, 1 = z1y1, 2 = z1, 3 = y1 */
#define PANEL_ROW(R) {panel##R##_z2, panel##R##_z1y1, panel##R##_z1, panel##R##_y1}
static const panel_fn g_panels[7][4] = {PANEL_ROW(1), PANEL_ROW(2), PANEL_ROW(3), PANEL_ROW(4),
                                        PANEL_ROW(5), PANEL_ROW(6), PANEL_ROW(7)};

/* One panel for MR rows: NZ zmm (16 columns each) then NY (0/1) ymm
 * accumulators per row; w points at the panel (NR biases, then ks*kc rows
 * of NR); a = ks x MR row pointers; ncol = valid columns (masked stores
 * below NZ*16 + NY*8). */
INL void panel(const int MR, const int ASM, const int NZ, const int NY, const float *const *a, size_t ks, size_t kc,
               const float *w, float *c, size_t c_stride, size_t mr, size_t ncol, const enn_f32_epi *ep) {
  __m512 z[MAXMR][2];
  __m256 y[MAXMR];
  if (ASM == 1 || (ASM == 2 && NZ == 1 && NY == 0 && kc * ks >= 16)) { /* the assembly routines; acc row i: zmm at 128*i bytes, second zmm / ymm at +64 */
    _Alignas(64) float acc[7 * 32];
    g_panels[MR - 1][NZ == 2 ? 0 : NZ == 1 && NY ? 1 : NZ == 1 ? 2 : 3](a, ks, kc, w, acc);
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
    /* a weight prefetch stream (base/prefetch.h): one line per k-step of
     * a claimed range */
    const char *claimed = NZ == 2 ? enn_pf_claim((int64_t)(kc * ks), (int64_t)(kc * ks) * MR * 32) : NULL;
    if (ks == 1 && !claimed) { /* one tap: a simpler loop nest keeps the row pointers in registers */
      const float *ap[MAXMR];
      UNROLL for (int i = 0; i < MR; i++) ap[i] = a[i];
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
    } else {
      /* with a claimed range one line per k-step, else the same (cached)
       * line every step */
      const char *pf = claimed ? claimed : (const char *)(const void *)w;
      const size_t pfs = claimed ? 64 : 0;
      for (size_t t = 0; t < ks; t++) {
      const float *const *ap = a + t * (size_t)TABMR;
      for (size_t k = 0; k < kc; k++, wk += NR) {
        __m512 b[2];
        __m256 by = _mm256_setzero_ps();
        UNROLL for (int v = 0; v < NZ; v++) b[v] = _mm512_load_ps(wk + 16 * v);
        if (NY) by = _mm256_load_ps(wk + 16 * NZ);
        if (NZ == 2) {
          _mm_prefetch(pf, _MM_HINT_T1);
          pf += pfs;
        }
        UNROLL for (int i = 0; i < MR; i++) {
          UNROLL for (int v = 0; v < NZ; v++) z[i][v] = _mm512_fmadd_ps(_mm512_set1_ps(ap[i][k]), b[v], z[i][v]);
          if (NY) y[i] = _mm256_fmadd_ps(_mm256_set1_ps(ap[i][k]), by, y[i]);
        }
      }
      }
    }
  }
  EPI_SWITCH(ep->kind, UNROLL for (int i = 0; i < MR; i++) {
    UNROLL for (int v = 0; v < NZ; v++) z[i][v] = epi_zk(z[i][v], EPI_K, ep);
    if (NY) y[i] = epi_yk(y[i], EPI_K, ep);
  });
  const bool full = ncol >= (size_t)(NZ * 16 + NY * 8);
  UNROLL for (int i = MR - 1; i >= 0; i--) {
    float *ci = c + ((size_t)i < mr ? (size_t)i : mr - 1) * c_stride;
    UNROLL for (int v = 0; v < NZ; v++) {
      const __m512 r = z[i][v];
      if (full) _mm512_storeu_ps(ci + 16 * v, r);
      else {
        const size_t rem = ncol > (size_t)v * 16 ? ncol - (size_t)v * 16 : 0;
        _mm512_mask_storeu_ps(ci + 16 * v, mask16(rem), r);
      }
    }
    if (NY) {
      const __m256 r = y[i];
      const size_t c0 = (size_t)(NZ * 16);
      if (full) _mm256_storeu_ps(ci + c0, r);
      else _mm256_mask_storeu_ps(ci + c0, mask8(ncol > c0 ? ncol - c0 : 0), r);
    }
  }
}

/* All nc columns of MR rows. ASM (panel()): the assembly k loops pay for
 * 16-column panels (7 FMAs per step, where GCC's row pointers spilled:
 * 10-14% faster); on wider panels GCC's code is 5-15% faster at small K,
 * where the routines' accumulator store / reload is not amortised, and
 * the same at large K. */
INL void tile(const int MR, const int ASM, size_t mr, size_t nc, size_t kc, size_t ks, const float *const *a,
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

/* Tiles of exactly R = 1..7 rows, each its own function (inlined into
 * one dispatcher, GCC ran out of registers). */
#define TILE_FN(R)                                                                                             \
  static __attribute__((noinline)) void tile##R(size_t nc, size_t kc, size_t ks, const float *const *a,       \
                                                const float *w, float *c, size_t c_stride, const enn_f32_epi *ep) { \
    tile(R, ASM_NARROW, R, nc, kc, ks, a, w, c, c_stride, ep);                                                \
  }
TILE_FN(1)
TILE_FN(2)
TILE_FN(3)
TILE_FN(4)
TILE_FN(5)
TILE_FN(6)
TILE_FN(7)

/* n consecutive tiles of exactly R rows (R = 4..7: the sizes of a
 * balanced split of more than 7 rows; gemm_rows.h), one call: the tile
 * prologue and the call are paid once (measured: one 7 x 32 panel per call
 * took ~70 cycles more than with twelve). */
#define TILE512(R, ap, c) tile(R, ASM_NARROW, R, nc, kc, 1, ap, w, c, c_stride, ep)
#define TILES_FN(R) ENN_F32_TILES_FN(R, TABMR, TILE512)
TILES_FN(4)
TILES_FN(5)
TILES_FN(6)
TILES_FN(7)
#define ITILE512(R, tab, c) tile(R, ASM_NARROW, R, nc, kc, ks, tab, w, c, c_stride, ep)
ENN_F32_ITILES_FN(4, TABMR, ITILE512)
ENN_F32_ITILES_FN(5, TABMR, ITILE512)
ENN_F32_ITILES_FN(6, TABMR, ITILE512)
ENN_F32_ITILES_FN(7, TABMR, ITILE512)
static const enn_f32_itiles_fn g_itiles_n[4] = {itiles4, itiles5, itiles6, itiles7};

static const enn_f32_tiles_fn g_tiles_n[4] = {tiles4, tiles5, tiles6, tiles7};

typedef void (*tile_fn)(size_t, size_t, size_t, const float *const *, const float *, float *, size_t,
                        const enn_f32_epi *);
static const tile_fn g_tiles[7] = {tile1, tile2, tile3, tile4, tile5, tile6, tile7};

/* mr (1..7) rows with a tile of exactly mr rows (no repeated rows); a =
 * TABMR pointers per tap. */
static inline void tile_mr(size_t mr, size_t nc, size_t kc, size_t ks, const float *const *a, const float *w,
                           float *c, size_t c_stride, const enn_f32_epi *ep) {
  g_tiles[mr - 1](nc, kc, ks, a, w, c, c_stride, ep);
}

void enn_f32_gemm_minmax_7x32__avx512(size_t mr, size_t nc, size_t kc, const float *a, size_t a_stride,
                                      const float *w, float *c, size_t c_stride, const enn_f32_epi *ep) {
  if (mr == 1) {
    gemv(nc, kc, a, w, c, ep);
    return;
  }
  if (mr > 7) { /* any_rows (gemm_rows.h) */
    enn_f32_gemm_row_runs(7, 4, g_tiles_n, mr, nc, kc, a, a_stride, w, c, c_stride, ep);
    return;
  }
  const float *ap[TABMR];
  for (size_t i = 0; i < TABMR; i++) ap[i] = a + (i < mr ? i : mr - 1) * a_stride;
  tile_mr(mr, nc, kc, 1, ap, w, c, c_stride, ep);
}

void enn_f32_igemm_minmax_7x32__avx512(size_t mr, size_t nc, size_t kc, size_t ks, const float *const *a,
                                       const float *w, float *c, size_t c_stride, const enn_f32_epi *ep) {
  if (mr > 7) { /* any_rows: one table per balanced tile (gemm_rows.h) */
    enn_f32_igemm_row_runs(7, 4, g_itiles_n, mr, nc, kc, ks, a, w, c, c_stride, ep);
    return;
  }
  tile_mr(mr, nc, kc, ks, a, w, c, c_stride, ep);
}

#endif
