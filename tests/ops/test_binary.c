/*
 * Add / Sub / Mul / Div: hand-computed cases, random numpy broadcasts
 * (every axis pattern, rank-different and two-sided) against a per-element
 * naive computation, fused activations against their formulas in double,
 * in-place kernel calls, and error cases.
 */
#include "ir/ir.h"
#include "kernels/ref/binary_ref.h"
#include "op_harness.h"

static const enn_op kOps[4] = {ENN_OP_ADD, ENN_OP_SUB, ENN_OP_MUL, ENN_OP_DIV};

static double apply(enn_op op, double a, double b) {
  switch (op) {
  case ENN_OP_ADD: return a + b;
  case ENN_OP_SUB: return a - b;
  case ENN_OP_MUL: return a * b;
  default: return a / b;
  }
}

/* Naive numpy broadcast: for each output element, map its index back into
 * each operand (right-aligned, size-1 axes pinned to 0). */
static void naive_binary(enn_op op, const enn_tensor_desc *a, const float *av, const enn_tensor_desc *b,
                         const float *bv, const enn_tensor_desc *y, float *out) {
  int64_t idx[ENN_MAX_RANK];
  for (long f = 0; f < oh_numel(y); f++) {
    oh_unravel(f, y->rank, y->dims, idx);
    long ia = 0, ib = 0;
    for (int32_t k = 0; k < a->rank; k++) {
      int64_t i = idx[k + y->rank - a->rank];
      ia = ia * (long)a->dims[k] + (a->dims[k] == 1 ? 0 : (long)i);
    }
    for (int32_t k = 0; k < b->rank; k++) {
      int64_t i = idx[k + y->rank - b->rank];
      ib = ib * (long)b->dims[k] + (b->dims[k] == 1 ? 0 : (long)i);
    }
    /* a single float op: the double result rounded once is the float result */
    out[f] = (float)apply(op, (double)av[ia], (double)bv[ib]);
  }
}

static void run2(enn_op op, const enn_attrs *at, enn_tensor_desc a, const float *av, enn_tensor_desc b,
                 const float *bv, uint32_t cmask, enn_tensor_desc *yd, float **y) {
  const oh_in in[2] = {oh_input(a, av, (int)(cmask & 1u)), oh_input(b, bv, (int)(cmask >> 1 & 1u))};
  CHECK_OK(oh_run_n(op, "bin", at, in, 2, yd, y, 1, NULL));
}

static void test_hand_computed(void) {
  enn_tensor_desc yd;
  float *y;
  /* [2,3] + [3] */
  const float a[6] = {1, 2, 3, 4, 5, 6}, b3[3] = {10, 20, 30};
  run2(ENN_OP_ADD, NULL, oh_desc(2, (int64_t[]){2, 3}), a, oh_desc(1, (int64_t[]){3}), b3, 0, &yd, &y);
  if (y) {
    const float want[6] = {11, 22, 33, 14, 25, 36};
    CHECK(oh_shape_is(&yd, 2, (int64_t[]){2, 3}));
    CHECK_ALLCLOSE(y, want, 6, 0, 0);
    free(y);
  }
  /* [2,1] - [1,3] -> [2,3], with a fused relu */
  enn_attrs at;
  enn_attrs_init_op(&at, ENN_OP_SUB);
  at.act = ENN_ACT_RELU;
  const float c2[2] = {5, 1}, d3[3] = {0, 2, 4};
  run2(ENN_OP_SUB, &at, oh_desc(2, (int64_t[]){2, 1}), c2, oh_desc(2, (int64_t[]){1, 3}), d3, 2u, &yd, &y);
  if (y) {
    const float want[6] = {5, 3, 1, 1, 0, 0};
    CHECK(oh_shape_is(&yd, 2, (int64_t[]){2, 3}));
    CHECK_ALLCLOSE(y, want, 6, 0, 0);
    free(y);
  }
  /* scalar (rank 0) * [2,2] */
  const float s[1] = {-2}, m4[4] = {1, -2, 0.5f, 3};
  run2(ENN_OP_MUL, NULL, oh_desc(0, NULL), s, oh_desc(2, (int64_t[]){2, 2}), m4, 0, &yd, &y);
  if (y) {
    const float want[4] = {-2, 4, -1, -6};
    CHECK(oh_shape_is(&yd, 2, (int64_t[]){2, 2}));
    CHECK_ALLCLOSE(y, want, 4, 0, 0);
    free(y);
  }
  /* division, including by zero (IEEE) */
  const float n4[4] = {1, -1, 0, 7}, z4[4] = {0, 0, 0, 2};
  run2(ENN_OP_DIV, NULL, oh_desc(1, (int64_t[]){4}), n4, oh_desc(1, (int64_t[]){4}), z4, 0, &yd, &y);
  if (y) {
    CHECK(isinf(y[0]) && y[0] > 0);
    CHECK(isinf(y[1]) && y[1] < 0);
    CHECK(isnan(y[2]));
    CHECK(y[3] == 3.5f);
    free(y);
  }
  /* [3,1,2] / [4,1] -> [3,4,2] (both sides broadcast, different ranks) */
  float p[6], q[4];
  for (int i = 0; i < 6; i++) p[i] = (float)(i + 1);
  for (int i = 0; i < 4; i++) q[i] = (float)(1 << i);
  run2(ENN_OP_DIV, NULL, oh_desc(3, (int64_t[]){3, 1, 2}), p, oh_desc(2, (int64_t[]){4, 1}), q, 0, &yd, &y);
  if (y) {
    CHECK(oh_shape_is(&yd, 3, (int64_t[]){3, 4, 2}));
    for (int i = 0; i < 3; i++)
      for (int j = 0; j < 4; j++)
        for (int k = 0; k < 2; k++) CHECK(y[(i * 4 + j) * 2 + k] == p[i * 2 + k] / q[j]);
    free(y);
  }
}

/* Random broadcasting shapes: output dims from small primes and 1, each
 * operand drops a random number of leading axes and sets random axes to 1. */
static void random_shapes(unsigned long long *rs, enn_tensor_desc *a, enn_tensor_desc *b) {
  static const int64_t pool[] = {1, 2, 3, 5, 7, 11, 13, 4, 6};
  const int32_t r = oh_rand(rs, 6);
  int64_t od[ENN_MAX_RANK];
  oh_rand_dims(rs, r, pool, 9, 3000, od);
  for (int side = 0; side < 2; side++) {
    enn_tensor_desc *d = side ? b : a;
    const int32_t drop = oh_rand(rs, 3) == 0 ? oh_rand(rs, r + 1) : 0;
    int64_t dd[ENN_MAX_RANK];
    for (int32_t k = drop; k < r; k++) dd[k - drop] = oh_rand(rs, 3) == 0 ? 1 : od[k];
    *d = oh_desc(r - drop, dd);
  }
}

static void test_random_broadcast(void) {
  unsigned long long rs = 12345;
  for (int it = 0; it < 160; it++) {
    enn_tensor_desc a, b;
    random_shapes(&rs, &a, &b);
    const enn_op op = kOps[it % 4];
    long na = oh_numel(&a), nb = oh_numel(&b);
    float *av = malloc((size_t)na * 4 + 4), *bv = malloc((size_t)nb * 4 + 4);
    enn_t_fill(av, na, (unsigned long long)it * 2 + 1, -3, 3);
    enn_t_fill(bv, nb, (unsigned long long)it * 2 + 2, 0.5f, 4);
    if (it & 4)
      for (long i = 0; i < nb; i++) bv[i] = -bv[i];
    enn_tensor_desc yd;
    float *y;
    run2(op, NULL, a, av, b, bv, (uint32_t)(it % 3 == 0 ? 2 : 0), &yd, &y);
    if (y) {
      char sa[96], sb[96];
      float *want = malloc((size_t)oh_numel(&yd) * 4 + 4);
      naive_binary(op, &a, av, &b, bv, &yd, want);
      CHECK_MSG(oh_same_bits(y, want, oh_numel(&yd)), "%s %s %s", enn_op_name(op), enn_desc_str(&a, sa, sizeof sa),
                enn_desc_str(&b, sb, sizeof sb));
      /* the output shape is the broadcast of both */
      const int32_t r = a.rank > b.rank ? a.rank : b.rank;
      CHECK(yd.rank == r);
      for (int32_t k = 0; k < r; k++) {
        int64_t da = k - (r - a.rank) >= 0 ? a.dims[k - (r - a.rank)] : 1;
        int64_t db = k - (r - b.rank) >= 0 ? b.dims[k - (r - b.rank)] : 1;
        CHECK(yd.dims[k] == (da > db ? da : db));
      }
      free(want);
      free(y);
    }
    free(av);
    free(bv);
  }
}

/* Fixed broadcast patterns that the kernel's fast paths care about. */
static void test_pattern_broadcast(void) {
  static const int64_t shapes[][2][5] = {
      /* rank a, dims a..., | rank b, dims b... */
      {{4, 2, 3, 5, 7}, {4, 2, 3, 5, 7}}, /* same shape */
      {{4, 2, 3, 5, 7}, {1, 7}},          /* per channel */
      {{4, 2, 3, 5, 7}, {0}},             /* scalar */
      {{1, 7}, {4, 2, 3, 5, 7}},          /* per channel on the left */
      {{4, 2, 3, 5, 7}, {4, 2, 1, 1, 7}}, /* SE-style [N,1,1,C] */
      {{4, 2, 3, 5, 7}, {4, 1, 3, 5, 1}},
      {{4, 1, 3, 1, 7}, {4, 2, 1, 5, 1}}, /* alternating, both sides */
      {{3, 1, 1, 1}, {3, 13, 1, 11}},
      {{2, 13, 1}, {2, 1, 11}},           /* outer product */
      {{1, 1}, {1, 1}},
  };
  for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++)
    for (int o = 0; o < 4; o++) {
      enn_tensor_desc a = oh_desc((int32_t)shapes[s][0][0], &shapes[s][0][1]);
      enn_tensor_desc b = oh_desc((int32_t)shapes[s][1][0], &shapes[s][1][1]);
      long na = oh_numel(&a), nb = oh_numel(&b);
      float *av = malloc((size_t)na * 4), *bv = malloc((size_t)nb * 4);
      enn_t_fill(av, na, 77 + s, -5, 5);
      enn_t_fill(bv, nb, 99 + s, 0.25f, 2);
      enn_tensor_desc yd;
      float *y;
      run2(kOps[o], NULL, a, av, b, bv, 0, &yd, &y);
      if (y) {
        float *want = malloc((size_t)oh_numel(&yd) * 4);
        naive_binary(kOps[o], &a, av, &b, bv, &yd, want);
        CHECK_MSG(oh_same_bits(y, want, oh_numel(&yd)), "pattern %zu op %s", s, enn_op_name(kOps[o]));
        free(want);
        free(y);
      }
      free(av);
      free(bv);
    }
}

static double act_ref(int act, double x, double lo, double hi, double alpha, double beta) {
  switch (act) {
  case ENN_ACT_RELU: return x > 0 ? x : 0;
  case ENN_ACT_RELU6: return x < 0 ? 0 : (x > 6 ? 6 : x);
  case ENN_ACT_CLIP: return x < lo ? lo : (x > hi ? hi : x);
  case ENN_ACT_LEAKY_RELU: return x < 0 ? alpha * x : x;
  case ENN_ACT_SIGMOID: return 1 / (1 + exp(-x));
  case ENN_ACT_HARD_SIGMOID: {
    double t = alpha * x + beta;
    return t < 0 ? 0 : (t > 1 ? 1 : t);
  }
  case ENN_ACT_HARD_SWISH: return x * fmin(fmax(x + 3, 0), 6) / 6;
  case ENN_ACT_SWISH: return x / (1 + exp(-x));
  case ENN_ACT_TANH: return tanh(x);
  default: return x;
  }
}

static void test_fused_activations(void) {
  const long n = 6 * 35;
  float av[6 * 35], bv[35];
  enn_t_fill(av, n, 5, -8, 8);
  enn_t_fill(bv, 35, 6, -2, 2);
  for (int act = 0; act < ENN_ACT_COUNT; act++)
    for (int o = 0; o < 4; o++) {
      enn_attrs at;
      enn_attrs_init_op(&at, kOps[o]);
      at.act = act;
      at.act_min = -1.5f;
      at.act_max = 2.25f;
      at.alpha = act == ENN_ACT_HARD_SIGMOID ? 0.2f : 0.1f;
      at.beta = 0.5f;
      enn_tensor_desc yd;
      float *y;
      run2(kOps[o], &at, oh_desc(3, (int64_t[]){6, 5, 7}), av, oh_desc(2, (int64_t[]){5, 7}), bv, 0, &yd, &y);
      if (!y) continue;
      int bad = 0;
      for (long i = 0; i < n; i++) {
        const float pre = (float)apply(kOps[o], (double)av[i], (double)bv[i % 35]);
        const double want = act_ref(act, (double)pre, -1.5, 2.25, (double)at.alpha, 0.5);
        if (!(fabs((double)y[i] - want) <= 1e-6 * fabs(want) + 1e-6)) bad++;
      }
      CHECK_MSG(bad == 0, "%s with %s: %d mismatches", enn_op_name(kOps[o]), enn_act_name((enn_act)act), bad);
      free(y);
    }
}

/* Kernel called with y == a (and y == b) gives the out-of-place result. */
static void test_inplace_kernel(void) {
  unsigned long long rs = 777;
  for (int it = 0; it < 40; it++) {
    enn_tensor_desc a, b, yd;
    random_shapes(&rs, &a, &b);
    if (enn_desc_broadcast(&a, &b, &yd) != ENN_OK) continue;
    const int full_a = oh_numel(&a) == oh_numel(&yd), full_b = oh_numel(&b) == oh_numel(&yd);
    if (!full_a && !full_b) continue;
    const long ny = oh_numel(&yd), na = oh_numel(&a), nb = oh_numel(&b);
    float *av = malloc((size_t)na * 4 + 4), *bv = malloc((size_t)nb * 4 + 4), *ref = malloc((size_t)ny * 4 + 4);
    enn_t_fill(av, na, 3 + (unsigned long long)it, -4, 4);
    enn_t_fill(bv, nb, 300 + (unsigned long long)it, 1, 3);
    enn_act_params act = {ENN_ACT_HARD_SWISH, 0, 0, 0, 0};
    enn_binary_params p;
    const enn_binop op = (enn_binop)(it % 5); /* includes PRELU */
    enn_binary_params_init(&p, op, &a, &b, &act);
    enn_f32_binary__ref(&p, av, bv, ref);
    for (int on_b = 0; on_b < 2; on_b++) { /* y == a, then y == b */
      if (!(on_b ? full_b : full_a)) continue;
      const long nio = on_b ? nb : na;
      float *io = malloc((size_t)nio * 4 + 4);
      memcpy(io, on_b ? bv : av, (size_t)nio * 4);
      enn_f32_binary__ref(&p, on_b ? av : io, on_b ? io : bv, io);
      CHECK_MSG(oh_same_bits(io, ref, ny), "in place on %s, iteration %d", on_b ? "b" : "a", it);
      free(io);
    }
    free(av);
    free(bv);
    free(ref);
  }
}

/* x -> Add -> t1 -> Mul (t1 dies here: the planner runs it in place) -> t2
 * -> Sub -> y. */
static void test_inplace_session(void) {
  enn_graph *g;
  CHECK_OK(enn_graph_create(NULL, &g));
  enn_tensor_desc xd = oh_desc(3, (int64_t[]){3, 5, 7}), cd = oh_desc(1, (int64_t[]){7});
  float cv[7], xv[105];
  enn_t_fill(cv, 7, 11, -1, 1);
  enn_t_fill(xv, 105, 12, -2, 2);
  int32_t x, c, t1, t2, y, in[2];
  CHECK_OK(enn_graph_add_input(g, "x", &xd, &x));
  CHECK_OK(enn_graph_add_constant(g, "c", &cd, cv, ENN_CONST_COPY, &c));
  in[0] = x, in[1] = c;
  CHECK_OK(enn_graph_add_node(g, ENN_OP_ADD, "add", in, 2, NULL, 1, &t1));
  in[0] = t1, in[1] = c;
  CHECK_OK(enn_graph_add_node(g, ENN_OP_MUL, "mul", in, 2, NULL, 1, &t2));
  in[0] = t2, in[1] = x;
  CHECK_OK(enn_graph_add_node(g, ENN_OP_SUB, "sub", in, 2, NULL, 1, &y));
  CHECK_OK(enn_graph_add_output(g, y));
  enn_session *s;
  CHECK_OK(oh_session(g, &s));
  if (s) {
    memcpy(enn_session_input_buffer(s, 0), xv, sizeof xv);
    CHECK_OK(enn_session_run(s));
    const float *out = enn_session_output_buffer(s, 0);
    int bad = 0;
    for (int i = 0; i < 105; i++) {
      float v = (xv[i] + cv[i % 7]) * cv[i % 7] - xv[i];
      if (out[i] != v) bad++;
    }
    CHECK(bad == 0);
    enn_session_destroy(s);
  }
  enn_graph_destroy(g);
}

static void test_empty(void) {
  enn_tensor_desc yd;
  float *y;
  const float bv[3] = {1, 2, 3};
  run2(ENN_OP_ADD, NULL, oh_desc(2, (int64_t[]){0, 3}), NULL, oh_desc(1, (int64_t[]){3}), bv, 0, &yd, &y);
  if (y) {
    CHECK(oh_shape_is(&yd, 2, (int64_t[]){0, 3}));
    free(y);
  }
}

static void expect_error(enn_op op, const enn_attrs *at, enn_tensor_desc a, enn_tensor_desc b, enn_status want) {
  float zero[64] = {0};
  const oh_in in[2] = {oh_input(a, zero, 0), oh_input(b, zero, 1)};
  enn_tensor_desc yd;
  float *y;
  OH_CHECK_FAILS(oh_run_n(op, "bad_node", at, in, 2, &yd, &y, 1, NULL), want, "bad_node");
}

static void test_errors(void) {
  for (int o = 0; o < 4; o++) {
    expect_error(kOps[o], NULL, oh_desc(2, (int64_t[]){2, 3}), oh_desc(1, (int64_t[]){4}), ENN_ERR_SHAPE);
    expect_error(kOps[o], NULL, oh_desc(2, (int64_t[]){2, 3}), oh_desc(2, (int64_t[]){3, 2}), ENN_ERR_SHAPE);
    expect_error(kOps[o], NULL, oh_desc(3, (int64_t[]){5, 1, 3}), oh_desc(2, (int64_t[]){2, 2}), ENN_ERR_SHAPE);
  }
  CHECK(strstr(enn_last_error(), "[5,1,3]") != NULL);
  enn_tensor_desc i32 = oh_desc(1, (int64_t[]){3}); /* no i32 form (int8: test_q8_binary.c) */
  i32.dtype = ENN_DTYPE_I32;
  expect_error(ENN_OP_ADD, NULL, i32, oh_desc(1, (int64_t[]){3}), ENN_ERR_UNSUPPORTED);
  expect_error(ENN_OP_MUL, NULL, oh_desc(1, (int64_t[]){3}), i32, ENN_ERR_UNSUPPORTED);
  enn_attrs at;
  enn_attrs_init(&at);
  at.act = 42;
  expect_error(ENN_OP_ADD, &at, oh_desc(1, (int64_t[]){3}), oh_desc(1, (int64_t[]){3}), ENN_ERR_INVALID_ARG);
  enn_attrs_init(&at);
  at.act = ENN_ACT_CLIP;
  at.act_min = 2;
  at.act_max = 1;
  expect_error(ENN_OP_SUB, &at, oh_desc(1, (int64_t[]){3}), oh_desc(1, (int64_t[]){3}), ENN_ERR_INVALID_ARG);
}

int main(void) {
  ENN_RUN(test_hand_computed);
  ENN_RUN(test_random_broadcast);
  ENN_RUN(test_pattern_broadcast);
  ENN_RUN(test_fused_activations);
  ENN_RUN(test_inplace_kernel);
  ENN_RUN(test_inplace_session);
  ENN_RUN(test_empty);
  ENN_RUN(test_errors);
  return enn_test_finish();
}
