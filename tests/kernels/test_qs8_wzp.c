/*
 * int8 Conv2D / FullyConnected with a per-tensor WEIGHT zero point != 0
 * (uint8 models imported as int8 keep one) on the fast GEMM / IGEMM path
 * (conv2d_q8_fast.c folds -w_zp * sum_k (x - x_zp) per output pixel into
 * the kernels' ep->row_off), BIT-EXACT:
 *   - at every ISA level the CPU has (enn_kernel_set_isa_cap; others
 *     skipped with a message), 1 and 3 threads, against the same node at
 *     level ref (the reference kernel) and against an independent direct
 *     convolution written here (NHWC loops with bounds checks, int64 sums,
 *     the harness's own TFLite rescale);
 *   - the chosen kernel is a GEMM / IGEMM one, not the reference;
 *   - shapes: 1x1 (GEMM), 1x1 stride 2, 3x3 with padding (stride 1, 2),
 *     the 3-channel stem, grouped, 5x5 with K = 3250, odd sizes; weight
 *     zero points -128, 127 and in between, input zero points -128 / 127;
 *     FullyConnected with rows 1 and 7;
 *   - weight zero points that differ per channel keep the reference.
 */
#include "kernels/kernels.h"
#include "ops/q8_harness.h"

typedef struct wcase {
  int n, ih, iw, ic, oc, kh, kw, sh, sw, pt, pl, pb, pr, groups;
  int32_t w_zp, x_zp, y_zp;
  int act;
} wcase;

static int out_dim(int in, int k, int s, int p0, int p1) { return (in + p0 + p1 - k) / s + 1; }

/* The independent computation: y[n, oy, ox, o] directly from the NHWC
 * input (taps outside skipped: they would read x_zp and add 0). */
static void direct(const wcase *c, const int8_t *x, const int8_t *w, const int32_t *b, float sx, float sw, float sy,
                   const int32_t *wz, int8_t *y) {
  const int oh = out_dim(c->ih, c->kh, c->sh, c->pt, c->pb), ow = out_dim(c->iw, c->kw, c->sw, c->pl, c->pr);
  const int icg = c->ic / c->groups, ocg = c->oc / c->groups;
  int32_t m, e, lo, hi;
  qt_quantize_multiplier((double)sx * (double)sw / (double)sy, &m, &e);
  qt_act_range(c->act, 0.0f, 0.0f, sy, c->y_zp, &lo, &hi);
  for (int n = 0; n < c->n; n++)
    for (int oy = 0; oy < oh; oy++)
      for (int ox = 0; ox < ow; ox++)
        for (int o = 0; o < c->oc; o++) {
          int64_t acc = b[o];
          const int g = o / ocg;
          for (int ky = 0; ky < c->kh; ky++)
            for (int kx = 0; kx < c->kw; kx++) {
              const int iy = oy * c->sh - c->pt + ky, ix = ox * c->sw - c->pl + kx;
              if (iy < 0 || iy >= c->ih || ix < 0 || ix >= c->iw) continue;
              for (int i = 0; i < icg; i++) {
                const int64_t xv = x[(((long)n * c->ih + iy) * c->iw + ix) * c->ic + g * icg + i] - c->x_zp;
                const int64_t wv = w[(((long)o * c->kh + ky) * c->kw + kx) * icg + i] - wz[o];
                acc += xv * wv;
              }
            }
          y[(((long)n * oh + oy) * ow + ox) * c->oc + o] =
              (int8_t)qt_clamp((int64_t)c->y_zp + qt_mbqm((int32_t)acc, m, e), lo, hi);
        }
}

static const float g_sx = 0.02f, g_sw = 0.004f, g_sy = 0.5f;

/* Runs case c (fc: as FullyConnected [n*ih*iw, ic] x [oc, ic]) at level
 * cap; returns the output (numel in *numel) and the kernel name. */
static int8_t *run(const wcase *c, bool fc, const int8_t *x, const int8_t *w, const int32_t *b, const int32_t *wz,
                   bool per_axis, enn_isa cap, int threads, long *numel, char *kernel) {
  enn_kernel_set_isa_cap(cap);
  const int icg = c->ic / c->groups;
  static float swv[512];
  for (int o = 0; o < c->oc; o++) swv[o] = g_sw;
  qt_tensor in[3];
  const int64_t rows = (int64_t)c->n * c->ih * c->iw;
  if (fc) {
    in[0] = qt_q(qt_t(ENN_DTYPE_I8, 2, (int64_t[]){rows, c->ic}, x, 0), &g_sx, &c->x_zp);
    in[1] = qt_t(ENN_DTYPE_I8, 2, (int64_t[]){c->oc, c->ic}, w, 1);
  } else {
    in[0] = qt_q(qt_t(ENN_DTYPE_I8, 4, (int64_t[]){c->n, c->ih, c->iw, c->ic}, x, 0), &g_sx, &c->x_zp);
    in[1] = qt_t(ENN_DTYPE_I8, 4, (int64_t[]){c->oc, c->kh, c->kw, icg}, w, 1);
  }
  in[1] = per_axis ? qt_qaxis(in[1], 0, swv, wz) : qt_q(in[1], &g_sw, wz);
  in[2] = qt_t(ENN_DTYPE_I32, 1, (int64_t[]){c->oc}, b, 1);
  enn_attrs a;
  enn_attrs_init_op(&a, fc ? ENN_OP_FULLY_CONNECTED : ENN_OP_CONV2D);
  a.act = c->act;
  if (!fc) {
    a.groups = c->groups;
    a.stride[0] = c->sh, a.stride[1] = c->sw;
    a.pad_mode = ENN_PAD_EXPLICIT;
    a.pads[0] = c->pt, a.pads[1] = c->pl, a.pads[2] = c->pb, a.pads[3] = c->pr;
  }
  const enn_quant yq = qt_quant1(&g_sy, &c->y_zp);
  const size_t cap_bytes = (size_t)rows * (size_t)c->oc + 64;
  int8_t *y = malloc(cap_bytes);
  qt_opts o;
  memset(&o, 0, sizeof o);
  o.threads = threads;
  enn_tensor_desc od;
  const enn_status st = qt_run(fc ? ENN_OP_FULLY_CONNECTED : ENN_OP_CONV2D, "node", &a, in, 3, &yq, y, cap_bytes,
                               &od, &o);
  CHECK_OK(st);
  *numel = st ? 0 : (long)enn_tensor_desc_numel(&od);
  snprintf(kernel, 96, "%s", o.kernel);
  enn_kernel_set_isa_cap(ENN_ISA_AVX512);
  return y;
}

static int g_levels_run;

static void check_case(const wcase *c, bool fc, bool per_axis, unsigned long long seed) {
  static const enn_isa levels[] = {ENN_ISA_AVX512, ENN_ISA_AVX2, ENN_ISA_NEON};
  const int icg = c->ic / c->groups;
  const long nx = (long)c->n * c->ih * c->iw * c->ic, nw = (long)c->oc * c->kh * c->kw * icg;
  int8_t *x = qt_rand_i8(nx, seed, -128, 127), *w = qt_rand_i8(nw, seed + 1, -128, 127);
  int32_t b[512], wz[512];
  unsigned long long s = seed * 7 + 3;
  for (int o = 0; o < c->oc; o++) {
    b[o] = qt_randi(&s, -30000, 30000);
    wz[o] = !per_axis ? c->w_zp : (c->w_zp > 0 ? c->w_zp - o % 3 : c->w_zp + o % 3);
  }
  long nref = 0;
  char kref[96];
  int8_t *ref = run(c, fc, x, w, b, wz, per_axis, ENN_ISA_REF, 1, &nref, kref);
  CHECK_MSG(strstr(kref, "__ref") != NULL, "level ref ran %s", kref);
  if (!per_axis) {
    int8_t *want = malloc((size_t)nref + 1);
    direct(c, x, w, b, g_sx, g_sw, g_sy, wz, want);
    CHECK_MSG(qt_first_diff_i8(ref, want, nref) < 0, "case %dx%dx%dx%d->%d k%dx%d wzp %d: reference vs direct at %ld",
              c->n, c->ih, c->iw, c->ic, c->oc, c->kh, c->kw, c->w_zp, qt_first_diff_i8(ref, want, nref));
    free(want);
  }
  for (size_t li = 0; li < sizeof levels / sizeof levels[0]; li++) {
    if (!enn_kernel_isa_supported(levels[li])) continue;
    g_levels_run++;
    for (int th = 1; th <= 3; th += 2) {
      long n = 0;
      char kn[96];
      int8_t *y = run(c, fc, x, w, b, wz, per_axis, levels[li], th, &n, kn);
      if (per_axis) CHECK_MSG(strstr(kn, "__ref") != NULL, "per-channel weight zero points ran %s", kn);
      else
        CHECK_MSG(strncmp(kn, "enn_qs8_gemm_", 13) == 0 || strncmp(kn, "enn_qs8_igemm_", 14) == 0,
                  "case %dx%dx%dx%d->%d k%dx%d level %s: kernel %s", c->n, c->ih, c->iw, c->ic, c->oc, c->kh, c->kw,
                  enn_isa_name(levels[li]), kn);
      CHECK_MSG(n == nref && n > 0 && qt_first_diff_i8(y, ref, n) < 0,
                "case %dx%dx%dx%d->%d k%dx%d s%d g%d wzp %d xzp %d fc %d level %s threads %d (%s): diff at %ld", c->n,
                c->ih, c->iw, c->ic, c->oc, c->kh, c->kw, c->sh, c->groups, c->w_zp, c->x_zp, fc, enn_isa_name(levels[li]),
                th, kn, qt_first_diff_i8(y, ref, n));
      free(y);
    }
  }
  free(x), free(w), free(ref);
}

static void test_conv(void) {
  /* n ih iw ic oc kh kw sh sw pt pl pb pr groups w_zp x_zp y_zp act */
  const wcase cases[] = {
      {1, 7, 9, 37, 29, 1, 1, 1, 1, 0, 0, 0, 0, 1, 27, -128, 3, ENN_ACT_NONE},    /* GEMM */
      {2, 5, 3, 64, 100, 1, 1, 1, 1, 0, 0, 0, 0, 1, -128, 127, -5, ENN_ACT_RELU}, /* GEMM, wzp -128 */
      {2, 8, 8, 16, 24, 1, 1, 2, 2, 0, 0, 0, 0, 1, 127, 5, 0, ENN_ACT_NONE},      /* 1x1 stride 2: IGEMM */
      {1, 11, 13, 19, 33, 3, 3, 1, 1, 1, 1, 1, 1, 1, 127, -128, 7, ENN_ACT_RELU6},
      {1, 16, 16, 3, 32, 3, 3, 2, 2, 0, 0, 1, 1, 1, -100, 127, -2, ENN_ACT_RELU}, /* the stem */
      {1, 9, 9, 16, 32, 3, 3, 1, 1, 1, 1, 1, 1, 2, 55, -3, 1, ENN_ACT_NONE},      /* grouped */
      {1, 9, 7, 130, 7, 5, 5, 1, 1, 2, 2, 2, 2, 1, -1, -128, 0, ENN_ACT_NONE},    /* K = 3250 */
      {3, 4, 5, 8, 17, 2, 3, 1, 2, 0, 1, 1, 0, 1, 13, 0, -1, ENN_ACT_NONE},
  };
  unsigned long long seed = 11;
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) check_case(&cases[i], false, false, seed += 5);
  check_case(&cases[0], false, true, 99);
  check_case(&cases[3], false, true, 98);
}

static void test_fc(void) {
  const wcase cases[] = {
      {1, 1, 1, 300, 50, 1, 1, 1, 1, 0, 0, 0, 0, 1, 99, -128, 4, ENN_ACT_NONE},
      {7, 1, 1, 33, 130, 1, 1, 1, 1, 0, 0, 0, 0, 1, -128, 127, -9, ENN_ACT_RELU},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) check_case(&cases[i], true, false, 200 + i);
  check_case(&cases[1], true, true, 300);
}

int main(void) {
  ENN_RUN(test_conv);
  ENN_RUN(test_fc);
  if (g_levels_run == 0 && enn_t_failed == 0) {
    fprintf(stderr, "SKIP: no SIMD level on this CPU (the reference was still checked)\n");
    return 77;
  }
  return enn_test_finish();
}
