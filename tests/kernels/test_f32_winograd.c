/*
 * Winograd F(4x4, 3x3): the transform kernels (WINO_IN / WINO_OUT of the
 * kernel table, and their references in kernels/ref/winograd_ref.c)
 * against sums computed here in double from the matrices' definitions,
 * and the whole Winograd convolution path (ops/conv2d_winograd.c) through
 * one-node sessions against the reference convolution.
 *
 * Transforms: every output within 8 * FLT_EPSILON * (the same transform of
 * the operands' absolute values) of the exact value (a 6-term sum per
 * pass, two passes; the kernels factor the sums, so they round
 * differently from the reference, not worse); channel counts 1, tails of
 * the vector width and several blocks; tiles overlapping every border
 * (padding rows, columns left / right of the image); partial output
 * tiles, which must leave the pixels outside them untouched; every fused
 * epilogue.
 *
 * Convolution: the session must choose the Winograd kernel at each SIMD
 * level the CPU has (mode "every eligible shape", enn_conv2d_set_winograd
 * (2)); each output within 1e-5 * (|b| + sum |x * w|) of the reference
 * (the transforms' constants, up to 8 and 1/24, amplify rounding: measured
 * up to about 1.5e-6 on these cases); 1, 2 and 3 threads bit-identical.
 * Shapes: 1x1 to 13x11 images (single partial tiles, several tiles,
 * batch 2), "same" / "valid" / asymmetric padding, 8..40 channels (not
 * multiples of the vector width), activations fused and applied after the
 * kernel. The default mode must keep the direct path where Winograd does
 * not pay (a 1x1 output) and take it where it does.
 */
#include <float.h>

#include "kernels/kernels.h"
#include "kernels/ref/conv_ref.h"
#include "kernels/ref/winograd_ref.h"
#include "ops/fast_path.h"
#include "test.h"

#define SENTINEL 12345.0f

static const enn_act_params kActs[] = {
    {ENN_ACT_NONE, 0, 0, 0, 0},       {ENN_ACT_RELU, 0, 0, 0, 0},         {ENN_ACT_RELU6, 0, 0, 0, 0},
    {ENN_ACT_CLIP, -0.25f, 0.5f, 0, 0}, {ENN_ACT_HARD_SWISH, 0, 0, 0, 0}, {ENN_ACT_HARD_SIGMOID, 0, 0, 0.2f, 0.5f},
};
#define N_ACTS ((int)(sizeof kActs / sizeof kActs[0]))

/* ------------------------------------------------------ the transforms */
/* Exact (double) B^T d B at xi = 6 i + j, and the same with |B| and |d|. */
static void exact_in(double d[6][6], int i, int j, double *val, double *mag) {
  double s = 0, m = 0;
  for (int r = 0; r < 6; r++)
    for (int c = 0; c < 6; c++) {
      const double t = (double)enn_wino43_bt[i][r] * d[r][c] * (double)enn_wino43_bt[j][c];
      s += t;
      m += fabs(t);
    }
  *val = s;
  *mag = m;
}

typedef void (*in_fn)(const float *const *, ptrdiff_t, size_t, size_t, float *, size_t);

/* One input tile over an image row band of `iw` pixels and c channels;
 * null_rows: bit r set = row r is padding. */
static int in_case(const char *name, in_fn fn, size_t c, size_t iw, ptrdiff_t x0, unsigned null_rows,
                   unsigned long long seed) {
  float *img = malloc(sizeof(float) * 6 * iw * c);
  enn_t_fill(img, (long)(6 * iw * c), seed, -2.0f, 2.0f);
  const float *rows[6];
  for (int r = 0; r < 6; r++) rows[r] = (null_rows >> r & 1) ? NULL : img + (size_t)r * iw * c;
  const size_t vs = c + 3; /* a stride that is not the channel count */
  float *v = malloc(sizeof(float) * 36 * vs);
  for (size_t i = 0; i < 36 * vs; i++) v[i] = SENTINEL;
  fn(rows, x0, iw, c, v, vs);
  int bad = 0;
  for (size_t ch = 0; ch < c; ch++) {
    double d[6][6];
    for (int r = 0; r < 6; r++)
      for (int j = 0; j < 6; j++) {
        const ptrdiff_t ix = x0 + j;
        d[r][j] = (rows[r] && ix >= 0 && ix < (ptrdiff_t)iw) ? (double)rows[r][(size_t)ix * c + ch] : 0.0;
      }
    for (int xi = 0; xi < 36; xi++) {
      double want, mag;
      exact_in(d, xi / 6, xi % 6, &want, &mag);
      const float got = v[(size_t)xi * vs + ch];
      if (!(fabs((double)got - want) <= 8.0 * FLT_EPSILON * mag + 1e-30)) {
        if (!bad) fprintf(stderr, "  %s c=%zu x0=%td xi=%d ch=%zu: %.9g vs %.9g\n", name, c, x0, xi, ch, (double)got, want);
        bad++;
      }
    }
  }
  for (int xi = 0; xi < 36; xi++)
    for (size_t ch = c; ch < vs; ch++) bad += v[(size_t)xi * vs + ch] != SENTINEL;
  free(img), free(v);
  return bad;
}

typedef void (*out_fn_ref)(const float *, size_t, size_t, const float *, float *, size_t, size_t, size_t,
                           const enn_act_params *);

/* One output tile: m (36 x c, stride ms) -> an ow x 4-row image band at
 * pixel column x0, nrows x ncols of it. */
static int out_case(const char *name, const enn_kernel *k, size_t c, size_t nrows, size_t ncols, bool with_bias,
                    const enn_act_params *act, unsigned long long seed) {
  const size_t ms = c + 5, ow = 7, x0 = 2, yrow = ow * c;
  float *m = malloc(sizeof(float) * 36 * ms), *b = malloc(sizeof(float) * c);
  float *y = malloc(sizeof(float) * 4 * yrow);
  enn_t_fill(m, (long)(36 * ms), seed, -3.0f, 3.0f);
  enn_t_fill(b, (long)c, seed + 1, -1.0f, 1.0f);
  for (size_t i = 0; i < 4 * yrow; i++) y[i] = SENTINEL;
  if (k) {
    enn_f32_epi ep;
    CHECK(enn_f32_epi_init(&ep, act));
    k->fn.wino_out(m, ms, c, with_bias ? b : NULL, y + x0 * c, yrow, nrows, ncols, &ep);
  } else
    enn_f32_wino43_out__ref(m, ms, c, with_bias ? b : NULL, y + x0 * c, yrow, nrows, ncols, act);
  int bad = 0;
  for (size_t r = 0; r < 4; r++)
    for (size_t px = 0; px < ow; px++)
      for (size_t ch = 0; ch < c; ch++) {
        const float got = y[r * yrow + px * c + ch];
        const bool inside = r < nrows && px >= x0 && px < x0 + ncols;
        if (!inside) {
          bad += got != SENTINEL;
          continue;
        }
        const size_t j = px - x0;
        double s = with_bias ? (double)b[ch] : 0.0, mag = fabs(s);
        for (int i2 = 0; i2 < 6; i2++)
          for (int j2 = 0; j2 < 6; j2++) {
            const double t =
                (double)enn_wino43_at[r][i2] * (double)m[(size_t)(i2 * 6 + j2) * ms + ch] * (double)enn_wino43_at[j][j2];
            s += t;
            mag += fabs(t);
          }
        const double want = (double)enn_act_f32((float)s, act);
        /* 8 eps of the sum's magnitude, plus the epilogue's 2 ulp */
        if (!(fabs((double)got - want) <= 8.0 * FLT_EPSILON * mag + 2.0 * FLT_EPSILON * fabs(want) + 1e-30)) {
          if (!bad)
            fprintf(stderr, "  %s c=%zu %zux%zu act=%d [%zu,%zu,%zu]: %.9g vs %.9g\n", name, c, nrows, ncols, act->act,
                    r, j, ch, (double)got, want);
          bad++;
        }
      }
  free(m), free(b), free(y);
  return bad;
}

static void test_transforms(void) {
  const size_t cs[] = {1, 3, 7, 8, 9, 15, 16, 17, 33, 40};
  const ptrdiff_t x0s[] = {-2, -1, 0, 1, 3};
  const unsigned nulls[] = {0x00, 0x01, 0x03, 0x30, 0x20, 0x3e};
  int32_t cnt;
  const enn_kernel *t = enn_kernel_table(&cnt);
  /* the reference first (name NULL), then every table entry the CPU runs */
  for (int32_t i = -1; i < cnt; i++) {
    const enn_kernel *k = i < 0 ? NULL : &t[i];
    if (k && k->op != ENN_KOP_WINO_IN && k->op != ENN_KOP_WINO_OUT) continue;
    if (k && !enn_kernel_isa_supported(k->isa)) {
      fprintf(stderr, "  skip %s: this CPU lacks %s\n", k->name, enn_isa_name(k->isa));
      continue;
    }
    unsigned long long seed = 1;
    if (!k || k->op == ENN_KOP_WINO_IN) {
      const char *name = k ? k->name : "enn_f32_wino43_in__ref";
      in_fn fn = k ? k->fn.wino_in : enn_f32_wino43_in__ref;
      for (size_t a = 0; a < sizeof cs / sizeof cs[0]; a++)
        for (size_t b = 0; b < sizeof x0s / sizeof x0s[0]; b++)
          for (size_t n = 0; n < sizeof nulls / sizeof nulls[0]; n++) {
            const size_t iw = 5 + (size_t)(seed % 4); /* 5..8 pixels: the right border moves */
            CHECK_MSG(in_case(name, fn, cs[a], iw, x0s[b], nulls[n], seed) == 0, "%s c=%zu x0=%td rows %#x", name,
                      cs[a], x0s[b], nulls[n]);
            seed++;
          }
    }
    if (!k || k->op == ENN_KOP_WINO_OUT) {
      const char *name = k ? k->name : "enn_f32_wino43_out__ref";
      for (size_t a = 0; a < sizeof cs / sizeof cs[0]; a++)
        for (size_t nr = 1; nr <= 4; nr++)
          for (size_t nc = 1; nc <= 4; nc++) {
            const enn_act_params *act = &kActs[seed % N_ACTS];
            CHECK_MSG(out_case(name, k, cs[a], nr, nc, seed % 3 != 0, act, seed) == 0, "%s c=%zu %zux%zu", name, cs[a],
                      nr, nc);
            seed++;
          }
    }
  }
}

/* The weight transform against G g G^T written out in double. */
static void test_filter(void) {
  float g[9], u[36];
  enn_t_fill(g, 9, 5, -1.0f, 1.0f);
  enn_f32_wino43_filter(g, 3, 1, u);
  static const double G[6][3] = {{1.0 / 4, 0, 0},
                                 {-1.0 / 6, -1.0 / 6, -1.0 / 6},
                                 {-1.0 / 6, 1.0 / 6, -1.0 / 6},
                                 {1.0 / 24, 1.0 / 12, 1.0 / 6},
                                 {1.0 / 24, -1.0 / 12, 1.0 / 6},
                                 {0, 0, 1}};
  for (int i = 0; i < 6; i++)
    for (int j = 0; j < 6; j++) {
      double s = 0;
      for (int a = 0; a < 3; a++)
        for (int b = 0; b < 3; b++) s += G[i][a] * (double)g[a * 3 + b] * G[j][b];
      CHECK_NEAR((double)u[i * 6 + j], s, 1e-7 * (fabs(s) + 1e-3));
    }
}

/* ------------------------------------------------------ the convolution */
typedef struct wcase {
  int n, ih, iw, ic, oc, pt, pl, pb, pr;
} wcase;

static const wcase kCases[] = {
    {1, 1, 1, 8, 8, 1, 1, 1, 1},     /* 1x1 output, one partial tile */
    {1, 3, 3, 8, 9, 1, 1, 1, 1},     /* 3x3 */
    {1, 4, 4, 9, 8, 1, 1, 1, 1},     /* exactly one tile */
    {1, 6, 6, 16, 16, 0, 0, 0, 0},   /* valid: one 4x4 tile */
    {1, 5, 7, 17, 24, 1, 1, 1, 1},   /* partial right / bottom tiles */
    {2, 13, 11, 8, 33, 1, 1, 1, 1},  /* batch 2, 4x3 tiles each */
    {1, 9, 10, 40, 17, 2, 0, 1, 2},  /* asymmetric padding */
    {1, 12, 12, 32, 32, 1, 1, 1, 1}, /* several blocks per thread */
    {1, 8, 8, 64, 64, 1, 1, 1, 1},   /* ResNet-8's last stage */
};

/* One Conv2D node with threads at kernel level cap; returns y (malloc)
 * and the kernel name. */
static float *run_conv(const wcase *c, const enn_attrs *at, const float *x, const float *w, const float *b,
                       enn_isa cap, int threads, char *kernel, size_t kcap) {
  enn_kernel_set_isa_cap(cap);
  enn_graph *g = NULL;
  enn_session *s = NULL;
  float *out = NULL;
  const int64_t xd[4] = {c->n, c->ih, c->iw, c->ic}, wd[4] = {c->oc, 3, 3, c->ic}, bd[1] = {c->oc};
  enn_tensor_desc dx, dw, db;
  enn_tensor_desc_init(&dx, ENN_DTYPE_F32, 4, xd);
  enn_tensor_desc_init(&dw, ENN_DTYPE_F32, 4, wd);
  enn_tensor_desc_init(&db, ENN_DTYPE_F32, 1, bd);
  int32_t ids[3], y;
  CHECK_OK(enn_graph_create(NULL, &g));
  CHECK_OK(enn_graph_add_input(g, "x", &dx, &ids[0]));
  CHECK_OK(enn_graph_add_constant(g, "w", &dw, w, ENN_CONST_COPY, &ids[1]));
  CHECK_OK(enn_graph_add_constant(g, "b", &db, b, ENN_CONST_COPY, &ids[2]));
  enn_status st = enn_graph_add_node(g, ENN_OP_CONV2D, "conv", ids, 3, at, 1, &y);
  CHECK_OK(st);
  if (!st) st = enn_graph_add_output(g, y);
  enn_session_options o;
  enn_session_options_init(&o);
  o.optimize = 0;
  o.threads = threads;
  if (!st) st = enn_session_create(g, &o, &s);
  CHECK_OK(st);
  if (!st) {
    memcpy(enn_session_input_buffer(s, 0), x, enn_tensor_desc_bytes(&dx));
    CHECK_OK(enn_session_run(s));
    enn_tensor_desc od;
    CHECK_OK(enn_session_output_desc(s, 0, &od, NULL));
    out = malloc(enn_tensor_desc_bytes(&od));
    memcpy(out, enn_session_output_buffer(s, 0), enn_tensor_desc_bytes(&od));
    enn_node_profile p;
    CHECK_OK(enn_session_node_profile(s, 0, &p));
    snprintf(kernel, kcap, "%s", p.kernel ? p.kernel : "");
  }
  enn_session_destroy(s);
  enn_graph_destroy(g);
  enn_kernel_set_isa_cap(ENN_ISA_AVX512);
  return out;
}

static void test_conv(void) {
  static const enn_act acts[] = {ENN_ACT_NONE, ENN_ACT_RELU, ENN_ACT_RELU6, ENN_ACT_HARD_SWISH, ENN_ACT_SIGMOID};
  const enn_isa levels[2] = {ENN_ISA_AVX2, ENN_ISA_AVX512};
  double worst_rel = 0;
  enn_conv2d_set_winograd(2);
  for (size_t ci = 0; ci < sizeof kCases / sizeof kCases[0]; ci++) {
    const wcase *c = &kCases[ci];
    const enn_act act = acts[ci % (sizeof acts / sizeof acts[0])];
    const long nx = (long)c->n * c->ih * c->iw * c->ic, nw = (long)c->oc * 9 * c->ic;
    float *x = malloc(sizeof(float) * (size_t)nx), *w = malloc(sizeof(float) * (size_t)nw);
    float *b = malloc(sizeof(float) * (size_t)c->oc);
    enn_t_fill(x, nx, 11u + ci, -1.0f, 1.0f);
    enn_t_fill(w, nw, 22u + ci, -0.5f, 0.5f);
    enn_t_fill(b, c->oc, 33u + ci, -0.5f, 0.5f);
    enn_attrs at;
    enn_attrs_init_op(&at, ENN_OP_CONV2D);
    at.pads[0] = c->pt, at.pads[1] = c->pl, at.pads[2] = c->pb, at.pads[3] = c->pr;
    at.act = act;
    /* reference, and |b| + sum |x * w| per output from the reference on
     * absolute values */
    enn_conv2d_params p;
    memset(&p, 0, sizeof p);
    p.n = c->n, p.ih = c->ih, p.iw = c->iw, p.ic = c->ic, p.oc = c->oc, p.kh = 3, p.kw = 3;
    p.sh = p.sw = p.dh = p.dw = 1, p.pt = c->pt, p.pl = c->pl, p.groups = 1;
    p.oh = c->ih + c->pt + c->pb - 2, p.ow = c->iw + c->pl + c->pr - 2;
    p.act.act = ENN_ACT_NONE;
    const long ny = (long)c->n * p.oh * p.ow * c->oc;
    float *ax = malloc(sizeof(float) * (size_t)nx), *aw = malloc(sizeof(float) * (size_t)nw);
    float *ab = malloc(sizeof(float) * (size_t)c->oc), *mag = malloc(sizeof(float) * (size_t)ny);
    for (long i = 0; i < nx; i++) ax[i] = fabsf(x[i]);
    for (long i = 0; i < nw; i++) aw[i] = fabsf(w[i]);
    for (int i = 0; i < c->oc; i++) ab[i] = fabsf(b[i]);
    enn_f32_conv2d__ref(&p, ax, aw, ab, mag);
    char kname[96];
    float *ref = run_conv(c, &at, x, w, b, ENN_ISA_REF, 1, kname, sizeof kname);
    if (!ref) continue;
    for (int l = 0; l < 2; l++) {
      if (!enn_kernel_isa_supported(levels[l])) {
        fprintf(stderr, "  skip case %zu at %s: this CPU lacks it\n", ci, enn_isa_name(levels[l]));
        continue;
      }
      float *first = NULL;
      for (int threads = 1; threads <= 3; threads++) {
        float *y = run_conv(c, &at, x, w, b, levels[l], threads, kname, sizeof kname);
        if (!y) continue;
        CHECK_MSG(strstr(kname, "wino43") && strstr(kname, enn_isa_name(levels[l])), "case %zu at %s ran %s", ci,
                  enn_isa_name(levels[l]), kname);
        int bad = 0;
        for (long i = 0; i < ny; i++) {
          const double e = fabs((double)y[i] - (double)ref[i]), m = (double)mag[i] + 1e-30;
          if (e / m > worst_rel) worst_rel = e / m;
          if (!(e <= 1e-5 * m)) {
            if (!bad) fprintf(stderr, "  case %zu %s element %ld: %.9g vs %.9g (mag %g)\n", ci, kname, i, (double)y[i],
                              (double)ref[i], m);
            bad++;
          }
        }
        CHECK_MSG(bad == 0, "case %zu at %s, %d threads: %d elements off", ci, enn_isa_name(levels[l]), threads, bad);
        if (!first) first = y;
        else {
          CHECK_MSG(memcmp(first, y, sizeof(float) * (size_t)ny) == 0, "case %zu at %s: %d threads differ from 1", ci,
                    enn_isa_name(levels[l]), threads);
          free(y);
        }
      }
      free(first);
    }
    free(ref), free(x), free(w), free(b), free(ax), free(aw), free(ab), free(mag);
  }
  enn_conv2d_set_winograd(1);
  fprintf(stderr, "  largest |winograd - ref| / (|b| + sum |x w|) = %.2e\n", worst_rel);
}

/* The default mode: direct where the tiles' padding eats the saving,
 * Winograd on a ResNet-like layer. */
static void test_choice(void) {
  if (!enn_kernel_isa_supported(ENN_ISA_AVX2)) {
    fprintf(stderr, "  skip: no SIMD level\n");
    return;
  }
  const wcase small = {1, 1, 1, 8, 8, 1, 1, 1, 1}, big = {1, 16, 16, 16, 16, 1, 1, 1, 1};
  const wcase *cs[2] = {&small, &big};
  for (int i = 0; i < 2; i++) {
    const wcase *c = cs[i];
    const long nx = (long)c->n * c->ih * c->iw * c->ic, nw = (long)c->oc * 9 * c->ic;
    float *x = calloc((size_t)nx, sizeof(float)), *w = calloc((size_t)nw, sizeof(float));
    float *b = calloc((size_t)c->oc, sizeof(float));
    enn_attrs at;
    enn_attrs_init_op(&at, ENN_OP_CONV2D);
    at.pads[0] = at.pads[1] = at.pads[2] = at.pads[3] = 1;
    char kname[96] = "";
    float *y = run_conv(c, &at, x, w, b, ENN_ISA_AVX512, 1, kname, sizeof kname);
    CHECK_MSG((strstr(kname, "wino43") != NULL) == (i == 1), "%s image ran %s", i ? "16x16" : "1x1", kname);
    free(y), free(x), free(w), free(b);
  }
}

int main(void) {
  ENN_RUN(test_transforms);
  ENN_RUN(test_filter);
  ENN_RUN(test_conv);
  ENN_RUN(test_choice);
  return enn_test_finish();
}
