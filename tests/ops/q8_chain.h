/*
 * Helpers for the int8 operator tests that run a chain of nodes through
 * one session and check in-place execution (test_q8_unary.c,
 * test_q8_softmax.c, test_q8_binary.c):
 *
 *   - qt_chain_input / qt_chain_node: a graph input / a node whose output
 *     gets its own per-tensor parameters (enn_graph_set_quant);
 *     qt_unary_chain: input -> one-input nodes -> output;
 *   - qt_run_in_place: a session without graph optimisation (the chain
 *     stays as built), the check that two named tensors share one buffer
 *     of the plan (the planner aliased an ENN_OPF_INPLACE node's output
 *     with its input), then one run on the given input bytes.
 *
 * The tests compare the session's output with their own references.
 */
#ifndef ENN_TESTS_OPS_Q8_CHAIN_H
#define ENN_TESTS_OPS_Q8_CHAIN_H

#include "q8_harness.h"
#include "rt/rt.h"

/* Adds graph input `name` (int8, rank / dims, parameters scale, zp);
 * returns its tensor id (-1 after a failed check). */
static inline int32_t qt_chain_input(enn_graph *g, const char *name, int32_t rank, const int64_t *dims,
                                     const float *scale, const int32_t *zp) {
  enn_tensor_desc d;
  enn_tensor_desc_init(&d, ENN_DTYPE_I8, rank, dims);
  d.quant = qt_quant1(scale, zp);
  int32_t id = -1;
  CHECK_OK(enn_graph_add_input(g, name, &d, &id));
  return id;
}

/* Adds node `op` named `name` over ins[0..n_in) and sets its output's
 * parameters (scale, zp); returns the output's tensor id (-1 after a
 * failed check). */
static inline int32_t qt_chain_node(enn_graph *g, enn_op op, const char *name, const int32_t *ins, int32_t n_in,
                                    const float *scale, const int32_t *zp) {
  const enn_quant q = qt_quant1(scale, zp);
  int32_t y = -1;
  CHECK_OK(enn_graph_add_node(g, op, name, ins, n_in, NULL, 1, &y));
  if (y >= 0) CHECK_OK(enn_graph_set_quant(g, y, &q));
  return y;
}

/* One stage of a chain of one-input nodes: op, name, output parameters. */
typedef struct qt_stage {
  enn_op op;
  const char *name;
  float s;
  int32_t z;
} qt_stage;

/* x (int8 input "x", rank / dims, parameters in_s, in_z) -> st[0] -> ...
 * -> st[n - 1] -> output. Returns the graph (NULL after a failed check). */
static inline enn_graph *qt_unary_chain(int32_t rank, const int64_t *dims, float in_s, int32_t in_z, const qt_stage *st,
                                        int n) {
  enn_graph *g = NULL;
  CHECK_OK(enn_graph_create(NULL, &g));
  if (!g) return NULL;
  int32_t t = qt_chain_input(g, "x", rank, dims, &in_s, &in_z);
  for (int k = 0; k < n && t >= 0; k++) t = qt_chain_node(g, st[k].op, st[k].name, &t, 1, &st[k].s, &st[k].z);
  if (t >= 0) CHECK_OK(enn_graph_add_output(g, t));
  return g;
}

/* Creates a session for g at optimisation level 0, checks that the
 * tensors named `a` and `b` (node outputs carry their node's name) share
 * one buffer (the node `b` ran in place over `a`), copies n bytes of x to
 * input 0 and runs it. Returns the session (the caller destroys it), or
 * NULL after a failed check. */
static inline enn_session *qt_run_in_place(const enn_graph *g, const char *a, const char *b, const void *x, size_t n) {
  enn_session_options o;
  enn_session_options_init(&o);
  o.optimize = 0;
  enn_session *s = NULL;
  CHECK_OK(enn_session_create(g, &o, &s));
  if (!s) return NULL;
  const enn_graph *sg = NULL;
  const enn_tensor_layout *L = NULL;
  const int32_t nt = enn_session_debug_tensors(s, &sg, &L, NULL);
  int32_t ba = -1, bb = -2;
  for (int32_t k = 0; k < nt; k++) {
    const char *nm = NULL;
    CHECK_OK(enn_graph_tensor(sg, k, &nm, NULL, NULL));
    if (nm && strcmp(nm, a) == 0) ba = L[k].buffer;
    if (nm && strcmp(nm, b) == 0) bb = L[k].buffer;
  }
  CHECK_MSG(ba == bb, "'%s' did not run in place over '%s' (buffers %d, %d)", b, a, ba, bb);
  memcpy(enn_session_input_buffer(s, 0), x, n);
  enn_status st = enn_session_run(s);
  CHECK_OK(st);
  if (st) {
    enn_session_destroy(s);
    return NULL;
  }
  return s;
}

#endif
