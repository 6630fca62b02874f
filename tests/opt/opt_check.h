/*
 * Helpers shared by the graph-pass tests: small graph builders, op
 * availability (a test that needs an operator not built yet says SKIP and
 * makes the whole executable report "skipped" instead of passing), and the
 * equivalence checks:
 *   check_same_function  two graphs (or one graph at two optimisation
 *                        levels) give the same outputs, names and shapes on
 *                        the same random inputs;
 *   check_each_pass      every pass run alone (then compacted) leaves a
 *                        graph that verifies and computes the same function;
 *   check_opt_equiv      both of the above against optimize = 0.
 */
#ifndef ENN_TESTS_OPT_CHECK_H
#define ENN_TESTS_OPT_CHECK_H

#include "ir/ir.h"
#include "opt/opt.h"
#include "test.h"

static int oc_skipped;

/* ---------------------------------------------------------------- skips */
static inline int oc_have(enn_op op) { return enn_op_vtable_get(op) != NULL; }

#define NEED_OPS(...)                                                                                                  \
  do {                                                                                                                 \
    const enn_op need_[] = {__VA_ARGS__};                                                                              \
    for (size_t i_ = 0; i_ < sizeof need_ / sizeof need_[0]; i_++)                                                     \
      if (!oc_have(need_[i_])) {                                                                                       \
        fprintf(stderr, "SKIP %s: operator %s is not built yet\n", enn_t_current, enn_op_name(need_[i_]));             \
        oc_skipped++;                                                                                                  \
        return;                                                                                                        \
      }                                                                                                                \
  } while (0)

/* 1 on failures, 77 (ctest SKIP) when something was skipped, else 0. */
static inline int oc_finish(void) {
  int rc = enn_test_finish();
  if (rc == 0 && oc_skipped) {
    fprintf(stderr, "%d test(s) skipped for missing operators\n", oc_skipped);
    return 77;
  }
  return rc;
}

/* --------------------------------------------------------------- builders */
static inline enn_tensor_desc oc_desc(int32_t rank, const int64_t *dims) {
  enn_tensor_desc d;
  enn_tensor_desc_init(&d, ENN_DTYPE_F32, rank, dims);
  return d;
}

static inline int32_t oc_input(enn_graph *g, const char *name, int32_t rank, const int64_t *dims) {
  enn_tensor_desc d = oc_desc(rank, dims);
  int32_t id = -1;
  CHECK_OK(enn_graph_add_input(g, name, &d, &id));
  return id;
}

/* A constant filled with pseudo-random values in [lo, hi). */
static inline int32_t oc_const(enn_graph *g, const char *name, int32_t rank, const int64_t *dims,
                               unsigned long long seed, float lo, float hi) {
  enn_tensor_desc d = oc_desc(rank, dims);
  int64_t n = enn_tensor_desc_numel(&d);
  float *v = malloc((size_t)(n ? n : 1) * sizeof(float));
  enn_t_fill(v, (long)n, seed, lo, hi);
  int32_t id = -1;
  CHECK_OK(enn_graph_add_constant(g, name, &d, v, ENN_CONST_COPY, &id));
  free(v);
  return id;
}

static inline int32_t oc_const_v(enn_graph *g, const char *name, int32_t rank, const int64_t *dims, const float *v) {
  enn_tensor_desc d = oc_desc(rank, dims);
  int32_t id = -1;
  CHECK_OK(enn_graph_add_constant(g, name, &d, v, ENN_CONST_COPY, &id));
  return id;
}

/* One-output node; returns the output tensor id (-1 on failure). */
static inline int32_t oc_node(enn_graph *g, enn_op op, const char *name, const int32_t *in, int32_t n_in,
                              const enn_attrs *a) {
  int32_t y = -1;
  CHECK_OK(enn_graph_add_node(g, op, name, in, n_in, a, 1, &y));
  return y;
}
static inline int32_t oc_unary(enn_graph *g, enn_op op, const char *name, int32_t x, const enn_attrs *a) {
  return oc_node(g, op, name, &x, 1, a);
}
static inline int32_t oc_binary(enn_graph *g, enn_op op, const char *name, int32_t x, int32_t y) {
  int32_t in[2] = {x, y};
  return oc_node(g, op, name, in, 2, NULL);
}

/* Conv2D with random OHWI weights [oc, k, k, ic/groups] (+ bias if with_bias). */
static inline int32_t oc_conv(enn_graph *g, const char *name, int32_t x, int64_t ic, int64_t oc, int64_t k,
                              int32_t stride, int32_t groups, int with_bias, unsigned long long seed) {
  char wn[96], bn[96];
  snprintf(wn, sizeof wn, "%s.w", name);
  snprintf(bn, sizeof bn, "%s.b", name);
  int64_t wd[4] = {oc, k, k, ic / groups}, bd[1] = {oc};
  int32_t in[3] = {x, oc_const(g, wn, 4, wd, seed, -0.5f, 0.5f), -1};
  if (with_bias) in[2] = oc_const(g, bn, 1, bd, seed + 1, -0.2f, 0.2f);
  enn_attrs a;
  enn_attrs_init_op(&a, ENN_OP_CONV2D);
  a.stride[0] = a.stride[1] = stride;
  a.groups = groups;
  a.pad_mode = ENN_PAD_SAME_UPPER;
  return oc_node(g, ENN_OP_CONV2D, name, in, with_bias ? 3 : 2, &a);
}

/* BatchNorm over c channels with random statistics (var > 0). */
static inline int32_t oc_bn(enn_graph *g, const char *name, int32_t x, int64_t c, unsigned long long seed) {
  char nm[96];
  int64_t d[1] = {c};
  int32_t in[5] = {x, -1, -1, -1, -1};
  const char *part[4] = {"gamma", "beta", "mean", "var"};
  const float lo[4] = {0.5f, -0.5f, -0.3f, 0.2f}, hi[4] = {1.5f, 0.5f, 0.3f, 2.0f};
  for (int i = 0; i < 4; i++) {
    snprintf(nm, sizeof nm, "%s.%s", name, part[i]);
    in[i + 1] = oc_const(g, nm, 1, d, seed + (unsigned long long)i * 7u, lo[i], hi[i]);
  }
  return oc_node(g, ENN_OP_BATCH_NORM, name, in, 5, NULL);
}

static inline int32_t oc_clip(enn_graph *g, const char *name, int32_t x, float lo, float hi) {
  enn_attrs a;
  enn_attrs_init_op(&a, ENN_OP_CLIP);
  a.act_min = lo;
  a.act_max = hi;
  return oc_unary(g, ENN_OP_CLIP, name, x, &a);
}

static inline int32_t oc_reshape(enn_graph *g, const char *name, int32_t x, int32_t rank, const int64_t *shape) {
  enn_attrs a;
  enn_attrs_init_op(&a, ENN_OP_RESHAPE);
  a.shape_rank = rank;
  for (int32_t i = 0; i < rank; i++) a.shape[i] = shape[i];
  return oc_unary(g, ENN_OP_RESHAPE, name, x, &a);
}

/* ------------------------------------------------------------- inspection */
static inline int oc_count_op(const enn_graph *g, enn_op op) {
  int c = 0;
  for (int32_t i = 0; i < enn_graph_num_nodes(g); i++) {
    enn_op o;
    CHECK_OK(enn_graph_node(g, i, &o, NULL, NULL, NULL, NULL, NULL, NULL));
    c += o == op;
  }
  return c;
}

/* Index of the first node with op `op` (-1 if none). */
static inline int32_t oc_find_op(const enn_graph *g, enn_op op) {
  for (int32_t i = 0; i < enn_graph_num_nodes(g); i++) {
    enn_op o;
    CHECK_OK(enn_graph_node(g, i, &o, NULL, NULL, NULL, NULL, NULL, NULL));
    if (o == op) return i;
  }
  return -1;
}

/* Index of the node called `name` (-1 if none). */
static inline int32_t oc_find_named(const enn_graph *g, const char *name) {
  for (int32_t i = 0; i < enn_graph_num_nodes(g); i++) {
    const char *nm = NULL;
    CHECK_OK(enn_graph_node(g, i, NULL, &nm, NULL, NULL, NULL, NULL, NULL));
    if (nm && strcmp(nm, name) == 0) return i;
  }
  return -1;
}

static inline const char *oc_tensor_name(const enn_graph *g, int32_t id) {
  const char *n = NULL;
  CHECK_OK(enn_graph_tensor(g, id, &n, NULL, NULL));
  return n ? n : "";
}

/* A private copy (constants borrowed from g) optimised at level 1. */
static inline enn_graph *oc_optimized(const enn_graph *g) {
  enn_graph *c = NULL;
  CHECK_OK(enn_ir_clone(g, NULL, false, &c));
  if (!c) return NULL;
  CHECK_OK(enn_graph_optimize(c, 1));
  CHECK_OK(enn_graph_verify(c));
  return c;
}

static inline void oc_dump(const enn_graph *g) {
  for (int32_t i = 0; i < enn_graph_num_nodes(g); i++) {
    enn_op o;
    const char *nm;
    const enn_attrs *a;
    CHECK_OK(enn_graph_node(g, i, &o, &nm, &a, NULL, NULL, NULL, NULL));
    fprintf(stderr, "    %d: %s %s act=%s\n", i, enn_op_name(o), nm, enn_act_name((enn_act)a->act));
  }
}

/* ----------------------------------------------------------- equivalence */
/* Runs a (at level opt_a) and b (at opt_b) on the same random inputs; the
 * outputs must agree in count, name, shape and values (within
 * tol * max|ref| absolute + tol relative). Returns 1 if they did. */
static inline int check_same_function(const enn_graph *a, int32_t opt_a, const enn_graph *b, int32_t opt_b,
                                      unsigned long long seed, double tol) {
  enn_session_options oa, ob;
  enn_session_options_init(&oa);
  enn_session_options_init(&ob);
  oa.optimize = opt_a;
  ob.optimize = opt_b;
  enn_session *sa = NULL, *sb = NULL;
  int ok = 1;
  CHECK_OK(enn_session_create(a, &oa, &sa));
  CHECK_OK(enn_session_create(b, &ob, &sb));
  if (!sa || !sb) {
    enn_session_destroy(sa);
    enn_session_destroy(sb);
    return 0;
  }
  CHECK(enn_session_num_inputs(sa) == enn_session_num_inputs(sb));
  for (int32_t i = 0; i < enn_session_num_inputs(sa) && i < enn_session_num_inputs(sb); i++) {
    enn_tensor_desc d;
    CHECK_OK(enn_session_input_desc(sa, i, &d, NULL));
    long n = (long)enn_tensor_desc_numel(&d);
    float *pa = enn_session_input_buffer(sa, i), *pb = enn_session_input_buffer(sb, i);
    enn_t_fill(pa, n, seed + (unsigned long long)i, -2.0f, 2.0f);
    memcpy(pb, pa, (size_t)n * sizeof(float));
  }
  CHECK_OK(enn_session_run(sa));
  CHECK_OK(enn_session_run(sb));
  if (enn_session_num_outputs(sa) != enn_session_num_outputs(sb)) ok = 0;
  for (int32_t i = 0; ok && i < enn_session_num_outputs(sa); i++) {
    enn_tensor_desc da, db;
    const char *na = NULL, *nb = NULL;
    CHECK_OK(enn_session_output_desc(sa, i, &da, &na));
    CHECK_OK(enn_session_output_desc(sb, i, &db, &nb));
    if (!na || !nb || strcmp(na, nb) != 0) {
      fprintf(stderr, "  output %d is named '%s' vs '%s'\n", i, na ? na : "?", nb ? nb : "?");
      ok = 0;
    }
    if (da.dtype != db.dtype || da.rank != db.rank || enn_tensor_desc_numel(&da) != enn_tensor_desc_numel(&db)) {
      fprintf(stderr, "  output %d has a different shape\n", i);
      ok = 0;
      continue;
    }
    for (int32_t k = 0; k < da.rank; k++)
      if (da.dims[k] != db.dims[k]) ok = 0;
    long n = (long)enn_tensor_desc_numel(&da);
    const float *ya = enn_session_output_buffer(sa, i), *yb = enn_session_output_buffer(sb, i);
    double mx = 0;
    for (long k = 0; k < n; k++) mx = fmax(mx, fabs((double)ya[k]));
    if (!enn_t_allclose(yb, ya, n, tol * mx + 1e-30, tol)) {
      fprintf(stderr, "  output %d ('%s') differs\n", i, na ? na : "?");
      ok = 0;
    }
  }
  enn_session_destroy(sa);
  enn_session_destroy(sb);
  return ok;
}

typedef enn_status (*oc_pass_fn)(enn_graph *g, bool *changed);

/* Each pass alone, run to its own fixed point, then compacted: the graph
 * verifies and computes what g computes unoptimised. */
static inline void check_each_pass(const enn_graph *g, unsigned long long seed, double tol) {
  static const oc_pass_fn passes[] = {enn_opt_fold_constants, enn_opt_fold_batch_norm, enn_opt_fuse_activations,
                                      enn_opt_remove_identity, enn_opt_remove_dead};
  static const char *const names[] = {"fold_constants", "fold_batch_norm", "fuse_activations", "remove_identity",
                                      "remove_dead"};
  for (size_t p = 0; p < sizeof passes / sizeof passes[0]; p++) {
    enn_graph *c = NULL;
    CHECK_OK(enn_ir_clone(g, NULL, false, &c));
    if (!c) return;
    for (int it = 0; it < 8; it++) {
      bool changed = false;
      CHECK_OK(passes[p](c, &changed));
      CHECK_OK(enn_ir_compact(c));
      if (!changed) break;
    }
    enn_status st = enn_graph_verify(c);
    CHECK_MSG(st == ENN_OK, "after pass %s: %s", names[p], enn_last_error());
    if (st == ENN_OK) CHECK_MSG(check_same_function(g, 0, c, 0, seed, tol), "pass %s changed the function", names[p]);
    enn_graph_destroy(c);
  }
}

static inline void check_opt_equiv(const enn_graph *g, unsigned long long seed, double tol) {
  CHECK_MSG(check_same_function(g, 0, g, 1, seed, tol), "optimize=1 changed the function");
  check_each_pass(g, seed, tol);
}

#endif
