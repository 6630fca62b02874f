/*
 * Graph passes on int8 graphs. Each graph is run at optimisation level 0
 * and 1 on the same input; the outputs must be bit-identical, and the
 * optimised plan must have the expected number of nodes:
 *   - an int8 Relu / Clip / Relu6-clip whose output has its input's
 *     parameters is fused into Conv2D, FullyConnected and MaxPool;
 *   - with different output parameters, or a non-clamp activation
 *     (Sigmoid, LeakyRelu), the activation stays;
 *   - a view whose output parameters differ from its input's is not
 *     bypassed by identity removal;
 *   - Quantize of constant float weights is folded into an int8 constant
 *     (per-axis parameters kept), Dequantize of int8 constants into floats.
 * Tests that need an int8 activation operator that is not built skip.
 */
#include "../ops/q8_harness.h"

static int skipped;

typedef struct qg {
  enn_graph *g;
  int32_t x;
  long in_bytes;
  int f32_input; /* the input is float (filled with finite values) */
} qg;

static const float S_X = 0.05f, S_W[4] = {0.01f, 0.02f, 0.015f, 0.03f}, S_Y = 0.1f, S_Y2 = 0.07f;
static const int32_t Z_X = -3, Z_W[4] = {0, 0, 0, 0}, Z_Y = -10, Z_Y2 = 4;

/* x [1, 6, 5, 4] int8 (S_X, Z_X) -> conv 3x3 SAME, 4 -> 4, per-channel, bias;
 * its output has (S_Y, Z_Y). */
static int32_t build_conv(qg *q, unsigned long long seed) {
  memset(q, 0, sizeof *q);
  CHECK_OK(enn_graph_create(NULL, &q->g));
  int64_t xd[4] = {1, 6, 5, 4}, wd[4] = {4, 3, 3, 4}, bd[1] = {4};
  qt_tensor xt = qt_q(qt_t(ENN_DTYPE_I8, 4, xd, NULL, 0), &S_X, &Z_X);
  enn_tensor_desc d = qt_desc(&xt);
  CHECK_OK(enn_graph_add_input(q->g, "x", &d, &q->x));
  q->in_bytes = 120;
  int8_t *w = qt_rand_i8(144, seed, -127, 127);
  int32_t b[4] = {100, -2000, 350, 0}, wi, bi, y;
  qt_tensor wt = qt_qaxis(qt_t(ENN_DTYPE_I8, 4, wd, w, 1), 0, S_W, Z_W);
  d = qt_desc(&wt);
  CHECK_OK(enn_graph_add_constant(q->g, "w", &d, w, ENN_CONST_COPY, &wi));
  enn_tensor_desc_init(&d, ENN_DTYPE_I32, 1, bd);
  CHECK_OK(enn_graph_add_constant(q->g, "b", &d, b, ENN_CONST_COPY, &bi));
  free(w);
  enn_attrs a;
  enn_attrs_init_op(&a, ENN_OP_CONV2D);
  a.pad_mode = ENN_PAD_SAME_UPPER;
  int32_t in[3] = {q->x, wi, bi};
  CHECK_OK(enn_graph_add_node(q->g, ENN_OP_CONV2D, "conv", in, 3, &a, 1, &y));
  const enn_quant yq = qt_quant1(&S_Y, &Z_Y);
  CHECK_OK(enn_graph_set_quant(q->g, y, &yq));
  return y;
}

/* One-input node with output parameters (s, z) (s NULL: as inferred). */
static int32_t add1(qg *q, enn_op op, const char *name, int32_t x, const enn_attrs *a, const float *s,
                    const int32_t *z) {
  int32_t y = -1;
  CHECK_OK(enn_graph_add_node(q->g, op, name, &x, 1, a, 1, &y));
  if (s) {
    const enn_quant yq = qt_quant1(s, z);
    CHECK_OK(enn_graph_set_quant(q->g, y, &yq));
  }
  return y;
}

/* Runs at level opt; copies the output (bytes) and the plan's node count. */
static enn_status run_level(const qg *q, int opt, void *out, size_t bytes, int32_t *nodes) {
  enn_session_options o;
  enn_session_options_init(&o);
  o.optimize = opt;
  enn_session *s = NULL;
  enn_status st = enn_session_create(q->g, &o, &s);
  if (st) return st;
  if (q->f32_input) {
    enn_t_fill(enn_session_input_buffer(s, 0), q->in_bytes / (long)sizeof(float), 4242, -2.0f, 2.0f);
  } else {
    int8_t *x = qt_rand_i8(q->in_bytes, 4242, -128, 127);
    memcpy(enn_session_input_buffer(s, 0), x, (size_t)q->in_bytes);
    free(x);
  }
  st = enn_session_run(s);
  if (!st) memcpy(out, enn_session_output_buffer(s, 0), bytes);
  *nodes = enn_session_num_nodes(s);
  enn_session_destroy(s);
  return st;
}

/* Same bits at both levels; returns the optimised node count (-1 on error,
 * -2 when level 0 fails: an operator is not built). */
static int32_t compare_levels(const qg *q, size_t bytes) {
  unsigned char a[4096], b[4096];
  int32_t n0 = 0, n1 = 0;
  enn_status st = run_level(q, 0, a, bytes, &n0);
  if (st) {
    fprintf(stderr, "  SKIP %s: level 0 does not run (%s)\n", enn_t_current, enn_last_error());
    skipped++;
    return -2;
  }
  st = run_level(q, 1, b, bytes, &n1);
  CHECK_MSG(st == ENN_OK, "%s", enn_last_error());
  if (st) return -1;
  CHECK_MSG(memcmp(a, b, bytes) == 0, "outputs differ between optimisation levels");
  return n1;
}

static void act_case(enn_op op, float lo, float hi, int same_params, int expect_fused) {
  qg q;
  const int32_t c = build_conv(&q, 5);
  enn_attrs a;
  enn_attrs_init_op(&a, op);
  a.act_min = lo;
  a.act_max = hi;
  const int32_t y = add1(&q, op, "act", c, &a, same_params ? &S_Y : &S_Y2, same_params ? &Z_Y : &Z_Y2);
  CHECK_OK(enn_graph_add_output(q.g, y));
  const int32_t n = compare_levels(&q, 120);
  if (n >= 0) CHECK_MSG(n == (expect_fused ? 1 : 2), "%s: %d nodes", enn_op_name(op), n);
  enn_graph_destroy(q.g);
}

static void test_fuse_relu(void) { act_case(ENN_OP_RELU, 0, 0, 1, 1); }
static void test_fuse_relu6_clip(void) { act_case(ENN_OP_CLIP, 0.0f, 6.0f, 1, 1); }
static void test_fuse_clip(void) { act_case(ENN_OP_CLIP, -0.3f, 0.7f, 1, 1); }
static void test_no_fuse_other_params(void) {
  act_case(ENN_OP_RELU, 0, 0, 0, 0);
  act_case(ENN_OP_CLIP, -0.3f, 0.7f, 0, 0);
}
static void test_no_fuse_tables(void) {
  act_case(ENN_OP_SIGMOID, 0, 0, 1, 0);
  act_case(ENN_OP_LEAKY_RELU, 0, 0, 1, 0);
  act_case(ENN_OP_HARD_SWISH, 0, 0, 1, 0);
}

static void test_fuse_into_fc_and_maxpool(void) {
  qg q;
  const int32_t c = build_conv(&q, 6);
  enn_attrs a;
  enn_attrs_init_op(&a, ENN_OP_MAX_POOL);
  a.kernel[0] = a.kernel[1] = 2;
  a.stride[0] = a.stride[1] = 2;
  const int32_t p = add1(&q, ENN_OP_MAX_POOL, "pool", c, &a, NULL, NULL); /* inherits (S_Y, Z_Y) */
  const int32_t r = add1(&q, ENN_OP_RELU, "relu1", p, NULL, &S_Y, &Z_Y);
  enn_attrs_init_op(&a, ENN_OP_RESHAPE);
  a.shape_rank = 2;
  a.shape[0] = 1;
  a.shape[1] = 24;
  const int32_t f = add1(&q, ENN_OP_RESHAPE, "flat", r, &a, NULL, NULL);
  int8_t w[5 * 24];
  for (int i = 0; i < 120; i++) w[i] = (int8_t)((i * 37) % 255 - 127);
  const float sw = 0.02f;
  const int32_t zw = 0;
  qt_tensor wt = qt_q(qt_t(ENN_DTYPE_I8, 2, (int64_t[]){5, 24}, w, 1), &sw, &zw);
  enn_tensor_desc d = qt_desc(&wt);
  int32_t wi, y;
  CHECK_OK(enn_graph_add_constant(q.g, "fcw", &d, w, ENN_CONST_COPY, &wi));
  int32_t in[2] = {f, wi};
  CHECK_OK(enn_graph_add_node(q.g, ENN_OP_FULLY_CONNECTED, "fc", in, 2, NULL, 1, &y));
  const float sf = 0.3f;
  const int32_t zf = 7;
  const enn_quant fq = qt_quant1(&sf, &zf);
  CHECK_OK(enn_graph_set_quant(q.g, y, &fq));
  enn_attrs_init_op(&a, ENN_OP_CLIP);
  a.act_min = 0.0f;
  a.act_max = 6.0f;
  const int32_t out = add1(&q, ENN_OP_CLIP, "relu6", y, &a, &sf, &zf);
  CHECK_OK(enn_graph_add_output(q.g, out));
  /* conv, pool(+relu), flat (view), fc(+relu6) */
  const int32_t n = compare_levels(&q, 5);
  if (n >= 0) CHECK_MSG(n == 4, "%d nodes", n);
  enn_graph_destroy(q.g);
}

/* x -> Identity (other parameters) -> Dequantize: the identity reinterprets
 * the bytes and must stay. */
static void test_identity_with_other_params(void) {
  qg q;
  memset(&q, 0, sizeof q);
  CHECK_OK(enn_graph_create(NULL, &q.g));
  qt_tensor xt = qt_q(qt_t(ENN_DTYPE_I8, 2, (int64_t[]){3, 4}, NULL, 0), &S_X, &Z_X);
  enn_tensor_desc d = qt_desc(&xt);
  CHECK_OK(enn_graph_add_input(q.g, "x", &d, &q.x));
  q.in_bytes = 12;
  const int32_t id = add1(&q, ENN_OP_IDENTITY, "id", q.x, NULL, &S_Y, &Z_Y);
  const int32_t f = add1(&q, ENN_OP_DEQUANTIZE, "dq", id, NULL, NULL, NULL);
  CHECK_OK(enn_graph_add_output(q.g, f));
  const int32_t n = compare_levels(&q, 12 * sizeof(float));
  if (n >= 0) CHECK_MSG(n == 2, "%d nodes", n);
  /* with the same parameters it goes */
  enn_graph_destroy(q.g);
  CHECK_OK(enn_graph_create(NULL, &q.g));
  CHECK_OK(enn_graph_add_input(q.g, "x", &d, &q.x));
  const int32_t id2 = add1(&q, ENN_OP_IDENTITY, "id", q.x, NULL, &S_X, &Z_X);
  CHECK_OK(enn_graph_add_output(q.g, add1(&q, ENN_OP_DEQUANTIZE, "dq", id2, NULL, NULL, NULL)));
  const int32_t n2 = compare_levels(&q, 12 * sizeof(float));
  if (n2 >= 0) CHECK_MSG(n2 == 1, "%d nodes", n2);
  enn_graph_destroy(q.g);
}

/* Float weights -> Quantize (per-axis output) -> int8 conv: folded. */
static void test_fold_quantize_weights(void) {
  qg q;
  memset(&q, 0, sizeof q);
  CHECK_OK(enn_graph_create(NULL, &q.g));
  qt_tensor xt = qt_q(qt_t(ENN_DTYPE_I8, 4, (int64_t[]){1, 4, 4, 2}, NULL, 0), &S_X, &Z_X);
  enn_tensor_desc d = qt_desc(&xt);
  CHECK_OK(enn_graph_add_input(q.g, "x", &d, &q.x));
  q.in_bytes = 32;
  float wf[3 * 2 * 2 * 2];
  enn_t_fill(wf, 24, 9, -0.5f, 0.5f);
  int64_t wd[4] = {3, 2, 2, 2};
  enn_tensor_desc_init(&d, ENN_DTYPE_F32, 4, wd);
  int32_t wfi, wq, y;
  CHECK_OK(enn_graph_add_constant(q.g, "wf", &d, wf, ENN_CONST_COPY, &wfi));
  enn_attrs a;
  enn_attrs_init_op(&a, ENN_OP_QUANTIZE);
  a.dtype = ENN_DTYPE_I8;
  CHECK_OK(enn_graph_add_node(q.g, ENN_OP_QUANTIZE, "wq", &wfi, 1, &a, 1, &wq));
  const enn_quant pq = {0, 3, S_W, Z_W};
  CHECK_OK(enn_graph_set_quant(q.g, wq, &pq));
  int32_t in[2] = {q.x, wq};
  enn_attrs_init_op(&a, ENN_OP_CONV2D);
  CHECK_OK(enn_graph_add_node(q.g, ENN_OP_CONV2D, "conv", in, 2, &a, 1, &y));
  const enn_quant yq = qt_quant1(&S_Y, &Z_Y);
  CHECK_OK(enn_graph_set_quant(q.g, y, &yq));
  CHECK_OK(enn_graph_add_output(q.g, y));
  const int32_t n = compare_levels(&q, 27);
  if (n >= 0) CHECK_MSG(n == 1, "%d nodes", n);
  enn_graph_destroy(q.g);
}

/* int8 constant -> Dequantize -> Add with a float input: folded to floats. */
static void test_fold_dequantize(void) {
  qg q;
  memset(&q, 0, sizeof q);
  CHECK_OK(enn_graph_create(NULL, &q.g));
  int64_t dd[1] = {6};
  enn_tensor_desc d;
  enn_tensor_desc_init(&d, ENN_DTYPE_F32, 1, dd);
  CHECK_OK(enn_graph_add_input(q.g, "x", &d, &q.x));
  q.in_bytes = 24;
  q.f32_input = 1;
  const int8_t c8[6] = {-128, -3, 0, 5, 77, 127};
  qt_tensor ct = qt_q(qt_t(ENN_DTYPE_I8, 1, dd, c8, 1), &S_X, &Z_X);
  d = qt_desc(&ct);
  int32_t ci, y;
  CHECK_OK(enn_graph_add_constant(q.g, "c8", &d, c8, ENN_CONST_COPY, &ci));
  const int32_t f = add1(&q, ENN_OP_DEQUANTIZE, "dq", ci, NULL, NULL, NULL);
  int32_t in[2] = {q.x, f};
  CHECK_OK(enn_graph_add_node(q.g, ENN_OP_ADD, "add", in, 2, NULL, 1, &y));
  CHECK_OK(enn_graph_add_output(q.g, y));
  const int32_t n = compare_levels(&q, 24);
  if (n >= 0) CHECK_MSG(n == 1, "%d nodes", n);
  enn_graph_destroy(q.g);
}

int main(void) {
  ENN_RUN(test_fuse_relu);
  ENN_RUN(test_fuse_relu6_clip);
  ENN_RUN(test_fuse_clip);
  ENN_RUN(test_no_fuse_other_params);
  ENN_RUN(test_no_fuse_tables);
  ENN_RUN(test_fuse_into_fc_and_maxpool);
  ENN_RUN(test_identity_with_other_params);
  ENN_RUN(test_fold_quantize_weights);
  ENN_RUN(test_fold_dequantize);
  const int rc = enn_test_finish();
  if (rc == 0 && skipped) return 77;
  return rc;
}
