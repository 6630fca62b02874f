/*
 * The post-training quantiser (include/edgenn/quantize.h) on small graphs
 * built here:
 *   - structure: float input / output with Quantize / Dequantize at the
 *     boundary, int8 Conv2D (per-channel or per-tensor int8 weights, int32
 *     bias), a non-clamp fused activation split into its own int8 node, an
 *     operator without an int8 form (Div) kept float between Dequantize /
 *     Quantize, Softmax with TFLite's fixed output parameters, the input's
 *     parameters computed by hand from the calibration data's range,
 *     metadata; the int8 graph's outputs track the float graph's;
 *   - errors: empty calibration set, a failing fill (wrong shape), NaN in a
 *     sample, a model computing inf, quantising twice, an int8 input, a
 *     graph with nothing quantisable, a missing callback;
 *   - cross-layer equalisation keeps the float function, evens the weight
 *     ranges of conv -> relu -> depthwise -> conv chains and leaves Relu6
 *     pairs alone;
 *   - bias correction removes the mean output shift of coarse per-tensor
 *     weights.
 */
#include <math.h>

#include "edgenn/quantize.h"
#include "quant/quant_internal.h"
#include "test.h"

/* ------------------------------------------------------------ builders */
static unsigned long long seed_state = 99;
static float frand(float lo, float hi) { return enn_t_randf(&seed_state, lo, hi); }

static int32_t add_const(enn_graph *g, const char *name, int32_t rank, const int64_t *dims, const float *v) {
  enn_tensor_desc d;
  enn_tensor_desc_init(&d, ENN_DTYPE_F32, rank, dims);
  int32_t id = -1;
  CHECK_OK(enn_graph_add_constant(g, name, &d, v, ENN_CONST_COPY, &id));
  return id;
}

/* conv with random weights (channel o scaled by wscale[o] when given) */
static int32_t add_conv(enn_graph *g, const char *name, int32_t x, int64_t ic, int64_t oc, int32_t k, int32_t groups,
                        int32_t act, const float *wscale) {
  const int64_t icg = ic / groups, nw = oc * k * k * icg;
  float *w = malloc((size_t)nw * sizeof *w), *b = malloc((size_t)oc * sizeof *b);
  for (int64_t i = 0; i < nw; i++) w[i] = frand(-0.5f, 0.5f) * (wscale ? wscale[i / (k * k * icg)] : 1.0f);
  for (int64_t o = 0; o < oc; o++) b[o] = frand(-0.2f, 0.2f) * (wscale ? wscale[o] : 1.0f);
  char wn[64], bn[64];
  snprintf(wn, sizeof wn, "%s_w", name);
  snprintf(bn, sizeof bn, "%s_b", name);
  int64_t wd[4] = {oc, k, k, icg}, bd[1] = {oc};
  int32_t in[3] = {x, add_const(g, wn, 4, wd, w), add_const(g, bn, 1, bd, b)}, y = -1;
  free(w);
  free(b);
  enn_attrs a;
  enn_attrs_init_op(&a, ENN_OP_CONV2D);
  a.pad_mode = ENN_PAD_SAME_UPPER;
  a.groups = groups;
  a.act = act;
  CHECK_OK(enn_graph_add_node(g, ENN_OP_CONV2D, name, in, 3, &a, 1, &y));
  return y;
}

static enn_graph *new_graph(const int64_t *xd, int32_t *x) {
  enn_graph *g = NULL;
  CHECK_OK(enn_graph_create(NULL, &g));
  enn_tensor_desc d;
  enn_tensor_desc_init(&d, ENN_DTYPE_F32, 4, xd);
  CHECK_OK(enn_graph_add_input(g, "x", &d, x));
  return g;
}

/* The structure test's graph: conv(relu) -> depthwise(relu6) -> 1x1
 * conv(hard-swish) -> add(skip) -> maxpool -> gap -> reshape -> fc ->
 * div(2) -> softmax. */
static enn_graph *build_net(void) {
  const int64_t xd[4] = {1, 8, 8, 3};
  int32_t x;
  enn_graph *g = new_graph(xd, &x);
  int32_t c1 = add_conv(g, "conv1", x, 3, 4, 3, 1, ENN_ACT_RELU, NULL);
  int32_t c2 = add_conv(g, "dw", c1, 4, 4, 3, 4, ENN_ACT_RELU6, NULL);
  int32_t c3 = add_conv(g, "pw", c2, 4, 4, 1, 1, ENN_ACT_HARD_SWISH, NULL);
  int32_t in2[2] = {c3, c1}, a, p, gp, r, f, dv, s;
  CHECK_OK(enn_graph_add_node(g, ENN_OP_ADD, "add", in2, 2, NULL, 1, &a));
  enn_attrs at;
  enn_attrs_init_op(&at, ENN_OP_MAX_POOL);
  at.kernel[0] = at.kernel[1] = 2;
  at.stride[0] = at.stride[1] = 2;
  CHECK_OK(enn_graph_add_node(g, ENN_OP_MAX_POOL, "pool", &a, 1, &at, 1, &p));
  CHECK_OK(enn_graph_add_node(g, ENN_OP_GLOBAL_AVG_POOL, "gap", &p, 1, NULL, 1, &gp));
  enn_attrs_init_op(&at, ENN_OP_RESHAPE);
  at.shape_rank = 2;
  at.shape[0] = 1;
  at.shape[1] = 4;
  CHECK_OK(enn_graph_add_node(g, ENN_OP_RESHAPE, "flat", &gp, 1, &at, 1, &r));
  float fw[20], fb[5], two = 2.0f;
  for (int i = 0; i < 20; i++) fw[i] = frand(-1.0f, 1.0f);
  for (int i = 0; i < 5; i++) fb[i] = frand(-0.1f, 0.1f);
  int64_t fwd[2] = {5, 4}, fbd[1] = {5}, one[1] = {1};
  int32_t fin[3] = {r, add_const(g, "fc_w", 2, fwd, fw), add_const(g, "fc_b", 1, fbd, fb)};
  CHECK_OK(enn_graph_add_node(g, ENN_OP_FULLY_CONNECTED, "fc", fin, 3, NULL, 1, &f));
  int32_t din[2] = {f, add_const(g, "two", 1, one, &two)};
  CHECK_OK(enn_graph_add_node(g, ENN_OP_DIV, "div", din, 2, NULL, 1, &dv));
  CHECK_OK(enn_graph_add_node(g, ENN_OP_SOFTMAX, "prob", &dv, 1, NULL, 1, &s));
  CHECK_OK(enn_graph_add_output(g, s));
  return g;
}

/* ---------------------------------------------------------- calibration */
typedef struct fill_ctx {
  int64_t n;      /* elements per sample */
  float lo, hi;   /* value range; sample 0 holds both ends exactly */
  int32_t nan_at; /* sample with a NaN (-1 none) */
  int32_t fail_at;
} fill_ctx;

static enn_status fill_fn(void *ctx, int32_t i, void *const *inputs) {
  fill_ctx *c = ctx;
  if (i == c->fail_at)
    return enn_err(ENN_ERR_SHAPE, "sample has %lld values, the input takes %lld", (long long)(c->n - 1),
                   (long long)c->n);
  unsigned long long s = 1000u + (unsigned long long)i;
  float *x = inputs[0];
  for (int64_t k = 0; k < c->n; k++) x[k] = enn_t_randf(&s, c->lo, c->hi);
  if (i == 0) {
    x[0] = c->lo;
    x[1] = c->hi;
  }
  if (i == c->nan_at) x[10] = NAN;
  return ENN_OK;
}

static const char *node_name(const enn_graph *g, int32_t i, enn_op *op) {
  const char *name = NULL;
  enn_graph_node(g, i, op, &name, NULL, NULL, NULL, NULL, NULL);
  return name;
}

static int32_t find_node(const enn_graph *g, const char *name) {
  for (int32_t i = 0; i < enn_graph_num_nodes(g); i++) {
    enn_op op;
    if (strcmp(node_name(g, i, &op), name) == 0) return i;
  }
  return -1;
}

static enn_tensor_desc node_in(const enn_graph *g, int32_t node, int32_t k, int32_t *id) {
  const int32_t *ins;
  int32_t n_in;
  enn_tensor_desc d;
  memset(&d, 0, sizeof d);
  enn_graph_node(g, node, NULL, NULL, NULL, &ins, &n_in, NULL, NULL);
  if (k < n_in) {
    enn_graph_tensor(g, ins[k], NULL, &d, NULL);
    if (id) *id = ins[k];
  }
  return d;
}

static enn_tensor_desc node_out(const enn_graph *g, int32_t node) {
  const int32_t *outs;
  int32_t n_out;
  enn_tensor_desc d;
  enn_graph_node(g, node, NULL, NULL, NULL, NULL, NULL, &outs, &n_out);
  enn_graph_tensor(g, outs[0], NULL, &d, NULL);
  return d;
}

static int32_t producer_of(const enn_graph *g, int32_t tensor) {
  for (int32_t i = 0; i < enn_graph_num_nodes(g); i++) {
    const int32_t *outs;
    int32_t n_out;
    enn_graph_node(g, i, NULL, NULL, NULL, NULL, NULL, &outs, &n_out);
    for (int32_t k = 0; k < n_out; k++)
      if (outs[k] == tensor) return i;
  }
  return -1;
}

/* Runs g on fill_fn's sample i (ctx's range) into out[n_out_elems]. */
static void run_sample(const enn_graph *g, fill_ctx *c, int32_t i, float *out, int64_t n_out) {
  enn_session *s = NULL;
  CHECK_OK(enn_session_create(g, NULL, &s));
  if (!s) return;
  void *in[1] = {enn_session_input_buffer(s, 0)};
  CHECK_OK(fill_fn(c, i, in));
  CHECK_OK(enn_session_run(s));
  memcpy(out, enn_session_output_buffer(s, 0), (size_t)n_out * sizeof(float));
  enn_session_destroy(s);
}

static void test_structure(void) {
  enn_graph *g = build_net(), *q = NULL;
  fill_ctx c = {8 * 8 * 3, -1.0f, 2.0f, -1, -1};
  enn_quantize_options o;
  enn_quantize_options_init(&o);
  CHECK(o.method == ENN_CALIB_PERCENTILE && o.per_channel == 1 && o.dtype == ENN_DTYPE_I8 && o.percentile == 99.99f);
  o.method = ENN_CALIB_MINMAX;
  CHECK_OK(enn_quantize_graph(g, &o, 16, fill_fn, &c, &q));
  if (!q) return;
  /* boundary: float in / out, Quantize first, Dequantize last */
  enn_tensor_desc d;
  const char *name;
  CHECK_OK(enn_graph_tensor(q, enn_graph_input(q, 0), &name, &d, NULL));
  CHECK(d.dtype == ENN_DTYPE_F32 && strcmp(name, "x") == 0);
  CHECK_OK(enn_graph_tensor(q, enn_graph_output(q, 0), &name, &d, NULL));
  CHECK(d.dtype == ENN_DTYPE_F32 && strcmp(name, "prob") == 0);
  enn_op op;
  node_name(q, 0, &op);
  CHECK(op == ENN_OP_QUANTIZE);
  node_name(q, enn_graph_num_nodes(q) - 1, &op);
  CHECK(op == ENN_OP_DEQUANTIZE);
  /* input parameters from the calibration range [-1, 2]: s = 3/255, zp = round(-128 + 85) */
  d = node_out(q, 0);
  CHECK(d.dtype == ENN_DTYPE_I8 && d.quant.count == 1);
  CHECK_NEAR(d.quant.scale[0], 3.0 / 255.0, 1e-7);
  CHECK(d.quant.zero_point[0] == -43);
  /* int8 convs: per-channel symmetric int8 weights, int32 bias */
  const char *convs[3] = {"conv1", "dw", "pw/pre_act"};
  for (int k = 0; k < 3; k++) {
    int32_t ni = find_node(q, convs[k]);
    CHECK_MSG(ni >= 0, "no node %s", convs[k]);
    if (ni < 0) continue;
    enn_tensor_desc w = node_in(q, ni, 1, NULL), b = node_in(q, ni, 2, NULL), y = node_out(q, ni);
    CHECK(w.dtype == ENN_DTYPE_I8 && w.quant.axis == 0 && w.quant.count == 4);
    for (int c2 = 0; c2 < 4 && w.quant.count == 4; c2++) CHECK(w.quant.zero_point[c2] == 0);
    CHECK(b.dtype == ENN_DTYPE_I32);
    CHECK(y.dtype == ENN_DTYPE_I8 && y.quant.count == 1);
  }
  /* the hard-swish was split off into an int8 table node */
  int32_t hs = find_node(q, "pw");
  CHECK(hs >= 0);
  if (hs >= 0) {
    node_name(q, hs, &op);
    CHECK(op == ENN_OP_HARD_SWISH && node_out(q, hs).dtype == ENN_DTYPE_I8);
  }
  /* Div stays float, fed by a Dequantize; softmax is int8 with 1/256, -128 */
  int32_t dv = find_node(q, "div");
  CHECK(dv >= 0);
  if (dv >= 0) {
    int32_t src = -1;
    enn_tensor_desc din = node_in(q, dv, 0, &src);
    CHECK(din.dtype == ENN_DTYPE_F32 && node_out(q, dv).dtype == ENN_DTYPE_F32);
    node_name(q, producer_of(q, src), &op);
    CHECK(op == ENN_OP_DEQUANTIZE);
  }
  int32_t sm = find_node(q, "prob/int8");
  CHECK(sm >= 0);
  if (sm >= 0) {
    enn_tensor_desc y = node_out(q, sm);
    CHECK(y.dtype == ENN_DTYPE_I8 && y.quant.scale[0] == 1.0f / 256.0f && y.quant.zero_point[0] == -128);
  }
  CHECK(strcmp(enn_graph_get_meta(q, "quantized"), "int8") == 0);
  CHECK(strcmp(enn_graph_get_meta(q, "quant_method"), "minmax") == 0);
  CHECK(strcmp(enn_graph_get_meta(q, "quant_samples"), "16") == 0);
  CHECK(strcmp(enn_graph_get_meta(q, "quant_granularity"), "per-channel") == 0);
  const char *fl = enn_graph_get_meta(q, "quant_float_nodes");
  CHECK(fl && strstr(fl, "Div 'div'") && !strstr(fl, "conv"));
  /* it runs and tracks the float graph (probabilities of 5 classes) */
  for (int32_t i = 0; i < 6; i++) {
    float pf[5], pq[5];
    run_sample(g, &c, 20 + i, pf, 5);
    run_sample(q, &c, 20 + i, pq, 5);
    for (int k = 0; k < 5; k++) CHECK_MSG(fabsf(pf[k] - pq[k]) < 0.03f, "sample %d class %d: %g vs %g", i, k,
                                          (double)pf[k], (double)pq[k]);
  }
  /* it survives the file format */
  void *buf = NULL;
  size_t size = 0;
  CHECK_OK(enn_model_save_buffer(q, NULL, &buf, &size));
  enn_graph *back = NULL;
  CHECK_OK(enn_model_load_buffer(buf, size, NULL, &back));
  CHECK(back && enn_graph_num_nodes(back) == enn_graph_num_nodes(q));
  enn_graph_destroy(back);
  free(buf);
  /* per tensor: one weight scale; every method produces a runnable graph */
  for (int m = 0; m < 4; m++) {
    enn_graph *q2 = NULL;
    o.method = (enn_calib_method)m;
    o.per_channel = m & 1;
    CHECK_OK(enn_quantize_graph(g, &o, 8, fill_fn, &c, &q2));
    if (!q2) continue;
    int32_t ni = find_node(q2, "conv1");
    CHECK(ni >= 0 && node_in(q2, ni, 1, NULL).quant.count == (m & 1 ? 4u : 1u));
    CHECK(strcmp(enn_graph_get_meta(q2, "quant_method"), m == 1 ? "percentile(99.99)" : enn_calib_method_name(o.method)) == 0);
    float pf[5], pq[5];
    run_sample(g, &c, 40, pf, 5);
    run_sample(q2, &c, 40, pq, 5);
    for (int k = 0; k < 5; k++)
      CHECK_MSG(fabsf(pf[k] - pq[k]) < 0.05f, "method %d class %d: %g vs %g", m, k, (double)pf[k], (double)pq[k]);
    enn_graph_destroy(q2);
  }
  enn_graph_destroy(q);
  enn_graph_destroy(g);
}

static void test_errors(void) {
  enn_graph *g = build_net(), *q = NULL;
  fill_ctx c = {8 * 8 * 3, -1.0f, 2.0f, -1, -1};
  CHECK_STATUS(enn_quantize_graph(g, NULL, 0, fill_fn, &c, &q), ENN_ERR_INVALID_ARG);
  CHECK(strstr(enn_last_error(), "empty") != NULL && q == NULL);
  CHECK_STATUS(enn_quantize_graph(g, NULL, 4, NULL, &c, &q), ENN_ERR_INVALID_ARG);
  c.fail_at = 3;
  CHECK_STATUS(enn_quantize_graph(g, NULL, 8, fill_fn, &c, &q), ENN_ERR_SHAPE);
  CHECK(strstr(enn_last_error(), "calibration sample 3") && strstr(enn_last_error(), "takes 192"));
  c.fail_at = -1;
  c.nan_at = 2;
  CHECK_STATUS(enn_quantize_graph(g, NULL, 8, fill_fn, &c, &q), ENN_ERR_INVALID_ARG);
  CHECK(strstr(enn_last_error(), "sample 2") && strstr(enn_last_error(), "'x'") &&
        strstr(enn_last_error(), "element 10 is NaN"));
  c.nan_at = -1;
  enn_quantize_options o;
  enn_quantize_options_init(&o);
  o.method = ENN_CALIB_PERCENTILE;
  o.percentile = 40.0f;
  CHECK_STATUS(enn_quantize_graph(g, &o, 4, fill_fn, &c, &q), ENN_ERR_INVALID_ARG);
  o.method = ENN_CALIB_MINMAX;
  o.dtype = ENN_DTYPE_F16;
  CHECK_STATUS(enn_quantize_graph(g, &o, 4, fill_fn, &c, &q), ENN_ERR_UNSUPPORTED);
  /* twice */
  CHECK_OK(enn_quantize_graph(g, NULL, 4, fill_fn, &c, &q));
  enn_graph *q2 = NULL;
  CHECK_STATUS(enn_quantize_graph(q, NULL, 4, fill_fn, &c, &q2), ENN_ERR_INVALID_ARG);
  CHECK(strstr(enn_last_error(), "already quantised") != NULL && q2 == NULL);
  enn_graph_destroy(q);
  enn_graph_destroy(g);

  /* nothing quantisable: x / 3 */
  const int64_t xd[4] = {1, 2, 2, 3};
  int32_t x, y;
  g = new_graph(xd, &x);
  float three = 3.0f;
  int64_t one[1] = {1};
  int32_t in[2] = {x, add_const(g, "three", 1, one, &three)};
  CHECK_OK(enn_graph_add_node(g, ENN_OP_DIV, "only_div", in, 2, NULL, 1, &y));
  CHECK_OK(enn_graph_add_output(g, y));
  c.n = 12;
  CHECK_STATUS(enn_quantize_graph(g, NULL, 4, fill_fn, &c, &q), ENN_ERR_UNSUPPORTED);
  CHECK(strstr(enn_last_error(), "nothing to quantise") && strstr(enn_last_error(), "Div 'only_div'"));
  enn_graph_destroy(g);

  /* a model that overflows to inf on the calibration data */
  g = new_graph(xd, &x);
  const float big[1] = {1e30f};
  float w[9];
  for (int i = 0; i < 9; i++) w[i] = 1e30f;
  int64_t wd[4] = {3, 1, 1, 3};
  int32_t cin[2] = {x, add_const(g, "huge", 4, wd, w)};
  (void)big;
  CHECK_OK(enn_graph_add_node(g, ENN_OP_CONV2D, "blowup", cin, 2, NULL, 1, &y));
  CHECK_OK(enn_graph_add_output(g, y));
  c.lo = 1e10f;
  c.hi = 2e10f;
  CHECK_STATUS(enn_quantize_graph(g, NULL, 2, fill_fn, &c, &q), ENN_ERR_INVALID_ARG);
  CHECK(strstr(enn_last_error(), "infinite") && strstr(enn_last_error(), "'blowup'"));
  enn_graph_destroy(g);

  /* an int8 input */
  enn_graph_create(NULL, &g);
  enn_tensor_desc d;
  enn_tensor_desc_init(&d, ENN_DTYPE_I8, 4, xd);
  CHECK_OK(enn_graph_add_input(g, "q", &d, &x));
  CHECK_OK(enn_graph_add_node(g, ENN_OP_RELU, "relu", &x, 1, NULL, 1, &y));
  CHECK_OK(enn_graph_add_output(g, y));
  CHECK_STATUS(enn_quantize_graph(g, NULL, 2, fill_fn, &c, &q), ENN_ERR_INVALID_ARG);
  CHECK(strstr(enn_last_error(), "'q'") != NULL);
  enn_graph_destroy(g);
}

/* ------------------------------------------------------- equalisation */
static float max_abs_out(const float *w, int64_t o, int64_t inner) {
  float m = 0;
  for (int64_t i = 0; i < inner; i++) m = fmaxf(m, fabsf(w[o * inner + i]));
  return m;
}

static void test_equalize(void) {
  const int64_t xd[4] = {1, 6, 6, 3};
  int32_t x;
  enn_graph *g = new_graph(xd, &x);
  const float sc[4] = {0.01f, 1.0f, 30.0f, 0.3f};
  int32_t c1 = add_conv(g, "c1", x, 3, 4, 3, 1, ENN_ACT_RELU, sc);
  int32_t c2 = add_conv(g, "c2", c1, 4, 4, 3, 4, ENN_ACT_NONE, NULL);
  int32_t c3 = add_conv(g, "c3", c2, 4, 2, 1, 1, ENN_ACT_NONE, NULL);
  CHECK_OK(enn_graph_add_output(g, c3));
  enn_graph *e = NULL;
  CHECK_OK(enn_ir_clone(g, NULL, true, &e));
  int32_t pairs = -1;
  CHECK_OK(enn_quant_equalize(e, &pairs));
  CHECK(pairs == 2);
  /* same function */
  fill_ctx c = {6 * 6 * 3, -1.0f, 1.0f, -1, -1};
  for (int32_t i = 0; i < 3; i++) {
    float a[72], b[72];
    run_sample(g, &c, i, a, 72);
    run_sample(e, &c, i, b, 72);
    CHECK_ALLCLOSE(b, a, 72, 1e-4, 1e-4);
  }
  /* even ranges: max|W1[i]| == max|W2 reading i| for both pairs */
  const float *w1 = enn_graph_constant_data(e, e->nodes[0].inputs[1]);
  const float *w2 = enn_graph_constant_data(e, e->nodes[1].inputs[1]);
  const float *w3 = enn_graph_constant_data(e, e->nodes[2].inputs[1]);
  for (int64_t i = 0; i < 4; i++) {
    float r1 = max_abs_out(w1, i, 27), r2 = max_abs_out(w2, i, 9);
    float r3 = 0;
    for (int64_t o = 0; o < 2; o++) r3 = fmaxf(r3, fabsf(w3[o * 4 + i]));
    CHECK_MSG(fabsf(r1 - r2) <= 2e-3f * r1, "channel %lld: %g vs %g", (long long)i, (double)r1, (double)r2);
    CHECK_MSG(fabsf(r2 - r3) <= 2e-3f * r2, "channel %lld: %g vs %g", (long long)i, (double)r2, (double)r3);
  }
  /* before: c1's channel ranges spanned 3000x */
  const float *w1o = enn_graph_constant_data(g, g->nodes[0].inputs[1]);
  CHECK(max_abs_out(w1o, 2, 27) > 1000.0f * max_abs_out(w1o, 0, 27));
  enn_graph_destroy(e);
  enn_graph_destroy(g);

  /* relu6 between: not equalised */
  g = new_graph(xd, &x);
  c1 = add_conv(g, "c1", x, 3, 4, 3, 1, ENN_ACT_RELU6, sc);
  c2 = add_conv(g, "c2", c1, 4, 4, 3, 4, ENN_ACT_NONE, NULL);
  CHECK_OK(enn_graph_add_output(g, c2));
  CHECK_OK(enn_quant_equalize(g, &pairs));
  CHECK(pairs == 0);
  /* through the API: the metadata counts the pairs */
  enn_quantize_options o;
  enn_quantize_options_init(&o);
  o.equalize = 1;
  o.per_channel = 0;
  enn_graph *q = NULL;
  c.n = 6 * 6 * 3;
  CHECK_OK(enn_quantize_graph(g, &o, 4, fill_fn, &c, &q));
  CHECK(q && strcmp(enn_graph_get_meta(q, "quant_equalized_pairs"), "0") == 0);
  CHECK(q && strcmp(enn_graph_get_meta(q, "quant_granularity"), "per-tensor") == 0);
  enn_graph_destroy(q);
  enn_graph_destroy(g);
}

/* ---------------------------------------------------- bias correction */
static void test_bias_correction(void) {
  const int64_t xd[4] = {1, 4, 4, 2};
  int32_t x, y;
  enn_graph *g = new_graph(xd, &x);
  /* channel 1's weights are far below the per-tensor step 1/127: they
   * round coarsely, and on inputs near 100 that shifts its output */
  const float w[4] = {1.0f, -0.8f, 0.0123f, 0.0091f}, b[2] = {0.0f, 0.5f};
  int64_t wd[4] = {2, 1, 1, 2}, bd[1] = {2};
  int32_t in[3] = {x, add_const(g, "w", 4, wd, w), add_const(g, "b", 1, bd, b)};
  CHECK_OK(enn_graph_add_node(g, ENN_OP_CONV2D, "conv", in, 3, NULL, 1, &y));
  CHECK_OK(enn_graph_add_output(g, y));
  fill_ctx c = {32, 90.0f, 110.0f, -1, -1};
  double err[2];
  for (int bc = 0; bc < 2; bc++) {
    enn_quantize_options o;
    enn_quantize_options_init(&o);
    o.per_channel = 0;
    o.bias_correct = bc;
    enn_graph *q = NULL;
    CHECK_OK(enn_quantize_graph(g, &o, 32, fill_fn, &c, &q));
    if (!q) return;
    if (bc) CHECK(strcmp(enn_graph_get_meta(q, "quant_bias_corrected"), "1") == 0);
    double sum = 0;
    for (int32_t i = 0; i < 32; i++) {
      float yf[32], yq[32];
      run_sample(g, &c, i, yf, 32);
      run_sample(q, &c, i, yq, 32);
      for (int p = 0; p < 16; p++) sum += (double)yq[2 * p + 1] - (double)yf[2 * p + 1];
    }
    err[bc] = fabs(sum / (32 * 16));
    enn_graph_destroy(q);
  }
  /* expected shift: E[x] * (dequant(w) - w) = 100 * ((2 - 1.5621) + (1 - 1.1557)) / 127 = 0.2222 */
  CHECK_MSG(err[0] > 0.15 && err[0] < 0.3, "uncorrected mean error %g", err[0]);
  CHECK_MSG(err[1] < 0.2 * err[0], "corrected mean error %g (uncorrected %g)", err[1], err[0]);
  enn_graph_destroy(g);
}

int main(void) {
  ENN_RUN(test_structure);
  ENN_RUN(test_errors);
  ENN_RUN(test_equalize);
  ENN_RUN(test_bias_correction);
  return enn_test_finish();
}
