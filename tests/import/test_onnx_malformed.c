/*
 * Malformed ONNX files are refused with a message, never a crash: a small
 * valid model truncated at every byte and with every single bit flipped,
 * absurd sizes, random bytes. A variant that still imports must also give a
 * graph that verifies and runs (sessions are created with small limits).
 * Run under ASan / UBSan in CI, this is the importer's memory-safety net
 * next to the fuzz target.
 */
#include "import/import.h"
#include "import/onnx_build.h"
#include "test.h"

static int n_ok, n_err;

/* Imports buf with small limits; checks the error contract; runs what imports. */
static void try_model(const uint8_t *buf, size_t n) {
  enn_onnx_options o;
  enn_onnx_options_init(&o);
  o.max_host_bytes = (size_t)64 << 20;
  o.max_tensor_elems = (int64_t)1 << 20;
  enn_graph *g = (enn_graph *)(uintptr_t)1;
  enn_clear_error();
  enn_status st = enn_onnx_load_ex(buf, n, &o, NULL, &g);
  if (st != ENN_OK) {
    n_err++;
    CHECK(g == NULL);
    CHECK_MSG(enn_last_error()[0] != '\0', "status %s without a message", enn_status_name(st));
    CHECK(st == ENN_ERR_BAD_FORMAT || st == ENN_ERR_UNSUPPORTED || st == ENN_ERR_SHAPE || st == ENN_ERR_INVALID_ARG ||
          st == ENN_ERR_OVERFLOW || st == ENN_ERR_NO_MEMORY || st == ENN_ERR_DTYPE);
    if (st == ENN_ERR_INTERNAL) fprintf(stderr, "  internal: %s\n", enn_last_error());
    return;
  }
  n_ok++;
  CHECK(g != NULL);
  CHECK_OK(enn_graph_verify(g));
  enn_graph_stats gs;
  CHECK_OK(enn_graph_stats_get(g, &gs));
  enn_session *s = NULL;
  if (gs.macs < 20 * 1000 * 1000 && enn_session_create(g, NULL, &s) == ENN_OK) {
    for (int32_t i = 0; i < enn_session_num_inputs(s); i++) {
      enn_tensor_desc d;
      enn_session_input_desc(s, i, &d, NULL);
      memset(enn_session_input_buffer(s, i), 0, enn_tensor_desc_bytes(&d));
    }
    CHECK_OK(enn_session_run(s));
    enn_session_destroy(s);
  }
  enn_graph_destroy(g);
}

/* A small model touching most parts of the format: initializers (raw and
 * typed), a Constant, attributes of several types, shape arithmetic. */
static ob_buf small_model(void) {
  const int64_t xd[4] = {1, 2, 4, 4}, wd[4] = {3, 2, 3, 3}, bd[1] = {3}, one[1] = {1};
  float w[54], b[3];
  enn_t_fill(w, 54, 1, -1, 1);
  enn_t_fill(b, 3, 2, -1, 1);
  ob_buf gr = {0}, n, t;
  n = ob_node("Conv", "x,w,b", "c", "conv");
  const int64_t pads[4] = {1, 1, 1, 1};
  ob_attr_ints(&n, "pads", pads, 4);
  ob_attr_s(&n, "auto_pad", "NOTSET");
  ob_msg(&gr, 1, &n);
  n = ob_node("LeakyRelu", "c", "r", "act");
  ob_attr_f(&n, "alpha", 0.1f);
  ob_msg(&gr, 1, &n);
  n = ob_node("Shape", "r", "s", "shape");
  ob_msg(&gr, 1, &n);
  n = ob_node("Constant", NULL, "zero", "k0");
  const int64_t z = 0;
  t = ob_tensor_i64(NULL, 0, NULL, &z);
  ob_attr_t(&n, "value", &t);
  ob_msg(&gr, 1, &n);
  n = ob_node("Gather", "s,zero", "g", "gather");
  ob_msg(&gr, 1, &n);
  n = ob_node("Unsqueeze", "g", "u", "unsq");
  ob_attr_ints(&n, "axes", &z, 1);
  ob_msg(&gr, 1, &n);
  n = ob_node("Concat", "u,m1", "cat", "concat");
  ob_attr_i(&n, "axis", 0);
  ob_msg(&gr, 1, &n);
  n = ob_node("Reshape", "r,cat", "y", "reshape");
  ob_msg(&gr, 1, &n);
  t = ob_tensor_f32("w", 4, wd, w);
  ob_msg(&gr, 5, &t);
  /* b through float_data (a typed field) */
  t = (ob_buf){0};
  ob_packed_i64(&t, 1, bd, 1);
  ob_int(&t, 2, OB_FLOAT);
  ob_str(&t, 8, "b");
  for (int i = 0; i < 3; i++) ob_float(&t, 4, b[i]);
  ob_msg(&gr, 5, &t);
  const int64_t m1 = -1;
  t = ob_tensor_i64("m1", 1, one, &m1);
  ob_msg(&gr, 5, &t);
  ob_buf v = ob_value_info("x", OB_FLOAT, 4, xd);
  ob_msg(&gr, 11, &v);
  const int64_t yd[2] = {1, 48};
  v = ob_value_info("y", OB_FLOAT, 2, yd);
  ob_msg(&gr, 12, &v);
  return ob_model(&gr, 11);
}

/* A second model for more operators: BatchNormalization, pooling with
 * ceil_mode, Resize, Pad, Slice, Softmax, ReduceMean, Split / Concat,
 * Transpose, Gemm, Clip (opset 13: parameters as constant inputs). */
static ob_buf ops_model(void) {
  const int64_t xd[4] = {1, 3, 5, 5}, c3[1] = {3}, d4[1] = {4}, d2[1] = {2}, wd[2] = {6, 4};
  float st[12], w[24];
  enn_t_fill(st, 12, 3, 0.5f, 1.5f);
  enn_t_fill(w, 24, 4, -1, 1);
  ob_buf gr = {0}, n, t;
  n = ob_node("BatchNormalization", "x,bn_g,bn_b,bn_m,bn_v", "bn", "bn");
  ob_msg(&gr, 1, &n);
  n = ob_node("MaxPool", "bn", "mp", "mp");
  const int64_t k3[2] = {3, 3}, p1[4] = {1, 1, 1, 1}, s2[2] = {2, 2};
  ob_attr_ints(&n, "kernel_shape", k3, 2);
  ob_attr_ints(&n, "pads", p1, 4);
  ob_attr_ints(&n, "strides", s2, 2);
  ob_attr_i(&n, "ceil_mode", 1);
  ob_msg(&gr, 1, &n);
  n = ob_node("Resize", "mp,,sc", "rs", "rs");
  ob_attr_s(&n, "mode", "linear");
  ob_msg(&gr, 1, &n);
  n = ob_node("Pad", "rs,pads", "pd", "pad");
  ob_attr_s(&n, "mode", "edge");
  ob_msg(&gr, 1, &n);
  n = ob_node("Slice", "pd,sts,ens,axs", "sl", "slice");
  ob_msg(&gr, 1, &n);
  n = ob_node("Softmax", "sl", "sm", "softmax");
  ob_attr_i(&n, "axis", 1);
  ob_msg(&gr, 1, &n);
  n = ob_node("Split", "sm,sp", "a,b", "split");
  ob_attr_i(&n, "axis", 1);
  ob_msg(&gr, 1, &n);
  n = ob_node("Concat", "b,a,a", "cc", "concat");
  ob_attr_i(&n, "axis", 1);
  ob_msg(&gr, 1, &n);
  n = ob_node("Transpose", "cc", "tr", "tr");
  const int64_t perm[4] = {0, 2, 3, 1};
  ob_attr_ints(&n, "perm", perm, 4);
  ob_msg(&gr, 1, &n);
  n = ob_node("ReduceMean", "tr", "rm", "rm");
  const int64_t ax12[2] = {1, 2};
  ob_attr_ints(&n, "axes", ax12, 2);
  ob_attr_i(&n, "keepdims", 0);
  ob_msg(&gr, 1, &n);
  n = ob_node("Gemm", "rm,w", "gm", "gemm");
  ob_attr_i(&n, "transB", 1);
  ob_msg(&gr, 1, &n);
  n = ob_node("Clip", "gm,lo,hi", "y", "clip");
  ob_msg(&gr, 1, &n);
  static const char *const bn_names[4] = {"bn_g", "bn_b", "bn_m", "bn_v"};
  for (int i = 0; i < 4; i++) {
    t = ob_tensor_f32(bn_names[i], 1, c3, st + 3 * i);
    ob_msg(&gr, 5, &t);
  }
  const float sc[4] = {1, 1, 2, 2}, lo = -0.5f, hi = 0.5f;
  t = ob_tensor_f32("sc", 1, d4, sc);
  ob_msg(&gr, 5, &t);
  const int64_t pads[8] = {0, 0, 1, 0, 0, 0, 0, 2}, sts[2] = {1, 0}, ens[2] = {-1, 100}, axs[2] = {2, 3}, sp[2] = {1, 2};
  const int64_t d8[1] = {8};
  t = ob_tensor_i64("pads", 1, d8, pads);
  ob_msg(&gr, 5, &t);
  t = ob_tensor_i64("sts", 1, d2, sts);
  ob_msg(&gr, 5, &t);
  t = ob_tensor_i64("ens", 1, d2, ens);
  ob_msg(&gr, 5, &t);
  t = ob_tensor_i64("axs", 1, d2, axs);
  ob_msg(&gr, 5, &t);
  t = ob_tensor_i64("sp", 1, d2, sp);
  ob_msg(&gr, 5, &t);
  t = ob_tensor_f32("w", 2, wd, w);
  ob_msg(&gr, 5, &t);
  t = ob_tensor_f32("lo", 0, NULL, &lo);
  ob_msg(&gr, 5, &t);
  t = ob_tensor_f32("hi", 0, NULL, &hi);
  ob_msg(&gr, 5, &t);
  ob_buf v = ob_value_info("x", OB_FLOAT, 4, xd);
  ob_msg(&gr, 11, &v);
  const int64_t yd[2] = {1, 6};
  v = ob_value_info("y", OB_FLOAT, 2, yd);
  ob_msg(&gr, 12, &v);
  return ob_model(&gr, 13);
}

/* A quantised model: QuantizeLinear -> QLinearConv (per-channel int8
 * weights, int32 bias) -> MaxPool on uint8 -> DequantizeLinear. */
static ob_buf quant_model(void) {
  const int64_t xd[4] = {1, 2, 5, 5}, wd[4] = {3, 2, 3, 3}, c3[1] = {3};
  int8_t w[54];
  for (int i = 0; i < 54; i++) w[i] = (int8_t)((i * 37) % 255 - 127);
  const int32_t b[3] = {100, -20, 7};
  const float xs = 0.02f, ys = 0.1f, ws[3] = {0.01f, 0.02f, 0.005f};
  const uint8_t xz = 120, yz = 10;
  const int8_t wz[3] = {0, 0, 0};
  ob_buf gr = {0}, n, t;
  n = ob_node("QuantizeLinear", "x,xs,xz", "xq", "q");
  ob_msg(&gr, 1, &n);
  n = ob_node("QLinearConv", "xq,xs,xz,w,ws,wz,ys,yz,b", "cq", "qconv");
  const int64_t pads[4] = {1, 1, 1, 1};
  ob_attr_ints(&n, "pads", pads, 4);
  ob_msg(&gr, 1, &n);
  n = ob_node("MaxPool", "cq", "pq", "pool");
  const int64_t k2[2] = {2, 2};
  ob_attr_ints(&n, "kernel_shape", k2, 2);
  ob_msg(&gr, 1, &n);
  n = ob_node("DequantizeLinear", "pq,ys,yz", "y", "dq");
  ob_msg(&gr, 1, &n);
  t = ob_tensor("xs", OB_FLOAT, 0, NULL, &xs, 4);
  ob_msg(&gr, 5, &t);
  t = ob_tensor("xz", OB_UINT8, 0, NULL, &xz, 1);
  ob_msg(&gr, 5, &t);
  t = ob_tensor("w", OB_INT8, 4, wd, w, 54);
  ob_msg(&gr, 5, &t);
  t = ob_tensor("ws", OB_FLOAT, 1, c3, ws, 12);
  ob_msg(&gr, 5, &t);
  t = ob_tensor("wz", OB_INT8, 1, c3, wz, 3);
  ob_msg(&gr, 5, &t);
  t = ob_tensor("ys", OB_FLOAT, 0, NULL, &ys, 4);
  ob_msg(&gr, 5, &t);
  t = ob_tensor("yz", OB_UINT8, 0, NULL, &yz, 1);
  ob_msg(&gr, 5, &t);
  t = ob_tensor("b", OB_INT32, 1, c3, b, 12);
  ob_msg(&gr, 5, &t);
  ob_buf v = ob_value_info("x", OB_FLOAT, 4, xd);
  ob_msg(&gr, 11, &v);
  const int64_t yd[4] = {1, 3, 4, 4};
  v = ob_value_info("y", OB_FLOAT, 4, yd);
  ob_msg(&gr, 12, &v);
  return ob_model(&gr, 13);
}

/* Writes the fuzz seeds (scripts/make_onnx_corpus.sh) when asked. */
static void write_corpus(void) {
  const char *dir = getenv("ENN_WRITE_ONNX_CORPUS");
  if (!dir || !*dir) return;
  ob_buf ms[3] = {small_model(), ops_model(), quant_model()};
  static const char *const names[3] = {"shape_chain.onnx", "ops.onnx", "quant.onnx"};
  for (int i = 0; i < 3; i++) {
    char p[1024];
    snprintf(p, sizeof p, "%s/%s", dir, names[i]);
    FILE *f = fopen(p, "wb");
    CHECK(f != NULL);
    if (f) {
      CHECK(fwrite(ms[i].d, 1, ms[i].n, f) == ms[i].n);
      fclose(f);
    }
    /* and one truncation of each */
    snprintf(p, sizeof p, "%s/trunc_%s", dir, names[i]);
    f = fopen(p, "wb");
    if (f) {
      fwrite(ms[i].d, 1, ms[i].n / 2, f);
      fclose(f);
    }
    ob_free(&ms[i]);
  }
}

static void test_valid_baseline(void) {
  ob_buf m = small_model(), m2 = ops_model(), m3 = quant_model();
  n_ok = n_err = 0;
  try_model(m.d, m.n);
  try_model(m2.d, m2.n);
  try_model(m3.d, m3.n);
  CHECK_MSG(n_ok == 3, "%s", enn_last_error());
  ob_free(&m);
  ob_free(&m2);
  ob_free(&m3);
  write_corpus();
}

static void test_truncated(void) {
  ob_buf m = small_model();
  n_ok = n_err = 0;
  for (size_t len = 0; len < m.n; len++) try_model(m.d, len);
  CHECK(n_err > 0);
  fprintf(stderr, "  %zu truncations: %d refused, %d still valid\n", m.n, n_err, n_ok);
  ob_free(&m);
}

static void bit_flips(ob_buf m) {
  uint8_t *buf = malloc(m.n);
  CHECK(buf != NULL);
  if (!buf) return;
  n_ok = n_err = 0;
  for (size_t i = 0; i < m.n; i++)
    for (int bit = 0; bit < 8; bit++) {
      memcpy(buf, m.d, m.n);
      buf[i] ^= (uint8_t)(1u << bit);
      try_model(buf, m.n);
    }
  fprintf(stderr, "  %zu bit flips: %d refused, %d still valid\n", m.n * 8, n_err, n_ok);
  CHECK(n_err > 0);
  free(buf);
  ob_free(&m);
}

static void test_bit_flips(void) {
  bit_flips(small_model());
  bit_flips(ops_model());
  bit_flips(quant_model());
}

static void test_absurd_sizes(void) {
  const int64_t d1[1] = {4};
  char msg[1024];
  /* an initializer claiming 2^40 elements with no data */
  {
    ob_buf gr = {0}, t = {0};
    const int64_t big[2] = {1LL << 20, 1LL << 20};
    ob_packed_i64(&t, 1, big, 2);
    ob_int(&t, 2, OB_FLOAT);
    ob_str(&t, 8, "huge");
    ob_msg(&gr, 5, &t);
    ob_buf n = ob_node("Add", "x,huge", "y", "add");
    ob_msg(&gr, 1, &n);
    ob_buf v = ob_value_info("x", OB_FLOAT, 1, d1);
    ob_msg(&gr, 11, &v);
    v = ob_value_info("y", OB_FLOAT, 1, d1);
    ob_msg(&gr, 12, &v);
    ob_buf m = ob_model(&gr, 13);
    enn_graph *g = NULL;
    enn_onnx_options o;
    enn_onnx_options_init(&o);
    o.max_tensor_elems = 1 << 20;
    CHECK(enn_onnx_load_ex(m.d, m.n, &o, NULL, &g) != ENN_OK && g == NULL);
    snprintf(msg, sizeof msg, "%s", enn_last_error());
    CHECK_MSG(strstr(msg, "huge") != NULL, "%s", msg);
    ob_free(&m);
  }
  /* ConstantOfShape asking for 2^60 elements */
  {
    ob_buf gr = {0};
    const int64_t shp[3] = {1LL << 20, 1LL << 20, 1LL << 20}, d3[1] = {3};
    ob_buf t = ob_tensor_i64("shp", 1, d3, shp);
    ob_msg(&gr, 5, &t);
    ob_buf n = ob_node("ConstantOfShape", "shp", "k", "cos");
    ob_msg(&gr, 1, &n);
    n = ob_node("Add", "x,k", "y", "add");
    ob_msg(&gr, 1, &n);
    ob_buf v = ob_value_info("x", OB_FLOAT, 1, d1);
    ob_msg(&gr, 11, &v);
    v = ob_value_info("y", OB_FLOAT, 1, d1);
    ob_msg(&gr, 12, &v);
    ob_buf m = ob_model(&gr, 13);
    enn_graph *g = NULL;
    CHECK(enn_onnx_load_buffer(m.d, m.n, NULL, &g) != ENN_OK && g == NULL);
    ob_free(&m);
  }
  /* a length prefix far past the end; an overlong varint; a group */
  const uint8_t bad1[] = {0x3a, 0xff, 0xff, 0xff, 0xff, 0x0f, 0x00};
  const uint8_t bad2[] = {0x08, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01};
  const uint8_t bad3[] = {0x3b, 0x00, 0x3c};
  enn_graph *g = NULL;
  CHECK_STATUS(enn_onnx_load_buffer(bad1, sizeof bad1, NULL, &g), ENN_ERR_BAD_FORMAT);
  CHECK_STATUS(enn_onnx_load_buffer(bad2, sizeof bad2, NULL, &g), ENN_ERR_BAD_FORMAT);
  CHECK_STATUS(enn_onnx_load_buffer(bad3, sizeof bad3, NULL, &g), ENN_ERR_BAD_FORMAT);
  CHECK_STATUS(enn_onnx_load_buffer(NULL, 0, NULL, &g), ENN_ERR_BAD_FORMAT);
  CHECK(g == NULL);
  /* a graph input of rank 9 (declared, never used) */
  {
    ob_buf gr = {0};
    const int64_t d9[9] = {1, 1, 1, 1, 1, 1, 1, 1, 1};
    ob_buf v = ob_value_info("x", OB_FLOAT, 9, d9);
    ob_msg(&gr, 11, &v);
    ob_buf n = ob_node("Relu", "x", "y", "r");
    ob_msg(&gr, 1, &n);
    v = ob_value_info("y", OB_FLOAT, 9, d9);
    ob_msg(&gr, 12, &v);
    ob_buf m = ob_model(&gr, 13);
    CHECK_STATUS(enn_onnx_load_buffer(m.d, m.n, NULL, &g), ENN_ERR_UNSUPPORTED);
    ob_free(&m);
  }
}

static void test_random_bytes(void) {
  unsigned long long s = 12345;
  uint8_t buf[512];
  n_ok = n_err = 0;
  for (int iter = 0; iter < 2000; iter++) {
    s = s * 6364136223846793005ULL + 1442695040888963407ULL;
    const size_t n = (size_t)(s >> 33) % sizeof buf;
    for (size_t i = 0; i < n; i++) {
      s = s * 6364136223846793005ULL + 1442695040888963407ULL;
      buf[i] = (uint8_t)(s >> 56);
    }
    try_model(buf, n);
  }
  CHECK(n_err == 2000);
}

int main(void) {
  ENN_RUN(test_valid_baseline);
  ENN_RUN(test_truncated);
  ENN_RUN(test_bit_flips);
  ENN_RUN(test_absurd_sizes);
  ENN_RUN(test_random_bytes);
  return enn_test_finish();
}
