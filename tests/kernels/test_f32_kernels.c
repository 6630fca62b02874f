/*
 * Every f32 SIMD kernel of the table (src/kernels/kernels.h) called
 * directly, against its reference on boundary shapes: sizes 1, primes,
 * every tail 1..6 of a 4- or 8-lane vector (NEON), tile-1 / tile / tile+1
 * in rows, columns and channels, strided inputs and
 * outputs, every stride / padding of the depthwise windows, every fused
 * epilogue. Kernels whose ISA the CPU lacks are skipped with a message.
 *
 * References: GEMM against enn_f32_fully_connected__ref; IGEMM and DWCONV
 * against loops written here (a different structure: pixel-major sums in
 * double); VADD against enn_f32_binary__ref; GAVGPOOL against
 * enn_f32_global_avg_pool__ref (bit-exact: same summation order);
 * MAXPOOL against enn_f32_max_pool2d__ref (bit-exact, NaNs included);
 * SOFTMAX against enn_f32_softmax__ref (1e-6 relative with one dominant
 * value, 1e-5 with 1001 comparable ones: the sums run in another order).
 *
 * Tolerance of a dot-product output: FMA rounding vs the reference's
 * multiply-then-add, at most (K + 2) * FLT_EPSILON * (|bias| + sum |x*w|),
 * plus 2 ulp of the result for the epilogue (hard-swish multiplies by 1/6
 * where the reference divides by 6). Elements outside the written block
 * must keep their sentinel value (no stray stores).
 */
#include <float.h>
#include <stdint.h>

#include "kernels/kernels.h"
#include "kernels/ref/binary_ref.h"
#include "kernels/ref/fc_ref.h"
#include "kernels/ref/pool_ref.h"
#include "kernels/ref/softmax_ref.h"
#include "test.h"

#define SENTINEL 12345.0f

static const enn_act_params kActs[] = {
    {ENN_ACT_NONE, 0, 0, 0, 0},         {ENN_ACT_RELU, 0, 0, 0, 0},
    {ENN_ACT_RELU6, 0, 0, 0, 0},        {ENN_ACT_CLIP, -0.25f, 0.5f, 0, 0},
    {ENN_ACT_HARD_SWISH, 0, 0, 0, 0},   {ENN_ACT_HARD_SIGMOID, 0, 0, 0.2f, 0.5f},
};
#define N_ACTS ((int)(sizeof kActs / sizeof kActs[0]))

static int g_ran, g_skipped;

static bool usable(const enn_kernel *k) {
  if (k->dtype != ENN_DTYPE_F32) return false; /* int8 kernels: tests/kernels/test_qs8_*.c */
  if (enn_kernel_isa_supported(k->isa)) {
    g_ran++;
    return true;
  }
  fprintf(stderr, "  skip %s: this CPU lacks %s\n", k->name, enn_isa_name(k->isa));
  g_skipped++;
  return false;
}

static bool close_to(float got, double want, double scale) {
  const double tol = scale + 2.0 * FLT_EPSILON * fabs(want) + 1e-30;
  return fabs((double)got - want) <= tol;
}

/* -------------------------------------------------------------- GEMM */
static void gemm_case(const enn_kernel *k, int m, int n, int kd, const enn_act_params *act, unsigned long long seed) {
  const int a_stride = kd + 3, c_stride = n + 5;
  float *x = malloc(sizeof(float) * (size_t)(m * kd));
  float *xs = malloc(sizeof(float) * (size_t)(m * a_stride));
  float *w = malloc(sizeof(float) * (size_t)(n * kd));
  float *b = malloc(sizeof(float) * (size_t)n);
  float *y = malloc(sizeof(float) * (size_t)(m * n));
  float *c = malloc(sizeof(float) * (size_t)(m * c_stride));
  float *pw = aligned_alloc(64, enn_align_up(enn_f32_pack_gemm_floats(n, kd, k->nr) * sizeof(float), 64));
  enn_t_fill(x, m * kd, seed, -2.0f, 2.0f);
  enn_t_fill(w, n * kd, seed + 1, -1.0f, 1.0f);
  enn_t_fill(b, n, seed + 2, -1.0f, 1.0f);
  for (int i = 0; i < m * a_stride; i++) xs[i] = -999.0f; /* padding columns must not be read into sums */
  for (int i = 0; i < m; i++) memcpy(xs + i * a_stride, x + i * kd, sizeof(float) * (size_t)kd);
  for (int i = 0; i < m * c_stride; i++) c[i] = SENTINEL;
  enn_fc_params fp = {m, kd, n, *act};
  enn_f32_fully_connected__ref(&fp, x, w, b, y);
  enn_f32_pack_gemm(n, kd, kd, k->nr, w, b, pw);
  enn_f32_epi ep;
  CHECK(enn_f32_epi_init(&ep, act));
  for (int r = 0; r < m; r += k->mr) { /* row tiles of at most MR rows, as the driver calls it */
    const int mr = m - r < k->mr ? m - r : k->mr;
    k->fn.gemm((size_t)mr, (size_t)n, (size_t)kd, xs + r * a_stride, (size_t)a_stride, pw, c + r * c_stride,
               (size_t)c_stride, &ep);
  }
  if (k->any_rows && m > k->mr) { /* all rows in one call: the same bits, nothing past a row written */
    float *c1 = malloc(sizeof(float) * (size_t)(m * c_stride));
    for (int i = 0; i < m * c_stride; i++) c1[i] = SENTINEL;
    k->fn.gemm((size_t)m, (size_t)n, (size_t)kd, xs, (size_t)a_stride, pw, c1, (size_t)c_stride, &ep);
    CHECK_MSG(memcmp(c, c1, sizeof(float) * (size_t)(m * c_stride)) == 0, "%s m=%d n=%d k=%d: one call differs",
              k->name, m, n, kd);
    free(c1);
  }
  int bad = 0;
  for (int i = 0; i < m && bad < 3; i++)
    for (int j = 0; j < c_stride; j++) {
      const float got = c[i * c_stride + j];
      if (j >= n) {
        if (got != SENTINEL) bad++;
        continue;
      }
      double mag = fabs((double)b[j]);
      for (int q = 0; q < kd; q++) mag += fabs((double)x[i * kd + q] * (double)w[j * kd + q]);
      if (!close_to(got, (double)y[i * n + j], (double)(kd + 2) * FLT_EPSILON * mag * 2.0)) {
        if (!bad)
          fprintf(stderr, "  %s m=%d n=%d k=%d act=%d: [%d,%d] %.9g vs ref %.9g\n", k->name, m, n, kd, act->act, i,
                  j, (double)got, (double)y[i * n + j]);
        bad++;
      }
    }
  CHECK_MSG(bad == 0, "%s m=%d n=%d k=%d act=%d", k->name, m, n, kd, act->act);
  free(x), free(xs), free(w), free(b), free(y), free(c), free(pw);
}

static void test_gemm(void) {
  int32_t cnt;
  const enn_kernel *t = enn_kernel_table(&cnt);
  for (int32_t i = 0; i < cnt; i++) {
    const enn_kernel *k = &t[i];
    if (k->op != ENN_KOP_GEMM || !usable(k)) continue;
    const int ms[] = {1, 2, 3, 4, 5, k->mr - 1, k->mr, k->mr + 1, 2 * k->mr + 3, 13}; /* every row count */
    const int ns[] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 15, 16, 17, 23, 24, 25, k->nr - 1, k->nr, k->nr + 1, 2 * k->nr + 7, 4 * k->nr,
                      4 * k->nr + 9, 131};
    const int ks[] = {1, 2, 17, 64};
    unsigned long long seed = 1;
    for (size_t a = 0; a < sizeof ms / sizeof ms[0]; a++)
      for (size_t b = 0; b < sizeof ns / sizeof ns[0]; b++)
        for (size_t c = 0; c < sizeof ks / sizeof ks[0]; c++) {
          if (ms[a] < 1) continue;
          gemm_case(k, ms[a], ns[b], ks[c], &kActs[seed % N_ACTS], seed);
          seed++;
        }
    for (int act = 0; act < N_ACTS; act++) gemm_case(k, k->mr + 1, k->nr + 3, 9, &kActs[act], 100u + (unsigned)act);
    if (k->any_rows) { /* balanced tiles of 4..7 rows, runs of equal sizes, as the pipeline's rows */
      const int mm[] = {8, 12, 14, 15, 20, 22, 29, 36, 49, 56, 57, 112};
      for (size_t a = 0; a < sizeof mm / sizeof mm[0]; a++)
        gemm_case(k, mm[a], a % 2 ? 96 : 24, a % 3 ? 16 : 33, &kActs[a % N_ACTS], 200u + (unsigned)a);
    }
    /* NaN in a row: every epilogue treats it as the scalar spec does
     * (relu -> 0, clip / relu6 / hard-sigmoid / hard-swish -> NaN) */
    for (int act = 0; act < N_ACTS; act++) {
      const int m = 2, n = 5, kd = 3;
      float x[6] = {1, NAN, 2, 3, 4, 5}, w[15], b[5], y[10], c[10];
      enn_t_fill(w, 15, 9, -1, 1);
      enn_t_fill(b, 5, 10, -1, 1);
      float *pw = aligned_alloc(64, enn_align_up(enn_f32_pack_gemm_floats(n, kd, k->nr) * sizeof(float), 64));
      enn_f32_pack_gemm(n, kd, kd, k->nr, w, b, pw);
      enn_fc_params fp = {m, kd, n, kActs[act]};
      enn_f32_fully_connected__ref(&fp, x, w, b, y);
      enn_f32_epi ep;
      enn_f32_epi_init(&ep, &kActs[act]);
      k->fn.gemm((size_t)m, (size_t)n, (size_t)kd, x, (size_t)kd, pw, c, (size_t)n, &ep);
      int bad = 0;
      for (int q = 0; q < n; q++) bad += isnan(c[q]) != isnan(y[q]) || (!isnan(y[q]) && c[q] != y[q]);
      CHECK_MSG(bad == 0, "%s: NaN row, act %d: %g vs ref %g", k->name, kActs[act].act, (double)c[0], (double)y[0]);
      free(pw);
    }
  }
}

/* ------------------------------------------------------------- IGEMM */
/* ks taps x mr rows of pointers into a pool of pixels (stride kc + 2) or a
 * zero vector; expected sums written here pixel by pixel in double. */
static void igemm_case(const enn_kernel *k, int mr, int n, int kc, int ks, const enn_act_params *act,
                       unsigned long long seed) {
  const int MR = k->mr, pix = 11, pstride = kc + 2, c_stride = n + 3;
  float *pool = malloc(sizeof(float) * (size_t)(pix * pstride));
  float *zero = calloc((size_t)kc, sizeof(float));
  float *w = malloc(sizeof(float) * (size_t)(n * ks * kc)); /* [n][ks][kc] */
  float *b = malloc(sizeof(float) * (size_t)n);
  float *c = malloc(sizeof(float) * (size_t)(mr * c_stride));
  const float **ind = malloc(sizeof(float *) * (size_t)(ks * MR));
  float *pw = aligned_alloc(64, enn_align_up(enn_f32_pack_gemm_floats(n, (int64_t)ks * kc, k->nr) * sizeof(float), 64));
  enn_t_fill(pool, pix * pstride, seed, -2.0f, 2.0f);
  enn_t_fill(w, n * ks * kc, seed + 1, -1.0f, 1.0f);
  enn_t_fill(b, n, seed + 2, -1.0f, 1.0f);
  unsigned long long st = seed * 77u + 5u;
  for (int t = 0; t < ks; t++)
    for (int i = 0; i < MR; i++) {
      const int r = i < mr ? i : mr - 1;
      if (i >= mr) {
        ind[t * MR + i] = ind[t * MR + r];
        continue;
      }
      const int q = (int)(enn_t_randf(&st, 0.0f, (float)pix + 2.0f)); /* pix or pix+1 -> padding */
      ind[t * MR + i] = q >= pix ? zero : pool + q * pstride;
    }
  for (int i = 0; i < mr * c_stride; i++) c[i] = SENTINEL;
  enn_f32_pack_gemm(n, (int64_t)ks * kc, (int64_t)ks * kc, k->nr, w, b, pw);
  enn_f32_epi ep;
  CHECK(enn_f32_epi_init(&ep, act));
  k->fn.igemm((size_t)mr, (size_t)n, (size_t)kc, (size_t)ks, ind, pw, c, (size_t)c_stride, &ep);
  int bad = 0;
  for (int i = 0; i < mr; i++)
    for (int j = 0; j < c_stride; j++) {
      const float got = c[i * c_stride + j];
      if (j >= n) {
        bad += got != SENTINEL;
        continue;
      }
      double s = (double)b[j], mag = fabs((double)b[j]);
      for (int t = 0; t < ks; t++)
        for (int q = 0; q < kc; q++) {
          const double pr = (double)ind[t * MR + i][q] * (double)w[(j * ks + t) * kc + q];
          s += pr;
          mag += fabs(pr);
        }
      const double want = (double)enn_act_f32((float)s, act);
      if (!close_to(got, want, (double)(ks * kc + 2) * FLT_EPSILON * mag * 2.0)) {
        if (!bad)
          fprintf(stderr, "  %s mr=%d n=%d kc=%d ks=%d: [%d,%d] %.9g vs %.9g\n", k->name, mr, n, kc, ks, i, j,
                  (double)got, want);
        bad++;
      }
    }
  CHECK_MSG(bad == 0, "%s mr=%d n=%d kc=%d ks=%d act=%d", k->name, mr, n, kc, ks, act->act);
  free(pool), free(zero), free(w), free(b), free(c), free(ind), free(pw);
}

/* any_rows: m rows in one call, tile t's table at ind + t * ks * MR (the
 * balanced split), against one call per tile: the same bits, nothing past
 * a row written. */
static void igemm_rows_case(const enn_kernel *k, int m, int n, int kc, int ks, const enn_act_params *act,
                            unsigned long long seed) {
  const int MR = k->mr, nt = (m + MR - 1) / MR, pix = 13, pstride = kc + 1, c_stride = n + 2;
  float *pool = malloc(sizeof(float) * (size_t)(pix * pstride)), *zero = calloc((size_t)kc, sizeof(float));
  float *w = malloc(sizeof(float) * (size_t)(n * ks * kc)), *b = malloc(sizeof(float) * (size_t)n);
  float *c0 = malloc(sizeof(float) * (size_t)(m * c_stride)), *c1 = malloc(sizeof(float) * (size_t)(m * c_stride));
  const float **ind = malloc(sizeof(float *) * (size_t)(nt * ks * MR));
  float *pw = aligned_alloc(64, enn_align_up(enn_f32_pack_gemm_floats(n, (int64_t)ks * kc, k->nr) * sizeof(float), 64));
  enn_t_fill(pool, pix * pstride, seed, -2.0f, 2.0f);
  enn_t_fill(w, n * ks * kc, seed + 1, -1.0f, 1.0f);
  enn_t_fill(b, n, seed + 2, -1.0f, 1.0f);
  enn_f32_pack_gemm(n, (int64_t)ks * kc, (int64_t)ks * kc, k->nr, w, b, pw);
  enn_f32_epi ep;
  CHECK(enn_f32_epi_init(&ep, act));
  unsigned long long st = seed * 31u + 3u;
  for (int t = 0; t < nt; t++) {
    const int r0 = m * t / nt, mr = m * (t + 1) / nt - r0;
    const float **tab = ind + (size_t)t * (size_t)(ks * MR);
    for (int tap = 0; tap < ks; tap++)
      for (int i = 0; i < MR; i++) {
        const int q = (int)enn_t_randf(&st, 0.0f, (float)pix + 1.0f);
        tab[tap * MR + i] = i >= mr ? tab[tap * MR + mr - 1] : q >= pix ? zero : pool + q * pstride;
      }
  }
  for (int i = 0; i < m * c_stride; i++) c0[i] = c1[i] = SENTINEL;
  for (int t = 0; t < nt; t++) {
    const int r0 = m * t / nt, mr = m * (t + 1) / nt - r0;
    k->fn.igemm((size_t)mr, (size_t)n, (size_t)kc, (size_t)ks, ind + (size_t)t * (size_t)(ks * MR), pw,
                c0 + r0 * c_stride, (size_t)c_stride, &ep);
  }
  k->fn.igemm((size_t)m, (size_t)n, (size_t)kc, (size_t)ks, ind, pw, c1, (size_t)c_stride, &ep);
  CHECK_MSG(memcmp(c0, c1, sizeof(float) * (size_t)(m * c_stride)) == 0, "%s m=%d n=%d kc=%d ks=%d: one call differs",
            k->name, m, n, kc, ks);
  free(pool), free(zero), free(w), free(b), free(c0), free(c1), free(ind), free(pw);
}

static void test_igemm(void) {
  int32_t cnt;
  const enn_kernel *t = enn_kernel_table(&cnt);
  for (int32_t i = 0; i < cnt; i++) {
    const enn_kernel *k = &t[i];
    if (k->op != ENN_KOP_IGEMM || !usable(k)) continue;
    if (k->any_rows) {
      const int mm[] = {8, 13, 14, 20, 29, 56, 112};
      for (size_t a = 0; a < sizeof mm / sizeof mm[0]; a++)
        igemm_rows_case(k, mm[a], a % 2 ? 32 : 19, a % 3 ? 9 : 4, a % 2 ? 3 : 1, &kActs[a % N_ACTS], 300u + a);
    }
    const int mrs[] = {1, 2, 3, 4, 5, k->mr - 1, k->mr}; /* every row count (a tile per count) */
    const int ns[] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 16, 17, 24, 25, k->nr, k->nr + 1, 3 * k->nr + 5};
    const int kcs[] = {1, 3, 16};
    const int kss[] = {1, 4, 9};
    unsigned long long seed = 7;
    for (size_t a = 0; a < sizeof mrs / sizeof mrs[0]; a++)
      for (size_t b = 0; b < sizeof ns / sizeof ns[0]; b++)
        for (size_t c = 0; c < sizeof kcs / sizeof kcs[0]; c++)
          for (size_t d = 0; d < sizeof kss / sizeof kss[0]; d++) {
            if (mrs[a] < 1) continue;
            igemm_case(k, mrs[a], ns[b], kcs[c], kss[d], &kActs[seed % N_ACTS], seed);
            seed++;
          }
  }
}

/* ------------------------------------------------------------ DWCONV */
/* One call of depthwise kernel k on random data: KH input rows of iw
 * pixels x ch (a true zero_rows[r] reads a zero row instead; NULL: none),
 * weights w [ch][kh][kw] (OHWI with I = 1) and bias b, packed for k; ow
 * outputs in y, followed by 16 SENTINEL floats that must stay. */
typedef struct dw_run {
  const float *rows[5];
  float *in, *zero, *w, *b, *y, *pw;
} dw_run;

static void dw_run_kernel(dw_run *t, const enn_kernel *k, int ch, int iw, int stride, int pad_left, int ow,
                          const bool *zero_rows, const enn_act_params *act, unsigned long long seed) {
  const int KH = k->kh, KW = k->kw;
  t->in = malloc(sizeof(float) * (size_t)(KH * iw * ch));
  t->zero = calloc((size_t)(iw * ch), sizeof(float));
  t->w = malloc(sizeof(float) * (size_t)(ch * KH * KW));
  t->b = malloc(sizeof(float) * (size_t)ch);
  t->y = malloc(sizeof(float) * (size_t)(ow * ch + 16));
  t->pw = aligned_alloc(64, enn_align_up(enn_f32_pack_dwconv_floats(ch, KH, KW, k->nr) * sizeof(float), 64));
  enn_t_fill(t->in, KH * iw * ch, seed, -2.0f, 2.0f);
  enn_t_fill(t->w, ch * KH * KW, seed + 1, -1.0f, 1.0f);
  enn_t_fill(t->b, ch, seed + 2, -1.0f, 1.0f);
  for (int i = 0; i < ow * ch + 16; i++) t->y[i] = SENTINEL;
  for (int r = 0; r < KH; r++) t->rows[r] = zero_rows && zero_rows[r] ? t->zero : t->in + r * iw * ch;
  enn_f32_pack_dwconv(ch, KH, KW, k->nr, t->w, t->b, t->pw);
  enn_f32_epi ep;
  CHECK(enn_f32_epi_init(&ep, act));
  k->fn.dwconv(t->rows, t->pw, t->y, (size_t)ch, (size_t)ow, (size_t)iw, (size_t)stride, (size_t)pad_left, &ep);
}

static void dw_run_free(dw_run *t) { free(t->in), free(t->zero), free(t->w), free(t->b), free(t->y), free(t->pw); }

static void dw_case(const enn_kernel *k, int ch, int iw, int stride, int pad_left, int ow, const bool *zero_rows,
                    const enn_act_params *act, unsigned long long seed) {
  const int KH = k->kh, KW = k->kw;
  dw_run t;
  dw_run_kernel(&t, k, ch, iw, stride, pad_left, ow, zero_rows, act, seed);
  const float *const *rows = t.rows, *w = t.w, *b = t.b, *y = t.y;
  int bad = 0;
  for (int ox = 0; ox < ow; ox++)
    for (int c = 0; c < ch; c++) {
      double s = (double)b[c], mag = fabs((double)b[c]);
      for (int ky = 0; ky < KH; ky++)
        for (int kx = 0; kx < KW; kx++) {
          const int ix = ox * stride - pad_left + kx;
          if (ix < 0 || ix >= iw) continue;
          const double pr = (double)rows[ky][ix * ch + c] * (double)w[(c * KH + ky) * KW + kx];
          s += pr;
          mag += fabs(pr);
        }
      const double want = (double)enn_act_f32((float)s, act);
      const float got = y[ox * ch + c];
      if (!close_to(got, want, (double)(KH * KW + 2) * FLT_EPSILON * mag * 2.0)) {
        if (!bad)
          fprintf(stderr, "  %s ch=%d iw=%d s=%d pl=%d ow=%d: [%d,%d] %.9g vs %.9g\n", k->name, ch, iw, stride,
                  pad_left, ow, ox, c, (double)got, want);
        bad++;
      }
    }
  for (int i = ow * ch; i < ow * ch + 16; i++) bad += y[i] != SENTINEL;
  CHECK_MSG(bad == 0, "%s ch=%d iw=%d stride=%d pad_left=%d ow=%d", k->name, ch, iw, stride, pad_left, ow);
  dw_run_free(&t);
}

/* Bit-exact check of the x86 / NEON depthwise kernels' accumulation order:
 * every output must be bias + its in-range taps in (ky, kx) order, one
 * fused multiply-add each (fmaf below), then the clamp (exact). Widths
 * 1..33 and 56 reach every group size and edge combination of the
 * eight-pixel sweeps; channels 16, 17, 33, 48 full and masked blocks. */
static void dw_exact_case(const enn_kernel *k, int ch, int iw, int stride, int pl, int ow, const enn_act_params *act,
                          unsigned long long seed) {
  const int KH = k->kh, KW = k->kw;
  dw_run t;
  dw_run_kernel(&t, k, ch, iw, stride, pl, ow, NULL, act, seed);
  const float *const *rows = t.rows, *w = t.w, *b = t.b, *y = t.y;
  int bad = 0;
  for (int ox = 0; ox < ow; ox++)
    for (int c = 0; c < ch; c++) {
      float s = b[c];
      for (int ky = 0; ky < KH; ky++)
        for (int kx = 0; kx < KW; kx++) {
          const int ix = ox * stride - pl + kx;
          if (ix >= 0 && ix < iw) s = fmaf(rows[ky][ix * ch + c], w[(c * KH + ky) * KW + kx], s);
        }
      if (act->act == ENN_ACT_RELU) s = s > 0.0f ? s : 0.0f;
      if (act->act == ENN_ACT_RELU6) s = s < 0.0f ? 0.0f : s > 6.0f ? 6.0f : s;
      const float got = y[ox * ch + c];
      if (memcmp(&got, &s, sizeof s) != 0) {
        if (!bad)
          fprintf(stderr, "  %s ch=%d iw=%d s=%d pl=%d ow=%d: [%d,%d] %.9g vs %.9g\n", k->name, ch, iw, stride, pl,
                  ow, ox, c, (double)got, (double)s);
        bad++;
      }
    }
  for (int i = ow * ch; i < ow * ch + 16; i++) bad += y[i] != SENTINEL;
  CHECK_MSG(bad == 0, "exact: %s ch=%d iw=%d stride=%d pad_left=%d ow=%d", k->name, ch, iw, stride, pl, ow);
  dw_run_free(&t);
}

static void test_dwconv_exact(void) {
  int32_t cnt;
  const enn_kernel *t = enn_kernel_table(&cnt);
  for (int32_t i = 0; i < cnt; i++) {
    const enn_kernel *k = &t[i];
    if (k->op != ENN_KOP_DWCONV || k->isa == ENN_ISA_REF || !usable(k)) continue;
    const int chs[] = {1, 16, 17, 33, 48};
    unsigned long long seed = 11;
    for (size_t a = 0; a < sizeof chs / sizeof chs[0]; a++)
      for (int iw = 1; iw <= 57; iw += iw < 33 ? 1 : 23)
        for (int stride = 1; stride <= 2; stride++)
          for (int pl = 0; pl < k->kw; pl++)
            for (int pr = 0; pr < k->kw; pr++) {
              const int full = iw + pl + pr - k->kw;
              if (full < 0) continue;
              const enn_act_params *act = &kActs[seed % 3]; /* none, relu, relu6 */
              dw_exact_case(k, chs[a], iw, stride, pl, full / stride + 1, act, seed);
              seed++;
            }
  }
}

static void test_dwconv(void) {
  int32_t cnt;
  const enn_kernel *t = enn_kernel_table(&cnt);
  for (int32_t i = 0; i < cnt; i++) {
    const enn_kernel *k = &t[i];
    if (k->op != ENN_KOP_DWCONV || !usable(k)) continue;
    const int chs[] = {1, 2, 3, 4, 5, 6, 10, 12, k->nr - 1, k->nr, k->nr + 1, 2 * k->nr + 5, 40};
    const int iws[] = {1, 2, 3, 5, 8, 13, 17};
    unsigned long long seed = 3;
    for (size_t a = 0; a < sizeof chs / sizeof chs[0]; a++)
      for (size_t b = 0; b < sizeof iws / sizeof iws[0]; b++)
        for (int stride = 1; stride <= 2; stride++)
          for (int pl = 0; pl < k->kw; pl++) {
            const int iw = iws[b];
            /* the output width of a conv with pad_left = pad_right = pl, and one pixel more */
            const int full = iw + 2 * pl - k->kw;
            if (full < 0) continue;
            const int ow = full / stride + 1;
            bool zr[5] = {false, false, false, false, false};
            zr[seed % (unsigned)k->kh] = (seed % 3) == 0;
            dw_case(k, chs[a], iw, stride, pl, ow, zr, &kActs[seed % N_ACTS], seed);
            dw_case(k, chs[a], iw, stride, pl, ow + 1, zr, &kActs[(seed + 1) % N_ACTS], seed + 1000);
            seed++;
          }
  }
}

/* ----------------------------------------------- VADD, GAVGPOOL, SOFTMAX */
static void test_vector(void) {
  int32_t cnt;
  const enn_kernel *t = enn_kernel_table(&cnt);
  const int ns[] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 12, 14, 15, 16, 17, 31, 32, 33, 63, 64, 65, 200, 1001};
  for (int32_t i = 0; i < cnt; i++) {
    const enn_kernel *k = &t[i];
    if (k->op != ENN_KOP_VADD && k->op != ENN_KOP_GAVGPOOL && k->op != ENN_KOP_SOFTMAX) continue;
    if (!usable(k)) continue;
    for (size_t q = 0; q < sizeof ns / sizeof ns[0]; q++) {
      const int n = ns[q];
      float *a = malloc(sizeof(float) * (size_t)(n * 5 + 16)), *b = malloc(sizeof(float) * (size_t)(n + 16));
      float *y = malloc(sizeof(float) * (size_t)(n * 5 + 16)), *r = malloc(sizeof(float) * (size_t)(n * 5 + 16));
      enn_t_fill(a, n * 5 + 16, 10u + (unsigned)q, -4.0f, 4.0f);
      enn_t_fill(b, n + 16, 20u + (unsigned)q, -4.0f, 4.0f);
      for (int i2 = 0; i2 < n * 5 + 16; i2++) y[i2] = SENTINEL;
      if (k->op == ENN_KOP_VADD) {
        for (int ai = 0; ai < N_ACTS; ai++) {
          const enn_act_params *act = &kActs[ai];
          enn_tensor_desc d;
          const int64_t dims[1] = {n};
          enn_tensor_desc_init(&d, ENN_DTYPE_F32, 1, dims);
          enn_binary_params bp;
          enn_binary_params_init(&bp, ENN_BINOP_ADD, &d, &d, act);
          enn_f32_binary__ref(&bp, a, b, r);
          enn_f32_epi ep;
          enn_f32_epi_init(&ep, act);
          k->fn.vadd((size_t)n, a, b, y, &ep);
          int bad = 0;
          for (int i2 = 0; i2 < n; i2++) /* hard-sigmoid: one fma vs multiply + add */
            bad += !close_to(y[i2], (double)r[i2], 4.0 * FLT_EPSILON * (fabs((double)a[i2]) + fabs((double)b[i2]) + 1.0));
          for (int i2 = n; i2 < n + 16; i2++) bad += y[i2] != SENTINEL;
          /* in place: y = a */
          float *acopy = malloc(sizeof(float) * (size_t)n);
          memcpy(acopy, a, sizeof(float) * (size_t)n);
          k->fn.vadd((size_t)n, acopy, b, acopy, &ep);
          for (int i2 = 0; i2 < n; i2++) bad += acopy[i2] != y[i2];
          free(acopy);
          CHECK_MSG(bad == 0, "%s n=%d act=%d", k->name, n, act->act);
        }
      } else if (k->op == ENN_KOP_GAVGPOOL) {
        const int hw = 5, ch = n;
        for (int ai = 0; ai < 3; ai++) { /* none, relu, relu6: exact */
          enn_global_pool_params gp = {1, hw, ch, kActs[ai]};
          enn_f32_global_avg_pool__ref(&gp, a, r);
          enn_f32_epi ep;
          enn_f32_epi_init(&ep, &kActs[ai]);
          k->fn.gavgpool((size_t)hw, (size_t)ch, a, y, &ep);
          int bad = 0;
          for (int i2 = 0; i2 < ch; i2++) bad += y[i2] != r[i2];
          for (int i2 = ch; i2 < ch + 16; i2++) bad += y[i2] != SENTINEL;
          CHECK_MSG(bad == 0, "%s hw=%d ch=%d act=%d", k->name, hw, ch, kActs[ai].act);
        }
      } else {
        a[0] = 30.0f; /* a dominant value and far tails (exp underflow) */
        if (n > 3) a[3] = -95.0f;
        enn_softmax_params sp = {1, n, 1, 0};
        enn_f32_softmax__ref(&sp, a, r);
        k->fn.softmax((size_t)n, a, y);
        int bad = 0;
        double sum = 0;
        for (int i2 = 0; i2 < n; i2++) {
          bad += !(fabs((double)y[i2] - (double)r[i2]) <= 1e-6 * fabs((double)r[i2]) + 1e-37);
          sum += y[i2];
        }
        for (int i2 = n; i2 < n + 16; i2++) bad += y[i2] != SENTINEL;
        CHECK_MSG(bad == 0, "%s n=%d", k->name, n);
        CHECK_NEAR(sum, 1.0, 1e-5);
        /* in place, moderate values */
        enn_t_fill(a, n, 99u, -10.0f, 10.0f);
        enn_f32_softmax__ref(&sp, a, r);
        k->fn.softmax((size_t)n, a, a);
        bad = 0;
        for (int i2 = 0; i2 < n; i2++) bad += !(fabs((double)a[i2] - (double)r[i2]) <= 1e-5 * fabs((double)r[i2]));
        CHECK_MSG(bad == 0, "%s in place n=%d", k->name, n);
      }
      free(a), free(b), free(y), free(r);
    }
  }
}

/* ------------------------------------------------------------ MAXPOOL */
static void test_maxpool(void) {
  int32_t cnt;
  const enn_kernel *t = enn_kernel_table(&cnt);
  for (int32_t i = 0; i < cnt; i++) {
    const enn_kernel *k = &t[i];
    if (k->op != ENN_KOP_MAXPOOL || !usable(k)) continue;
    const int chs[] = {1, 2, 3, 4, 5, 6, 10, k->nr - 1, k->nr, k->nr + 1, 37};
    unsigned seed = 1;
    for (size_t a = 0; a < sizeof chs / sizeof chs[0]; a++)
      for (int kw = 1; kw <= 4; kw++)
        for (int s = 1; s <= 3; s++)
          for (int pl = 0; pl < kw; pl++, seed++) {
            const int c = chs[a], iw = 11, kh = 3, dil = 1 + (int)(seed % 2);
            if ((kw - 1) * dil + 1 > iw) continue;
            const int ow = (iw + 2 * pl - (kw - 1) * dil - 1) / s + 1;
            /* a 3-row input: the reference over it with pads (1 top, 0 bottom) equals
             * the kernel with rows {NULL, r0, r1} (a padding row first) */
            enn_pool2d_params pp = {1, 2, iw, c, 1, ow, kh, kw, 1, s, 1, dil, 1, pl, 0, pl, 0, kActs[seed % N_ACTS]};
            float *x = malloc(sizeof(float) * (size_t)(2 * iw * c)), *r = malloc(sizeof(float) * (size_t)(ow * c)),
                  *y = malloc(sizeof(float) * (size_t)(ow * c + 16));
            enn_t_fill(x, 2 * iw * c, seed, -2, 2);
            if (seed % 3 == 0) x[(seed * 7) % (unsigned)(2 * iw * c)] = NAN;
            for (int q = 0; q < ow * c + 16; q++) y[q] = SENTINEL;
            enn_f32_max_pool2d__ref(&pp, x, r);
            const float *rows[3] = {NULL, x, x + iw * c};
            enn_f32_epi ep;
            enn_f32_epi_init(&ep, &pp.act);
            k->fn.maxpool(rows, 3, y, (size_t)c, (size_t)ow, (size_t)iw, (size_t)kw, (size_t)s, (size_t)pl,
                          (size_t)dil, &ep);
            int bad = 0;
            for (int q = 0; q < ow * c; q++) {
              const bool ok = y[q] == r[q] || (isnan(y[q]) && isnan(r[q])) ||
                              fabs((double)y[q] - (double)r[q]) <= 4.0 * FLT_EPSILON * fabs((double)r[q]);
              if (!ok && !bad)
                fprintf(stderr, "  %s: [%d] %.9g vs ref %.9g (act %d)\n", k->name, q, (double)y[q], (double)r[q],
                        pp.act.act);
              bad += !ok;
            }
            for (int q = ow * c; q < ow * c + 16; q++) bad += y[q] != SENTINEL;
            CHECK_MSG(bad == 0, "%s c=%d kw=%d s=%d pl=%d dil=%d", k->name, c, kw, s, pl, dil);
            free(x), free(r), free(y);
          }
  }
}

/* The table itself: unique names following the naming rule, and a
 * preferred kernel found for each family at the best level. */
static void test_table(void) {
  int32_t cnt;
  const enn_kernel *t = enn_kernel_table(&cnt);
  for (int32_t i = 0; i < cnt; i++) {
    CHECK(strncmp(t[i].name, t[i].dtype == ENN_DTYPE_F32 ? "enn_f32_" : t[i].dtype == ENN_DTYPE_F16 ? "enn_f16_" : "enn_qs8_",
                  8) == 0);
    CHECK(strstr(t[i].name, "__") != NULL);
    CHECK(strstr(t[i].name, enn_isa_name(t[i].isa)) != NULL);
    for (int32_t j = 0; j < i; j++) CHECK(strcmp(t[i].name, t[j].name) != 0);
  }
  enn_isa isa;
  CHECK_OK(enn_kernel_isa(&isa));
  enn_kernel_set_isa_cap(ENN_ISA_REF);
  CHECK(enn_kernel_find(ENN_KOP_GEMM, ENN_DTYPE_F32, 0, 0) == NULL);
  enn_kernel_set_isa_cap(ENN_ISA_AVX512);
  const enn_kernel *g = enn_kernel_find(ENN_KOP_GEMM, ENN_DTYPE_F32, 0, 0);
  if (isa == ENN_ISA_REF) CHECK(g == NULL);
  else if (cnt > 0) CHECK(g != NULL && g->isa == isa);
  CHECK(enn_kernel_find(ENN_KOP_DWCONV, ENN_DTYPE_F32, 7, 7) == NULL);
  CHECK(enn_kernel_find(ENN_KOP_GEMM, ENN_DTYPE_U8, 0, 0) == NULL); /* no uint8 kernels */
}

int main(void) {
  ENN_RUN(test_table);
  ENN_RUN(test_gemm);
  ENN_RUN(test_igemm);
  ENN_RUN(test_dwconv);
  ENN_RUN(test_dwconv_exact);
  ENN_RUN(test_vector);
  ENN_RUN(test_maxpool);
  fprintf(stderr, "kernel groups run: %d, skipped (ISA missing): %d\n", g_ran, g_skipped);
  if (g_ran == 0 && enn_test_finish() == 0) {
    fprintf(stderr, "SKIP: no SIMD kernel runs on this CPU / build\n");
    return 77;
  }
  return enn_test_finish();
}
