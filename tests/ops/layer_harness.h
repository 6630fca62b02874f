/*
 * Test helper for the layer-op tests (conv, fully-connected, matmul, gemm,
 * batch-norm, pooling, pad, resize): builds a one-node graph through the
 * public API, creates a session with optimisation off, feeds the graph
 * inputs, runs it and copies the output, the node's MACs and the kernel
 * the session chose. Also an activation written independently of
 * src/kernels/ref/act.h, and small random helpers.
 */
#ifndef ENN_TESTS_OPS_LAYER_HARNESS_H
#define ENN_TESTS_OPS_LAYER_HARNESS_H

#include <stdint.h>

#include "test.h"

typedef struct lh_in {
  int32_t rank;
  int64_t dims[ENN_MAX_RANK];
  const float *data;
  int is_const; /* graph constant (else a graph input fed before the run) */
} lh_in;

typedef struct lh_out {
  enn_tensor_desc desc;
  float *data; /* malloc'd; lh_out_free */
  long numel;
  int64_t macs;
  char kernel[96];
} lh_out;

static inline lh_in lh_tensor(int32_t rank, const int64_t *dims, const float *data, int is_const) {
  lh_in t;
  memset(&t, 0, sizeof t);
  t.rank = rank;
  for (int32_t i = 0; i < rank; i++) t.dims[i] = dims[i];
  t.data = data;
  t.is_const = is_const;
  return t;
}

static inline long lh_numel(int32_t rank, const int64_t *dims) {
  long n = 1;
  for (int32_t i = 0; i < rank; i++) n *= (long)dims[i];
  return n;
}

static inline void lh_out_free(lh_out *o) {
  free(o->data);
  o->data = NULL;
}

/* Runs x -> op(name, attrs) -> y. Returns the first failing status (the
 * message stays in enn_last_error()); on success o holds the output. */
static inline enn_status lh_run(enn_op op, const char *name, const enn_attrs *attrs, const lh_in *ins, int32_t n_in,
                                lh_out *o) {
  memset(o, 0, sizeof *o);
  enn_graph *g = NULL;
  enn_session *s = NULL;
  enn_status st = enn_graph_create(NULL, &g);
  if (st) return st;
  int32_t ids[16], y = -1, gin[16], n_gin = 0;
  for (int32_t i = 0; i < n_in && !st; i++) {
    enn_tensor_desc d;
    enn_tensor_desc_init(&d, ENN_DTYPE_F32, ins[i].rank, ins[i].dims);
    char nm[32];
    snprintf(nm, sizeof nm, "t%d", i);
    if (ins[i].is_const) st = enn_graph_add_constant(g, nm, &d, ins[i].data, ENN_CONST_COPY, &ids[i]);
    else {
      st = enn_graph_add_input(g, nm, &d, &ids[i]);
      gin[n_gin++] = i;
    }
  }
  if (!st) st = enn_graph_add_node(g, op, name, ids, n_in, attrs, 1, &y);
  if (!st) st = enn_graph_add_output(g, y);
  if (!st) o->macs = enn_graph_node_macs(g, 0);
  enn_session_options opt;
  enn_session_options_init(&opt);
  opt.optimize = 0;
  if (!st) st = enn_session_create(g, &opt, &s);
  for (int32_t k = 0; k < n_gin && !st; k++) {
    const lh_in *t = &ins[gin[k]];
    const size_t bytes = (size_t)lh_numel(t->rank, t->dims) * sizeof(float);
    if (bytes) memcpy(enn_session_input_buffer(s, k), t->data, bytes);
  }
  if (!st) st = enn_session_run(s);
  if (!st) st = enn_session_output_desc(s, 0, &o->desc, NULL);
  if (!st) {
    o->numel = (long)enn_tensor_desc_numel(&o->desc);
    o->data = malloc((size_t)o->numel * sizeof(float) + sizeof(float));
    if (o->numel) memcpy(o->data, enn_session_output_buffer(s, 0), (size_t)o->numel * sizeof(float));
    enn_node_profile p;
    if (enn_session_node_profile(s, 0, &p) == ENN_OK && p.kernel) snprintf(o->kernel, sizeof o->kernel, "%s", p.kernel);
  }
  enn_session_destroy(s);
  enn_graph_destroy(g);
  return st;
}

/* Adds one node over the given inputs and returns its status, for error
 * tests (the graph is discarded). dtype applies to input 0. */
static inline enn_status lh_add_only(enn_op op, const char *name, const enn_attrs *attrs, const lh_in *ins,
                                     int32_t n_in, enn_dtype dtype0) {
  enn_graph *g = NULL;
  enn_status st = enn_graph_create(NULL, &g);
  if (st) return st;
  int32_t ids[16], y;
  for (int32_t i = 0; i < n_in && !st; i++) {
    enn_tensor_desc d;
    enn_tensor_desc_init(&d, i == 0 ? dtype0 : ENN_DTYPE_F32, ins[i].rank, ins[i].dims);
    char nm[32];
    snprintf(nm, sizeof nm, "t%d", i);
    if (ins[i].is_const) st = enn_graph_add_constant(g, nm, &d, NULL, ENN_CONST_COPY, &ids[i]);
    else st = enn_graph_add_input(g, nm, &d, &ids[i]);
  }
  if (!st) st = enn_graph_add_node(g, op, name, ids, n_in, attrs, 1, &y);
  enn_graph_destroy(g);
  return st;
}

/* Checks that adding the node fails with `want` and that the message names it. */
#define LH_CHECK_ERR(op, name, attrs, ins, n_in, dtype0, want)                                       \
  do {                                                                                               \
    CHECK_STATUS(lh_add_only((op), (name), (attrs), (ins), (n_in), (dtype0)), (want));               \
    CHECK_MSG(strstr(enn_last_error(), (name)) != NULL, "message does not name the node: %s", enn_last_error()); \
  } while (0)

/* The fused activations, written from their textbook definitions. */
static inline float lh_act(int act, float v, const enn_attrs *a) {
  const double x = (double)v;
  double y = x;
  switch (act) {
  case ENN_ACT_NONE: y = x; break;
  case ENN_ACT_RELU: y = fmax(x, 0.0); break;
  case ENN_ACT_RELU6: y = fmin(fmax(x, 0.0), 6.0); break;
  case ENN_ACT_CLIP: y = fmin(fmax(x, (double)a->act_min), (double)a->act_max); break;
  case ENN_ACT_LEAKY_RELU: y = x >= 0 ? x : (double)a->alpha * x; break;
  case ENN_ACT_SIGMOID: y = 1.0 / (1.0 + exp(-x)); break;
  case ENN_ACT_HARD_SIGMOID: y = fmax(0.0, fmin(1.0, (double)a->alpha * x + (double)a->beta)); break;
  case ENN_ACT_HARD_SWISH: y = x * fmin(fmax(x + 3.0, 0.0), 6.0) / 6.0; break;
  case ENN_ACT_SWISH: y = x / (1.0 + exp(-x)); break;
  case ENN_ACT_TANH: y = tanh(x); break;
  default: break;
  }
  return (float)y;
}

/* Sets attrs' activation fields for a test of activation `act`. */
static inline void lh_set_act(enn_attrs *a, int act) {
  a->act = act;
  a->act_min = -0.25f;
  a->act_max = 0.5f;
  if (act == ENN_ACT_LEAKY_RELU) a->alpha = 0.1f;
  if (act == ENN_ACT_HARD_SIGMOID) {
    a->alpha = 0.2f;
    a->beta = 0.5f;
  }
}

/* Deterministic random integer in [0, n). */
static inline int lh_rand(unsigned long long *s, int n) {
  *s = *s * 6364136223846793005ULL + 1442695040888963407ULL;
  return (int)((*s >> 33) % (unsigned long long)n);
}

/* malloc'd random floats in [lo, hi). */
static inline float *lh_randn(long n, unsigned long long seed, float lo, float hi) {
  float *p = malloc((size_t)n * sizeof(float) + sizeof(float));
  enn_t_fill(p, n, seed, lo, hi);
  return p;
}

#endif
