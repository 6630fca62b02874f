/* Activation fusion: every activation kind and its parameters, every kind
 * of producer, graph outputs (names kept, outputs in the middle), and the
 * cases that must not fuse. */
#include "opt_check.h"

typedef struct act_case {
  enn_op op;
  float p0, p1; /* Clip bounds / LeakyRelu alpha / HardSigmoid alpha, beta */
  int32_t want; /* fused enn_act */
  float w0, w1; /* expected fused parameters (act_min/max or alpha/beta) */
} act_case;

static int32_t add_act(enn_graph *g, const act_case *c, const char *name, int32_t x) {
  enn_attrs a;
  enn_attrs_init_op(&a, c->op);
  if (c->op == ENN_OP_CLIP) {
    a.act_min = c->p0;
    a.act_max = c->p1;
  } else if (c->op == ENN_OP_LEAKY_RELU)
    a.alpha = c->p0;
  else if (c->op == ENN_OP_HARD_SIGMOID) {
    a.alpha = c->p0;
    a.beta = c->p1;
  }
  return oc_unary(g, c->op, name, x, &a);
}

/* Add -> <activation> -> output, for every activation. */
static void test_every_activation(void) {
  NEED_OPS(ENN_OP_ADD, ENN_OP_RELU, ENN_OP_CLIP, ENN_OP_LEAKY_RELU, ENN_OP_SIGMOID, ENN_OP_HARD_SIGMOID,
           ENN_OP_HARD_SWISH, ENN_OP_SWISH, ENN_OP_TANH);
  const act_case cases[] = {
      {ENN_OP_RELU, 0, 0, ENN_ACT_RELU, 0, 0},
      {ENN_OP_CLIP, 0, 6, ENN_ACT_RELU6, 0, 0},
      {ENN_OP_CLIP, 0, INFINITY, ENN_ACT_RELU, 0, 0},
      {ENN_OP_CLIP, -1, 2, ENN_ACT_CLIP, -1, 2},
      {ENN_OP_CLIP, -INFINITY, 0.5f, ENN_ACT_CLIP, -INFINITY, 0.5f},
      {ENN_OP_CLIP, 0, 1, ENN_ACT_CLIP, 0, 1},
      {ENN_OP_LEAKY_RELU, 0.2f, 0, ENN_ACT_LEAKY_RELU, 0.2f, 0},
      {ENN_OP_SIGMOID, 0, 0, ENN_ACT_SIGMOID, 0, 0},
      {ENN_OP_HARD_SIGMOID, 0.3f, 0.4f, ENN_ACT_HARD_SIGMOID, 0.3f, 0.4f},
      {ENN_OP_HARD_SWISH, 0, 0, ENN_ACT_HARD_SWISH, 0, 0},
      {ENN_OP_SWISH, 0, 0, ENN_ACT_SWISH, 0, 0},
      {ENN_OP_TANH, 0, 0, ENN_ACT_TANH, 0, 0},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    const act_case *c = &cases[i];
    enn_graph *g;
    CHECK_OK(enn_graph_create(NULL, &g));
    int64_t d[4] = {1, 3, 4, 5};
    int32_t a = oc_input(g, "a", 4, d), b = oc_input(g, "b", 4, d);
    /* scaled so that inputs reach past the clip / relu6 / hard-sigmoid knees */
    int32_t sum = oc_binary(g, ENN_OP_ADD, "sum",
                            oc_binary(g, ENN_OP_MUL, "a4", a, oc_const(g, "k", 1, (const int64_t[1]){5}, 9, 2, 4)), b);
    int32_t y = add_act(g, c, "act", sum);
    CHECK_OK(enn_graph_add_output(g, y));
    enn_graph *o = oc_optimized(g);
    CHECK_MSG(enn_graph_num_nodes(o) == 2, "case %zu (%s): %d nodes", i, enn_op_name(c->op), enn_graph_num_nodes(o));
    int32_t ai = oc_find_op(o, ENN_OP_ADD);
    CHECK(ai >= 0);
    if (ai >= 0) {
      const enn_attrs *at;
      const int32_t *out;
      CHECK_OK(enn_graph_node(o, ai, NULL, NULL, &at, NULL, NULL, &out, NULL));
      CHECK_MSG(at->act == c->want, "case %zu: act %s, want %s", i, enn_act_name((enn_act)at->act),
                enn_act_name((enn_act)c->want));
      if (c->want == ENN_ACT_CLIP) CHECK(at->act_min == c->w0 && at->act_max == c->w1);
      if (c->want == ENN_ACT_LEAKY_RELU) CHECK(at->alpha == c->w0);
      if (c->want == ENN_ACT_HARD_SIGMOID) CHECK(at->alpha == c->w0 && at->beta == c->w1);
      CHECK(strcmp(oc_tensor_name(o, out[0]), "act") == 0);
    }
    enn_graph_destroy(o);
    check_opt_equiv(g, 60u + i, 1e-6);
    enn_graph_destroy(g);
  }
}

/* Every producer with ENN_OPF_FUSE_ACT takes a relu6 (Clip 0..6). */
static void test_every_producer(void) {
  NEED_OPS(ENN_OP_CLIP, ENN_OP_FULLY_CONNECTED, ENN_OP_BATCH_NORM, ENN_OP_ADD, ENN_OP_SUB, ENN_OP_MUL, ENN_OP_DIV,
           ENN_OP_MAX_POOL, ENN_OP_AVG_POOL, ENN_OP_GLOBAL_AVG_POOL);
  const enn_op prods[] = {
      ENN_OP_CONV2D,   ENN_OP_FULLY_CONNECTED, ENN_OP_BATCH_NORM,     ENN_OP_ADD, ENN_OP_SUB, ENN_OP_MUL, ENN_OP_DIV,
      ENN_OP_MAX_POOL, ENN_OP_AVG_POOL,        ENN_OP_GLOBAL_AVG_POOL};
  for (size_t i = 0; i < sizeof prods / sizeof prods[0]; i++) {
    const enn_op op = prods[i];
    enn_graph *g;
    CHECK_OK(enn_graph_create(NULL, &g));
    int64_t d[4] = {1, 5, 6, 4}, c4[1] = {4};
    int32_t x = oc_input(g, "x", 4, d);
    int32_t x3 = oc_binary(g, ENN_OP_MUL, "x3", x, oc_const(g, "three", 1, c4, 70, 3, 4)); /* past relu6's top */
    int32_t p = -1;
    if (op == ENN_OP_CONV2D)
      p = oc_conv(g, "p", x3, 4, 4, 3, 1, 1, 1, 71);
    else if (op == ENN_OP_FULLY_CONNECTED) {
      int64_t wd[2] = {3, 4};
      int32_t in[2] = {x3, oc_const(g, "w", 2, wd, 72, -1, 1)};
      p = oc_node(g, op, "p", in, 2, NULL);
    } else if (op == ENN_OP_BATCH_NORM)
      p = oc_bn(g, "p", x3, 4, 73);
    else if (op == ENN_OP_DIV)
      p = oc_binary(g, op, "p", x3, oc_const(g, "den", 1, c4, 74, 0.5f, 1.5f));
    else if (op == ENN_OP_ADD || op == ENN_OP_SUB || op == ENN_OP_MUL)
      p = oc_binary(g, op, "p", x3, oc_const(g, "k", 1, c4, 75, -1, 2));
    else if (op == ENN_OP_GLOBAL_AVG_POOL)
      p = oc_unary(g, op, "p", x3, NULL);
    else {
      enn_attrs a;
      enn_attrs_init_op(&a, op);
      a.kernel[0] = a.kernel[1] = 3;
      a.stride[0] = a.stride[1] = 2;
      a.pad_mode = ENN_PAD_SAME_UPPER;
      p = oc_unary(g, op, "p", x3, &a);
    }
    int32_t y = oc_clip(g, "relu6", p, 0, 6);
    CHECK_OK(enn_graph_add_output(g, y));
    enn_graph *o = oc_optimized(g);
    CHECK_MSG(oc_count_op(o, ENN_OP_CLIP) == 0, "producer %s", enn_op_name(op));
    int32_t pi = oc_find_named(o, "p");
    CHECK(pi >= 0);
    if (pi >= 0) {
      const enn_attrs *at;
      CHECK_OK(enn_graph_node(o, pi, NULL, NULL, &at, NULL, NULL, NULL, NULL));
      CHECK_MSG(at->act == ENN_ACT_RELU6, "producer %s", enn_op_name(op));
    }
    enn_graph_destroy(o);
    CHECK_MSG(check_same_function(g, 0, g, 1, 76u + i, 1e-6), "producer %s", enn_op_name(op));
    check_each_pass(g, 76u + i, 1e-6);
    enn_graph_destroy(g);
  }
}

/* add -> relu (graph output, also read by a Mul) -> mul -> sigmoid (graph
 * output): both activations fuse, both outputs keep their names and
 * values, and the order of outputs is unchanged. */
static void test_outputs_in_the_middle(void) {
  NEED_OPS(ENN_OP_ADD, ENN_OP_MUL, ENN_OP_RELU, ENN_OP_SIGMOID);
  enn_graph *g;
  CHECK_OK(enn_graph_create(NULL, &g));
  int64_t d[2] = {3, 7};
  int32_t a = oc_input(g, "a", 2, d), b = oc_input(g, "b", 2, d);
  int32_t r = oc_unary(g, ENN_OP_RELU, "r", oc_binary(g, ENN_OP_ADD, "s", a, b), NULL);
  int32_t z = oc_unary(g, ENN_OP_SIGMOID, "z", oc_binary(g, ENN_OP_MUL, "m", r, a), NULL);
  CHECK_OK(enn_graph_add_output(g, z));
  CHECK_OK(enn_graph_add_output(g, r));
  enn_graph *o = oc_optimized(g);
  CHECK(enn_graph_num_nodes(o) == 2);
  CHECK(strcmp(oc_tensor_name(o, enn_graph_output(o, 0)), "z") == 0);
  CHECK(strcmp(oc_tensor_name(o, enn_graph_output(o, 1)), "r") == 0);
  enn_graph_destroy(o);
  check_opt_equiv(g, 80, 1e-6);
  enn_graph_destroy(g);
}

/* Cases that must keep the activation node. */
static void test_cases_that_stay(void) {
  NEED_OPS(ENN_OP_ADD, ENN_OP_RELU, ENN_OP_SIGMOID, ENN_OP_GLOBAL_MAX_POOL, ENN_OP_RESHAPE, ENN_OP_CONCAT);
  for (int kase = 0; kase < 6; kase++) {
    enn_graph *g;
    CHECK_OK(enn_graph_create(NULL, &g));
    int64_t d[4] = {1, 3, 3, 4};
    int32_t a = oc_input(g, "a", 4, d), b = oc_input(g, "b", 4, d);
    enn_attrs sa;
    enn_attrs_init_op(&sa, ENN_OP_ADD);
    if (kase == 2) sa.act = ENN_ACT_RELU; /* already has one */
    int32_t ab[2] = {a, b};
    int32_t s = oc_node(g, ENN_OP_ADD, "s", ab, 2, &sa);
    int32_t src = s;
    if (kase == 3) src = oc_unary(g, ENN_OP_GLOBAL_MAX_POOL, "gmp", s, NULL); /* cannot fuse */
    if (kase == 4) src = a;                                                   /* a graph input */
    if (kase == 5) src = oc_node(g, ENN_OP_CONCAT, "cat", ab, 2, NULL);       /* no FUSE_ACT */
    int32_t y = oc_unary(g, kase == 2 ? ENN_OP_SIGMOID : ENN_OP_RELU, "act", src, NULL);
    CHECK_OK(enn_graph_add_output(g, y));
    if (kase == 0) CHECK_OK(enn_graph_add_output(g, s)); /* pre-activation is an output */
    if (kase == 1) CHECK_OK(enn_graph_add_output(g, oc_binary(g, ENN_OP_ADD, "t", s, b))); /* a second reader */
    if (kase >= 3) CHECK_OK(enn_graph_add_output(g, s));
    enn_graph *o = oc_optimized(g);
    CHECK_MSG(oc_count_op(o, kase == 2 ? ENN_OP_SIGMOID : ENN_OP_RELU) == 1, "case %d", kase);
    enn_graph_destroy(o);
    CHECK_MSG(check_same_function(g, 0, g, 1, 90u + (unsigned)kase, 1e-6), "case %d", kase);
    check_each_pass(g, 90u + (unsigned)kase, 1e-6);
    enn_graph_destroy(g);
  }
}

int main(void) {
  ENN_RUN(test_every_activation);
  ENN_RUN(test_every_producer);
  ENN_RUN(test_outputs_in_the_middle);
  ENN_RUN(test_cases_that_stay);
  return oc_finish();
}
