/*
 * The int8 element-wise and pooling kernels (kernels.h QS8_VADD,
 * QS8_GAVGPOOL, QS8_AVGPOOL, QS8_MAXPOOL) against their reference kernels,
 * BIT-EXACT, for every table entry whose ISA the CPU has (others are
 * skipped with a message):
 *
 *   VADD      vs enn_qs8_binary__ref (ADD; SUB through the negated
 *             multiplier): lengths 1, 2, primes, vector-1 / vector /
 *             vector+1 and multiples up to 1000; operand scales larger and
 *             smaller than the output's, equal ones; zero points -128 /
 *             127; clamp ranges; multipliers with left shifts and
 *             INT32_MIN (saturation); y aliasing a or b; no store past n;
 *   GAVGPOOL  vs enn_qs8_reduce_mean__ref over H, W of [1, h, w, c] with
 *             TFLite MEAN's multiplier (channels 1..130, pixels 1..300,
 *             scale ratios above and below 1, zero points -128 / 127);
 *   AVGPOOL   vs enn_qs8_avg_pool2d__ref, the kernel called per output
 *             pixel with the taps inside the input and the reference's
 *             count / padding sum, over windows 1x1..16x16 (256 taps),
 *             strides, dilations, padding with and without
 *             count_include_pad, channels 1..70;
 *   MAXPOOL   vs enn_qs8_max_pool2d__ref row by row (NULL rows for
 *             vertical padding), same geometry sweep, clamps;
 *   QUANTIZE  vs enn_qs8_quantize__ref (f32 -> i8 per tensor, both
 *             roundings): exact ties +-0.5, +-1.5, +-2.5 and their float
 *             neighbours, NaN, +-inf, +-0, denormals, values beyond the
 *             int32 range, random values at several scales / zero points /
 *             clamps, lengths 1..100;
 * and the operators (Add, Sub, AvgPool, MaxPool, GlobalAvgPool,
 * ReduceMean, Quantize) through sessions at every ISA level the CPU
 * supports (avx512, avx2; neon on AArch64, e.g. under qemu)
 * (enn_kernel_set_isa_cap) against the same node at level ref: the fast
 * kernel of that level must be chosen, the bytes must be identical, with
 * 1 and 3 threads.
 */
#include "kernels/kernels.h"
#include "kernels/ref/q8_binary_ref.h"
#include "kernels/ref/q8_mean_ref.h"
#include "kernels/ref/q8_pool_ref.h"
#include "kernels/ref/q8_quantize_ref.h"
#include "ops/q8_harness.h"
#include "quant/requant.h"

#define SENT 0x3c

static int g_ran, g_skipped;

static bool usable(const enn_kernel *k) {
  if (enn_kernel_isa_supported(k->isa)) {
    g_ran++;
    return true;
  }
  fprintf(stderr, "  skip %s: this CPU lacks %s\n", k->name, enn_isa_name(k->isa));
  g_skipped++;
  return false;
}

static void clamp_range(unsigned long long *s, int32_t y_zp, int32_t *lo, int32_t *hi) {
  switch (qt_randi(s, 0, 3)) {
  case 0: *lo = -128, *hi = 127; break;
  case 1: *lo = y_zp, *hi = 127; break;
  case 2: *lo = -30, *hi = 41; break;
  default: *lo = y_zp, *hi = y_zp + 12 > 127 ? 127 : y_zp + 12; break;
  }
}

/* ------------------------------------------------------------------ VADD */
/* Parameters as the operator forms them (binary_q8.c): scales sa, sb, sy. */
static void add_params(float sa, float sb, float sy, int32_t za, int32_t zb, int32_t zy, bool sub,
                       enn_qs8_binary_params *p) {
  memset(p, 0, sizeof *p);
  p->geo.op = ENN_BINOP_ADD;
  p->a_zp = za, p->b_zp = zb, p->y_zp = zy;
  p->left_shift = 20;
  const double twice = (double)(2.0f * (sa > sb ? sa : sb));
  enn_quantize_multiplier((double)sa / twice, &p->a_mult, &p->a_shift);
  enn_quantize_multiplier((double)sb / twice, &p->b_mult, &p->b_shift);
  enn_quantize_multiplier(twice / (double)((float)(1 << 20) * sy), &p->y_mult, &p->y_shift);
  if (sub) p->b_mult = -p->b_mult;
}

static void to_kparams(const enn_qs8_binary_params *p, enn_qs8_add_params *k) {
  k->a_zp = p->a_zp, k->b_zp = p->b_zp, k->y_zp = p->y_zp, k->left_shift = p->left_shift;
  k->a_mult = p->a_mult, k->a_shift = p->a_shift, k->b_mult = p->b_mult, k->b_shift = p->b_shift;
  k->y_mult = p->y_mult, k->y_shift = p->y_shift, k->lo = p->lo, k->hi = p->hi;
}

/* Compares kernel k with the reference on n elements; alias: 0 none, 1
 * y = a, 2 y = b. Returns mismatches. */
static long vadd_case(const enn_kernel *k, enn_qs8_binary_params *p, long n, int alias, unsigned long long seed) {
  int8_t *a = qt_rand_i8(n, seed, -128, 127), *b = qt_rand_i8(n, seed + 7, -128, 127);
  int8_t *want = malloc((size_t)n), *got = malloc((size_t)n + 64);
  p->geo.rank = 1;
  p->geo.dims[0] = n;
  p->geo.sa[0] = p->geo.sb[0] = 1;
  p->geo.numel = n;
  enn_qs8_binary__ref(p, a, b, want);
  enn_qs8_add_params kp;
  to_kparams(p, &kp);
  memset(got, SENT, (size_t)n + 64);
  long bad = 0;
  if (alias == 0) {
    k->fn.qs8_vadd((size_t)n, a, b, got, &kp);
    for (int i = 0; i < 64; i++) bad += got[n + i] != (int8_t)SENT;
  } else {
    int8_t *dst = alias == 1 ? a : b;
    k->fn.qs8_vadd((size_t)n, a, b, dst, &kp);
    memcpy(got, dst, (size_t)n);
  }
  const long at = qt_first_diff_i8(got, want, n);
  if (at >= 0) {
    for (long i = 0; i < n; i++) bad += got[i] != want[i];
    fprintf(stderr, "  %s n=%ld alias=%d zp %d %d %d [%d,%d] m %d/%d %d/%d %d/%d: first diff [%ld] %d vs %d\n",
            k->name, n, alias, p->a_zp, p->b_zp, p->y_zp, p->lo, p->hi, p->a_mult, p->a_shift, p->b_mult,
            p->b_shift, p->y_mult, p->y_shift, at, got[at], want[at]);
  }
  free(a), free(b), free(want), free(got);
  return bad;
}

static void test_vadd(void) {
  int32_t cnt;
  const enn_kernel *t = enn_kernel_table(&cnt);
  for (int32_t i = 0; i < cnt; i++) {
    const enn_kernel *k = &t[i];
    if (k->op != ENN_KOP_QS8_VADD || !usable(k)) continue;
    const long ns[] = {1, 2, 3, 7, 8, 9, 15, 16, 17, 31, 33, 63, 64, 65, 127, 129, 1000};
    const float scales[][3] = {{0.1f, 0.1f, 0.1f},   {0.02f, 0.05f, 0.03f}, {0.2f, 0.01f, 0.05f},
                               {0.01f, 0.02f, 0.5f}, {0.5f, 0.4f, 0.01f},   {0.037f, 0.011f, 0.023f}};
    const int32_t zps[][3] = {{0, 0, 0}, {-128, 127, -128}, {127, -128, 127}, {-3, 17, -128}, {127, 127, 127}};
    unsigned long long s = 1, seed = 1;
    long bad = 0, cases = 0;
    for (size_t ni = 0; ni < sizeof ns / sizeof ns[0]; ni++)
      for (size_t si = 0; si < sizeof scales / sizeof scales[0]; si++)
        for (int sub = 0; sub <= 1; sub++) {
          const int32_t *z = zps[seed % 5];
          enn_qs8_binary_params p;
          add_params(scales[si][0], scales[si][1], scales[si][2], z[0], z[1], z[2], sub != 0, &p);
          clamp_range(&s, p.y_zp, &p.lo, &p.hi);
          bad += vadd_case(k, &p, ns[ni], (int)(seed % 3), seed);
          seed++, cases++;
        }
    /* arbitrary multipliers: left shifts, INT32_MIN, zero */
    const int32_t ms[][6] = {{INT32_MIN, 0, INT32_MIN, -1, 1 << 30, 0},
                             {1518500250, 2, -1518500250, 1, 1073741824, -20},
                             {2147483647, -31, 1, -5, INT32_MIN, -10},
                             {0, 0, 1234567890, -3, 2000000000, -29}};
    for (size_t mi = 0; mi < sizeof ms / sizeof ms[0]; mi++)
      for (int ls = 0; ls <= 20; ls += 10) {
        enn_qs8_binary_params p;
        add_params(0.1f, 0.1f, 0.1f, 5, -7, 3, false, &p);
        p.left_shift = ls;
        p.a_mult = ms[mi][0], p.a_shift = ms[mi][1], p.b_mult = ms[mi][2], p.b_shift = ms[mi][3];
        p.y_mult = ms[mi][4], p.y_shift = ms[mi][5];
        p.lo = -128, p.hi = 127;
        bad += vadd_case(k, &p, 131, 0, seed++);
        cases++;
      }
    CHECK_MSG(bad == 0, "%s: %ld mismatches in %ld cases", k->name, bad, cases);
  }
}

/* -------------------------------------------------------------- GAVGPOOL */
static void test_gavgpool(void) {
  int32_t cnt;
  const enn_kernel *t = enn_kernel_table(&cnt);
  for (int32_t i = 0; i < cnt; i++) {
    const enn_kernel *k = &t[i];
    if (k->op != ENN_KOP_QS8_GAVGPOOL || !usable(k)) continue;
    const int cs[] = {1, 3, 7, 8, 9, 15, 16, 17, 31, 32, 33, 63, 64, 65, 130};
    const int hws[][2] = {{1, 1}, {1, 2}, {7, 7}, {8, 8}, {3, 5}, {25, 5}, {15, 20}};
    const double ratios[] = {1.0, 0.37, 2.9, 0.011, 41.0};
    const int32_t zps[][2] = {{0, 0}, {-128, 127}, {127, -128}, {-5, 9}};
    unsigned long long s = 3, seed = 1;
    long bad = 0, cases = 0;
    for (size_t ci = 0; ci < sizeof cs / sizeof cs[0]; ci++)
      for (size_t hi = 0; hi < sizeof hws / sizeof hws[0]; hi++) {
        const int c = cs[ci], h = hws[hi][0], w = hws[hi][1];
        const int64_t dims[4] = {1, h, w, c};
        enn_tensor_desc d;
        enn_tensor_desc_init(&d, ENN_DTYPE_I8, 4, dims);
        const bool red[4] = {false, true, true, false};
        enn_qs8_mean_params p;
        memset(&p, 0, sizeof p);
        enn_reduce_params_init(&p.r, &d, red);
        const int32_t *z = zps[seed % 4];
        p.x_zp = z[0], p.y_zp = z[1];
        enn_qs8_mean_multiplier(ratios[seed % 5], p.r.count, &p.mult, &p.shift);
        clamp_range(&s, p.y_zp, &p.lo, &p.hi);
        int8_t *x = qt_rand_i8((long)h * w * c, seed, -128, 127);
        int8_t *want = malloc((size_t)c), *got = malloc((size_t)c + 64);
        enn_qs8_reduce_mean__ref(&p, x, want);
        const enn_qs8_mean_kparams kp = {(int32_t)(-p.x_zp * (int32_t)p.r.count), p.mult, p.shift, p.y_zp, p.lo,
                                         p.hi};
        memset(got, SENT, (size_t)c + 64);
        k->fn.qs8_gavgpool((size_t)(h * w), (size_t)c, x, got, &kp);
        long b = 0;
        for (int j = 0; j < c; j++) b += got[j] != want[j];
        for (int j = 0; j < 64; j++) b += got[c + j] != (int8_t)SENT;
        if (b)
          fprintf(stderr, "  %s c=%d hw=%dx%d zp %d %d m %d shift %d: %ld wrong\n", k->name, c, h, w, p.x_zp, p.y_zp,
                  p.mult, p.shift, b);
        bad += b;
        cases++;
        seed++;
        free(x), free(want), free(got);
      }
    CHECK_MSG(bad == 0, "%s: %ld mismatches in %ld cases", k->name, bad, cases);
  }
}

/* ------------------------------------------------------- AVGPOOL / MAXPOOL */
typedef struct pcase {
  int ih, iw, c, kh, kw, sh, sw, dh, dw, pt, pl, pb, pr, inc;
} pcase;

/* Runs kernel k (AVGPOOL or MAXPOOL) over case q as the operator does;
 * returns mismatches against the reference. */
static long pool_case(const enn_kernel *k, const pcase *q, int32_t zp, int32_t lo, int32_t hi, unsigned long long seed,
                      long *ran) {
  const int ekh = q->dh * (q->kh - 1) + 1, ekw = q->dw * (q->kw - 1) + 1;
  const int oh = (q->ih + q->pt + q->pb - ekh) / q->sh + 1, ow = (q->iw + q->pl + q->pr - ekw) / q->sw + 1;
  if (oh < 1 || ow < 1) return 0;
  enn_qs8_pool2d_params p;
  memset(&p, 0, sizeof p);
  enn_pool2d_params *g = &p.geo;
  g->n = 1, g->ih = q->ih, g->iw = q->iw, g->c = q->c, g->oh = oh, g->ow = ow, g->kh = q->kh, g->kw = q->kw;
  g->sh = q->sh, g->sw = q->sw, g->dh = q->dh, g->dw = q->dw, g->pt = q->pt, g->pl = q->pl, g->pb = q->pb,
  g->pr = q->pr, g->count_include_pad = q->inc;
  p.zp = zp, p.lo = lo, p.hi = hi;
  const bool avg = k->op == ENN_KOP_QS8_AVGPOOL;
  for (int oy = 0; oy < oh; oy++) /* the operator never has a window without a tap in the input: skip such a case */
    for (int ox = 0; ox < ow; ox++) {
      int inside = 0;
      for (int ky = 0; ky < q->kh; ky++)
        for (int kx = 0; kx < q->kw; kx++) {
          const int iy = oy * q->sh - q->pt + ky * q->dh, ix = ox * q->sw - q->pl + kx * q->dw;
          inside += iy >= 0 && iy < q->ih && ix >= 0 && ix < q->iw;
        }
      if (!inside) return 0;
    }
  int8_t *x = qt_rand_i8((long)q->ih * q->iw * q->c, seed, -128, 127);
  const size_t ysz = (size_t)oh * (size_t)ow * (size_t)q->c;
  int8_t *want = malloc(ysz), *got = malloc(ysz + 64);
  if (avg) enn_qs8_avg_pool2d__ref(&p, x, want);
  else enn_qs8_max_pool2d__ref(&p, x, want);
  memset(got, SENT, ysz + 64);
  const size_t c = (size_t)q->c;
  for (int oy = 0; oy < oh; oy++) {
    if (avg) {
      for (int ox = 0; ox < ow; ox++) {
        const int8_t *taps[256];
        size_t nt = 0;
        int32_t count = 0, npad = 0;
        for (int ky = 0; ky < q->kh; ky++) {
          const int iy = oy * q->sh - q->pt + ky * q->dh;
          if (iy < -q->pt || iy >= q->ih + q->pb) continue;
          for (int kx = 0; kx < q->kw; kx++) {
            const int ix = ox * q->sw - q->pl + kx * q->dw;
            if (ix < -q->pl || ix >= q->iw + q->pr) continue;
            if (iy >= 0 && iy < q->ih && ix >= 0 && ix < q->iw) {
              taps[nt++] = x + ((size_t)iy * (size_t)q->iw + (size_t)ix) * c, count++;
            } else if (q->inc) {
              npad++, count++;
            }
          }
        }
        k->fn.qs8_avgpool(nt, taps, got + ((size_t)oy * (size_t)ow + (size_t)ox) * c, c, npad * zp, count, lo, hi);
      }
    } else {
      const int8_t *rows[16];
      for (int ky = 0; ky < q->kh; ky++) {
        const int iy = oy * q->sh - q->pt + ky * q->dh;
        rows[ky] = (iy < 0 || iy >= q->ih) ? NULL : x + (size_t)iy * (size_t)q->iw * c;
      }
      k->fn.qs8_maxpool(rows, (size_t)q->kh, got + (size_t)oy * (size_t)ow * c, c, (size_t)ow, (size_t)q->iw,
                        (size_t)q->kw, (size_t)q->sw, (size_t)q->pl, (size_t)q->dw, lo, hi);
    }
  }
  long bad = 0;
  (*ran)++;
  for (size_t i = 0; i < ysz; i++) bad += got[i] != want[i];
  for (int i = 0; i < 64; i++) bad += got[ysz + (size_t)i] != (int8_t)SENT;
  if (bad)
    fprintf(stderr, "  %s %dx%dx%d win %dx%d s %d,%d d %d,%d pad %d %d %d %d inc %d zp %d [%d,%d]: %ld wrong\n",
            k->name, q->ih, q->iw, q->c, q->kh, q->kw, q->sh, q->sw, q->dh, q->dw, q->pt, q->pl, q->pb, q->pr,
            q->inc, zp, lo, hi, bad);
  free(x), free(want), free(got);
  return bad;
}

static void test_pools(void) {
  int32_t cnt;
  const enn_kernel *t = enn_kernel_table(&cnt);
  for (int32_t i = 0; i < cnt; i++) {
    const enn_kernel *k = &t[i];
    if ((k->op != ENN_KOP_QS8_AVGPOOL && k->op != ENN_KOP_QS8_MAXPOOL) || !usable(k)) continue;
    const int cs[] = {1, 3, 8, 15, 16, 17, 31, 32, 33, 63, 64, 65, 70};
    const int wins[][2] = {{1, 1}, {2, 2}, {3, 3}, {2, 3}, {5, 1}, {8, 8}, {16, 16}};
    const int32_t zps[] = {0, -128, 127, 9};
    unsigned long long s = 5, seed = 1;
    long bad = 0, cases = 0;
    for (size_t ci = 0; ci < sizeof cs / sizeof cs[0]; ci++)
      for (size_t wi = 0; wi < sizeof wins / sizeof wins[0]; wi++)
        for (int var = 0; var < 3; var++) {
          pcase q;
          memset(&q, 0, sizeof q);
          q.c = cs[ci], q.kh = wins[wi][0], q.kw = wins[wi][1];
          q.sh = 1 + (int)(seed % 2), q.sw = 1 + (int)((seed / 2) % 3);
          q.dh = q.kh <= 3 && var == 2 ? 2 : 1, q.dw = q.kw <= 3 && var == 1 ? 2 : 1;
          q.ih = q.kh * q.dh + (int)(seed % 5), q.iw = q.kw * q.dw + (int)((seed / 3) % 7);
          if (var > 0) {
            q.pt = q.kh / 2, q.pb = (q.kh - 1) / 2 + (int)(seed % 2), q.pl = q.kw - 1, q.pr = (int)(seed % 3);
            if (q.pr >= q.kw) q.pr = q.kw - 1;
          }
          q.inc = var == 1;
          const int32_t zp = zps[seed % 4];
          int32_t lo, hi;
          clamp_range(&s, zp, &lo, &hi);
          bad += pool_case(k, &q, zp, lo, hi, seed++, &cases);
        }
    /* a window of 256 taps all at -128 / 127 with padding in the count */
    pcase q = {16, 16, 19, 16, 16, 1, 1, 1, 1, 0, 0, 0, 0, 0};
    bad += pool_case(k, &q, -128, -128, 127, 77, &cases);
    q.pt = 3, q.pl = 2, q.pb = 3, q.pr = 2, q.inc = 1;
    bad += pool_case(k, &q, 127, -128, 127, 78, &cases);
    CHECK_MSG(bad == 0, "%s: %ld mismatches in %ld cases", k->name, bad, cases);
    CHECK_MSG(cases > 200, "%s: only %ld cases ran", k->name, cases);
  }
}

/* -------------------------------------------------------------- QUANTIZE */
static void test_quantize(void) {
  int32_t cnt;
  const enn_kernel *t = enn_kernel_table(&cnt);
  for (int32_t i = 0; i < cnt; i++) {
    const enn_kernel *k = &t[i];
    if (k->op != ENN_KOP_QS8_QUANTIZE || !usable(k)) continue;
    enum { N = 100 };
    float x[N];
    const float specials[] = {0.5f,      -0.5f,     1.5f,         -1.5f,         2.5f,     -2.5f,
                              0.0f,      -0.0f,     NAN,          INFINITY,      -INFINITY, 1e-40f,
                              -1e-40f,   3e9f,      -3e9f,        126.5f,        -127.5f,   -128.5f,
                              0.49999997f, -0.49999997f, 0.50000006f, -0.50000006f, 8388607.5f, 2147483520.0f};
    const size_t ns = sizeof specials / sizeof specials[0];
    const float scales[] = {1.0f, 0.5f, 0.0037f, 3.0f, 1e-30f};
    const int32_t zps[] = {0, -128, 127, 7};
    unsigned long long s = 11;
    long bad = 0, cases = 0;
    for (size_t si = 0; si < sizeof scales / sizeof scales[0]; si++)
      for (size_t zi = 0; zi < sizeof zps / sizeof zps[0]; zi++)
        for (int rounding = 0; rounding <= 1; rounding++)
          for (int len = 1; len <= N; len += (len < 20 ? 1 : 27)) {
            for (int j = 0; j < len; j++) {
              const float r = enn_t_randf(&s, -300.0f, 300.0f);
              x[j] = j < (int)ns && (len + j) % 2 == 0 ? specials[j] * (si == 0 ? 1.0f : scales[si])
                                                        : r * scales[si] * (j % 3 == 0 ? 1.0f : 0.01f);
            }
            int32_t lo = -128, hi = 127;
            if (len % 3 == 1) lo = zps[zi] > 100 ? 100 : zps[zi], hi = 127; /* a Relu-like clamp */
            if (len % 5 == 2) lo = -9, hi = 13;
            enn_qs8_quant_params p;
            memset(&p, 0, sizeof p);
            p.outer = 1, p.channels = 1, p.inner = len;
            p.in_dtype = ENN_DTYPE_F32, p.out_dtype = ENN_DTYPE_I8;
            p.qmin = lo, p.qmax = hi, p.rounding = rounding;
            p.scale = &scales[si];
            p.zp_out = &zps[zi];
            int8_t want[N], got[N + 16];
            enn_qs8_quantize__ref(&p, x, want);
            memset(got, SENT, sizeof got);
            k->fn.qs8_quantize((size_t)len, x, got, scales[si], zps[zi], lo, hi, rounding);
            long b = 0;
            for (int j = 0; j < len; j++) b += got[j] != want[j];
            for (int j = len; j < N + 16; j++) b += got[j] != (int8_t)SENT;
            if (b) {
              const long at = qt_first_diff_i8(got, want, len);
              fprintf(stderr, "  %s len %d scale %g zp %d rounding %d: %ld wrong, first [%ld] x=%.9g: %d vs %d\n",
                      k->name, len, (double)scales[si], zps[zi], rounding, b, at, at >= 0 ? (double)x[at] : 0.0,
                      at >= 0 ? got[at] : 0, at >= 0 ? want[at] : 0);
            }
            bad += b;
            cases++;
          }
    CHECK_MSG(bad == 0, "%s: %ld mismatches in %ld cases", k->name, bad, cases);
  }
}

/* ------------------------------------------------------------ operators */
typedef struct opcase {
  enn_op op;
  int64_t dims[4];
  int kh, kw, sh, sw, pad_mode, inc, act;
  const char *fast_prefix; /* kernel name before "__<isa>" */
} opcase;

static int8_t *run_op(const opcase *q, enn_isa cap, int threads, long *n_out, char *kernel) {
  enn_kernel_set_isa_cap(cap);
  const long numel = (long)(q->dims[0] * q->dims[1] * q->dims[2] * q->dims[3]);
  int8_t *x = qt_rand_i8(numel, 21, -128, 127), *x2 = qt_rand_i8(numel, 22, -128, 127);
  const float sx = 0.04f, sx2 = 0.07f, sy = q->op == ENN_OP_ADD || q->op == ENN_OP_SUB ? 0.06f : 0.03f;
  const int32_t zx = -128, zx2 = 127, zy = 5;
  qt_tensor ins[2];
  ins[0] = qt_q(qt_t(ENN_DTYPE_I8, 4, q->dims, x, 0), &sx, &zx);
  ins[1] = qt_q(qt_t(ENN_DTYPE_I8, 4, q->dims, x2, 0), &sx2, &zx2);
  enn_attrs a;
  enn_attrs_init_op(&a, q->op);
  a.act = q->act;
  int n_in = 1;
  const enn_quant yq = qt_quant1(&sy, &zy);
  const enn_quant *oq = &yq;
  if (q->op == ENN_OP_ADD || q->op == ENN_OP_SUB) {
    n_in = 2;
  } else if (q->op == ENN_OP_AVG_POOL || q->op == ENN_OP_MAX_POOL) {
    a.kernel[0] = q->kh, a.kernel[1] = q->kw, a.stride[0] = q->sh, a.stride[1] = q->sw;
    a.pad_mode = q->pad_mode, a.count_include_pad = q->inc;
    oq = NULL; /* pooling keeps the input's parameters */
  } else if (q->op == ENN_OP_REDUCE_MEAN) {
    a.n_axes = 2, a.axes[0] = 1, a.axes[1] = 2, a.keepdims = 1;
  }
  const size_t cap_bytes = (size_t)numel + 64;
  int8_t *y = malloc(cap_bytes);
  qt_opts o;
  memset(&o, 0, sizeof o);
  o.threads = threads;
  enn_tensor_desc od;
  const enn_status st = qt_run(q->op, "node", &a, ins, n_in, oq, y, cap_bytes, &od, &o);
  CHECK_OK(st);
  *n_out = st ? 0 : (long)enn_tensor_desc_numel(&od);
  snprintf(kernel, 96, "%s", o.kernel);
  free(x), free(x2);
  enn_kernel_set_isa_cap(ENN_ISA_AVX512);
  return y;
}

static void test_operators(void) {
  static const enn_isa levels[] = {ENN_ISA_AVX512, ENN_ISA_AVX2, ENN_ISA_NEON};
  const opcase cases[] = {
      {ENN_OP_ADD, {1, 56, 56, 24}, 0, 0, 0, 0, 0, 0, ENN_ACT_NONE, "enn_qs8_vadd"},
      {ENN_OP_ADD, {1, 5, 3, 7}, 0, 0, 0, 0, 0, 0, ENN_ACT_RELU, "enn_qs8_vadd"},
      {ENN_OP_SUB, {2, 9, 11, 13}, 0, 0, 0, 0, 0, 0, ENN_ACT_RELU6, "enn_qs8_vadd"},
      {ENN_OP_AVG_POOL, {1, 8, 8, 64}, 8, 8, 8, 8, ENN_PAD_VALID, 0, ENN_ACT_NONE, "enn_qs8_avgpool"},
      {ENN_OP_AVG_POOL, {2, 13, 11, 19}, 3, 3, 2, 2, ENN_PAD_SAME_UPPER, 1, ENN_ACT_RELU, "enn_qs8_avgpool"},
      {ENN_OP_AVG_POOL, {1, 25, 5, 64}, 25, 5, 1, 1, ENN_PAD_VALID, 0, ENN_ACT_NONE, "enn_qs8_avgpool"},
      {ENN_OP_MAX_POOL, {1, 28, 28, 20}, 2, 2, 2, 2, ENN_PAD_VALID, 0, ENN_ACT_NONE, "enn_qs8_maxpool"},
      {ENN_OP_MAX_POOL, {2, 17, 15, 67}, 3, 3, 2, 2, ENN_PAD_SAME_UPPER, 0, ENN_ACT_RELU, "enn_qs8_maxpool"},
      {ENN_OP_GLOBAL_AVG_POOL, {1, 7, 7, 1280}, 0, 0, 0, 0, 0, 0, ENN_ACT_NONE, "enn_qs8_gavgpool"},
      {ENN_OP_GLOBAL_AVG_POOL, {3, 5, 4, 37}, 0, 0, 0, 0, 0, 0, ENN_ACT_RELU, "enn_qs8_gavgpool"},
      {ENN_OP_REDUCE_MEAN, {2, 6, 6, 33}, 0, 0, 0, 0, 0, 0, ENN_ACT_NONE, "enn_qs8_gavgpool"},
  };
  for (size_t ci = 0; ci < sizeof cases / sizeof cases[0]; ci++) {
    const opcase *q = &cases[ci];
    long nref = 0;
    char kref[96];
    int8_t *ref = run_op(q, ENN_ISA_REF, 1, &nref, kref);
    CHECK_MSG(strstr(kref, "__ref") != NULL, "case %zu: %s at level ref", ci, kref);
    for (size_t li = 0; li < sizeof levels / sizeof levels[0]; li++) {
      if (!enn_kernel_isa_supported(levels[li])) {
        fprintf(stderr, "  skip level %s: this CPU lacks it\n", enn_isa_name(levels[li]));
        continue;
      }
      char want_k[96];
      snprintf(want_k, sizeof want_k, "%s__%s", q->fast_prefix, enn_isa_name(levels[li]));
      for (int th = 1; th <= 3; th += 2) {
        long n = 0;
        char kn[96];
        int8_t *y = run_op(q, levels[li], th, &n, kn);
        CHECK_MSG(strcmp(kn, want_k) == 0, "case %zu: kernel %s, expected %s", ci, kn, want_k);
        CHECK_MSG(n == nref && n > 0 && qt_first_diff_i8(y, ref, n) < 0, "case %zu (%s) level %s threads %d: diff at %ld",
                  ci, enn_op_name(q->op), enn_isa_name(levels[li]), th, qt_first_diff_i8(y, ref, n));
        free(y);
      }
    }
    free(ref);
  }
}

/* Quantize f32 -> i8 (both roundings) through sessions at each level. */
/* Inputs at and next to (k + 1/2) * scale, where x * (1/scale) and the
 * reference's x / scale may round to different integers: every fast
 * quantize must still match the reference bit for bit. */
static void test_quantize_halves(void) {
  int32_t cnt;
  const enn_kernel *t = enn_kernel_table(&cnt);
  const float scales[] = {0.0037f, 1.0f / 255.0f, 0.1f, 3.0f, 0.007843137f, 1.0f / 127.5f, 0.02352941f, 7e-5f};
  enum { N = 601 * 7 };
  static float x[N];
  static int8_t want[N], got[N];
  for (int32_t i = 0; i < cnt; i++) {
    const enn_kernel *k = &t[i];
    if (k->op != ENN_KOP_QS8_QUANTIZE || !usable(k)) continue;
    long bad = 0;
    for (size_t si = 0; si < sizeof scales / sizeof scales[0]; si++) {
      const float sc = scales[si];
      int n = 0;
      for (int kk = -300; kk <= 300; kk++) {
        const float h = ((float)kk + 0.5f) * sc;
        float lo = h, hi = h;
        x[n++] = h;
        for (int d = 0; d < 3; d++) {
          lo = nextafterf(lo, -INFINITY), hi = nextafterf(hi, INFINITY);
          x[n++] = lo, x[n++] = hi;
        }
      }
      for (int zp = -1; zp <= 1; zp++)
        for (int rounding = 0; rounding <= 1; rounding++) {
          enn_qs8_quant_params p;
          memset(&p, 0, sizeof p);
          const int32_t zpv = zp * 5;
          p.outer = 1, p.channels = 1, p.inner = n;
          p.in_dtype = ENN_DTYPE_F32, p.out_dtype = ENN_DTYPE_I8;
          p.qmin = -128, p.qmax = 127, p.rounding = rounding;
          p.scale = &sc;
          p.zp_out = &zpv;
          enn_qs8_quantize__ref(&p, x, want);
          k->fn.qs8_quantize((size_t)n, x, got, sc, zpv, -128, 127, rounding);
          for (int j = 0; j < n; j++)
            if (got[j] != want[j]) {
              if (!bad)
                fprintf(stderr, "  %s scale %.9g rounding %d: x=%.9g (x/s=%.9g) got %d want %d\n", k->name,
                        (double)sc, rounding, (double)x[j], (double)(x[j] / sc), got[j], want[j]);
              bad++;
            }
        }
    }
    CHECK_MSG(bad == 0, "%s: %ld of the half-integer cases differ from the reference", k->name, bad);
  }
}

static int8_t *run_quantize(enn_isa cap, int mode, long n, char *kernel) {
  enn_kernel_set_isa_cap(cap);
  float *x = malloc(sizeof(float) * (size_t)n);
  enn_t_fill(x, n, 31, -3.0f, 3.0f);
  x[0] = 0.25f, x[1] = -0.25f, x[2] = NAN; /* ties at scale 0.5 */
  const int64_t dims[2] = {1, n};
  qt_tensor in = qt_t(ENN_DTYPE_F32, 2, dims, x, 0);
  const float sy = 0.5f;
  const int32_t zy = -3;
  const enn_quant oq = qt_quant1(&sy, &zy);
  enn_attrs a;
  enn_attrs_init_op(&a, ENN_OP_QUANTIZE);
  a.mode = mode;
  int8_t *y = malloc((size_t)n);
  qt_opts o;
  memset(&o, 0, sizeof o);
  CHECK_OK(qt_run(ENN_OP_QUANTIZE, "q", &a, &in, 1, &oq, y, (size_t)n, NULL, &o));
  snprintf(kernel, 96, "%s", o.kernel);
  free(x);
  enn_kernel_set_isa_cap(ENN_ISA_AVX512);
  return y;
}

static void test_quantize_op(void) {
  static const enn_isa levels[] = {ENN_ISA_AVX512, ENN_ISA_AVX2, ENN_ISA_NEON};
  const long n = 3 * 37 * 41;
  for (int mode = 0; mode <= 1; mode++) {
    char kref[96];
    int8_t *ref = run_quantize(ENN_ISA_REF, mode, n, kref);
    CHECK(strcmp(kref, "enn_qs8_quantize__ref") == 0);
    for (size_t li = 0; li < sizeof levels / sizeof levels[0]; li++) {
      if (!enn_kernel_isa_supported(levels[li])) continue;
      char kn[96], want_k[96];
      snprintf(want_k, sizeof want_k, "enn_qs8_quantize__%s", enn_isa_name(levels[li]));
      int8_t *y = run_quantize(levels[li], mode, n, kn);
      CHECK_MSG(strcmp(kn, want_k) == 0, "kernel %s, expected %s", kn, want_k);
      CHECK_MSG(qt_first_diff_i8(y, ref, n) < 0, "mode %d level %s: diff at %ld", mode, enn_isa_name(levels[li]),
                qt_first_diff_i8(y, ref, n));
      free(y);
    }
    free(ref);
  }
}

int main(void) {
  ENN_RUN(test_vadd);
  ENN_RUN(test_gavgpool);
  ENN_RUN(test_pools);
  ENN_RUN(test_quantize);
  ENN_RUN(test_quantize_halves);
  ENN_RUN(test_operators);
  ENN_RUN(test_quantize_op);
  fprintf(stderr, "kernel groups run: %d, skipped (ISA missing): %d\n", g_ran, g_skipped);
  if (g_ran == 0 && enn_t_failed == 0) {
    fprintf(stderr, "SKIP: no int8 vector kernel can run on this CPU\n");
    return 77;
  }
  return enn_test_finish();
}
