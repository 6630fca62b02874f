/*
 * The int8 GEMM / IGEMM kernels and the int8 Conv2D / FullyConnected fast
 * paths against the reference kernels, bit for bit.
 *
 *   - kernels (every qs8 GEMM / IGEMM entry of the table the CPU can run;
 *     others are skipped with a message): M, N, K of 1, primes, tile - 1,
 *     tile, tile + 1; strided A and C (C's padding bytes must stay
 *     untouched); per-tensor and per-channel multipliers with shifts from
 *     -31 to +30 (multipliers >= 1 included); input / output zero points
 *     -128 and 127; clamp ranges; against enn_qs8_fully_connected__ref on
 *     the same operands (for the IGEMM, on the rows its pointer table
 *     gathers, padding rows of x_zp included);
 *   - requantisation corners: zero weights so the accumulator is the bias,
 *     biases at and around INT32_MIN / INT32_MAX / +-2^30 and multipliers
 *     0, 1, 2^30, INT32_MAX, negative and INT32_MIN (the saturating case of
 *     SaturatingRoundingDoublingHighMul), every shift, against
 *     enn_requantize; accumulators that wrap modulo 2^32;
 *   - narrow last panels (the VNNI kernel's 8-lane tail vector): every N in
 *     1..50 x K in 1..40 x rows 1..7 with random epilogues, IGEMM on a
 *     subset, ep->row_off row by row, and the requantisation corners
 *     through N = 8, 20, 24, 40;
 *   - the weight prefetch stream: lines claimed per full panel and the same
 *     output bytes with and without a stream (VNNI);
 *   - no read past a row: A rows and the padding row end at a page
 *     followed by an inaccessible one (channel tails of 1-3 bytes);
 *   - operators: one-node int8 Conv2D (kernel 1..5, stride 1..3, dilation,
 *     explicit / SAME / VALID padding, groups, batch 2, the 3-channel stem
 *     shape, every clamp, with and without bias) and FullyConnected graphs
 *     run at each kernel level the CPU has (avx2, avx512, neon; at neon the
 *     dot-product kernels where the CPU has asimddp; enn_kernel_set_isa_cap) with 1
 *     and 3 threads give the bytes of the level-ref run, and pick the
 *     expected kernel (weight zero points != 0 and grouped convolutions
 *     with < 4 outputs per group keep the reference);
 *   - whole models: MobileNetV2 (width 0.35, 64x64, batch 2) and ResNet-8,
 *     quantised with synthetic calibration as `edgenn bench --dtype int8`
 *     does, give identical outputs at level ref and at each SIMD level,
 *     with 1 and 2 threads.
 */
#include <sys/mman.h>
#include <unistd.h>

#include "base/prefetch.h"
#include "edgenn/quantize.h"
#include "kernels/kernels.h"
#include "kernels/ref/q8_fc_ref.h"
#include "model_run.h"
#include "ops/q8_harness.h"
#include "quant/requant.h"

static int g_ran, g_skipped;

static bool usable(const enn_kernel *k) {
  if (enn_kernel_isa_supported(k->isa)) return true;
  fprintf(stderr, "  skip %s: this CPU lacks %s\n", k->name, enn_isa_name(k->isa));
  g_skipped++;
  return false;
}

static unsigned long long g_rng = 0x9E3779B97F4A7C15ull;
static int32_t rnd(int32_t lo, int32_t hi) { return qt_randi(&g_rng, lo, hi); }
static int32_t rnd32(void) { return (int32_t)qt_next(&g_rng); }

/* Random int8 bytes with the extremes well represented. */
static void fill_i8(int8_t *p, long n) {
  for (long i = 0; i < n; i++) {
    const int32_t r = rnd(0, 15);
    p[i] = (int8_t)(r == 0 ? -128 : r == 1 ? 127 : rnd(-128, 127));
  }
}

static void *xalloc(size_t n) {
  void *p = aligned_alloc(64, (n + 63) & ~(size_t)63);
  if (!p) abort();
  return p;
}

/* Per-channel (or one broadcast) multipliers: reals spread over 2^-30 ..
 * 2^6 through enn_quantize_multiplier, so shifts from about -31 to +6. */
static void make_mult(int32_t n, bool per_channel, int32_t *m, int32_t *s) {
  for (int32_t j = 0; j < n; j++) {
    if (!per_channel && j > 0) {
      m[j] = m[0];
      s[j] = s[0];
      continue;
    }
    const double real = ldexp(0.5 + (double)rnd(0, 1 << 20) / (double)(1 << 21), rnd(-30, 6));
    enn_quantize_multiplier(real, &m[j], &s[j]);
  }
}

typedef struct qcase {
  int32_t x_zp, y_zp, lo, hi;
  bool per_channel, bias;
} qcase;

static qcase random_qcase(void) {
  static const int32_t zps[] = {-128, 127, 0, -5, 17};
  qcase q;
  q.x_zp = rnd(0, 2) ? zps[rnd(0, 4)] : rnd(-128, 127);
  q.y_zp = rnd(0, 2) ? zps[rnd(0, 4)] : rnd(-128, 127);
  switch (rnd(0, 3)) {
  case 0: q.lo = -128; q.hi = 127; break;
  case 1: q.lo = q.y_zp; q.hi = 127; break;           /* relu */
  case 2: q.lo = -100; q.hi = 50; break;
  default: q.lo = rnd(-128, 0); q.hi = q.lo + rnd(0, 127); break;
  }
  q.per_channel = rnd(0, 1) != 0;
  q.bias = rnd(0, 4) != 0;
  return q;
}

/* ------------------------------------------------------ kernel harness */
/* Runs an IGEMM (ks taps) or GEMM (ks == 0: one tap, rows a + i*a_stride)
 * kernel over m rows and n columns and checks every output byte against
 * enn_qs8_fully_connected__ref on the gathered rows. rows[i][t] = row
 * pointer of tap t for output row i (kc bytes each). */
static int run_and_check(const enn_kernel *k, int32_t m, int32_t n, int32_t kc, int32_t ks, const int8_t *const *rows,
                         const int8_t *a, size_t a_stride, const int8_t *w, const int32_t *b, const int32_t *mult,
                         const int32_t *shift, const qcase *q, const char *what) {
  const int32_t taps = ks ? ks : 1, K = taps * kc, MR = k->mr;
  const size_t c_stride = (size_t)n + 5;
  void *pw = xalloc(enn_qs8_pack_gemm_bytes(k, n, taps, kc));
  enn_qs8_pack_gemm(k, n, taps, kc, K, w, b, mult, shift, q->x_zp, pw);
  enn_qs8_epi ep;
  enn_qs8_epi_init(&ep, q->y_zp, q->lo, q->hi, n, mult, shift);
  int8_t *c = malloc((size_t)m * c_stride);
  memset(c, 0x5A, (size_t)m * c_stride);
  const int8_t **tab = malloc(sizeof(int8_t *) * (size_t)(taps * MR));
  for (int32_t r0 = 0; r0 < m; r0 += MR) {
    const int32_t mr = m - r0 < MR ? m - r0 : MR;
    if (ks) {
      for (int32_t t = 0; t < ks; t++)
        for (int32_t i = 0; i < MR; i++) tab[t * MR + i] = rows[(size_t)(r0 + (i < mr ? i : mr - 1)) * (size_t)ks + (size_t)t];
      k->fn.qs8_igemm((size_t)mr, (size_t)n, (size_t)kc, (size_t)ks, tab, pw, c + (size_t)r0 * c_stride, c_stride, &ep);
    } else {
      k->fn.qs8_gemm((size_t)mr, (size_t)n, (size_t)kc, a + (size_t)r0 * a_stride, a_stride, pw, c + (size_t)r0 * c_stride,
                     c_stride, &ep);
    }
  }
  /* reference on the gathered rows */
  int8_t *x = malloc((size_t)m * (size_t)K + 1);
  for (int32_t i = 0; i < m; i++)
    for (int32_t t = 0; t < taps; t++)
      memcpy(x + (size_t)i * K + (size_t)t * kc, ks ? rows[(size_t)i * ks + t] : a + (size_t)i * a_stride, (size_t)kc);
  int32_t *wz = calloc((size_t)n, sizeof(int32_t));
  enn_qs8_fc_params p = {m, K, n, q->x_zp, q->y_zp, q->lo, q->hi, wz, mult, shift};
  int8_t *y = malloc((size_t)m * (size_t)n);
  enn_qs8_fully_connected__ref(&p, x, w, b, y);
  int bad = 0;
  for (int32_t i = 0; i < m && bad < 3; i++)
    for (size_t j = 0; j < c_stride && bad < 3; j++) {
      const int8_t got = c[(size_t)i * c_stride + j];
      const int8_t want = j < (size_t)n ? y[(size_t)i * n + j] : (int8_t)0x5A;
      if (got != want) {
        fprintf(stderr, "  %s %s m%d n%d kc%d ks%d x_zp %d y_zp %d [%d,%d] %s: y[%d,%zu] = %d, want %d\n", k->name,
                what, m, n, kc, ks, q->x_zp, q->y_zp, q->lo, q->hi, q->per_channel ? "per-channel" : "per-tensor", i,
                j, got, want);
        bad++;
      }
    }
  free(pw);
  free(c);
  free(tab);
  free(x);
  free(wz);
  free(y);
  return bad;
}

static void gemm_case(const enn_kernel *k, int32_t m, int32_t n, int32_t kc) {
  const qcase q = random_qcase();
  const size_t a_stride = (size_t)kc + (size_t)rnd(0, 3);
  int8_t *a = malloc((size_t)m * a_stride + 1), *w = malloc((size_t)n * kc + 1);
  int32_t *b = malloc(sizeof(int32_t) * (size_t)n), *mult = malloc(sizeof(int32_t) * (size_t)n);
  int32_t *shift = malloc(sizeof(int32_t) * (size_t)n);
  fill_i8(a, (long)(m * a_stride));
  fill_i8(w, (long)n * kc);
  for (int32_t j = 0; j < n; j++) b[j] = rnd(-3, 3) == 0 ? rnd32() : rnd(-200000, 200000);
  make_mult(n, q.per_channel, mult, shift);
  CHECK_MSG(run_and_check(k, m, n, kc, 0, NULL, a, a_stride, w, q.bias ? b : NULL, mult, shift, &q, "gemm") == 0,
            "%s m%d n%d k%d", k->name, m, n, kc);
  free(a);
  free(w);
  free(b);
  free(mult);
  free(shift);
}

static void igemm_case(const enn_kernel *k, int32_t m, int32_t n, int32_t kc, int32_t ks) {
  const qcase q = random_qcase();
  const int32_t pool = 11;
  int8_t *rowbuf = malloc((size_t)(pool + 1) * (size_t)kc + 1), *w = malloc((size_t)n * ks * kc + 1);
  fill_i8(rowbuf, (long)pool * kc);
  memset(rowbuf + (size_t)pool * kc, q.x_zp, (size_t)kc); /* the padding row */
  const int8_t **rows = malloc(sizeof(int8_t *) * (size_t)(m * ks));
  for (int32_t i = 0; i < m * ks; i++) rows[i] = rowbuf + (size_t)rnd(0, pool) * kc; /* 1 in 12: padding */
  int32_t *b = malloc(sizeof(int32_t) * (size_t)n), *mult = malloc(sizeof(int32_t) * (size_t)n);
  int32_t *shift = malloc(sizeof(int32_t) * (size_t)n);
  fill_i8(w, (long)n * ks * kc);
  for (int32_t j = 0; j < n; j++) b[j] = rnd(-200000, 200000);
  make_mult(n, q.per_channel, mult, shift);
  CHECK_MSG(run_and_check(k, m, n, kc, ks, rows, NULL, 0, w, q.bias ? b : NULL, mult, shift, &q, "igemm") == 0,
            "%s m%d n%d kc%d ks%d", k->name, m, n, kc, ks);
  free(rowbuf);
  free(w);
  free(rows);
  free(b);
  free(mult);
  free(shift);
}

static void test_kernels(void) {
  int32_t cnt;
  const enn_kernel *t = enn_kernel_table(&cnt);
  for (int32_t i = 0; i < cnt; i++) {
    const enn_kernel *k = &t[i];
    if (k->dtype != ENN_DTYPE_I8 || (k->op != ENN_KOP_GEMM && k->op != ENN_KOP_IGEMM) || !usable(k)) continue;
    g_ran++;
    const int32_t MR = k->mr, NR = k->nr;
    const int32_t ms[] = {1, 2, 3, MR - 1, MR, MR + 1, 2 * MR + 1, 13};
    const int32_t ns[] = {1, 7, 15, 16, 17, NR - 1, NR, NR + 1, 2 * NR + 5, 101};
    const int32_t ks[] = {1, 2, 3, 4, 5, 7, 8, 9, 16, 31, 64, 131};
    for (size_t a = 0; a < sizeof ms / sizeof ms[0]; a++)
      for (size_t b = 0; b < sizeof ns / sizeof ns[0]; b++)
        for (size_t c = 0; c < sizeof ks / sizeof ks[0]; c++) {
          if (ms[a] < 1 || ns[b] < 1) continue;
          if (k->op == ENN_KOP_GEMM) gemm_case(k, ms[a], ns[b], ks[c]);
          else igemm_case(k, ms[a], ns[b], ks[c], (int32_t)(1 + (a + b + c) % 9));
        }
  }
}

/* Narrow last panels: the VNNI kernel runs a panel's last <= 8 columns
 * past a multiple of 16 as one 8-lane (ymm) vector (n = 8, 24, 40 and
 * their neighbours), the others as 16-lane vectors. Every n in 1..50,
 * kc in 1..40 and row count 1..7 (one call each: the 1-, 2-, 4- and
 * 7-row tiles), random epilogues (per-tensor / per-channel, left shifts,
 * ReLU-style and narrow clamps, no bias), for every int8 GEMM kernel;
 * IGEMM on a subset; row offsets (ep->row_off) checked row by row against
 * the reference with the offset added to the bias. */
static void test_narrow_panels(void) {
  int32_t cnt;
  const enn_kernel *t = enn_kernel_table(&cnt);
  for (int32_t i = 0; i < cnt; i++) {
    const enn_kernel *k = &t[i];
    if (k->dtype != ENN_DTYPE_I8 || (k->op != ENN_KOP_GEMM && k->op != ENN_KOP_IGEMM) || !usable(k)) continue;
    const int fails0 = enn_t_failed;
    for (int32_t n = 1; n <= 50; n++)
      for (int32_t kc = 1; kc <= 40; kc++)
        for (int32_t m = 1; m <= 7; m++) {
          if (enn_t_failed > fails0 + 5) return;
          if (k->op == ENN_KOP_GEMM) gemm_case(k, m, n, kc);
          else if ((kc <= 9 || kc % 8 == 0 || kc == 39) && (m == 1 || m == 3 || m == 7))
            igemm_case(k, m, n, kc, 1 + (n + kc) % 3);
        }
    if (k->op != ENN_KOP_GEMM) continue;
    /* row offsets */
    for (int32_t n = 1; n <= 50; n++) {
      const int32_t kc = rnd(1, 40), m = rnd(1, k->mr);
      const qcase q = random_qcase();
      int8_t *a = malloc((size_t)m * (size_t)kc), *w = malloc((size_t)n * (size_t)kc);
      int32_t *b = malloc(sizeof(int32_t) * (size_t)n), *b1 = malloc(sizeof(int32_t) * (size_t)n);
      int32_t *mult = malloc(sizeof(int32_t) * (size_t)n), *shift = malloc(sizeof(int32_t) * (size_t)n);
      int32_t *wz = calloc((size_t)n, sizeof(int32_t)), ro[16];
      fill_i8(a, (long)m * kc);
      fill_i8(w, (long)n * kc);
      for (int32_t j = 0; j < n; j++) b[j] = rnd(-200000, 200000);
      for (int32_t r = 0; r < m; r++) ro[r] = rnd(0, 5) == 0 ? rnd32() : rnd(-300000, 300000);
      make_mult(n, q.per_channel, mult, shift);
      void *pw = xalloc(enn_qs8_pack_gemm_bytes(k, n, 1, kc));
      enn_qs8_pack_gemm(k, n, 1, kc, kc, w, b, mult, shift, q.x_zp, pw);
      enn_qs8_epi ep;
      enn_qs8_epi_init(&ep, q.y_zp, q.lo, q.hi, n, mult, shift);
      ep.row_off = ro;
      int8_t *c = malloc((size_t)(m > 0 ? m : 1) * (size_t)(n > 0 ? n : 1)), y[64]; /* bounds for GCC's -Walloc-size-larger-than */
      k->fn.qs8_gemm((size_t)m, (size_t)n, (size_t)kc, a, (size_t)kc, pw, c, (size_t)n, &ep);
      int bad = 0;
      for (int32_t r = 0; r < m; r++) {
        for (int32_t j = 0; j < n; j++) b1[j] = (int32_t)((uint32_t)b[j] + (uint32_t)ro[r]);
        enn_qs8_fc_params p = {1, kc, n, q.x_zp, q.y_zp, q.lo, q.hi, wz, mult, shift};
        enn_qs8_fully_connected__ref(&p, a + (size_t)r * (size_t)kc, w, b1, y);
        for (int32_t j = 0; j < n; j++)
          if (c[(size_t)r * (size_t)n + (size_t)j] != y[j] && bad++ < 3)
            fprintf(stderr, "  %s row_off m%d n%d kc%d: y[%d,%d] = %d, want %d\n", k->name, m, n, kc, r, j,
                    c[(size_t)r * (size_t)n + (size_t)j], y[j]);
      }
      CHECK_MSG(bad == 0, "%s row_off n%d", k->name, n);
      free(a);
      free(w);
      free(b);
      free(b1);
      free(mult);
      free(shift);
      free(wz);
      free(pw);
      free(c);
    }
  }
}

/* The weight prefetch stream (base/prefetch.h): with a stream set, the
 * AVX-512 VNNI kernels claim one line per full k-step of each full
 * 48-column panel with at least 16 k-steps (none for narrower panels or
 * shorter K), and the outputs are the same bytes as without a stream. */
static void test_prefetch_stream(void) {
  int32_t cnt;
  const enn_kernel *t = enn_kernel_table(&cnt);
  static char region[64 * 4096] __attribute__((aligned(64)));
  for (int32_t i = 0; i < cnt; i++) {
    const enn_kernel *k = &t[i];
    if (k->dtype != ENN_DTYPE_I8 || k->op != ENN_KOP_GEMM || k->isa != ENN_ISA_AVX512VNNI || !usable(k)) continue;
    static const int32_t shapes[][3] = {{7, 96, 160}, {7, 120, 67}, {3, 100, 64}, {7, 96, 16}, {1, 40, 320}};
    for (size_t si = 0; si < sizeof shapes / sizeof shapes[0]; si++) {
      const int32_t m = shapes[si][0], n = shapes[si][1], kc = shapes[si][2];
      const qcase q = random_qcase();
      int8_t *a = malloc((size_t)m * (size_t)kc), *w = malloc((size_t)n * (size_t)kc);
      int32_t *b = malloc(sizeof(int32_t) * (size_t)n), *mult = malloc(sizeof(int32_t) * (size_t)n);
      int32_t *shift = malloc(sizeof(int32_t) * (size_t)n);
      fill_i8(a, (long)m * kc);
      fill_i8(w, (long)n * kc);
      for (int32_t j = 0; j < n; j++) b[j] = rnd(-200000, 200000);
      make_mult(n, q.per_channel, mult, shift);
      void *pw = xalloc(enn_qs8_pack_gemm_bytes(k, n, 1, kc));
      enn_qs8_pack_gemm(k, n, 1, kc, kc, w, b, mult, shift, q.x_zp, pw);
      enn_qs8_epi ep;
      enn_qs8_epi_init(&ep, q.y_zp, q.lo, q.hi, n, mult, shift);
      int8_t *c0 = malloc((size_t)m * (size_t)n), *c1 = malloc((size_t)m * (size_t)n);
      k->fn.qs8_gemm((size_t)m, (size_t)n, (size_t)kc, a, (size_t)kc, pw, c0, (size_t)n, &ep);
      enn_pf_stream st = {region, (int64_t)(sizeof region / 64), 1.0f, 0};
      atomic_store(&enn_pf_any, 1); /* as a session that plans a stream does */
      enn_pf_current = &st;
      enn_pf_budget = 0;
      k->fn.qs8_gemm((size_t)m, (size_t)n, (size_t)kc, a, (size_t)kc, pw, c1, (size_t)n, &ep);
      enn_pf_current = NULL;
      const int64_t full_panels = n / k->nr, steps = kc / 4;
      const int64_t want = steps >= 16 ? full_panels * steps : 0;
      CHECK_MSG(atomic_load(&st.next) == want, "%s m%d n%d kc%d: %lld lines claimed, want %lld", k->name, m, n, kc,
                (long long)atomic_load(&st.next), (long long)want);
      CHECK_MSG(memcmp(c0, c1, (size_t)m * (size_t)n) == 0, "%s m%d n%d kc%d: outputs differ with a stream", k->name,
                m, n, kc);
      free(a);
      free(w);
      free(b);
      free(mult);
      free(shift);
      free(pw);
      free(c0);
      free(c1);
    }
  }
}

/* bz = b, but 0 in the columns where the reference's MBQM(acc) + y_zp
 * overflows int32: that addition is undefined behaviour in C (requant.h
 * adds in int32, as TFLite does), so no kernel can be held to a result
 * there. */
static void defined_only(int32_t n, const int32_t *b, const int32_t *mult, const int32_t *shift, int32_t y_zp,
                         int32_t *bz) {
  for (int32_t j = 0; j < n; j++) {
    const int64_t v = (int64_t)enn_multiply_by_quantized_multiplier(b[j], mult[j], shift[j]) + y_zp;
    bz[j] = (v < INT32_MIN || v > INT32_MAX) ? 0 : b[j];
  }
}

/* Zero weights: the accumulator is the bias (minus the zero-point
 * correction of nothing), so every (acc, m, shift) corner is reachable. */
static void test_requant_corners(void) {
  static const int32_t accs[] = {INT32_MIN, INT32_MIN + 1, -(1 << 30) - 1, -(1 << 30), -(1 << 30) + 1, -65537, -3, -2,
                                 -1, 0, 1, 2, 3, 65537, (1 << 30) - 1, 1 << 30, (1 << 30) + 1, INT32_MAX - 1,
                                 INT32_MAX};
  static const int32_t ms[] = {0, 1, 1 << 30, (1 << 30) + 1, 1518500250, INT32_MAX, -1, -(1 << 30), INT32_MIN + 1,
                               INT32_MIN};
  static const int32_t shifts[] = {-31, -30, -17, -2, -1, 0, 1, 2, 13, 30};
  const int32_t na = (int32_t)(sizeof accs / sizeof accs[0]), nm = (int32_t)(sizeof ms / sizeof ms[0]);
  const int32_t ns = (int32_t)(sizeof shifts / sizeof shifts[0]), n = na * nm * ns;
  int32_t *b = malloc(sizeof(int32_t) * (size_t)n), *mult = malloc(sizeof(int32_t) * (size_t)n);
  int32_t *shift = malloc(sizeof(int32_t) * (size_t)n), *bz = malloc(sizeof(int32_t) * (size_t)n);
  for (int32_t j = 0; j < n; j++) {
    b[j] = accs[j % na];
    mult[j] = ms[(j / na) % nm];
    shift[j] = shifts[j / (na * nm)];
  }
  const int32_t kc = 5, m = 3;
  int8_t *w = calloc((size_t)n * kc, 1), *a = malloc((size_t)m * kc);
  fill_i8(a, m * kc);
  int32_t cnt;
  const enn_kernel *t = enn_kernel_table(&cnt);
  static const int32_t zps[][2] = {{0, -128}, {-128, 127}, {127, 0}, {5, -7}};
  for (int32_t i = 0; i < cnt; i++) {
    const enn_kernel *k = &t[i];
    if (k->dtype != ENN_DTYPE_I8 || k->op != ENN_KOP_GEMM || !enn_kernel_isa_supported(k->isa)) continue;
    for (int z = 0; z < 4; z++) {
      defined_only(n, b, mult, shift, zps[z][1], bz);
      const qcase q = {zps[z][0], zps[z][1], -128, 127, true, true};
      CHECK(run_and_check(k, m, n, kc, 0, NULL, a, kc, w, bz, mult, shift, &q, "corners") == 0);
      const qcase r = {zps[z][0], zps[z][1], -20, 90, true, true};
      CHECK(run_and_check(k, m, n, kc, 0, NULL, a, kc, w, bz, mult, shift, &r, "corners") == 0);
    }
    /* the corners again through narrow last panels (n = 8, 24, 40, 20:
     * 8-lane vectors at every lane position) */
    static const int32_t nn[] = {8, 24, 40, 20};
    for (size_t s = 0; s < sizeof nn / sizeof nn[0]; s++)
      for (int32_t j0 = 0; j0 + nn[s] <= n; j0 += nn[s] - 3) {
        defined_only(nn[s], b + j0, mult + j0, shift + j0, 5, bz);
        const qcase q = {-7, 5, -128, 127, true, true};
        CHECK(run_and_check(k, 7, nn[s], kc, 0, NULL, a, 0, w, bz, mult + j0, shift + j0, &q, "narrow corners") == 0);
      }
    /* the same against enn_requantize directly (independent of the FC reference) */
    defined_only(n, b, mult, shift, -9, bz);
    void *pw = xalloc(enn_qs8_pack_gemm_bytes(k, n, 1, kc));
    enn_qs8_pack_gemm(k, n, 1, kc, kc, w, bz, mult, shift, 3, pw);
    enn_qs8_epi ep;
    enn_qs8_epi_init(&ep, -9, -128, 127, n, mult, shift);
    CHECK((ep.flags & ENN_QS8_EPI_SAT) && (ep.flags & ENN_QS8_EPI_LSHIFT));
    int8_t *c = malloc((size_t)n);
    k->fn.qs8_gemm(1, (size_t)n, (size_t)kc, a, kc, pw, c, (size_t)n, &ep);
    int bad = 0;
    for (int32_t j = 0; j < n; j++)
      if (c[j] != (int8_t)enn_requantize(bz[j], mult[j], shift[j], -9, -128, 127) && bad++ < 3)
        fprintf(stderr, "  %s: acc %d m %d shift %d -> %d, want %d\n", k->name, bz[j], mult[j], shift[j], c[j],
                enn_requantize(bz[j], mult[j], shift[j], -9, -128, 127));
    CHECK(bad == 0);
    free(pw);
    free(c);
  }
  free(b);
  free(bz);
  free(mult);
  free(shift);
  free(w);
  free(a);
}

/* Accumulators that wrap modulo 2^32: biases near the int32 ends plus
 * long sums of large products. */
static void test_wrap(void) {
  int32_t cnt;
  const enn_kernel *t = enn_kernel_table(&cnt);
  const int32_t m = 4, n = 20, kc = 4096;
  int8_t *a = malloc((size_t)m * kc), *w = malloc((size_t)n * kc);
  for (int32_t i = 0; i < m * kc; i++) a[i] = (int8_t)(i % 3 ? 127 : -128);
  for (int32_t i = 0; i < n * kc; i++) w[i] = (int8_t)(i % 5 ? -128 : 127);
  int32_t b[20], mult[20], shift[20];
  for (int32_t j = 0; j < n; j++) {
    b[j] = j % 2 ? INT32_MAX - j * 1000 : INT32_MIN + j * 1000;
    enn_quantize_multiplier(ldexp(1.0, -(j % 12)) * 0.7, &mult[j], &shift[j]);
  }
  for (int32_t i = 0; i < cnt; i++) {
    const enn_kernel *k = &t[i];
    if (k->dtype != ENN_DTYPE_I8 || k->op != ENN_KOP_GEMM || !enn_kernel_isa_supported(k->isa)) continue;
    const qcase q = {-128, 3, -128, 127, true, true};
    CHECK(run_and_check(k, m, n, kc, 0, NULL, a, kc, w, b, mult, shift, &q, "wrap") == 0);
    const qcase r = {127, -128, -128, 127, true, true};
    CHECK(run_and_check(k, m, n, kc, 0, NULL, a, kc, w, b, mult, shift, &r, "wrap") == 0);
  }
  free(a);
  free(w);
}

/* Rows that end where an inaccessible page begins: a kernel reading one
 * byte past a row faults. */
static void test_no_overread(void) {
  const size_t page = (size_t)sysconf(_SC_PAGESIZE);
  const int32_t nrows = 9;
  unsigned char *region = mmap(NULL, page * 2 * (size_t)(nrows + 1), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
                               -1, 0);
  CHECK(region != MAP_FAILED);
  if (region == MAP_FAILED) return;
  for (int32_t r = 0; r <= nrows; r++) CHECK(mprotect(region + page * (size_t)(2 * r + 1), page, PROT_NONE) == 0);
  int32_t cnt;
  const enn_kernel *t = enn_kernel_table(&cnt);
  static const int32_t kcs[] = {1, 2, 3, 5, 6, 7, 9, 13, 63};
  for (size_t ci = 0; ci < sizeof kcs / sizeof kcs[0]; ci++) {
    const int32_t kc = kcs[ci], n = 19, ks = 3;
    const qcase q = {-3, 4, -128, 127, true, true};
    int8_t *rowp[10];
    for (int32_t r = 0; r <= nrows; r++) {
      rowp[r] = (int8_t *)(region + page * (size_t)(2 * r + 1) - (size_t)kc);
      if (r < nrows) fill_i8(rowp[r], kc);
      else memset(rowp[r], q.x_zp, (size_t)kc);
    }
    int8_t *w = malloc((size_t)n * ks * kc);
    fill_i8(w, (long)n * ks * kc);
    int32_t mult[19], shift[19];
    make_mult(n, true, mult, shift);
    for (int32_t i = 0; i < cnt; i++) {
      const enn_kernel *k = &t[i];
      if (k->dtype != ENN_DTYPE_I8 || !enn_kernel_isa_supported(k->isa)) continue;
      if (k->op == ENN_KOP_IGEMM) {
        const int32_t m = 8;
        const int8_t *rows[8 * 3];
        for (int32_t j = 0; j < m * ks; j++) rows[j] = rowp[(j * 7) % (nrows + 1)];
        CHECK(run_and_check(k, m, n, kc, ks, rows, NULL, 0, w, NULL, mult, shift, &q, "guard") == 0);
      } else if (k->op == ENN_KOP_GEMM) { /* one row, ending at the guard page */
        CHECK(run_and_check(k, 1, n, kc, 0, NULL, rowp[0], (size_t)kc, w, NULL, mult, shift, &q, "guard") == 0);
      }
    }
    free(w);
  }
  munmap(region, page * 2 * (size_t)(nrows + 1));
}

/* ------------------------------------------------------------ operators */
static const enn_isa kLevels[] = {ENN_ISA_AVX2, ENN_ISA_AVX512, ENN_ISA_NEON}; /* those the CPU lacks are skipped */

typedef struct conv_case {
  int32_t n, ih, iw, ic, oc, groups, kh, kw, sh, sw, dh, dw, pad_mode, pad;
  int act, bias, per_channel, wzp;
  int32_t x_zp, y_zp;
} conv_case;

/* Runs the case at level cap with `threads`; the output bytes (malloc). */
static int8_t *run_conv(const conv_case *c, enn_isa cap, int threads, long *numel, char *kernel, size_t kcap) {
  const int32_t icg = c->ic / c->groups;
  const long nx = (long)c->n * c->ih * c->iw * c->ic, nw = (long)c->oc * c->kh * c->kw * icg;
  int8_t *x = qt_rand_i8(nx, 11u + (unsigned)c->ic, -128, 127);
  int8_t *w = qt_rand_i8(nw, 23u + (unsigned)c->oc, -127, 127);
  int32_t *b = malloc(sizeof(int32_t) * (size_t)c->oc);
  float *sw = malloc(sizeof(float) * (size_t)c->oc);
  int32_t *wz = calloc((size_t)c->oc, sizeof(int32_t));
  unsigned long long s = 77u + (unsigned)c->kh;
  for (int32_t o = 0; o < c->oc; o++) {
    b[o] = qt_randi(&s, -30000, 30000);
    sw[o] = c->per_channel ? 0.002f + 0.0005f * (float)(o % 7) : 0.003f;
    if (c->wzp) wz[o] = c->per_channel ? (o % 3) - 1 : 2;
  }
  const float sx = 0.05f, sy = 0.11f;
  enn_attrs at;
  enn_attrs_init(&at);
  at.groups = c->groups;
  at.stride[0] = c->sh;
  at.stride[1] = c->sw;
  at.dilation[0] = c->dh;
  at.dilation[1] = c->dw;
  at.pad_mode = c->pad_mode;
  for (int i = 0; i < 4; i++) at.pads[i] = c->pad + (i == 3 ? 1 : 0);
  at.act = c->act;
  if (c->act == ENN_ACT_CLIP) {
    at.act_min = -1.5f;
    at.act_max = 2.0f;
  }
  qt_tensor ins[3];
  ins[0] = qt_q(qt_t(ENN_DTYPE_I8, 4, (int64_t[]){c->n, c->ih, c->iw, c->ic}, x, 0), &sx, &c->x_zp);
  ins[1] = qt_t(ENN_DTYPE_I8, 4, (int64_t[]){c->oc, c->kh, c->kw, icg}, w, 1);
  ins[1] = c->per_channel ? qt_qaxis(ins[1], 0, sw, wz) : qt_q(ins[1], sw, wz);
  ins[2] = qt_t(ENN_DTYPE_I32, 1, (int64_t[]){c->oc}, b, 1);
  const enn_quant yq = qt_quant1(&sy, &c->y_zp);
  const size_t cap_bytes =
      (size_t)c->n * (size_t)(c->ih + 2 * c->pad + 2) * (size_t)(c->iw + 2 * c->pad + 2) * (size_t)c->oc + 64;
  int8_t *y = malloc(cap_bytes);
  enn_tensor_desc od;
  qt_opts o;
  memset(&o, 0, sizeof o);
  o.threads = threads;
  enn_kernel_set_isa_cap(cap);
  const enn_status st = qt_run(ENN_OP_CONV2D, "conv", &at, ins, c->bias ? 3 : 2, &yq, y, cap_bytes, &od, &o);
  enn_kernel_set_isa_cap(ENN_ISA_AVX512);
  CHECK_MSG(st == ENN_OK, "%s", enn_last_error());
  *numel = st ? 0 : (long)enn_tensor_desc_numel(&od);
  snprintf(kernel, kcap, "%s", o.kernel);
  free(x);
  free(w);
  free(b);
  free(sw);
  free(wz);
  if (st) {
    free(y);
    return NULL;
  }
  return y;
}

static void conv_compare(const conv_case *c, const char *label) {
  long nref = 0, n = 0;
  char kref[96], kname[96];
  int8_t *ref = run_conv(c, ENN_ISA_REF, 1, &nref, kref, sizeof kref);
  if (!ref) return;
  CHECK_MSG(strstr(kref, "__ref") != NULL, "%s at ref ran %s", label, kref);
  const bool declined = c->wzp || (c->groups > 1 && c->oc / c->groups < 4);
  for (size_t l = 0; l < sizeof kLevels / sizeof kLevels[0]; l++) {
    if (!enn_kernel_isa_supported(kLevels[l])) continue;
    for (int threads = 1; threads <= 3; threads += 2) {
      int8_t *y = run_conv(c, kLevels[l], threads, &n, kname, sizeof kname);
      if (!y) continue;
      const long d = n == nref ? qt_first_diff_i8(ref, y, n) : 0;
      CHECK_MSG(n == nref && d < 0, "%s at %s, %d threads (%s): first difference at %ld: %d vs ref %d", label,
                enn_isa_name(kLevels[l]), threads, kname, d, d >= 0 && d < n ? y[d] : 0, d >= 0 && d < n ? ref[d] : 0);
      const bool dwk = strstr(kname, "dwconv") != NULL; /* the depthwise fast path took it */
      if (declined) CHECK_MSG(strstr(kname, "__ref") || dwk, "%s: expected the reference, ran %s", label, kname);
      else CHECK_MSG(strstr(kname, "enn_qs8_gemm_") || strstr(kname, "enn_qs8_igemm_") || dwk,
                     "%s at %s: ran %s", label, enn_isa_name(kLevels[l]), kname);
      free(y);
    }
  }
  free(ref);
}

static void test_conv_ops(void) {
  const conv_case fixed[] = {
      /* n ih iw ic oc g kh kw sh sw dh dw pad_mode pad act bias pc wzp x_zp y_zp */
      {1, 9, 11, 16, 24, 1, 1, 1, 1, 1, 1, 1, ENN_PAD_EXPLICIT, 0, ENN_ACT_NONE, 1, 1, 0, -3, 5},    /* 1x1 GEMM */
      {2, 7, 7, 33, 49, 1, 1, 1, 1, 1, 1, 1, ENN_PAD_EXPLICIT, 0, ENN_ACT_RELU6, 1, 1, 0, 127, -128}, /* batch 2 */
      {1, 5, 6, 17, 97, 1, 1, 1, 1, 1, 1, 1, ENN_PAD_EXPLICIT, 0, ENN_ACT_RELU, 0, 0, 0, -128, 127},
      {1, 23, 23, 3, 32, 1, 3, 3, 2, 2, 1, 1, ENN_PAD_SAME_UPPER, 0, ENN_ACT_RELU6, 1, 1, 0, -128, -128}, /* stem */
      {1, 12, 10, 3, 16, 1, 3, 3, 1, 1, 1, 1, ENN_PAD_EXPLICIT, 1, ENN_ACT_NONE, 1, 1, 0, 127, 0},
      {1, 11, 9, 5, 7, 1, 5, 3, 2, 1, 1, 1, ENN_PAD_EXPLICIT, 2, ENN_ACT_CLIP, 1, 0, 0, 9, -9},
      {1, 10, 10, 16, 20, 1, 3, 3, 1, 1, 2, 2, ENN_PAD_EXPLICIT, 2, ENN_ACT_NONE, 1, 1, 0, -7, 3}, /* dilated */
      {1, 9, 9, 32, 48, 1, 1, 1, 2, 2, 1, 1, ENN_PAD_EXPLICIT, 0, ENN_ACT_NONE, 1, 1, 0, 1, 2},   /* strided 1x1 */
      {2, 8, 8, 16, 32, 1, 3, 3, 1, 1, 1, 1, ENN_PAD_SAME_UPPER, 0, ENN_ACT_RELU, 1, 1, 0, -100, 100},
      {1, 8, 9, 12, 24, 2, 3, 3, 1, 1, 1, 1, ENN_PAD_EXPLICIT, 1, ENN_ACT_NONE, 1, 1, 0, 4, -4}, /* groups 2 */
      {1, 7, 7, 12, 12, 3, 2, 2, 1, 1, 1, 1, ENN_PAD_VALID, 0, ENN_ACT_NONE, 1, 0, 0, 0, 0},  /* ocg 4 */
      {1, 7, 7, 8, 8, 4, 3, 3, 1, 1, 1, 1, ENN_PAD_EXPLICIT, 1, ENN_ACT_NONE, 1, 1, 0, 0, 0}, /* ocg 2: ref */
      {1, 6, 6, 8, 16, 1, 3, 3, 1, 1, 1, 1, ENN_PAD_EXPLICIT, 1, ENN_ACT_NONE, 1, 1, 1, 3, 3}, /* w_zp: ref */
      {1, 1, 1, 64, 10, 1, 1, 1, 1, 1, 1, 1, ENN_PAD_EXPLICIT, 0, ENN_ACT_NONE, 0, 1, 0, 0, 0},
      {1, 4, 4, 1, 5, 1, 2, 2, 1, 1, 1, 1, ENN_PAD_EXPLICIT, 1, ENN_ACT_NONE, 1, 1, 0, 100, 0}, /* ic 1 */
      {1, 13, 3, 2, 3, 1, 7, 1, 3, 1, 1, 1, ENN_PAD_EXPLICIT, 3, ENN_ACT_RELU, 1, 1, 0, -1, 1},
  };
  for (size_t i = 0; i < sizeof fixed / sizeof fixed[0]; i++) {
    char label[64];
    snprintf(label, sizeof label, "conv case %zu", i);
    conv_compare(&fixed[i], label);
  }
  /* random geometry */
  unsigned long long s = 4242;
  static const int acts[] = {ENN_ACT_NONE, ENN_ACT_RELU, ENN_ACT_RELU6, ENN_ACT_CLIP};
  for (int it = 0; it < 40; it++) {
    conv_case c;
    memset(&c, 0, sizeof c);
    c.n = qt_randi(&s, 1, 2);
    c.groups = qt_randi(&s, 0, 3) == 0 ? qt_randi(&s, 2, 3) : 1;
    c.ic = c.groups * qt_randi(&s, 1, 19);
    c.oc = c.groups * qt_randi(&s, 1, 60);
    c.kh = qt_randi(&s, 1, 4);
    c.kw = qt_randi(&s, 1, 4);
    c.sh = qt_randi(&s, 1, 3);
    c.sw = qt_randi(&s, 1, 3);
    c.dh = qt_randi(&s, 0, 3) ? 1 : 2;
    c.dw = qt_randi(&s, 0, 3) ? 1 : 2;
    c.ih = qt_randi(&s, (c.kh - 1) * c.dh + 1, 14);
    c.iw = qt_randi(&s, (c.kw - 1) * c.dw + 1, 14);
    c.pad_mode = qt_randi(&s, 0, 2) == 0 ? ENN_PAD_SAME_UPPER : ENN_PAD_EXPLICIT;
    c.pad = qt_randi(&s, 0, 2);
    c.act = acts[qt_randi(&s, 0, 3)];
    c.bias = qt_randi(&s, 0, 3) != 0;
    c.per_channel = qt_randi(&s, 0, 1);
    c.x_zp = qt_randi(&s, -128, 127);
    c.y_zp = qt_randi(&s, -128, 127);
    char label[160];
    snprintf(label, sizeof label, "random conv %d (n%d %dx%dx%d -> %d g%d k%dx%d s%dx%d d%dx%d)", it, c.n, c.ih, c.iw,
             c.ic, c.oc, c.groups, c.kh, c.kw, c.sh, c.sw, c.dh, c.dw);
    conv_compare(&c, label);
  }
}

static int8_t *run_fc(int32_t rows, int32_t k, int32_t n, int wzp, enn_isa cap, int threads, char *kernel,
                      size_t kcap) {
  int8_t *x = qt_rand_i8((long)rows * k, 5u + (unsigned)k, -128, 127);
  int8_t *w = qt_rand_i8((long)n * k, 6u + (unsigned)n, -127, 127);
  int32_t *b = malloc(sizeof(int32_t) * (size_t)n), *wz = calloc((size_t)n, sizeof(int32_t));
  float *sw = malloc(sizeof(float) * (size_t)n);
  for (int32_t o = 0; o < n; o++) {
    b[o] = (o * 7919) % 40001 - 20000;
    sw[o] = 0.001f + 0.0003f * (float)(o % 5);
    if (wzp) wz[o] = o % 2;
  }
  const float sx = 0.07f, sy = 0.4f;
  const int32_t xz = -17, yz = 6;
  enn_attrs at;
  enn_attrs_init(&at);
  at.act = ENN_ACT_RELU;
  qt_tensor ins[3];
  ins[0] = qt_q(qt_t(ENN_DTYPE_I8, 2, (int64_t[]){rows, k}, x, 0), &sx, &xz);
  ins[1] = qt_qaxis(qt_t(ENN_DTYPE_I8, 2, (int64_t[]){n, k}, w, 1), 0, sw, wz);
  ins[2] = qt_t(ENN_DTYPE_I32, 1, (int64_t[]){n}, b, 1);
  const enn_quant yq = qt_quant1(&sy, &yz);
  int8_t *y = malloc((size_t)rows * (size_t)n + 64);
  qt_opts o;
  memset(&o, 0, sizeof o);
  o.threads = threads;
  enn_kernel_set_isa_cap(cap);
  const enn_status st =
      qt_run(ENN_OP_FULLY_CONNECTED, "fc", &at, ins, 3, &yq, y, (size_t)rows * (size_t)n + 64, NULL, &o);
  enn_kernel_set_isa_cap(ENN_ISA_AVX512);
  CHECK_MSG(st == ENN_OK, "%s", enn_last_error());
  snprintf(kernel, kcap, "%s", o.kernel);
  free(x);
  free(w);
  free(b);
  free(wz);
  free(sw);
  if (st) {
    free(y);
    return NULL;
  }
  return y;
}

static void test_fc_ops(void) {
  static const int32_t shapes[][4] = {{1, 1, 1, 0},   {1, 64, 10, 0}, {1, 1280, 1000, 0}, {2, 3, 49, 0},
                                      {7, 100, 48, 0}, {9, 33, 97, 0}, {3, 17, 5, 1}};
  for (size_t i = 0; i < sizeof shapes / sizeof shapes[0]; i++) {
    const int32_t rows = shapes[i][0], k = shapes[i][1], n = shapes[i][2], wzp = shapes[i][3];
    char kref[96], kname[96];
    int8_t *ref = run_fc(rows, k, n, wzp, ENN_ISA_REF, 1, kref, sizeof kref);
    if (!ref) continue;
    for (size_t l = 0; l < sizeof kLevels / sizeof kLevels[0]; l++) {
      if (!enn_kernel_isa_supported(kLevels[l])) continue;
      for (int threads = 1; threads <= 3; threads += 2) {
        int8_t *y = run_fc(rows, k, n, wzp, kLevels[l], threads, kname, sizeof kname);
        if (!y) continue;
        const long d = qt_first_diff_i8(ref, y, (long)rows * n);
        CHECK_MSG(d < 0, "fc %dx%d -> %d at %s, %d threads (%s): first difference at %ld", rows, k, n,
                  enn_isa_name(kLevels[l]), threads, kname, d);
        CHECK_MSG(wzp ? strstr(kname, "__ref") != NULL : strstr(kname, "enn_qs8_gemm_") != NULL, "fc ran %s", kname);
        if (!wzp && kLevels[l] == ENN_ISA_NEON) /* the dot-product kernel where the CPU has it */
          CHECK_MSG(strstr(kname, enn_kernel_isa_supported(ENN_ISA_NEONDOT) ? "__neondot" : "__neon") != NULL,
                    "fc at neon ran %s", kname);
        free(y);
      }
    }
    free(ref);
  }
}

/* ----------------------------------------------------------- whole models */
typedef struct calib {
  const enn_graph *g;
} calib;

/* Sample i: standard-normal floats (Box-Muller over a fixed generator), as
 * the synthetic calibration of `edgenn bench --dtype int8`. */
static enn_status calib_fill(void *ctx, int32_t i, void *const *inputs) {
  const calib *c = ctx;
  for (int32_t k = 0; k < enn_graph_num_inputs(c->g); k++) {
    enn_tensor_desc d;
    enn_status st = enn_graph_tensor(c->g, enn_graph_input(c->g, k), NULL, &d, NULL);
    if (st) return st;
    unsigned long long s = 1000003ull * (unsigned long long)(i + 1) + (unsigned long long)k;
    float *x = inputs[k];
    const long n = (long)enn_tensor_desc_numel(&d);
    for (long j = 0; j < n; j++) {
      const double u1 = ((double)qt_next(&s) + 1.0) / 4294967297.0, u2 = (double)qt_next(&s) / 4294967296.0;
      x[j] = (float)(sqrt(-2.0 * log(u1)) * cos(6.283185307179586 * u2));
    }
  }
  return ENN_OK;
}

/* A node ran an int8 GEMM or IGEMM kernel. */
static bool is_gemm(const char *k) { return strstr(k, "enn_qs8_gemm_") || strstr(k, "enn_qs8_igemm_"); }

static float *run_model(const enn_graph *g, enn_isa cap, int threads, long *numel, int *gemm_nodes) {
  return mr_run_model(g, cap, threads, (mr_fill){99u, -2.0f, 2.0f}, is_gemm, numel, gemm_nodes);
}

static void check_model(const char *name, const enn_zoo_options *zo) {
  enn_graph *g = NULL, *q = NULL;
  CHECK_OK(enn_zoo_build(name, zo, NULL, &g));
  if (!g) return;
  enn_quantize_options o;
  enn_quantize_options_init(&o);
  calib c = {g};
  CHECK_OK(enn_quantize_graph(g, &o, 2, calib_fill, &c, &q));
  enn_graph_destroy(g);
  if (!q) return;
  long nref = 0, n = 0;
  int gemm = 0;
  float *ref = run_model(q, ENN_ISA_REF, 1, &nref, &gemm);
  CHECK(gemm == 0);
  for (size_t l = 0; ref && l < sizeof kLevels / sizeof kLevels[0]; l++) {
    if (!enn_kernel_isa_supported(kLevels[l])) {
      fprintf(stderr, "  skip %s at %s: this CPU lacks it\n", name, enn_isa_name(kLevels[l]));
      continue;
    }
    for (int threads = 1; threads <= 2; threads++) {
      float *y = run_model(q, kLevels[l], threads, &n, &gemm);
      if (!y) continue;
      const bool same = n == nref && memcmp(y, ref, sizeof(float) * (size_t)n) == 0;
      CHECK_MSG(same, "%s at %s, %d threads: output differs", name, enn_isa_name(kLevels[l]), threads);
      CHECK_MSG(gemm > 0, "%s at %s: no node ran an int8 GEMM kernel", name, enn_isa_name(kLevels[l]));
      if (same && threads == 1) fprintf(stderr, "  %-14s %-6s identical, %d int8 GEMM/IGEMM nodes\n", name, enn_isa_name(kLevels[l]), gemm);
      free(y);
    }
  }
  free(ref);
  enn_graph_destroy(q);
}

static void test_models(void) {
  enn_zoo_options o;
  enn_zoo_options_init(&o);
  o.width = 0.35f;
  o.resolution = 64;
  o.batch = 2;
  check_model("mobilenet_v2", &o);
  check_model("resnet8", NULL);
}

int main(void) {
  ENN_RUN(test_kernels);
  ENN_RUN(test_requant_corners);
  ENN_RUN(test_narrow_panels);
  ENN_RUN(test_prefetch_stream);
  ENN_RUN(test_wrap);
  ENN_RUN(test_no_overread);
  ENN_RUN(test_conv_ops);
  ENN_RUN(test_fc_ops);
  ENN_RUN(test_models);
  fprintf(stderr, "int8 kernels tested: %d, skipped (ISA missing): %d\n", g_ran, g_skipped);
  if (g_ran == 0 && enn_test_finish() == 0) {
    fprintf(stderr, "SKIP: no int8 SIMD kernel runs on this CPU / build\n");
    return 77;
  }
  return enn_test_finish();
}
