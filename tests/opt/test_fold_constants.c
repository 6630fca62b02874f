/* Constant folding: structure after the pass, hand-computed folded values,
 * folded graph outputs, multi-output nodes, kernels with state and
 * scratch, views of constants, and the size guard. */
#include "opt_check.h"

static const float *const_data(const enn_graph *g, int32_t id) {
  const void *p = NULL;
  CHECK_OK(enn_graph_tensor(g, id, NULL, NULL, &p));
  return p;
}

/* x + reshape((c1 + c2) * c3): the constant chain becomes one constant. */
static void test_chain_folds_to_one_constant(void) {
  NEED_OPS(ENN_OP_ADD, ENN_OP_MUL, ENN_OP_RESHAPE);
  enn_graph *g;
  CHECK_OK(enn_graph_create(NULL, &g));
  int64_t d23[2] = {2, 3}, d3[1] = {3}, d1[1] = {1}, d32[2] = {3, 2};
  const float v1[6] = {1, 2, 3, 4, 5, 6}, v2[3] = {10, 20, 30}, v3[1] = {2};
  int32_t x = oc_input(g, "x", 2, d32);
  int32_t c1 = oc_const_v(g, "c1", 2, d23, v1), c2 = oc_const_v(g, "c2", 1, d3, v2),
          c3 = oc_const_v(g, "c3", 1, d1, v3);
  int32_t s = oc_binary(g, ENN_OP_ADD, "s", c1, c2);
  int32_t m = oc_binary(g, ENN_OP_MUL, "m", s, c3);
  int32_t r = oc_reshape(g, "r", m, 2, d32);
  int32_t y = oc_binary(g, ENN_OP_ADD, "y", x, r);
  CHECK_OK(enn_graph_add_output(g, y));

  enn_graph *o = oc_optimized(g);
  CHECK(enn_graph_num_nodes(o) == 1);
  CHECK(oc_count_op(o, ENN_OP_ADD) == 1);
  const int32_t *in;
  int32_t nin;
  CHECK_OK(enn_graph_node(o, 0, NULL, NULL, NULL, &in, &nin, NULL, NULL));
  CHECK(nin == 2);
  enn_tensor_desc cd;
  const void *cp = NULL;
  CHECK_OK(enn_graph_tensor(o, in[1], NULL, &cd, &cp));
  CHECK(cp != NULL && cd.rank == 2 && cd.dims[0] == 3 && cd.dims[1] == 2);
  CHECK(strcmp(oc_tensor_name(o, in[1]), "r") == 0);
  /* (c1 + c2) * 2, by hand */
  const float want[6] = {22, 44, 66, 28, 50, 72};
  if (cp) CHECK_ALLCLOSE((const float *)cp, want, 6, 0, 0);
  enn_graph_destroy(o);
  check_opt_equiv(g, 11, 1e-6);
  enn_graph_destroy(g);
}

/* A graph output computed from constants only becomes a constant that
 * keeps the output's name; the session serves it. */
static void test_folded_graph_output(void) {
  NEED_OPS(ENN_OP_SUB, ENN_OP_RELU);
  enn_graph *g;
  CHECK_OK(enn_graph_create(NULL, &g));
  int64_t d[1] = {4};
  const float a[4] = {1, -2, 3.5f, 0}, b[4] = {0.5f, 1, -1, 2};
  int32_t x = oc_input(g, "x", 1, d);
  int32_t ca = oc_const_v(g, "a", 1, d, a), cb = oc_const_v(g, "b", 1, d, b);
  int32_t y = oc_unary(g, ENN_OP_RELU, "y", x, NULL);
  int32_t z = oc_binary(g, ENN_OP_SUB, "z", ca, cb);
  int32_t zr = oc_unary(g, ENN_OP_RELU, "zr", z, NULL);
  CHECK_OK(enn_graph_add_output(g, y));
  CHECK_OK(enn_graph_add_output(g, z));  /* a constant output in the middle ... */
  CHECK_OK(enn_graph_add_output(g, zr)); /* ... and one after it */

  enn_graph *o = oc_optimized(g);
  CHECK(enn_graph_num_nodes(o) == 1);
  CHECK(strcmp(oc_tensor_name(o, enn_graph_output(o, 1)), "z") == 0);
  CHECK(strcmp(oc_tensor_name(o, enn_graph_output(o, 2)), "zr") == 0);
  const float want_z[4] = {0.5f, -3, 4.5f, -2}, want_zr[4] = {0.5f, 0, 4.5f, 0};
  const float *pz = const_data(o, enn_graph_output(o, 1)), *pzr = const_data(o, enn_graph_output(o, 2));
  CHECK(pz && pzr);
  if (pz) CHECK_ALLCLOSE(pz, want_z, 4, 0, 0);
  if (pzr) CHECK_ALLCLOSE(pzr, want_zr, 4, 0, 0);
  enn_graph_destroy(o);

  enn_session *s;
  CHECK_OK(enn_session_create(g, NULL, &s));
  if (s) {
    float *in = enn_session_input_buffer(s, 0);
    for (int i = 0; i < 4; i++) in[i] = (float)i - 1.5f;
    CHECK_OK(enn_session_run(s));
    const char *nm = NULL;
    CHECK_OK(enn_session_output_desc(s, 1, NULL, &nm));
    CHECK(nm && strcmp(nm, "z") == 0);
    CHECK_ALLCLOSE((const float *)enn_session_output_buffer(s, 1), want_z, 4, 0, 0);
    CHECK_ALLCLOSE((const float *)enn_session_output_buffer(s, 2), want_zr, 4, 0, 0);
    const float want_y[4] = {0, 0, 0.5f, 1.5f};
    CHECK_ALLCLOSE((const float *)enn_session_output_buffer(s, 0), want_y, 4, 0, 0);
    enn_session_destroy(s);
  }
  check_opt_equiv(g, 12, 1e-6);
  enn_graph_destroy(g);
}

/* Split of a constant: both outputs become constants. */
static void test_multi_output_fold(void) {
  NEED_OPS(ENN_OP_SPLIT, ENN_OP_ADD, ENN_OP_MUL);
  enn_graph *g;
  CHECK_OK(enn_graph_create(NULL, &g));
  int64_t d42[2] = {4, 2}, d22[2] = {2, 2};
  const float c[8] = {1, 2, 3, 4, 5, 6, 7, 8};
  int32_t x = oc_input(g, "x", 2, d22);
  int32_t cc = oc_const_v(g, "c", 2, d42, c);
  enn_attrs a;
  enn_attrs_init_op(&a, ENN_OP_SPLIT);
  a.axis = 0;
  int32_t parts[2] = {-1, -1};
  CHECK_OK(enn_graph_add_node(g, ENN_OP_SPLIT, "split", &cc, 1, &a, 2, parts));
  int32_t y0 = oc_binary(g, ENN_OP_ADD, "y0", x, parts[0]);
  int32_t y1 = oc_binary(g, ENN_OP_MUL, "y1", x, parts[1]);
  CHECK_OK(enn_graph_add_output(g, y0));
  CHECK_OK(enn_graph_add_output(g, y1));
  enn_graph *o = oc_optimized(g);
  CHECK(enn_graph_num_nodes(o) == 2);
  CHECK(oc_count_op(o, ENN_OP_SPLIT) == 0);
  const int32_t *in;
  CHECK_OK(enn_graph_node(o, 1, NULL, NULL, NULL, &in, NULL, NULL, NULL));
  const float want1[4] = {5, 6, 7, 8};
  const float *p1 = const_data(o, in[1]);
  CHECK(p1 != NULL);
  if (p1) CHECK_ALLCLOSE(p1, want1, 4, 0, 0);
  enn_graph_destroy(o);
  check_opt_equiv(g, 13, 1e-6);
  enn_graph_destroy(g);
}

/* Nodes with prepared state (Conv2D) and scratch (BatchNorm) fold through
 * their own kernels; the folded values match a direct computation. */
static void test_stateful_kernels_fold(void) {
  NEED_OPS(ENN_OP_BATCH_NORM, ENN_OP_ADD);
  enn_graph *g;
  CHECK_OK(enn_graph_create(NULL, &g));
  int64_t xd[4] = {1, 3, 3, 2}, wd[4] = {2, 1, 1, 2}, cd[1] = {2}, yd[4] = {1, 3, 3, 2};
  const float xv[18] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18};
  const float wv[4] = {1, -1, 0.5f, 2}, gam[2] = {2, 1}, bet[2] = {1, -1}, mu[2] = {0, 10}, var[2] = {4, 1};
  int32_t in = oc_input(g, "in", 4, yd);
  int32_t cx = oc_const_v(g, "cx", 4, xd, xv), cw = oc_const_v(g, "cw", 4, wd, wv);
  int32_t ci[2] = {cx, cw};
  int32_t conv = oc_node(g, ENN_OP_CONV2D, "conv", ci, 2, NULL);
  enn_attrs a;
  enn_attrs_init_op(&a, ENN_OP_BATCH_NORM);
  a.epsilon = 0.0f;
  int32_t bi[5] = {conv, oc_const_v(g, "g", 1, cd, gam), oc_const_v(g, "b", 1, cd, bet), oc_const_v(g, "m", 1, cd, mu),
                   oc_const_v(g, "v", 1, cd, var)};
  int32_t bn = oc_node(g, ENN_OP_BATCH_NORM, "bn", bi, 5, &a);
  int32_t y = oc_binary(g, ENN_OP_ADD, "y", in, bn);
  CHECK_OK(enn_graph_add_output(g, y));
  enn_graph *o = oc_optimized(g);
  CHECK(enn_graph_num_nodes(o) == 1);
  const int32_t *ins;
  CHECK_OK(enn_graph_node(o, 0, NULL, NULL, NULL, &ins, NULL, NULL, NULL));
  const float *f = const_data(o, ins[1]);
  CHECK(f != NULL);
  if (f) {
    float want[18];
    for (int p = 0; p < 9; p++) {
      float c0 = xv[2 * p] * wv[0] + xv[2 * p + 1] * wv[1], c1 = xv[2 * p] * wv[2] + xv[2 * p + 1] * wv[3];
      want[2 * p] = (c0 - mu[0]) / 2.0f * gam[0] + bet[0];
      want[2 * p + 1] = (c1 - mu[1]) / 1.0f * gam[1] + bet[1];
    }
    CHECK_ALLCLOSE(f, want, 18, 1e-5, 1e-6);
  }
  enn_graph_destroy(o);
  check_opt_equiv(g, 14, 1e-6);
  enn_graph_destroy(g);
}

/* A view of a constant folds to a constant of the new shape with the same
 * bytes: weights stored [O, K] reshaped to OHWI for a 1x1 convolution. */
static void test_view_of_constant(void) {
  NEED_OPS(ENN_OP_RESHAPE);
  enn_graph *g;
  CHECK_OK(enn_graph_create(NULL, &g));
  int64_t xd[4] = {1, 2, 1, 2}, w2[2] = {3, 2}, w4[4] = {3, 1, 1, 2};
  const float wv[6] = {1, 2, -1, 0.5f, 3, -2};
  int32_t x = oc_input(g, "x", 4, xd);
  int32_t w = oc_reshape(g, "w_ohwi", oc_const_v(g, "w", 2, w2, wv), 4, w4);
  int32_t ci[2] = {x, w};
  int32_t y = oc_node(g, ENN_OP_CONV2D, "conv", ci, 2, NULL);
  CHECK_OK(enn_graph_add_output(g, y));
  enn_graph *o = oc_optimized(g);
  CHECK(enn_graph_num_nodes(o) == 1 && oc_count_op(o, ENN_OP_RESHAPE) == 0);
  const int32_t *ins;
  CHECK_OK(enn_graph_node(o, 0, NULL, NULL, NULL, &ins, NULL, NULL, NULL));
  enn_tensor_desc wd;
  const void *wp = NULL;
  CHECK_OK(enn_graph_tensor(o, ins[1], NULL, &wd, &wp));
  CHECK(wd.rank == 4 && wd.dims[0] == 3 && wd.dims[3] == 2 && wp != NULL);
  if (wp) CHECK_ALLCLOSE((const float *)wp, wv, 6, 0, 0);
  enn_graph_destroy(o);
  enn_session *s;
  CHECK_OK(enn_session_create(g, NULL, &s));
  if (s) {
    float *in = enn_session_input_buffer(s, 0);
    const float xv[4] = {1, 2, 3, 4};
    memcpy(in, xv, sizeof xv);
    CHECK_OK(enn_session_run(s));
    float want[6];
    for (int p = 0; p < 2; p++)
      for (int oc = 0; oc < 3; oc++) want[p * 3 + oc] = xv[2 * p] * wv[2 * oc] + xv[2 * p + 1] * wv[2 * oc + 1];
    CHECK_ALLCLOSE((const float *)enn_session_output_buffer(s, 0), want, 6, 1e-6, 1e-6);
    enn_session_destroy(s);
  }
  enn_graph_destroy(g);
}

/* The size guard: a broadcast that would store a 2 MiB constant from 6 KiB
 * of inputs is left to run time; the same op on small shapes folds. */
static void test_no_fold_when_result_is_large(void) {
  NEED_OPS(ENN_OP_ADD);
  for (int big = 0; big < 2; big++) {
    enn_graph *g;
    CHECK_OK(enn_graph_create(NULL, &g));
    int64_t r = big ? 512 : 16, c = big ? 1024 : 32;
    int64_t da[2] = {r, 1}, db[2] = {1, c}, dx[2] = {r, c};
    int32_t x = oc_input(g, "x", 2, dx);
    int32_t s = oc_binary(g, ENN_OP_ADD, "s", oc_const(g, "a", 2, da, 1, -1, 1), oc_const(g, "b", 2, db, 2, -1, 1));
    int32_t y = oc_binary(g, ENN_OP_ADD, "y", x, s);
    CHECK_OK(enn_graph_add_output(g, y));
    enn_graph *o = oc_optimized(g);
    CHECK_MSG(enn_graph_num_nodes(o) == (big ? 2 : 1), "big=%d nodes=%d", big, enn_graph_num_nodes(o));
    enn_graph_destroy(o);
    CHECK(check_same_function(g, 0, g, 1, 15, 1e-6));
    enn_graph_destroy(g);
  }
}

/* Constants derived only from non-learnable buffers stay buffers. */
static void test_buffer_flag_kept(void) {
  NEED_OPS(ENN_OP_ADD);
  enn_graph *g;
  CHECK_OK(enn_graph_create(NULL, &g));
  int64_t d[1] = {3};
  const float v[3] = {1, 2, 3};
  enn_tensor_desc cd = oc_desc(1, d);
  int32_t a, b, w;
  CHECK_OK(enn_graph_add_constant(g, "a", &cd, v, ENN_CONST_BUFFER, &a));
  CHECK_OK(enn_graph_add_constant(g, "b", &cd, v, ENN_CONST_BUFFER, &b));
  CHECK_OK(enn_graph_add_constant(g, "w", &cd, v, ENN_CONST_COPY, &w));
  int32_t x = oc_input(g, "x", 1, d);
  int32_t s1 = oc_binary(g, ENN_OP_ADD, "s1", a, b); /* buffers only */
  int32_t s2 = oc_binary(g, ENN_OP_ADD, "s2", a, w); /* uses a parameter */
  int32_t y = oc_binary(g, ENN_OP_ADD, "y", oc_binary(g, ENN_OP_ADD, "t", x, s1), s2);
  CHECK_OK(enn_graph_add_output(g, y));
  enn_graph *o = oc_optimized(g);
  int found = 0;
  for (int32_t i = 0; i < o->n_tensors; i++) {
    if (strcmp(o->tensors[i].name, "s1") == 0) {
      found++;
      CHECK(o->tensors[i].kind == ENN_TK_CONST && (o->tensors[i].flags & ENN_CONST_BUFFER));
    }
    if (strcmp(o->tensors[i].name, "s2") == 0) {
      found++;
      CHECK(o->tensors[i].kind == ENN_TK_CONST && !(o->tensors[i].flags & ENN_CONST_BUFFER));
    }
  }
  CHECK(found == 2);
  enn_graph_destroy(o);
  check_opt_equiv(g, 16, 1e-6);
  enn_graph_destroy(g);
}

/* Every node folds: the optimised graph has no node at all and its only
 * output is a constant; the session still serves it. */
static void test_everything_folds(void) {
  NEED_OPS(ENN_OP_MUL, ENN_OP_TANH);
  enn_graph *g;
  CHECK_OK(enn_graph_create(NULL, &g));
  int64_t d[1] = {2};
  const float a[2] = {0.5f, -1}, b[2] = {2, 3};
  (void)oc_input(g, "unused", 1, d);
  int32_t y = oc_unary(g, ENN_OP_TANH, "y",
                       oc_binary(g, ENN_OP_MUL, "m", oc_const_v(g, "a", 1, d, a), oc_const_v(g, "b", 1, d, b)), NULL);
  CHECK_OK(enn_graph_add_output(g, y));
  enn_graph *o = oc_optimized(g);
  CHECK(enn_graph_num_nodes(o) == 0 && enn_graph_num_inputs(o) == 1);
  enn_graph_destroy(o);
  enn_session *s;
  CHECK_OK(enn_session_create(g, NULL, &s));
  if (s) {
    CHECK_OK(enn_session_run(s));
    const float want[2] = {tanhf(1.0f), tanhf(-3.0f)};
    CHECK_ALLCLOSE((const float *)enn_session_output_buffer(s, 0), want, 2, 1e-7, 1e-7);
    enn_session_destroy(s);
  }
  check_opt_equiv(g, 18, 1e-7);
  enn_graph_destroy(g);
}

int main(void) {
  ENN_RUN(test_everything_folds);
  ENN_RUN(test_chain_folds_to_one_constant);
  ENN_RUN(test_folded_graph_output);
  ENN_RUN(test_multi_output_fold);
  ENN_RUN(test_stateful_kernels_fold);
  ENN_RUN(test_view_of_constant);
  ENN_RUN(test_no_fold_when_result_is_large);
  ENN_RUN(test_buffer_flag_kept);
  return oc_finish();
}
