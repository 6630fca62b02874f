/*
 * Weights-only FP16 (include/edgenn/fp16.h, src/quant/fp16.c,
 * src/ops/f16_weights.c, kernels/ref/f16_ref.h):
 *  - fp16 <-> fp32 conversion: hand-picked values, the round trip of every
 *    binary16 value, the F16C kernel against the reference on all 65536;
 *  - conversion of a small conv -> pool -> FC -> MatMul -> Gemm graph: the
 *    weights become F16 rounded to nearest even, biases stay f32, the
 *    source is untouched, and the converted graph's outputs equal an
 *    independent double-precision computation of the network with the
 *    rounded weights (and are close to the f32 model's);
 *  - sessions at optimize 0 and 1 and constant folding (eval_node) on
 *    hand-built F16 weights; persistent memory holds no extra f32 copy when
 *    a fast path packs the weights;
 *  - zoo resnet8: .enn file <= 0.51x the f32 file, outputs within fp16
 *    tolerance, the file loads back with identical outputs;
 *  - errors: NULL, converting twice, int8 graphs, graphs without weights,
 *    non-constant F16 weights, out-of-range weights kept f32.
 * The whole file runs twice: as is, and (re-executed) under ENN_ISA=ref,
 * which takes the operators' reference paths (weights read at run).
 */
#include <sys/wait.h>
#include <unistd.h>

#include "edgenn/fp16.h"
#include "kernels/ref/f16_ref.h"
#include "ops/f16_gemm_fast.h"
#include "ops/f16_weights.h"
#include "rt/rt.h"
#include "test.h"
#include "test_exec.h"

static float r16(float x) { return enn_f16_to_f32(enn_f32_to_f16(x)); }

/* ------------------------------------------------------------ conversion */
static void test_f16_values(void) {
  CHECK(enn_f32_to_f16(1.0f) == 0x3c00);
  CHECK(enn_f32_to_f16(-2.0f) == 0xc000);
  CHECK(enn_f32_to_f16(65504.0f) == 0x7bff);
  CHECK(enn_f32_to_f16(65520.0f) == 0x7c00);          /* rounds up to inf */
  CHECK(enn_f32_to_f16(ldexpf(1.0f, -24)) == 0x0001); /* smallest subnormal */
  CHECK(enn_f32_to_f16(ldexpf(1.0f, -26)) == 0x0000); /* below half of it */
  CHECK(enn_f32_to_f16(1.0f + ldexpf(1.0f, -11)) == 0x3c00);        /* tie -> even */
  CHECK(enn_f32_to_f16(1.0f + 3.0f * ldexpf(1.0f, -11)) == 0x3c02); /* tie -> even (up) */
  CHECK(enn_f16_to_f32(0x3555) == 0.333251953125f);
  CHECK(enn_f16_to_f32(0x0001) == ldexpf(1.0f, -24));
  CHECK(enn_f16_to_f32(0x8000) == 0.0f && signbit(enn_f16_to_f32(0x8000)));
  /* every binary16 value survives f16 -> f32 -> f16 */
  int bad = 0;
  for (uint32_t h = 0; h < 65536; h++) {
    float f = enn_f16_to_f32((uint16_t)h);
    if (isnan(f)) continue;
    if (enn_f32_to_f16(f) != h) bad++;
  }
  CHECK_MSG(bad == 0, "%d binary16 values do not round-trip", bad);
}

static void test_f16c_kernel(void) {
  static uint16_t all[65536];
  static float a[65536], b[65536];
  for (uint32_t h = 0; h < 65536; h++) all[h] = (uint16_t)h;
  enn_f16_f32_vcvt__ref(65536, all, a);
  const char *k = enn_f16_f32_vcvt(65536, all, b); /* the dispatched kernel */
  fprintf(stderr, "  dispatched kernel: %s\n", k);
  int bad = 0;
  for (uint32_t h = 0; h < 65536; h++) {
    if (isnan(a[h])) bad += !isnan(b[h]);
    else bad += memcmp(&a[h], &b[h], 4) != 0;
  }
  CHECK_MSG(bad == 0, "%d values differ between %s and the reference", bad, k);
#if ENN_HAVE_F16C_KERNEL
  enn_cpu_info ci;
  enn_cpu_info_get(&ci);
  if (strstr(ci.features, "f16c") && strstr(ci.features, "avx2")) {
    /* tails: every length 0..40 at an odd offset, guard values untouched */
    for (size_t n = 0; n <= 40; n++) {
      float y[48];
      for (int i = 0; i < 48; i++) y[i] = -7.0f;
      enn_f16_f32_vcvt__f16c(n, all + 12345, y + 1);
      int ok = y[0] == -7.0f && y[n + 1] == -7.0f;
      for (size_t i = 0; i < n; i++) ok &= y[i + 1] == enn_f16_to_f32(all[12345 + i]);
      CHECK_MSG(ok, "f16c tail n=%zu", n);
    }
  } else {
    fprintf(stderr, "  SKIP f16c tails: the CPU has no F16C/AVX2\n");
  }
#endif
}

/* ------------------------------------------------- a small float network */
/* x[1,H,W,C] -> Conv2D 3x3 SAME (w1[O,3,3,C], b1, relu) -> GlobalAvgPool
 * -> Reshape [1,O] -> FullyConnected (w2[F,O], b2) -> MatMul (B[F,M])
 * -> Gemm (B[G,M], trans_b) -> y[1,G]. */
enum { H = 7, W = 5, C = 3, O = 11, F = 13, M = 6, G = 4 };

typedef struct net_w {
  float w1[O * 3 * 3 * C], b1[O], w2[F * O], b2[F], mb[F * M], gb[G * M];
} net_w;

static void net_fill(net_w *w, unsigned long long seed) {
  enn_t_fill(w->w1, O * 9 * C, seed, -0.7f, 0.7f);
  enn_t_fill(w->b1, O, seed + 1, -0.2f, 0.2f);
  enn_t_fill(w->w2, F * O, seed + 2, -1.0f, 1.0f);
  enn_t_fill(w->b2, F, seed + 3, -0.5f, 0.5f);
  enn_t_fill(w->mb, F * M, seed + 4, -1.0f, 1.0f);
  enn_t_fill(w->gb, G * M, seed + 5, -1.0f, 1.0f);
}

static enn_graph *net_build(const net_w *w) {
  enn_graph *g = NULL;
  CHECK_OK(enn_graph_create(NULL, &g));
  if (!g) return NULL;
  enn_tensor_desc d;
  int32_t x, k1, kb1, k2, kb2, km, kg, t1, t2, t3, t4, t5, y;
  int64_t xd[4] = {1, H, W, C}, w1d[4] = {O, 3, 3, C}, b1d[1] = {O}, w2d[2] = {F, O}, b2d[1] = {F}, mbd[2] = {F, M},
          gbd[2] = {G, M};
  enn_tensor_desc_init(&d, ENN_DTYPE_F32, 4, xd);
  CHECK_OK(enn_graph_add_input(g, "x", &d, &x));
  enn_tensor_desc_init(&d, ENN_DTYPE_F32, 4, w1d);
  CHECK_OK(enn_graph_add_constant(g, "w1", &d, w->w1, ENN_CONST_COPY, &k1));
  enn_tensor_desc_init(&d, ENN_DTYPE_F32, 1, b1d);
  CHECK_OK(enn_graph_add_constant(g, "b1", &d, w->b1, ENN_CONST_COPY, &kb1));
  enn_tensor_desc_init(&d, ENN_DTYPE_F32, 2, w2d);
  CHECK_OK(enn_graph_add_constant(g, "w2", &d, w->w2, ENN_CONST_COPY, &k2));
  enn_tensor_desc_init(&d, ENN_DTYPE_F32, 1, b2d);
  CHECK_OK(enn_graph_add_constant(g, "b2", &d, w->b2, ENN_CONST_COPY, &kb2));
  enn_tensor_desc_init(&d, ENN_DTYPE_F32, 2, mbd);
  CHECK_OK(enn_graph_add_constant(g, "mb", &d, w->mb, ENN_CONST_COPY, &km));
  enn_tensor_desc_init(&d, ENN_DTYPE_F32, 2, gbd);
  CHECK_OK(enn_graph_add_constant(g, "gb", &d, w->gb, ENN_CONST_COPY, &kg));
  enn_attrs a;
  enn_attrs_init_op(&a, ENN_OP_CONV2D);
  a.pad_mode = ENN_PAD_SAME_UPPER;
  a.act = ENN_ACT_RELU;
  int32_t in1[3] = {x, k1, kb1};
  CHECK_OK(enn_graph_add_node(g, ENN_OP_CONV2D, "conv", in1, 3, &a, 1, &t1));
  CHECK_OK(enn_graph_add_node(g, ENN_OP_GLOBAL_AVG_POOL, "gap", &t1, 1, NULL, 1, &t2));
  enn_attrs_init_op(&a, ENN_OP_RESHAPE);
  a.shape_rank = 2;
  a.shape[0] = 1;
  a.shape[1] = O;
  CHECK_OK(enn_graph_add_node(g, ENN_OP_RESHAPE, "flat", &t2, 1, &a, 1, &t3));
  int32_t in2[3] = {t3, k2, kb2};
  CHECK_OK(enn_graph_add_node(g, ENN_OP_FULLY_CONNECTED, "fc", in2, 3, NULL, 1, &t4));
  int32_t in3[2] = {t4, km};
  CHECK_OK(enn_graph_add_node(g, ENN_OP_MATMUL, "mm", in3, 2, NULL, 1, &t5));
  enn_attrs_init_op(&a, ENN_OP_GEMM);
  a.trans_b = 1;
  int32_t in4[2] = {t5, kg};
  CHECK_OK(enn_graph_add_node(g, ENN_OP_GEMM, "gemm", in4, 2, &a, 1, &y));
  CHECK_OK(enn_graph_add_output(g, y));
  return g;
}

/* The network in double precision, written independently of the kernels
 * (NCHW-style indexing of the NHWC arrays, explicit SAME padding). */
static void net_ref(const net_w *w, const float *x, double *y) {
  double conv[O];
  for (int o = 0; o < O; o++) conv[o] = 0;
  for (int o = 0; o < O; o++)
    for (int i = 0; i < H; i++)
      for (int j = 0; j < W; j++) {
        double s = w->b1[o];
        for (int c = 0; c < C; c++)
          for (int ky = 0; ky < 3; ky++)
            for (int kx = 0; kx < 3; kx++) {
              int yy = i + ky - 1, xx = j + kx - 1;
              if (yy < 0 || yy >= H || xx < 0 || xx >= W) continue;
              s += (double)w->w1[((o * 3 + ky) * 3 + kx) * C + c] * x[(yy * W + xx) * C + c];
            }
        conv[o] += s > 0 ? s : 0;
      }
  double fc[F], mm[M];
  for (int f = 0; f < F; f++) {
    double s = w->b2[f];
    for (int o = 0; o < O; o++) s += (double)w->w2[f * O + o] * (conv[o] / (H * W));
    fc[f] = s;
  }
  for (int m = 0; m < M; m++) {
    double s = 0;
    for (int f = 0; f < F; f++) s += fc[f] * w->mb[f * M + m];
    mm[m] = s;
  }
  for (int gi = 0; gi < G; gi++) {
    double s = 0;
    for (int m = 0; m < M; m++) s += mm[m] * w->gb[gi * M + m];
    y[gi] = s;
  }
}

static bool run_graph(const enn_graph *g, int32_t optimize, const float *x, float *y, int64_t ny,
                      enn_session_stats *stats) {
  enn_session_options o;
  enn_session_options_init(&o);
  o.optimize = optimize;
  enn_session *s = NULL;
  enn_status st = enn_session_create(g, &o, &s);
  CHECK_OK(st);
  if (st) return false;
  enn_tensor_desc d;
  CHECK_OK(enn_session_input_desc(s, 0, &d, NULL));
  memcpy(enn_session_input_buffer(s, 0), x, enn_tensor_desc_bytes(&d));
  CHECK_OK(enn_session_run(s));
  CHECK_OK(enn_session_output_desc(s, 0, &d, NULL));
  CHECK(enn_tensor_desc_numel(&d) == ny);
  memcpy(y, enn_session_output_buffer(s, 0), (size_t)ny * sizeof(float));
  if (stats) enn_session_stats_get(s, stats);
  enn_session_destroy(s);
  return true;
}

static int32_t find_tensor(const enn_graph *g, const char *name, enn_tensor_desc *d, const void **data) {
  for (int32_t i = 0; i < enn_graph_num_tensors(g); i++) {
    const char *nm = NULL;
    if (enn_graph_tensor(g, i, &nm, d, data) == ENN_OK && nm && strcmp(nm, name) == 0) return i;
  }
  return -1;
}

static void test_convert_network(void) {
  net_w w, wr;
  net_fill(&w, 11);
  enn_graph *g = net_build(&w), *h = NULL;
  if (!g) return;
  CHECK_OK(enn_convert_f16(g, &h));
  if (!h) {
    enn_graph_destroy(g);
    return;
  }
  CHECK(enn_graph_get_meta(h, "quantized") && strcmp(enn_graph_get_meta(h, "quantized"), "f16") == 0);
  CHECK(enn_graph_get_meta(g, "quantized") == NULL);
  /* weights and biases f16, rounded to nearest even */
  const struct {
    const char *name;
    const float *v;
    int n;
    enn_dtype want;
  } t[] = {{"w1", w.w1, O * 9 * C, ENN_DTYPE_F16}, {"w2", w.w2, F * O, ENN_DTYPE_F16},
           {"mb", w.mb, F * M, ENN_DTYPE_F16},     {"gb", w.gb, G * M, ENN_DTYPE_F16},
           {"b1", w.b1, O, ENN_DTYPE_F16},         {"b2", w.b2, F, ENN_DTYPE_F16}};
  for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
    enn_tensor_desc d;
    const void *data = NULL;
    int32_t id = find_tensor(h, t[i].name, &d, &data);
    CHECK_MSG(id >= 0 && d.dtype == t[i].want, "%s: dtype %s", t[i].name, id >= 0 ? enn_dtype_name(d.dtype) : "?");
    if (id < 0 || d.dtype != t[i].want || !data) continue;
    int bad = 0;
    for (int k = 0; k < t[i].n; k++)
      bad += t[i].want == ENN_DTYPE_F16 ? ((const uint16_t *)data)[k] != enn_f32_to_f16(t[i].v[k])
                                        : ((const float *)data)[k] != t[i].v[k];
    CHECK_MSG(bad == 0, "%s: %d values differ", t[i].name, bad);
    enn_tensor_desc sd;
    const void *sdata = NULL;
    CHECK(find_tensor(g, t[i].name, &sd, &sdata) >= 0 && sd.dtype == ENN_DTYPE_F32 &&
          memcmp(sdata, t[i].v, (size_t)t[i].n * 4) == 0); /* source untouched */
  }
  enn_graph_stats s32, s16;
  CHECK_OK(enn_graph_stats_get(g, &s32));
  CHECK_OK(enn_graph_stats_get(h, &s16));
  CHECK(s16.weights_bytes == s32.weights_bytes - 2 * (O * 9 * C + O + F * O + F + F * M + G * M));
  CHECK(s16.params == s32.params);

  /* outputs: the network with rounded weights (independent loops) */
  wr = w;
  for (int k = 0; k < O * 9 * C; k++) wr.w1[k] = r16(w.w1[k]);
  for (int k = 0; k < F * O; k++) wr.w2[k] = r16(w.w2[k]);
  for (int k = 0; k < F * M; k++) wr.mb[k] = r16(w.mb[k]);
  for (int k = 0; k < G * M; k++) wr.gb[k] = r16(w.gb[k]);
  for (int k = 0; k < O; k++) wr.b1[k] = r16(w.b1[k]);
  for (int k = 0; k < F; k++) wr.b2[k] = r16(w.b2[k]);
  float x[H * W * C], y16[G], y16o0[G], y32[G];
  double yr[G], y32r[G];
  for (int rep = 0; rep < 3; rep++) {
    enn_t_fill(x, H * W * C, 100 + (unsigned long long)rep, -1.0f, 1.0f);
    net_ref(&wr, x, yr);
    net_ref(&w, x, y32r);
    if (!run_graph(h, 1, x, y16, G, NULL) || !run_graph(h, 0, x, y16o0, G, NULL) || !run_graph(g, 1, x, y32, G, NULL))
      break;
    double scale = 0, diff = 0;
    for (int i = 0; i < G; i++) {
      CHECK_NEAR(y16[i], yr[i], 1e-5 + 1e-5 * fabs(yr[i]));
      CHECK_NEAR(y16o0[i], yr[i], 1e-5 + 1e-5 * fabs(yr[i]));
      CHECK_NEAR(y32[i], y32r[i], 1e-5 + 1e-5 * fabs(y32r[i]));
      scale = fmax(scale, fabs(y32r[i]));
      diff = fmax(diff, fabs(yr[i] - y32r[i]));
    }
    /* fp16 weights move the outputs, but only by about their rounding */
    CHECK_MSG(diff > 0 && diff <= 5e-3 * scale, "f16 vs f32 max diff %g (scale %g)", diff, scale);
  }
  enn_graph_destroy(h);
  enn_graph_destroy(g);
}

/* Hand-built F16 weights: FullyConnected read at optimize 0 and 1, and a
 * Conv2D on a constant input folded at create (enn_rt_eval_node). */
static void test_f16_graph_by_hand(void) {
  enum { K = 37, N = 19 };
  float wf[N * K], b[N], x[K], cbf[N];
  uint16_t wh[N * K], cb[N];
  enn_t_fill(wf, N * K, 5, -2.0f, 2.0f);
  enn_t_fill(b, N, 6, -1.0f, 1.0f);
  enn_t_fill(x, K, 7, -1.0f, 1.0f);
  enn_t_fill(cbf, N, 8, -3.0f, 3.0f);
  for (int i = 0; i < N * K; i++) wh[i] = enn_f32_to_f16(wf[i]);
  for (int i = 0; i < N; i++) cb[i] = enn_f32_to_f16(cbf[i]);
  enn_graph *g;
  CHECK_OK(enn_graph_create(NULL, &g));
  int64_t xd[2] = {1, K}, wd[2] = {N, K}, bd[1] = {N};
  enn_tensor_desc dx, dw, db;
  enn_tensor_desc_init(&dx, ENN_DTYPE_F32, 2, xd);
  enn_tensor_desc_init(&dw, ENN_DTYPE_F16, 2, wd);
  enn_tensor_desc_init(&db, ENN_DTYPE_F32, 1, bd);
  int32_t in[3], y, c1, cw, cy, ysum;
  CHECK_OK(enn_graph_add_input(g, "x", &dx, &in[0]));
  CHECK_OK(enn_graph_add_constant(g, "w", &dw, wh, ENN_CONST_COPY, &in[1]));
  CHECK_OK(enn_graph_add_constant(g, "b", &db, b, ENN_CONST_COPY, &in[2]));
  CHECK_OK(enn_graph_add_node(g, ENN_OP_FULLY_CONNECTED, "fc", in, 3, NULL, 1, &y));
  /* a 1x1 conv of a constant [1,1,1,K] with F16 weights [N,1,1,K] and an
   * F16 bias: a constant-foldable node, added to y */
  int64_t cd[4] = {1, 1, 1, K}, cwd[4] = {N, 1, 1, K};
  enn_tensor_desc dc, dcw, dcb;
  enn_tensor_desc_init(&dc, ENN_DTYPE_F32, 4, cd);
  enn_tensor_desc_init(&dcw, ENN_DTYPE_F16, 4, cwd);
  enn_tensor_desc_init(&dcb, ENN_DTYPE_F16, 1, bd);
  int32_t cbi;
  CHECK_OK(enn_graph_add_constant(g, "c", &dc, x, ENN_CONST_COPY, &c1));
  CHECK_OK(enn_graph_add_constant(g, "cw", &dcw, wh, ENN_CONST_COPY, &cw));
  CHECK_OK(enn_graph_add_constant(g, "cb", &dcb, cb, ENN_CONST_COPY, &cbi));
  int32_t cin[3] = {c1, cw, cbi};
  CHECK_OK(enn_graph_add_node(g, ENN_OP_CONV2D, "cconv", cin, 3, NULL, 1, &cy));
  enn_attrs a;
  enn_attrs_init_op(&a, ENN_OP_RESHAPE);
  a.shape_rank = 2;
  a.shape[0] = 1;
  a.shape[1] = N;
  int32_t cyr;
  CHECK_OK(enn_graph_add_node(g, ENN_OP_RESHAPE, "cflat", &cy, 1, &a, 1, &cyr));
  int32_t ain[2] = {y, cyr};
  CHECK_OK(enn_graph_add_node(g, ENN_OP_ADD, "sum", ain, 2, NULL, 1, &ysum));
  CHECK_OK(enn_graph_add_output(g, ysum));
  CHECK_OK(enn_graph_verify(g));
  double want[N];
  for (int n = 0; n < N; n++) {
    double s = 0;
    for (int k = 0; k < K; k++) s += (double)enn_f16_to_f32(wh[n * K + k]) * x[k];
    want[n] = 2 * s + b[n] + enn_f16_to_f32(cb[n]);
  }
  for (int opt = 0; opt <= 1; opt++) {
    float got[N];
    enn_session_stats st;
    if (!run_graph(g, opt, x, got, N, &st)) continue;
    for (int n = 0; n < N; n++) CHECK_NEAR(got[n], want[n], 1e-4 + 1e-5 * fabs(want[n]));
  }
  /* F16C or not, the conversion is exact: the f32 graph with the decoded
   * weights gives the same bits. */
  enn_graph *g32;
  CHECK_OK(enn_graph_create(NULL, &g32));
  float wd32[N * K];
  for (int i = 0; i < N * K; i++) wd32[i] = enn_f16_to_f32(wh[i]);
  enn_tensor_desc_init(&dw, ENN_DTYPE_F32, 2, wd);
  int32_t in32[3], y32;
  CHECK_OK(enn_graph_add_input(g32, "x", &dx, &in32[0]));
  CHECK_OK(enn_graph_add_constant(g32, "w", &dw, wd32, ENN_CONST_COPY, &in32[1]));
  CHECK_OK(enn_graph_add_constant(g32, "b", &db, b, ENN_CONST_COPY, &in32[2]));
  CHECK_OK(enn_graph_add_node(g32, ENN_OP_FULLY_CONNECTED, "fc", in32, 3, NULL, 1, &y32));
  CHECK_OK(enn_graph_add_output(g32, y32));
  enn_graph *g16;
  CHECK_OK(enn_graph_create(NULL, &g16));
  int32_t in16[3], y16;
  enn_tensor_desc_init(&dw, ENN_DTYPE_F16, 2, wd);
  CHECK_OK(enn_graph_add_input(g16, "x", &dx, &in16[0]));
  CHECK_OK(enn_graph_add_constant(g16, "w", &dw, wh, ENN_CONST_COPY, &in16[1]));
  CHECK_OK(enn_graph_add_constant(g16, "b", &db, b, ENN_CONST_COPY, &in16[2]));
  CHECK_OK(enn_graph_add_node(g16, ENN_OP_FULLY_CONNECTED, "fc", in16, 3, NULL, 1, &y16));
  CHECK_OK(enn_graph_add_output(g16, y16));
  float o32[N], o16[N];
  enn_session_stats s32, s16;
  if (run_graph(g32, 1, x, o32, N, &s32) && run_graph(g16, 1, x, o16, N, &s16)) {
    CHECK(memcmp(o32, o16, sizeof o32) == 0);
    /* a fast path packs the weights itself: the f16 session then keeps no
     * f32 copy (only a descriptor); the reference path keeps one */
    fprintf(stderr, "  persistent bytes: f32 %lld, f16 %lld\n", (long long)s32.persistent_bytes,
            (long long)s16.persistent_bytes);
    const char *isa = getenv("ENN_ISA");
    if (isa && strcmp(isa, "ref") == 0)
      CHECK(s16.persistent_bytes >= s32.persistent_bytes + (int64_t)sizeof wd32);
    else if (s32.persistent_bytes > 1024) /* packed: a fast path ran */
      CHECK(s16.persistent_bytes == s32.persistent_bytes);
  }
  enn_graph_destroy(g32);
  enn_graph_destroy(g16);
  enn_graph_destroy(g);
}

/* enn_f16w_const_f32: f32 values of a graph constant for prepares that read
 * other nodes' weights from the graph. */
static void test_const_f32_helper(void) {
  enn_graph *g;
  CHECK_OK(enn_graph_create(NULL, &g));
  int64_t dd[1] = {9};
  enn_tensor_desc d16, d32, d8;
  enn_tensor_desc_init(&d16, ENN_DTYPE_F16, 1, dd);
  enn_tensor_desc_init(&d32, ENN_DTYPE_F32, 1, dd);
  enn_tensor_desc_init(&d8, ENN_DTYPE_I32, 1, dd);
  uint16_t h[9];
  float f[9];
  int32_t i32[9] = {0};
  for (int i = 0; i < 9; i++) {
    f[i] = (float)i * 0.37f - 1.1f;
    h[i] = enn_f32_to_f16(f[i]);
  }
  int32_t a, b, c;
  CHECK_OK(enn_graph_add_constant(g, "h", &d16, h, ENN_CONST_COPY, &a));
  CHECK_OK(enn_graph_add_constant(g, "f", &d32, f, ENN_CONST_COPY, &b));
  CHECK_OK(enn_graph_add_constant(g, "i", &d8, i32, ENN_CONST_COPY, &c));
  enn_prepare_ctx ctx;
  memset(&ctx, 0, sizeof ctx);
  ctx.alloc = *enn_default_allocator();
  float *tmp = (float *)1;
  const float *v = enn_f16w_const_f32(&ctx, &g->tensors[a], &tmp);
  CHECK(v && v == tmp);
  for (int i = 0; v && i < 9; i++) CHECK(v[i] == enn_f16_to_f32(h[i]));
  enn_f16w_free(&ctx, tmp);
  v = enn_f16w_const_f32(&ctx, &g->tensors[b], &tmp);
  CHECK(v == g->tensors[b].data && tmp == NULL);
  CHECK(enn_f16w_const_f32(&ctx, &g->tensors[c], &tmp) == NULL && tmp == NULL);
  CHECK(ctx.bytes == 0); /* nothing persistent */
  enn_graph_destroy(g);
}

/* ------------------------------------------------------------ zoo model */
static long file_size(const char *p) {
  struct stat sb;
  return stat(p, &sb) == 0 ? (long)sb.st_size : -1;
}

/* Converts zoo model `spec` (optimised first, so both files hold the same
 * graph), saves both, checks the file and weight-byte ratios and that the
 * f16 file loads back; with run_outputs, also compares the outputs of the
 * f32 model, the f16 graph and the loaded f16 file on random inputs. */
static void zoo_check(const char *spec, double max_file_ratio, double max_weight_ratio, bool run_outputs) {
  enn_graph *g = NULL, *h = NULL, *back = NULL;
  CHECK_OK(enn_zoo_build_spec(spec, NULL, &g));
  if (!g) return;
  CHECK_OK(enn_graph_optimize(g, 1));
  CHECK_OK(enn_convert_f16(g, &h));
  if (!h) {
    enn_graph_destroy(g);
    return;
  }
  char p32[512], p16[512];
  snprintf(p32, sizeof p32, "%s/fp16_zoo_f32.enn", enn_test_tmp());
  snprintf(p16, sizeof p16, "%s/fp16_zoo_f16.enn", enn_test_tmp());
  CHECK_OK(enn_model_save(g, p32));
  CHECK_OK(enn_model_save(h, p16));
  long n32 = file_size(p32), n16 = file_size(p16);
  enn_graph_stats s32, s16;
  CHECK_OK(enn_graph_stats_get(g, &s32));
  CHECK_OK(enn_graph_stats_get(h, &s16));
  const double wr = (double)s16.weights_bytes / (double)s32.weights_bytes;
  fprintf(stderr, "  %s .enn: f32 %ld bytes, f16 %ld bytes (%.4fx; weights %.4fx)\n", spec, n32, n16,
          (double)n16 / (double)n32, wr);
  CHECK(n32 > 0 && n16 > 0 && (double)n16 <= max_file_ratio * (double)n32);
  CHECK(wr <= max_weight_ratio);
  CHECK_OK(enn_model_load(p16, NULL, &back));
  CHECK(back && enn_graph_get_meta(back, "quantized") && strcmp(enn_graph_get_meta(back, "quantized"), "f16") == 0);
  enn_tensor_desc d;
  enn_session *s = NULL;
  if (run_outputs) CHECK_OK(enn_session_create(g, NULL, &s));
  if (s && back) {
    CHECK_OK(enn_session_input_desc(s, 0, &d, NULL));
    const int64_t nx = enn_tensor_desc_numel(&d);
    float *x = malloc((size_t)nx * sizeof(float));
    float y32[16], y16[16], yb[16];
    CHECK_OK(enn_session_output_desc(s, 0, &d, NULL));
    const int64_t ny = enn_tensor_desc_numel(&d);
    CHECK(ny == 10);
    for (int rep = 0; rep < 2 && x && ny <= 16; rep++) {
      enn_t_fill(x, nx, 77 + (unsigned long long)rep, 0.0f, 1.0f);
      memcpy(enn_session_input_buffer(s, 0), x, (size_t)nx * sizeof(float));
      CHECK_OK(enn_session_run(s));
      memcpy(y32, enn_session_output_buffer(s, 0), (size_t)ny * sizeof(float));
      if (!run_graph(h, 1, x, y16, ny, NULL) || !run_graph(back, 1, x, yb, ny, NULL)) break;
      CHECK(memcmp(y16, yb, (size_t)ny * sizeof(float)) == 0); /* the file holds exactly the graph */
      double scale = 0, diff = 0;
      for (int64_t i = 0; i < ny; i++) {
        scale = fmax(scale, fabs(y32[i]));
        diff = fmax(diff, fabs((double)y16[i] - y32[i]));
      }
      fprintf(stderr, "  %s outputs: max |f16 - f32| %.3g (max |y| %.3g)\n", spec, diff, scale);
      CHECK(diff <= 1e-2 * scale + 1e-6);
    }
    free(x);
  }
  enn_session_destroy(s);
  enn_graph_destroy(back);
  enn_graph_destroy(h);
  enn_graph_destroy(g);
  remove(p32);
  remove(p16);
}

/* ResNet-8 (310 KB of weights): the weights halve; the file carries ~12 KB
 * of names, tensor and node records that do not (about 0.52x in all). */
static void test_zoo_resnet8(void) { zoo_check("zoo:resnet8", 0.51, 0.503, true); }

/* MobileNetV2 1.0/224 (14 MB): the file is <= 0.51x. */
static void test_zoo_mobilenet_v2(void) { zoo_check("zoo:mobilenet_v2", 0.51, 0.501, false); }

/* ---------------------------------------------------------------- errors */
static void test_errors(void) {
  enn_graph *out = (enn_graph *)1;
  CHECK_STATUS(enn_convert_f16(NULL, &out), ENN_ERR_INVALID_ARG);
  net_w w;
  net_fill(&w, 3);
  enn_graph *g = net_build(&w), *h = NULL;
  if (!g) return;
  CHECK_STATUS(enn_convert_f16(g, NULL), ENN_ERR_INVALID_ARG);
  CHECK_OK(enn_convert_f16(g, &h));
  /* converting twice */
  out = (enn_graph *)1;
  CHECK_STATUS(enn_convert_f16(h, &out), ENN_ERR_INVALID_ARG);
  CHECK(out == NULL);
  CHECK(strstr(enn_last_error(), "already") != NULL);
  /* the marker alone is enough (an f16 file whose metadata says so) */
  enn_graph_destroy(h);
  h = NULL;
  CHECK_OK(enn_graph_set_meta(g, "quantized", "f16"));
  CHECK_STATUS(enn_convert_f16(g, &h), ENN_ERR_INVALID_ARG);
  CHECK_OK(enn_graph_set_meta(g, "quantized", "int8"));
  CHECK_STATUS(enn_convert_f16(g, &h), ENN_ERR_UNSUPPORTED);
  CHECK(strstr(enn_last_error(), "quantised") != NULL);
  enn_graph_destroy(g);

  /* an int8 graph: Quantize -> i8 tensor */
  CHECK_OK(enn_graph_create(NULL, &g));
  int64_t xd[2] = {1, 8};
  enn_tensor_desc d;
  enn_tensor_desc_init(&d, ENN_DTYPE_F32, 2, xd);
  int32_t x, q;
  CHECK_OK(enn_graph_add_input(g, "x", &d, &x));
  enn_attrs a;
  enn_attrs_init_op(&a, ENN_OP_QUANTIZE);
  CHECK_OK(enn_graph_add_node(g, ENN_OP_QUANTIZE, "q", &x, 1, &a, 1, &q));
  const float sc = 0.5f;
  const int32_t zp = 0;
  enn_quant qp = {-1, 1, &sc, &zp};
  CHECK_OK(enn_graph_set_quant(g, q, &qp));
  CHECK_OK(enn_graph_add_output(g, q));
  CHECK_STATUS(enn_convert_f16(g, &h), ENN_ERR_UNSUPPORTED);
  CHECK(strstr(enn_last_error(), "int8") != NULL);
  enn_graph_destroy(g);

  /* no weights at all */
  CHECK_OK(enn_graph_create(NULL, &g));
  int32_t r;
  CHECK_OK(enn_graph_add_input(g, "x", &d, &x));
  CHECK_OK(enn_graph_add_node(g, ENN_OP_RELU, "relu", &x, 1, NULL, 1, &r));
  CHECK_OK(enn_graph_add_output(g, r));
  CHECK_STATUS(enn_convert_f16(g, &h), ENN_ERR_UNSUPPORTED);
  CHECK(strstr(enn_last_error(), "no weights") != NULL);
  enn_graph_destroy(g);

  /* weights f16 cannot hold stay f32; the others are converted */
  net_fill(&w, 4);
  w.w2[5] = 1e6f;
  g = net_build(&w);
  if (g) {
    CHECK_OK(enn_convert_f16(g, &h));
    enn_tensor_desc dd;
    const void *data;
    CHECK(h && find_tensor(h, "w2", &dd, &data) >= 0 && dd.dtype == ENN_DTYPE_F32);
    CHECK(h && find_tensor(h, "w1", &dd, &data) >= 0 && dd.dtype == ENN_DTYPE_F16);
    enn_graph_destroy(h);
    h = NULL;
    enn_graph_destroy(g);
  }

  /* F16 weights must be constants: an f16 graph input as FC weights */
  CHECK_OK(enn_graph_create(NULL, &g));
  int64_t wd[2] = {3, 8};
  enn_tensor_desc dw;
  enn_tensor_desc_init(&dw, ENN_DTYPE_F16, 2, wd);
  int32_t in[2], y;
  CHECK_OK(enn_graph_add_input(g, "x", &d, &in[0]));
  CHECK_OK(enn_graph_add_input(g, "w", &dw, &in[1]));
  CHECK(enn_graph_add_node(g, ENN_OP_FULLY_CONNECTED, "fc", in, 2, NULL, 1, &y) != ENN_OK);
  CHECK(strstr(enn_last_error(), "fc") != NULL);
  /* nor is an f16 activation input accepted */
  enn_tensor_desc_init(&dw, ENN_DTYPE_F16, 2, xd);
  int32_t x16, wf;
  float wv[24] = {0};
  enn_tensor_desc dwf;
  int64_t wfd[2] = {3, 8};
  enn_tensor_desc_init(&dwf, ENN_DTYPE_F32, 2, wfd);
  CHECK_OK(enn_graph_add_input(g, "x16", &dw, &x16));
  CHECK_OK(enn_graph_add_constant(g, "wf", &dwf, wv, ENN_CONST_COPY, &wf));
  int32_t in2[2] = {x16, wf};
  CHECK(enn_graph_add_node(g, ENN_OP_FULLY_CONNECTED, "fc2", in2, 2, NULL, 1, &y) != ENN_OK);
  enn_graph_destroy(g);
}

int main(int argc, char **argv) {
  (void)argc;
  const char *child = getenv("ENN_FP16_CHILD");
  /* These checks are of the f32 conversion path (exact, no extra memory);
   * the native f16 GEMM of AArch64 with fp16 arithmetic, which rounds
   * activations to f16, is tests/ops/test_f16_native.c. */
  enn_f16_gemm_set_native(0);
  enn_cpu_info ci;
  enn_cpu_info_get(&ci);
  fprintf(stderr, "kernel level: %s%s\n", ci.isa, child ? " (re-run under ENN_ISA=ref)" : "");
  ENN_RUN(test_f16_values);
  ENN_RUN(test_f16c_kernel);
  ENN_RUN(test_convert_network);
  ENN_RUN(test_f16_graph_by_hand);
  ENN_RUN(test_const_f32_helper);
  ENN_RUN(test_zoo_resnet8);
  ENN_RUN(test_zoo_mobilenet_v2);
  ENN_RUN(test_errors);
  int rc = enn_test_finish();
  if (!child && strcmp(ci.isa, "ref") != 0) { /* the reference paths, in a fresh process */
    fflush(stderr);
    pid_t pid = fork();
    if (pid == 0) {
      setenv("ENN_ISA", "ref", 1);
      setenv("ENN_FP16_CHILD", "1", 1);
      enn_test_exec_self(argv); /* through the emulator in a cross build */
      _exit(127);
    }
    int status = 0;
    if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
      fprintf(stderr, "FAIL: the ENN_ISA=ref re-run failed (status %d)\n", status);
      rc = 1;
    }
  }
  return rc;
}
