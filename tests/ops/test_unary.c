/*
 * Standalone activations (Relu, Clip, LeakyRelu, Sigmoid, HardSigmoid,
 * HardSwish, Swish, Tanh): every op against its formula evaluated in double,
 * with default and explicit attributes; bit-equality with the same
 * activation fused into Mul; in-place kernel calls and an in-place chain in
 * a session; attribute and dtype errors.
 */
#include "kernels/ref/unary_ref.h"
#include "op_harness.h"

static const enn_op kOps[8] = {ENN_OP_RELU,         ENN_OP_CLIP,       ENN_OP_LEAKY_RELU, ENN_OP_SIGMOID,
                               ENN_OP_HARD_SIGMOID, ENN_OP_HARD_SWISH, ENN_OP_SWISH,      ENN_OP_TANH};
static const int kActs[8] = {ENN_ACT_RELU,         ENN_ACT_CLIP,       ENN_ACT_LEAKY_RELU, ENN_ACT_SIGMOID,
                             ENN_ACT_HARD_SIGMOID, ENN_ACT_HARD_SWISH, ENN_ACT_SWISH,      ENN_ACT_TANH};

/* The formulas, in double. */
static double formula(enn_op op, double x, const enn_attrs *a) {
  switch (op) {
  case ENN_OP_RELU: return x > 0 ? x : 0;
  case ENN_OP_CLIP: return fmin(fmax(x, (double)a->act_min), (double)a->act_max);
  case ENN_OP_LEAKY_RELU: return x >= 0 ? x : (double)a->alpha * x;
  case ENN_OP_SIGMOID: return 1.0 / (1.0 + exp(-x));
  case ENN_OP_HARD_SIGMOID: return fmax(0.0, fmin(1.0, (double)a->alpha * x + (double)a->beta));
  case ENN_OP_HARD_SWISH: return x * fmax(0.0, fmin(6.0, x + 3.0)) / 6.0;
  case ENN_OP_SWISH: return x / (1.0 + exp(-x));
  default: return tanh(x);
  }
}

static enn_status run1(enn_op op, const enn_attrs *at, const char *name, enn_tensor_desc x, const float *xv,
                       enn_tensor_desc *yd, float **y) {
  const oh_in in = oh_input(x, xv, 0);
  return oh_run_n(op, name, at, &in, 1, yd, y, 1, NULL);
}

/* Test inputs: random values plus exact corners (0, -0, the hard-sigmoid /
 * hard-swish / clip knees, large magnitudes). */
static long make_inputs(float *x, long cap) {
  static const float corners[] = {0.0f, -0.0f, 3.0f, -3.0f, 2.5f, -2.5f, 6.0f, -6.0f, 1.0f, -1.0f,
                                  40.0f, -40.0f, 100.0f, -100.0f, 1e-7f, -1e-7f, 0.5f, -0.5f};
  long n = 0;
  for (size_t i = 0; i < sizeof corners / sizeof corners[0]; i++) x[n++] = corners[i];
  unsigned long long s = 99;
  while (n < cap) x[n++] = enn_t_randf(&s, -9.0f, 9.0f);
  return n;
}

static void check_op(enn_op op, const enn_attrs *at, const char *what) {
  enn_attrs eff;
  if (at) eff = *at;
  else enn_attrs_init_op(&eff, op);
  float x[1001];
  const long n = make_inputs(x, 1001); /* 7 * 11 * 13 */
  enn_tensor_desc yd;
  float *y;
  CHECK_OK(run1(op, at, "act", oh_desc(3, (int64_t[]){7, 11, 13}), x, &yd, &y));
  if (!y) return;
  CHECK(oh_shape_is(&yd, 3, (int64_t[]){7, 11, 13}));
  int bad = 0;
  for (long i = 0; i < n; i++) {
    const double want = formula(op, (double)x[i], &eff);
    if (!(fabs((double)y[i] - want) <= 2e-7 * fabs(want) + 1e-7)) {
      if (!bad) fprintf(stderr, "  %s(%.9g) = %.9g, want %.9g\n", enn_op_name(op), (double)x[i], (double)y[i], want);
      bad++;
    }
  }
  CHECK_MSG(bad == 0, "%s %s: %d mismatches", enn_op_name(op), what, bad);
  free(y);
}

static void test_formulas_default_attrs(void) {
  for (int i = 0; i < 8; i++) check_op(kOps[i], NULL, "defaults");
}

static void test_formulas_explicit_attrs(void) {
  enn_attrs a;
  enn_attrs_init_op(&a, ENN_OP_CLIP);
  a.act_min = -1.25f;
  a.act_max = 2.5f;
  check_op(ENN_OP_CLIP, &a, "[-1.25, 2.5]");
  a.act_min = 0.0f;
  a.act_max = 6.0f;
  check_op(ENN_OP_CLIP, &a, "relu6");
  a.act_min = 1.0f;
  a.act_max = 1.0f;
  check_op(ENN_OP_CLIP, &a, "[1, 1]");
  a.act_min = -INFINITY;
  a.act_max = 0.5f;
  check_op(ENN_OP_CLIP, &a, "max only");
  enn_attrs_init_op(&a, ENN_OP_LEAKY_RELU);
  a.alpha = 0.3f;
  check_op(ENN_OP_LEAKY_RELU, &a, "alpha 0.3");
  a.alpha = -2.0f;
  check_op(ENN_OP_LEAKY_RELU, &a, "alpha -2");
  enn_attrs_init_op(&a, ENN_OP_HARD_SIGMOID);
  a.alpha = 1.0f / 6.0f;
  a.beta = 0.5f;
  check_op(ENN_OP_HARD_SIGMOID, &a, "1/6, 0.5");
  a.alpha = -0.7f;
  a.beta = 0.1f;
  check_op(ENN_OP_HARD_SIGMOID, &a, "-0.7, 0.1");
}

/* Hand-computed values for a few points. */
static void test_hand_values(void) {
  const float x[4] = {-2.0f, 0.0f, 1.0f, 4.0f};
  enn_tensor_desc yd;
  float *y;
  struct {
    enn_op op;
    float want[4];
  } cases[] = {
      {ENN_OP_RELU, {0, 0, 1, 4}},
      {ENN_OP_LEAKY_RELU, {-0.02f, 0, 1, 4}},
      {ENN_OP_HARD_SIGMOID, {0.1f, 0.5f, 0.7f, 1}},
      {ENN_OP_HARD_SWISH, {-2.0f / 6.0f, 0, 4.0f / 6.0f, 4}},
      {ENN_OP_SIGMOID, {0.119202922f, 0.5f, 0.731058579f, 0.982013790f}},
      {ENN_OP_TANH, {-0.964027580f, 0, 0.761594156f, 0.999329300f}},
      {ENN_OP_SWISH, {-0.238405844f, 0, 0.731058579f, 3.928055160f}},
  };
  for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
    CHECK_OK(run1(cases[c].op, NULL, "v", oh_desc(1, (int64_t[]){4}), x, &yd, &y));
    if (!y) continue;
    for (int i = 0; i < 4; i++) CHECK_NEAR(y[i], cases[c].want[i], 1e-6);
    free(y);
  }
}

/* Standalone activation == the same activation fused into Mul(x, 1). */
static void test_matches_fused(void) {
  float x[300], ones[300];
  const long n = make_inputs(x, 300);
  for (long i = 0; i < n; i++) ones[i] = 1.0f;
  for (int i = 0; i < 8; i++) {
    enn_attrs a;
    enn_attrs_init_op(&a, kOps[i]);
    if (kOps[i] == ENN_OP_CLIP) a.act_min = -0.75f, a.act_max = 3.5f;
    enn_tensor_desc yd;
    float *y1, *y2;
    CHECK_OK(run1(kOps[i], &a, "standalone", oh_desc(2, (int64_t[]){20, 15}), x, &yd, &y1));
    enn_attrs f = a;
    f.act = kActs[i];
    const oh_in in[2] = {oh_tensor(2, (int64_t[]){20, 15}, x, 0), oh_tensor(2, (int64_t[]){20, 15}, ones, 1)};
    CHECK_OK(oh_run_n(ENN_OP_MUL, "fused", &f, in, 2, &yd, &y2, 1, NULL));
    if (y1 && y2) CHECK_MSG(oh_same_bits(y1, y2, n), "%s", enn_op_name(kOps[i]));
    free(y1);
    free(y2);
  }
}

static void test_inplace_kernel(void) {
  float x[257], y[257], io[257];
  const long n = make_inputs(x, 257);
  for (int i = 0; i < 8; i++) {
    enn_act_params p = {kActs[i], -1.0f, 1.5f, 0.2f, 0.5f};
    enn_f32_vunary__ref(&p, x, y, n);
    memcpy(io, x, sizeof x);
    enn_f32_vunary__ref(&p, io, io, n);
    CHECK_MSG(oh_same_bits(io, y, n), "%s", enn_op_name(kOps[i]));
  }
}

/* x -> Relu -> Sigmoid (in place: its input dies there) -> Tanh -> y */
static void test_inplace_session(void) {
  enn_graph *g;
  CHECK_OK(enn_graph_create(NULL, &g));
  enn_tensor_desc xd = oh_desc(4, (int64_t[]){1, 3, 5, 7});
  int32_t x, t1, t2, y;
  CHECK_OK(enn_graph_add_input(g, "x", &xd, &x));
  CHECK_OK(enn_graph_add_node(g, ENN_OP_RELU, "r", &x, 1, NULL, 1, &t1));
  CHECK_OK(enn_graph_add_node(g, ENN_OP_SIGMOID, "s", &t1, 1, NULL, 1, &t2));
  CHECK_OK(enn_graph_add_node(g, ENN_OP_TANH, "t", &t2, 1, NULL, 1, &y));
  CHECK_OK(enn_graph_add_output(g, y));
  enn_session *s;
  CHECK_OK(oh_session(g, &s));
  if (s) {
    float xv[105];
    enn_t_fill(xv, 105, 5, -4, 4);
    memcpy(enn_session_input_buffer(s, 0), xv, sizeof xv);
    CHECK_OK(enn_session_run(s));
    const float *out = enn_session_output_buffer(s, 0);
    for (int i = 0; i < 105; i++) {
      double r = xv[i] > 0 ? xv[i] : 0;
      CHECK_NEAR(out[i], tanh(1.0 / (1.0 + exp(-r))), 1e-6);
    }
    enn_session_destroy(s);
  }
  enn_graph_destroy(g);
}

static void test_errors(void) {
  const float x[3] = {1, 2, 3};
  enn_tensor_desc yd;
  float *y;
  enn_attrs a;
  enn_attrs_init_op(&a, ENN_OP_CLIP);
  a.act_min = 3;
  a.act_max = 1;
  OH_CHECK_FAILS(run1(ENN_OP_CLIP, &a, "bad_clip", oh_desc(1, (int64_t[]){3}), x, &yd, &y),
                 ENN_ERR_INVALID_ARG, "bad_clip");
  a.act_min = NAN;
  OH_CHECK_FAILS(run1(ENN_OP_CLIP, &a, "nan_clip", oh_desc(1, (int64_t[]){3}), x, &yd, &y),
                 ENN_ERR_INVALID_ARG, "nan_clip");
  enn_attrs_init_op(&a, ENN_OP_RELU);
  a.act = ENN_ACT_RELU; /* unary ops do not fuse */
  OH_CHECK_FAILS(run1(ENN_OP_RELU, &a, "fused_relu", oh_desc(1, (int64_t[]){3}), x, &yd, &y),
                 ENN_ERR_INVALID_ARG, "fused_relu");
  enn_attrs_init_op(&a, ENN_OP_LEAKY_RELU);
  a.alpha = INFINITY;
  OH_CHECK_FAILS(run1(ENN_OP_LEAKY_RELU, &a, "inf_alpha", oh_desc(1, (int64_t[]){3}), x, &yd, &y),
                 ENN_ERR_INVALID_ARG, "inf_alpha");
  enn_tensor_desc i32 = oh_desc(1, (int64_t[]){3}); /* no i32 form (int8: test_q8_unary.c) */
  i32.dtype = ENN_DTYPE_I32;
  for (int i = 0; i < 8; i++) {
    OH_CHECK_FAILS(run1(kOps[i], NULL, "int_in", i32, x, &yd, &y), ENN_ERR_UNSUPPORTED, "int_in");
  }
}

int main(void) {
  ENN_RUN(test_formulas_default_attrs);
  ENN_RUN(test_formulas_explicit_attrs);
  ENN_RUN(test_hand_values);
  ENN_RUN(test_matches_fused);
  ENN_RUN(test_inplace_kernel);
  ENN_RUN(test_inplace_session);
  ENN_RUN(test_errors);
  return enn_test_finish();
}
