/*
 * Native FP16 weights (src/ops/f16_gemm_fast.c): Conv2D 1x1 and
 * FullyConnected with F16 constant weights run the f16-weight GEMM
 * (enn_f16_gemm_minmax_6x8__neonfp16) on a CPU with fp16 arithmetic,
 * keeping the weights half precision. Skips (77, with a message) on other
 * targets / CPUs after checking that the f16 path is not taken there.
 *
 *  - Single-node graphs, Conv 1x1 (x [1, 1, M, K], w [N, 1, 1, K]) and FC
 *    (x [M, K], w [N, K]), M in {1, 5, 6, 7, 13}, K in {1, 3, 17, 100},
 *    N in {1, 7, 8, 9, 33}, no act / ReLU / ReLU6, F16 or F32 or no bias:
 *    every output within the stated bound (docs/quantization.md "FP16") of
 *    a double-precision reference of the f32 input times the f16 weights:
 *      |y - ref| <= (KB + 2) * 2^-11 * S + (K / KB + 2) * 2^-24 * (S + |b|)
 *                   + K * 2^-24
 *    with S = sum_k |x_k w_k|, KB = 16 (the kernel's half-precision block:
 *    KB + 1 roundings of the f16 block sum, one more for rounding x to f16;
 *    f32 block adds; products / activations under 2^-14 may lose up to
 *    2^-25 each in f16, |x|, |w| <= 1 here). ReLU / ReLU6 are 1-Lipschitz,
 *    so the bound holds after them. The node's kernel is the f16 GEMM,
 *    threads 1 / 2 / 3 give identical bytes, persistent memory is below
 *    the f32 path's (the weights stay f16), and enn_kernel_set_isa_cap(REF)
 *    or enn_f16_gemm_set_native(0) fall back to the f32 conversion path.
 *  - Whole model: zoo:mobilenet_v2 (width 0.35, 64x64, 10 classes),
 *    optimised then enn_convert_f16: the native run against the f32-weight
 *    run and against the same f16 model on the f32 conversion path (see
 *    test_zoo for the tolerance).
 */
#include <math.h>

#include "edgenn/fp16.h"
#include "kernels/kernels.h"
#include "ops/f16_gemm_fast.h"
#include "test.h"

#define F16_KERNEL "enn_f16_gemm_minmax_6x8__neonfp16"
#define KB 16

static float r16(float x) { return enn_f16_to_f32(enn_f32_to_f16(x)); }

/* One Conv2D 1x1 or FC node; bias_kind 0 = none, 1 = f32, 2 = f16. */
static enn_graph *build_node(bool conv, int M, int K, int N, int act, int bias_kind, const float *w, const float *b) {
  enn_graph *g = NULL;
  CHECK_OK(enn_graph_create(NULL, &g));
  if (!g) return NULL;
  enn_tensor_desc dx, dw, db;
  const int64_t xc[4] = {1, 1, M, K}, xf[2] = {M, K}, wc[4] = {N, 1, 1, K}, wf[2] = {N, K}, bd[1] = {N};
  enn_tensor_desc_init(&dx, ENN_DTYPE_F32, conv ? 4 : 2, conv ? xc : xf);
  enn_tensor_desc_init(&dw, ENN_DTYPE_F16, conv ? 4 : 2, conv ? wc : wf);
  enn_tensor_desc_init(&db, bias_kind == 2 ? ENN_DTYPE_F16 : ENN_DTYPE_F32, 1, bd);
  uint16_t *wh = malloc(sizeof(uint16_t) * (size_t)(N * K)), bh[64];
  for (int i = 0; i < N * K; i++) wh[i] = enn_f32_to_f16(w[i]);
  for (int i = 0; i < N && i < 64; i++) bh[i] = enn_f32_to_f16(b[i]);
  int32_t in[3], y;
  CHECK_OK(enn_graph_add_input(g, "x", &dx, &in[0]));
  CHECK_OK(enn_graph_add_constant(g, "w", &dw, wh, ENN_CONST_COPY, &in[1]));
  const void *bdata = bias_kind == 2 ? (const void *)bh : (const void *)b;
  if (bias_kind) CHECK_OK(enn_graph_add_constant(g, "b", &db, bdata, ENN_CONST_COPY, &in[2]));
  enn_attrs a;
  enn_attrs_init_op(&a, conv ? ENN_OP_CONV2D : ENN_OP_FULLY_CONNECTED);
  a.act = act;
  CHECK_OK(enn_graph_add_node(g, conv ? ENN_OP_CONV2D : ENN_OP_FULLY_CONNECTED, "op", in, bias_kind ? 3 : 2, &a, 1,
                              &y));
  CHECK_OK(enn_graph_add_output(g, y));
  free(wh);
  return g;
}

/* Runs g once on x with T threads into y (ny floats); *kernel = node 0's
 * kernel, *persist = persistent bytes. */
static bool run_once(const enn_graph *g, int32_t T, int32_t optimize, const float *x, float *y, int64_t ny,
                     const char **kernel, int64_t *persist) {
  enn_session_options o;
  enn_session_options_init(&o);
  o.threads = T;
  o.optimize = optimize;
  o.profile = 1;
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
  if (kernel) {
    enn_node_profile p;
    *kernel = "";
    for (int32_t i = 0; i < enn_session_num_nodes(s); i++)
      if (enn_session_node_profile(s, i, &p) == ENN_OK &&
          (p.op == ENN_OP_CONV2D || p.op == ENN_OP_FULLY_CONNECTED))
        *kernel = p.kernel; /* static strings */
  }
  if (persist) {
    enn_session_stats ss;
    CHECK_OK(enn_session_stats_get(s, &ss));
    *persist = ss.persistent_bytes;
  }
  enn_session_destroy(s);
  return true;
}

static double act_d(double v, int act) {
  if (act == ENN_ACT_RELU) return v > 0 ? v : 0;
  if (act == ENN_ACT_RELU6) return v < 0 ? 0 : v > 6 ? 6 : v;
  return v;
}

static double g_worst; /* max |err| / S */
static double g_worst_vs_bound;
static int g_cases;

/* On an fp16 CPU: the native path, its bound, thread invariance, memory. */
static void check_case(bool conv, int M, int K, int N, int act, int bias_kind, unsigned long long seed) {
  float *x = malloc(sizeof(float) * (size_t)(M * K)), *w = malloc(sizeof(float) * (size_t)(N * K)), b[64];
  float *y[3], *yf = malloc(sizeof(float) * (size_t)(M * N));
  for (int t = 0; t < 3; t++) y[t] = malloc(sizeof(float) * (size_t)(M * N));
  enn_t_fill(x, M * K, seed, -1.0f, 1.0f);
  enn_t_fill(w, N * K, seed + 1, -1.0f, 1.0f);
  enn_t_fill(b, N, seed + 2, -2.0f, 2.0f);
  if (K >= 17) x[3] = 3e-6f; /* an activation that is subnormal in f16 */
  enn_graph *g = build_node(conv, M, K, N, act, bias_kind, w, b);
  if (!g) goto out;
  const char *kern[3] = {"", "", ""};
  int64_t persist = 0, persist32 = 0;
  bool ok = true;
  for (int t = 0; t < 3 && ok; t++) ok = run_once(g, t + 1, 1, x, y[t], (int64_t)M * N, &kern[t], t ? NULL : &persist);
  if (!ok) goto out;
  for (int t = 0; t < 3; t++)
    CHECK_MSG(strcmp(kern[t], F16_KERNEL) == 0, "%s M=%d K=%d N=%d threads %d: kernel %s", conv ? "conv" : "fc", M, K,
              N, t + 1, kern[t]);
  CHECK_MSG(memcmp(y[0], y[1], sizeof(float) * (size_t)(M * N)) == 0 &&
                memcmp(y[0], y[2], sizeof(float) * (size_t)(M * N)) == 0,
            "%s M=%d K=%d N=%d: threads 1/2/3 differ", conv ? "conv" : "fc", M, K, N);
  int bad = 0;
  for (int m = 0; m < M; m++) {
    for (int n = 0; n < N; n++) {
      double s = 0, S = 0;
      for (int k = 0; k < K; k++) { /* double reference: f32 x times the f16 weights */
        const double p = (double)x[m * K + k] * (double)r16(w[n * K + k]);
        s += p;
        S += fabs(p);
      }
      const double bias = bias_kind == 0 ? 0.0 : bias_kind == 1 ? (double)b[n] : (double)r16(b[n]);
      const double ref = act_d(s + bias, act);
      const double bound = (KB + 2) * 0x1p-11 * S + (K / KB + 2) * 0x1p-24 * (S + fabs(bias)) + K * 0x1p-24;
      const double err = fabs((double)y[0][m * N + n] - ref);
      if (S > 0 && err / S > g_worst) g_worst = err / S;
      if (err / bound > g_worst_vs_bound) g_worst_vs_bound = err / bound;
      if (err > bound && bad++ < 3)
        CHECK_MSG(err <= bound, "%s M=%d K=%d N=%d act=%d [%d,%d]: got %.9g want %.9g (err %.3g > bound %.3g)",
                  conv ? "conv" : "fc", M, K, N, act, m, n, (double)y[0][m * N + n], ref, err, bound);
    }
  }
  CHECK(bad == 0);
  /* the f32 conversion path (native off): persistent memory holds f32 weights */
  enn_f16_gemm_set_native(0);
  const char *k32 = "";
  ok = run_once(g, 1, 1, x, yf, (int64_t)M * N, &k32, &persist32);
  enn_f16_gemm_set_native(1);
  if (ok) {
    CHECK_MSG(strcmp(k32, F16_KERNEL) != 0, "native off still ran %s", k32);
    if (K * N >= 256) /* f16 panels: 2 bytes per weight against 4 */
      CHECK_MSG(persist < persist32, "%s K=%d N=%d: persistent %lld (native) vs %lld (f32)", conv ? "conv" : "fc", K,
                N, (long long)persist, (long long)persist32);
  }
  g_cases++;
out:
  enn_graph_destroy(g);
  for (int t = 0; t < 3; t++) free(y[t]);
  free(yf);
  free(x);
  free(w);
}

static void test_shapes(void) {
  static const int Ms[] = {1, 5, 6, 7, 13}, Ks[] = {1, 3, 17, 100}, Ns[] = {1, 7, 8, 9, 33};
  static const int acts[] = {ENN_ACT_NONE, ENN_ACT_RELU, ENN_ACT_RELU6};
  unsigned long long seed = 1;
  g_worst = g_worst_vs_bound = 0;
  g_cases = 0;
  for (int c = 0; c < 2; c++)
    for (int mi = 0; mi < 5; mi++)
      for (int ki = 0; ki < 4; ki++)
        for (int ni = 0; ni < 5; ni++) {
          const int i = mi + ki + ni; /* rotate activation and bias kind over the shapes */
          check_case(c == 0, Ms[mi], Ks[ki], Ns[ni], acts[(i + c) % 3], (i + 2 * c) % 3, seed++);
        }
  fprintf(stderr, "  %d cases: max |err| / sum|x w| = %.3g (%.2f x 2^-11); max err / bound = %.3g\n", g_cases,
          g_worst, g_worst / 0x1p-11, g_worst_vs_bound);
}

/* enn_kernel_set_isa_cap(ENN_ISA_REF): the f32 conversion path, and its
 * output is the f32 graph of the decoded weights (exact conversion). */
static void test_cap(void) {
  enum { M = 7, K = 17, N = 9 };
  float x[M * K], w[N * K], b[N], y16[M * N], y32[M * N];
  enn_t_fill(x, M * K, 11, -1.0f, 1.0f);
  enn_t_fill(w, N * K, 12, -1.0f, 1.0f);
  enn_t_fill(b, N, 13, -1.0f, 1.0f);
  enn_graph *g = build_node(false, M, K, N, ENN_ACT_NONE, 1, w, b);
  if (!g) return;
  enn_kernel_set_isa_cap(ENN_ISA_REF);
  const char *kern = "";
  if (run_once(g, 1, 1, x, y16, M * N, &kern, NULL)) {
    CHECK_MSG(strcmp(kern, F16_KERNEL) != 0, "cap ref still ran %s", kern);
    for (int m = 0; m < M; m++)
      for (int n = 0; n < N; n++) {
        double s = b[n];
        for (int k = 0; k < K; k++) s += (double)x[m * K + k] * (double)r16(w[n * K + k]);
        y32[m * N + n] = (float)s;
      }
    CHECK_ALLCLOSE(y16, y32, M * N, 1e-5, 1e-5); /* f32 arithmetic on the decoded weights */
  }
  enn_kernel_set_isa_cap(ENN_ISA_AVX512); /* the highest rank: no cap */
  enn_graph_destroy(g);
}

/* Whole model. The f16 model's weights are those of the f32 model rounded
 * to f16 (that moves the outputs by about 2^-11 relative, test_fp16 allows
 * 1e-2 of max |y|); the native path also rounds every 1x1 / FC input to
 * f16 and accumulates in f16 blocks, a further ~2^-11 relative per layer
 * over MobileNetV2's ~35 1x1 layers (errors of independent roundings add
 * up like a random walk, well below their sum 35 x 2^-11 = 1.7e-2).
 * Tolerance: max |y_native - y| <= 3e-2 * max |y| against both the f32
 * model and the f16 model on the f32 path; top-1 must agree wherever the
 * f32 model's top-2 logits are further apart than twice the tolerance. */
static void test_zoo(void) {
  enn_graph *g = NULL, *h = NULL;
  CHECK_OK(enn_zoo_build_spec("zoo:mobilenet_v2,width=0.35,res=64,classes=10", NULL, &g));
  if (!g) return;
  CHECK_OK(enn_graph_optimize(g, 1));
  CHECK_OK(enn_convert_f16(g, &h));
  if (!h) {
    enn_graph_destroy(g);
    return;
  }
  enum { NX = 64 * 64 * 3, NY = 10 };
  float *x = malloc(sizeof(float) * NX), y32[NY], y16n[NY], y16f[NY], y16n3[NY];
  int64_t pn = 0, pf = 0;
  for (int rep = 0; rep < 2 && x; rep++) {
    enn_t_fill(x, NX, 300 + (unsigned long long)rep, 0.0f, 1.0f);
    const char *kern = "";
    if (!run_once(g, 1, 1, x, y32, NY, NULL, NULL) || !run_once(h, 1, 1, x, y16n, NY, &kern, &pn) ||
        !run_once(h, 3, 1, x, y16n3, NY, NULL, NULL))
      break;
    enn_f16_gemm_set_native(0);
    const bool ok = run_once(h, 1, 1, x, y16f, NY, NULL, &pf);
    enn_f16_gemm_set_native(1);
    if (!ok) break;
    CHECK_MSG(strcmp(kern, F16_KERNEL) == 0, "the classifier ran %s", kern); /* the last conv/FC node */
    CHECK(memcmp(y16n, y16n3, sizeof y16n) == 0);
    double scale = 0, d32 = 0, d16 = 0, dw = 0;
    int top32 = 0, top16 = 0;
    for (int i = 0; i < NY; i++) {
      scale = fmax(scale, fabs(y32[i]));
      d32 = fmax(d32, fabs((double)y16n[i] - y32[i]));
      d16 = fmax(d16, fabs((double)y16n[i] - y16f[i]));
      dw = fmax(dw, fabs((double)y16f[i] - y32[i]));
      if (y32[i] > y32[top32]) top32 = i;
      if (y16n[i] > y16n[top16]) top16 = i;
    }
    double second = -INFINITY;
    for (int i = 0; i < NY; i++)
      if (i != top32 && y32[i] > second) second = y32[i];
    const double tol = 3e-2 * scale;
    fprintf(stderr,
            "  mobilenet_v2 f16: max |native - f32 model| %.3g, |native - f16 f32-path| %.3g, |f16 f32-path - f32| "
            "%.3g (max |y| %.3g); persistent %lld native vs %lld f32-path; top-1 %d / %d (margin %.3g)\n",
            d32, d16, dw, scale, (long long)pn, (long long)pf, top16, top32, y32[top32] - second);
    CHECK(scale > 0);
    CHECK_MSG(d32 <= tol, "native vs f32 model %g > %g", d32, tol);
    CHECK_MSG(d16 <= tol, "native vs f16 f32-path %g > %g", d16, tol);
    if (y32[top32] - second > 2 * tol) CHECK(top16 == top32);
    CHECK(pn < pf); /* the 1x1 / FC weights stay f16 */
  }
  free(x);
  enn_graph_destroy(h);
  enn_graph_destroy(g);
}

/* Any CPU without the f16 kernel: an F16-weight Conv 1x1 runs the f32 path. */
static void test_fallback(void) {
  enum { M = 5, K = 17, N = 9 };
  float x[M * K], w[N * K], b[N], y[M * N];
  enn_t_fill(x, M * K, 21, -1.0f, 1.0f);
  enn_t_fill(w, N * K, 22, -1.0f, 1.0f);
  enn_t_fill(b, N, 23, -1.0f, 1.0f);
  enn_graph *g = build_node(true, M, K, N, ENN_ACT_RELU, 2, w, b);
  if (!g) return;
  const char *kern = "";
  if (run_once(g, 2, 1, x, y, M * N, &kern, NULL)) {
    CHECK_MSG(strcmp(kern, F16_KERNEL) != 0, "%s without fp16 arithmetic", kern);
    for (int m = 0; m < M; m++)
      for (int n = 0; n < N; n++) {
        double s = r16(b[n]);
        for (int k = 0; k < K; k++) s += (double)x[m * K + k] * (double)r16(w[n * K + k]);
        CHECK_NEAR(y[m * N + n], act_d(s, ENN_ACT_RELU), 1e-5);
      }
  }
  enn_graph_destroy(g);
}

int main(void) {
  if (!ENN_KERNELS_ARM64 || !enn_kernel_isa_supported(ENN_ISA_NEONFP16) ||
      !enn_kernel_find(ENN_KOP_GEMM, ENN_DTYPE_F16, 0, 0)) {
    ENN_RUN(test_fallback);
    fprintf(stderr, "SKIP: no native f16 GEMM here (%s)\n",
            ENN_KERNELS_ARM64 ? "the CPU lacks fp16 arithmetic (fphp/asimdhp) or ENN_ISA=ref"
                              : "not an AArch64 build");
    return enn_test_finish() ? 1 : 77;
  }
  ENN_RUN(test_shapes);
  ENN_RUN(test_cap);
  ENN_RUN(test_zoo);
  return enn_test_finish();
}
