/*
 * int8 FullyConnected against TFLite's integer definition, bit for bit: a
 * hand-computed case; random rows (batch dims, rank 1..3) x K x N with
 * prime sizes, per-tensor and per-output weights, weight zero points (as
 * converted uint8 models have), bias or none, every fused clamp; 1 and 3
 * threads; errors.
 */
#include "q8_harness.h"

static void test_hand(void) {
  /* x - zp = [1, -2, 3], w rows [1, 1, 1] and [2, 0, -1] (zp 1 for the
   * stored weights [2, 2, 2] / [3, 1, 0]), bias [10, -10]:
   * acc = [2 + 10, -1 - 10] = [12, -11]; M = 0.5 -> 6, -5.5 -> -5 (MBQM: high-mul ties up) */
  const int8_t x[3] = {6, 3, 8}, w[6] = {2, 2, 2, 3, 1, 0};
  const int32_t b[2] = {10, -10}, xz = 5, wz = 1, yz = 1;
  const float sx = 1.0f, sw = 1.0f, sy = 2.0f;
  qt_tensor in[3] = {qt_q(qt_t(ENN_DTYPE_I8, 2, (int64_t[]){1, 3}, x, 0), &sx, &xz),
                     qt_q(qt_t(ENN_DTYPE_I8, 2, (int64_t[]){2, 3}, w, 1), &sw, &wz),
                     qt_t(ENN_DTYPE_I32, 1, (int64_t[]){2}, b, 1)};
  const enn_quant yq = qt_quant1(&sy, &yz);
  int8_t y[2];
  qt_opts o = {0};
  CHECK_OK(qt_run(ENN_OP_FULLY_CONNECTED, "fc", NULL, in, 3, &yq, y, sizeof y, NULL, &o));
  CHECK(y[0] == 7 && y[1] == -4);
  /* a per-tensor weight zero point is folded by the fast GEMM path (conv2d_q8_fast.c) */
  CHECK(strcmp(o.kernel, "enn_qs8_fully_connected__ref") == 0 || strncmp(o.kernel, "enn_qs8_gemm_", 13) == 0);
  enn_attrs a;
  enn_attrs_init_op(&a, ENN_OP_FULLY_CONNECTED);
  a.act = ENN_ACT_RELU; /* lo = zp = 1 */
  CHECK_OK(qt_run(ENN_OP_FULLY_CONNECTED, "fc", &a, in, 3, &yq, y, sizeof y, NULL, NULL));
  CHECK(y[0] == 7 && y[1] == 1);
}

static void test_random(void) {
  unsigned long long s = 5;
  const long ks[] = {1, 2, 3, 7, 16, 31, 64, 97};
  const int acts[] = {ENN_ACT_NONE, ENN_ACT_RELU, ENN_ACT_RELU6, ENN_ACT_CLIP};
  long bad_cases = 0, outputs = 0, sat = 0;
  for (int it = 0; it < 120; it++) {
    const int rank = qt_randi(&s, 1, 3);
    int64_t dims[3];
    long rows = 1;
    for (int i = 0; i < rank - 1; i++) rows *= (long)(dims[i] = qt_randi(&s, 1, 4));
    const long K = ks[qt_randi(&s, 0, 7)], N = qt_randi(&s, 1, 13);
    dims[rank - 1] = K;
    const int per_channel = qt_randi(&s, 0, 1), wzp = qt_randi(&s, 0, 1), bias = qt_randi(&s, 0, 2) > 0;
    const int act = acts[qt_randi(&s, 0, 3)], threads = it % 4 == 0 ? 3 : 1;
    const float sx = 0.005f + 0.05f * (float)qt_randi(&s, 0, 100) / 100.0f;
    const float sy = 0.02f + 0.5f * (float)qt_randi(&s, 0, 100) / 100.0f;
    const int32_t xz = qt_randi(&s, -128, 127), yz = qt_randi(&s, -50, 50);
    int8_t *x = qt_rand_i8(rows * K, (unsigned long long)it * 3 + 1, -128, 127);
    int8_t *w = qt_rand_i8(N * K, (unsigned long long)it * 3 + 2, -127, 127);
    float sw[16];
    int32_t wz[16], b[16];
    for (long o = 0; o < N; o++) {
      sw[o] = 0.002f + 0.03f * (float)qt_randi(&s, 0, 100) / 100.0f;
      wz[o] = wzp ? qt_randi(&s, -10, 10) : 0;
      b[o] = qt_randi(&s, -30000, 30000);
    }
    enn_attrs a;
    enn_attrs_init_op(&a, ENN_OP_FULLY_CONNECTED);
    a.act = act;
    a.act_min = -0.4f;
    a.act_max = 2.5f;
    qt_tensor in[3];
    in[0] = qt_q(qt_t(ENN_DTYPE_I8, rank, dims, x, 0), &sx, &xz);
    in[1] = qt_t(ENN_DTYPE_I8, 2, (int64_t[]){N, K}, w, 1);
    in[1] = per_channel ? qt_qaxis(in[1], 0, sw, wz) : qt_q(in[1], sw, wz);
    in[2] = qt_t(ENN_DTYPE_I32, 1, (int64_t[]){N}, b, 1);
    const enn_quant yq = qt_quant1(&sy, &yz);
    int8_t *got = malloc((size_t)(rows * N)), *want = malloc((size_t)(rows * N));
    qt_opts o;
    memset(&o, 0, sizeof o);
    o.threads = threads;
    enn_tensor_desc od;
    const enn_status st = qt_run(ENN_OP_FULLY_CONNECTED, "fc", &a, in, bias ? 3 : 2, &yq, got, (size_t)(rows * N), &od, &o);
    /* reference: output-major loops, int64 sums, the test's fixed point */
    int32_t lo, hi;
    qt_act_range(act, a.act_min, a.act_max, sy, yz, &lo, &hi);
    for (long oo = 0; oo < N; oo++) {
      int32_t m, e;
      qt_quantize_multiplier((double)sx * (double)sw[per_channel ? oo : 0] / (double)sy, &m, &e);
      const int32_t z = wz[per_channel ? oo : 0];
      for (long r = 0; r < rows; r++) {
        int64_t acc = bias ? b[oo] : 0;
        for (long k = K - 1; k >= 0; k--) acc += (int64_t)(w[oo * K + k] - z) * (x[r * K + k] - xz);
        want[r * N + oo] = (int8_t)qt_clamp((int64_t)yz + qt_mbqm((int32_t)acc, m, e), lo, hi);
      }
    }
    long bad = st != ENN_OK ? -1 : 0;
    if (st == ENN_OK) {
      if (od.rank != rank || od.dims[rank - 1] != N || od.dtype != ENN_DTYPE_I8) bad = -1;
      else
        for (long i = 0; i < rows * N; i++) {
          bad += got[i] != want[i];
          sat += want[i] == -128 || want[i] == 127;
        }
      outputs += rows * N;
    } else fprintf(stderr, "  %s\n", enn_last_error());
    if (bad)
      fprintf(stderr, "  case %d: rows %ld K %ld N %ld pc %d wzp %d bias %d act %d threads %d: %ld\n", it, rows, K, N,
              per_channel, wzp, bias, act, threads, bad);
    bad_cases += bad != 0;
    free(x);
    free(w);
    free(got);
    free(want);
  }
  CHECK_MSG(bad_cases == 0, "%ld cases differ", bad_cases);
  CHECK(sat * 3 < outputs);
}

static void test_errors(void) {
  int8_t x[6] = {0}, w[6] = {0};
  const float s = 0.1f;
  const int32_t z = 0;
  const enn_quant yq = qt_quant1(&s, &z);
  int8_t y[8];
  qt_tensor in[2] = {qt_q(qt_t(ENN_DTYPE_I8, 2, (int64_t[]){2, 3}, x, 0), &s, &z),
                     qt_q(qt_t(ENN_DTYPE_I8, 2, (int64_t[]){2, 3}, w, 1), &s, &z)};
  CHECK_OK(qt_run(ENN_OP_FULLY_CONNECTED, "fcn", NULL, in, 2, &yq, y, sizeof y, NULL, NULL));
  CHECK_STATUS(qt_run(ENN_OP_FULLY_CONNECTED, "fcn", NULL, in, 2, NULL, y, sizeof y, NULL, NULL), ENN_ERR_INVALID_ARG);
  CHECK(strstr(enn_last_error(), "fcn") && strstr(enn_last_error(), "output"));
  in[1] = qt_q(qt_t(ENN_DTYPE_I8, 2, (int64_t[]){3, 2}, w, 1), &s, &z); /* K mismatch */
  CHECK_STATUS(qt_run(ENN_OP_FULLY_CONNECTED, "fcn", NULL, in, 2, &yq, y, sizeof y, NULL, NULL), ENN_ERR_SHAPE);
  const float s2[2] = {0.1f, 0.2f};
  const int32_t z2[2] = {0, 0};
  in[1] = qt_qaxis(qt_t(ENN_DTYPE_I8, 2, (int64_t[]){2, 3}, w, 1), 1, s2 /* 3 needed */, z2);
  in[1].count = 3;
  const float s3[3] = {0.1f, 0.2f, 0.3f};
  const int32_t z3[3] = {0, 0, 0};
  in[1].scale = s3;
  in[1].zp = z3;
  CHECK_STATUS(qt_run(ENN_OP_FULLY_CONNECTED, "fcn", NULL, in, 2, &yq, y, sizeof y, NULL, NULL), ENN_ERR_UNSUPPORTED);
  CHECK(strstr(enn_last_error(), "axis"));
  in[1] = qt_q(qt_t(ENN_DTYPE_I8, 2, (int64_t[]){2, 3}, w, 1), &s, &z);
  enn_attrs a;
  enn_attrs_init_op(&a, ENN_OP_FULLY_CONNECTED);
  a.act = ENN_ACT_TANH;
  CHECK_STATUS(qt_run(ENN_OP_FULLY_CONNECTED, "fcn", &a, in, 2, &yq, y, sizeof y, NULL, NULL), ENN_ERR_UNSUPPORTED);
}

int main(void) {
  ENN_RUN(test_hand);
  ENN_RUN(test_random);
  ENN_RUN(test_errors);
  return enn_test_finish();
}
