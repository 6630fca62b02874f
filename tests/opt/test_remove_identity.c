/* Identity removal: each kind of no-op, graph inputs and outputs next to a
 * no-op, things that look like no-ops but are not (reversing slice,
 * channel-shuffle transpose), view-chain collapsing and size-1 transposes
 * turned into views. */
#include <stdint.h>

#include "opt_check.h"

enum {
  NOOP_IDENTITY,
  NOOP_RESHAPE0,
  NOOP_RESHAPE,
  NOOP_SQUEEZE,
  NOOP_TRANSPOSE,
  NOOP_PAD,
  NOOP_PAD_REFLECT,
  NOOP_SLICE,
  NOOP_N
};

static int32_t add_noop(enn_graph *g, int kind, const char *name, int32_t x) {
  enn_attrs a;
  const enn_tensor_desc *d = &g->tensors[x].desc;
  switch (kind) {
  case NOOP_IDENTITY: return oc_unary(g, ENN_OP_IDENTITY, name, x, NULL);
  case NOOP_RESHAPE0: {
    const int64_t z[4] = {0, 0, 0, 0};
    return oc_reshape(g, name, x, d->rank, z);
  }
  case NOOP_RESHAPE: return oc_reshape(g, name, x, d->rank, d->dims);
  case NOOP_SQUEEZE: return oc_unary(g, ENN_OP_SQUEEZE, name, x, NULL);     /* no size-1 dims */
  case NOOP_TRANSPOSE: return oc_unary(g, ENN_OP_TRANSPOSE, name, x, NULL); /* default perm = identity */
  case NOOP_PAD:
  case NOOP_PAD_REFLECT:
    enn_attrs_init_op(&a, ENN_OP_PAD);
    a.mode = kind == NOOP_PAD ? ENN_PADMODE_CONSTANT : ENN_PADMODE_REFLECT;
    a.value = 3.0f;
    return oc_unary(g, ENN_OP_PAD, name, x, &a);
  case NOOP_SLICE:
    enn_attrs_init_op(&a, ENN_OP_SLICE);
    a.n_axes = 2;
    a.axes[0] = 1;
    a.axes[1] = -2;
    a.starts[0] = 0;
    a.ends[0] = INT64_MAX;
    a.starts[1] = -100;
    a.ends[1] = 5;
    a.steps[0] = a.steps[1] = 1;
    return oc_unary(g, ENN_OP_SLICE, name, x, &a);
  default: return -1;
  }
}

/* conv -> no-op -> relu: the no-op goes, and then the relu fuses. */
static void test_noops_are_removed(void) {
  NEED_OPS(ENN_OP_IDENTITY, ENN_OP_RESHAPE, ENN_OP_SQUEEZE, ENN_OP_TRANSPOSE, ENN_OP_PAD, ENN_OP_SLICE, ENN_OP_RELU);
  for (int kind = 0; kind < NOOP_N; kind++) {
    enn_graph *g;
    CHECK_OK(enn_graph_create(NULL, &g));
    int64_t d[4] = {2, 4, 5, 3};
    int32_t x = oc_input(g, "x", 4, d);
    int32_t c = oc_conv(g, "conv", x, 3, 3, 3, 1, 1, 1, 101);
    int32_t y = oc_unary(g, ENN_OP_RELU, "y", add_noop(g, kind, "noop", c), NULL);
    CHECK_OK(enn_graph_add_output(g, y));
    enn_graph *o = oc_optimized(g);
    CHECK_MSG(enn_graph_num_nodes(o) == 1, "kind %d: %d nodes", kind, enn_graph_num_nodes(o));
    if (enn_graph_num_nodes(o) != 1) oc_dump(o);
    const enn_attrs *at = NULL;
    const int32_t *out = NULL;
    CHECK_OK(enn_graph_node(o, 0, NULL, NULL, &at, NULL, NULL, &out, NULL));
    if (at) CHECK(at->act == ENN_ACT_RELU);
    if (out) CHECK(strcmp(oc_tensor_name(o, out[0]), "y") == 0);
    enn_graph_destroy(o);
    check_opt_equiv(g, 110u + (unsigned)kind, 1e-6);
    enn_graph_destroy(g);
  }
}

/* Flatten of a 2-D tensor at axis 1 changes nothing. */
static void test_flatten_2d(void) {
  NEED_OPS(ENN_OP_FLATTEN, ENN_OP_FULLY_CONNECTED, ENN_OP_SIGMOID);
  enn_graph *g;
  CHECK_OK(enn_graph_create(NULL, &g));
  int64_t d[2] = {3, 5}, wd[2] = {7, 5};
  int32_t x = oc_input(g, "x", 2, d);
  int32_t fi[2] = {x, oc_const(g, "w", 2, wd, 121, -1, 1)};
  int32_t f = oc_unary(g, ENN_OP_FLATTEN, "flat", oc_node(g, ENN_OP_FULLY_CONNECTED, "fc", fi, 2, NULL), NULL);
  int32_t y = oc_unary(g, ENN_OP_SIGMOID, "y", f, NULL);
  CHECK_OK(enn_graph_add_output(g, y));
  enn_graph *o = oc_optimized(g);
  CHECK(enn_graph_num_nodes(o) == 1 && oc_count_op(o, ENN_OP_FLATTEN) == 0);
  enn_graph_destroy(o);
  check_opt_equiv(g, 122, 1e-6);
  enn_graph_destroy(g);
}

/* Identity straight from a graph input to a graph output must stay (its
 * output name is the user's handle); the session copies nothing wrong. */
static void test_input_to_output_identity(void) {
  NEED_OPS(ENN_OP_IDENTITY, ENN_OP_RELU, ENN_OP_PAD);
  enn_graph *g;
  CHECK_OK(enn_graph_create(NULL, &g));
  int64_t d[2] = {2, 3};
  int32_t x = oc_input(g, "x", 2, d);
  int32_t y = oc_unary(g, ENN_OP_IDENTITY, "y", x, NULL);
  int32_t z = oc_unary(g, ENN_OP_RELU, "z", y, NULL);
  enn_attrs pa;
  enn_attrs_init_op(&pa, ENN_OP_PAD);
  int32_t p = oc_unary(g, ENN_OP_PAD, "p", x, &pa); /* zero pad, input -> output: becomes a view */
  CHECK_OK(enn_graph_add_output(g, y));
  CHECK_OK(enn_graph_add_output(g, z));
  CHECK_OK(enn_graph_add_output(g, p));
  enn_graph *o = oc_optimized(g);
  CHECK(oc_count_op(o, ENN_OP_IDENTITY) == 1);
  CHECK(oc_count_op(o, ENN_OP_PAD) == 0 && oc_count_op(o, ENN_OP_RESHAPE) == 1);
  CHECK(strcmp(oc_tensor_name(o, enn_graph_output(o, 0)), "y") == 0);
  CHECK(strcmp(oc_tensor_name(o, enn_graph_output(o, 2)), "p") == 0);
  enn_graph_destroy(o);
  enn_session *s;
  CHECK_OK(enn_session_create(g, NULL, &s));
  if (s) {
    float *in = enn_session_input_buffer(s, 0);
    const float v[6] = {-1, 2, -3, 4, -5, 6}, r[6] = {0, 2, 0, 4, 0, 6};
    memcpy(in, v, sizeof v);
    CHECK_OK(enn_session_run(s));
    CHECK_ALLCLOSE((const float *)enn_session_output_buffer(s, 0), v, 6, 0, 0);
    CHECK_ALLCLOSE((const float *)enn_session_output_buffer(s, 1), r, 6, 0, 0);
    CHECK_ALLCLOSE((const float *)enn_session_output_buffer(s, 2), v, 6, 0, 0);
    enn_session_destroy(s);
  }
  check_opt_equiv(g, 131, 0);
  enn_graph_destroy(g);
}

/* conv -> Identity("out") as the graph output: the conv writes "out".
 * With the conv's own output also a graph output, the Identity stays. */
static void test_identity_on_output(void) {
  NEED_OPS(ENN_OP_IDENTITY);
  for (int both = 0; both < 2; both++) {
    enn_graph *g;
    CHECK_OK(enn_graph_create(NULL, &g));
    int64_t d[4] = {1, 3, 3, 2};
    int32_t x = oc_input(g, "x", 4, d);
    int32_t c = oc_conv(g, "conv", x, 2, 5, 3, 1, 1, 1, 141);
    int32_t y = oc_unary(g, ENN_OP_IDENTITY, "out", c, NULL);
    CHECK_OK(enn_graph_add_output(g, y));
    if (both) CHECK_OK(enn_graph_add_output(g, c));
    enn_graph *o = oc_optimized(g);
    CHECK(enn_graph_num_nodes(o) == (both ? 2 : 1));
    CHECK(strcmp(oc_tensor_name(o, enn_graph_output(o, 0)), "out") == 0);
    if (both) CHECK(strcmp(oc_tensor_name(o, enn_graph_output(o, 1)), "conv") == 0);
    enn_graph_destroy(o);
    check_opt_equiv(g, 142u + (unsigned)both, 0);
    enn_graph_destroy(g);
  }
}

/* An Identity of a constant that is a graph output becomes that constant. */
static void test_identity_of_constant_output(void) {
  NEED_OPS(ENN_OP_IDENTITY, ENN_OP_RELU);
  enn_graph *g;
  CHECK_OK(enn_graph_create(NULL, &g));
  int64_t d[1] = {3};
  const float v[3] = {1, -2, 3};
  int32_t x = oc_input(g, "x", 1, d);
  CHECK_OK(enn_graph_add_output(g, oc_unary(g, ENN_OP_RELU, "r", x, NULL)));
  CHECK_OK(enn_graph_add_output(g, oc_unary(g, ENN_OP_IDENTITY, "k", oc_const_v(g, "c", 1, d, v), NULL)));
  enn_graph *o = oc_optimized(g);
  CHECK(enn_graph_num_nodes(o) == 1);
  CHECK(strcmp(oc_tensor_name(o, enn_graph_output(o, 1)), "k") == 0);
  const void *p = NULL;
  CHECK_OK(enn_graph_tensor(o, enn_graph_output(o, 1), NULL, NULL, &p));
  if (p) CHECK_ALLCLOSE((const float *)p, v, 3, 0, 0);
  CHECK(p != NULL);
  enn_graph_destroy(o);
  /* optimize = 0 would run a view of a constant, so only the optimised
   * session is checked, against the constant itself */
  enn_session *s;
  CHECK_OK(enn_session_create(g, NULL, &s));
  if (s) {
    CHECK_OK(enn_session_run(s));
    CHECK_ALLCLOSE((const float *)enn_session_output_buffer(s, 1), v, 3, 0, 0);
    enn_session_destroy(s);
  }
  enn_graph_destroy(g);
}

/* Same shape, but the data moves: these must stay. */
static void test_lookalikes_stay(void) {
  NEED_OPS(ENN_OP_SLICE, ENN_OP_TRANSPOSE, ENN_OP_RELU, ENN_OP_PAD);
  for (int kase = 0; kase < 4; kase++) {
    enn_graph *g;
    CHECK_OK(enn_graph_create(NULL, &g));
    int64_t d[4] = {1, 4, 4, 3};
    int32_t x = oc_input(g, "x", 4, d);
    int32_t r = oc_unary(g, ENN_OP_RELU, "r", x, NULL);
    enn_attrs a;
    int32_t y;
    enn_op op;
    if (kase == 0) { /* reverse along axis 1 */
      op = ENN_OP_SLICE;
      enn_attrs_init_op(&a, op);
      a.n_axes = 1;
      a.axes[0] = 1;
      a.starts[0] = -1;
      a.ends[0] = INT64_MIN;
      a.steps[0] = -1;
    } else if (kase == 1) { /* swap H and W (square, so same shape) */
      op = ENN_OP_TRANSPOSE;
      enn_attrs_init_op(&a, op);
      a.perm[1] = 2;
      a.perm[2] = 1;
    } else if (kase == 2) { /* crop one, pad one: same shape, shifted */
      op = ENN_OP_PAD;
      enn_attrs_init_op(&a, op);
      a.pad_begin[1] = 1;
      a.pad_end[1] = -1;
    } else { /* a slice that drops the last column */
      op = ENN_OP_SLICE;
      enn_attrs_init_op(&a, op);
      a.n_axes = 1;
      a.axes[0] = 2;
      a.starts[0] = 0;
      a.ends[0] = 3;
    }
    enn_status st = enn_graph_add_node(g, op, "n", &r, 1, &a, 1, &y);
    if (st != ENN_OK) { /* e.g. negative pads not supported by Pad: nothing to test */
      fprintf(stderr, "  case %d not buildable: %s\n", kase, enn_last_error());
      enn_graph_destroy(g);
      continue;
    }
    CHECK_OK(enn_graph_add_output(g, oc_unary(g, ENN_OP_RELU, "y", y, NULL)));
    enn_graph *o = oc_optimized(g);
    CHECK_MSG(oc_count_op(o, op) == 1, "case %d", kase);
    enn_graph_destroy(o);
    check_opt_equiv(g, 150u + (unsigned)kase, 0);
    enn_graph_destroy(g);
  }
}

/* Reshape chains: relu -> Reshape [1,16,6] -> Reshape {-1, 0} ([6,16]: the
 * 0 copies dim 1 of ITS input, 16) must become one Reshape of the relu's
 * output to the explicit [6,16]; Flatten -> Unsqueeze -> Reshape likewise. */
static void test_reshape_chains_collapse(void) {
  NEED_OPS(ENN_OP_RESHAPE, ENN_OP_FLATTEN, ENN_OP_UNSQUEEZE, ENN_OP_RELU, ENN_OP_SIGMOID);
  for (int kase = 0; kase < 2; kase++) {
    enn_graph *g;
    CHECK_OK(enn_graph_create(NULL, &g));
    int64_t d[4] = {1, 4, 4, 6};
    int32_t x = oc_input(g, "x", 4, d);
    int32_t r = oc_unary(g, ENN_OP_RELU, "r", x, NULL);
    int32_t v;
    if (kase == 0) {
      const int64_t s1[3] = {1, 16, 6}, s2[2] = {-1, 0};
      v = oc_reshape(g, "r2", oc_reshape(g, "r1", r, 3, s1), 2, s2);
    } else {
      enn_attrs ua;
      enn_attrs_init_op(&ua, ENN_OP_UNSQUEEZE);
      ua.n_axes = 1;
      ua.axes[0] = 0;
      const int64_t s3[2] = {0, 96};
      int32_t f = oc_unary(g, ENN_OP_FLATTEN, "f", r, NULL);  /* [1, 96] */
      int32_t u = oc_unary(g, ENN_OP_UNSQUEEZE, "u", f, &ua); /* [1, 1, 96] */
      v = oc_reshape(g, "r3", u, 2, s3);                      /* [1, 96] */
    }
    CHECK_OK(enn_graph_add_output(g, oc_unary(g, ENN_OP_SIGMOID, "y", v, NULL)));
    enn_tensor_desc vd = g->tensors[v].desc;
    CHECK(kase != 0 || (vd.rank == 2 && vd.dims[0] == 6 && vd.dims[1] == 16));
    enn_graph *o = oc_optimized(g);
    CHECK_MSG(enn_graph_num_nodes(o) == 3, "case %d: %d nodes", kase, enn_graph_num_nodes(o));
    CHECK(oc_count_op(o, ENN_OP_RESHAPE) == 1 && oc_count_op(o, ENN_OP_FLATTEN) == 0 &&
          oc_count_op(o, ENN_OP_UNSQUEEZE) == 0);
    int32_t ri = oc_find_op(o, ENN_OP_RESHAPE);
    if (ri >= 0) {
      const int32_t *in, *out;
      CHECK_OK(enn_graph_node(o, ri, NULL, NULL, NULL, &in, NULL, &out, NULL));
      CHECK(strcmp(oc_tensor_name(o, in[0]), "r") == 0);
      enn_tensor_desc od;
      CHECK_OK(enn_graph_tensor(o, out[0], NULL, &od, NULL));
      CHECK(od.rank == vd.rank && od.dims[0] == vd.dims[0] && od.dims[1] == vd.dims[1]);
    }
    enn_graph_destroy(o);
    check_opt_equiv(g, 160u + (unsigned)kase, 0);
    enn_graph_destroy(g);
  }
}

/* ShuffleNet channel shuffle (reshape -> transpose -> reshape) is real
 * data movement: the transpose stays; the numbers agree. */
static void test_channel_shuffle_kept(void) {
  NEED_OPS(ENN_OP_RESHAPE, ENN_OP_TRANSPOSE);
  enn_graph *g;
  CHECK_OK(enn_graph_create(NULL, &g));
  int64_t d[4] = {1, 3, 3, 4};
  int32_t x = oc_input(g, "x", 4, d);
  int32_t c = oc_conv(g, "conv", x, 4, 6, 1, 1, 1, 1, 171);
  const int64_t s5[5] = {1, 3, 3, 2, 3}, s4[4] = {1, 3, 3, 6};
  enn_attrs ta;
  enn_attrs_init_op(&ta, ENN_OP_TRANSPOSE);
  ta.perm[3] = 4;
  ta.perm[4] = 3;
  int32_t t = oc_unary(g, ENN_OP_TRANSPOSE, "shuffle", oc_reshape(g, "split_groups", c, 5, s5), &ta);
  CHECK_OK(enn_graph_add_output(g, oc_reshape(g, "merge_groups", t, 4, s4)));
  enn_graph *o = oc_optimized(g);
  CHECK(oc_count_op(o, ENN_OP_TRANSPOSE) == 1 && oc_count_op(o, ENN_OP_CONV2D) == 1);
  CHECK(strcmp(oc_tensor_name(o, enn_graph_output(o, 0)), "merge_groups") == 0);
  enn_graph_destroy(o);
  check_opt_equiv(g, 172, 0);
  enn_graph_destroy(g);
}

/* Transposes that only move size-1 axes become Reshapes (views); one
 * that reorders two real axes stays. */
static void test_unit_axis_transposes(void) {
  NEED_OPS(ENN_OP_TRANSPOSE, ENN_OP_RESHAPE, ENN_OP_RELU);
  const int64_t shapes[3][4] = {{1, 1, 1, 8}, {1, 1, 3, 4}, {1, 3, 4, 1}};
  const int32_t perms[3][4] = {{0, 3, 1, 2}, {0, 2, 1, 3}, {0, 2, 1, 3}};
  const int stays[3] = {0, 0, 1};
  for (int kase = 0; kase < 3; kase++) {
    enn_graph *g;
    CHECK_OK(enn_graph_create(NULL, &g));
    int32_t x = oc_input(g, "x", 4, shapes[kase]);
    enn_attrs ta;
    enn_attrs_init_op(&ta, ENN_OP_TRANSPOSE);
    for (int i = 0; i < 4; i++) ta.perm[i] = perms[kase][i];
    int32_t t = oc_unary(g, ENN_OP_TRANSPOSE, "t", oc_unary(g, ENN_OP_RELU, "r", x, NULL), &ta);
    CHECK_OK(enn_graph_add_output(g, oc_unary(g, ENN_OP_RELU, "y", t, NULL)));
    enn_graph *o = oc_optimized(g);
    CHECK_MSG(oc_count_op(o, ENN_OP_TRANSPOSE) == stays[kase], "case %d", kase);
    CHECK_MSG(oc_count_op(o, ENN_OP_RESHAPE) == !stays[kase], "case %d", kase);
    enn_graph_destroy(o);
    check_opt_equiv(g, 180u + (unsigned)kase, 0);
    enn_graph_destroy(g);
  }
}

int main(void) {
  ENN_RUN(test_noops_are_removed);
  ENN_RUN(test_flatten_2d);
  ENN_RUN(test_input_to_output_identity);
  ENN_RUN(test_identity_on_output);
  ENN_RUN(test_identity_of_constant_output);
  ENN_RUN(test_lookalikes_stay);
  ENN_RUN(test_reshape_chains_collapse);
  ENN_RUN(test_channel_shuffle_kept);
  ENN_RUN(test_unit_axis_transposes);
  return oc_finish();
}
