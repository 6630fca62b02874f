/*
 * Test helper for operator tests: builds a one-node graph through the public
 * API (inputs and/or constants -> node -> outputs), creates a session with
 * optimisation off, feeds the inputs, runs it and copies every output out.
 * Used by the element-wise / data-movement / reduction op tests.
 */
#ifndef ENN_TESTS_OPS_OP_HARNESS_H
#define ENN_TESTS_OPS_OP_HARNESS_H

#include <stdint.h>

#include "test.h"

typedef struct op_case {
  enn_op op;
  const char *name;            /* node name (NULL = "node") */
  const enn_attrs *attrs;      /* NULL = the op's defaults */
  int32_t n_in;
  const enn_tensor_desc *in;   /* [n_in] */
  const float *const *data;    /* [n_in] values (may be NULL for an empty tensor) */
  uint32_t const_mask;         /* bit i (< 32): input i is a graph constant, else a graph input */
  int32_t n_out;               /* 0 = 1 */
} op_case;

static inline long oh_numel(const enn_tensor_desc *d) { return (long)enn_tensor_desc_numel(d); }

/* Runs c. On success out_desc[i] / out[i] (malloc'd, caller frees with
 * oh_free) hold each output. On failure returns the first failing status
 * (the library message is left in enn_last_error()) and outputs are NULL. */
static inline enn_status op_run(const op_case *c, enn_tensor_desc *out_desc, float **out) {
  const int32_t n_out = c->n_out > 0 ? c->n_out : 1;
  for (int32_t i = 0; i < n_out; i++) out[i] = NULL;
  enn_clear_error(); /* so a test reading the message never sees a stale one */
  enn_graph *g = NULL;
  enn_session *s = NULL;
  enn_status st = enn_graph_create(NULL, &g);
  if (st) return st;
  int32_t ids[ENN_MAX_SPLITS], oids[ENN_MAX_SPLITS], n_graph_in = 0, gin[ENN_MAX_SPLITS];
  for (int32_t i = 0; i < c->n_in && !st; i++) {
    char nm[32];
    snprintf(nm, sizeof nm, "in%d", i);
    if (i < 32 && (c->const_mask >> i & 1u))
      st = enn_graph_add_constant(g, nm, &c->in[i], c->data[i], ENN_CONST_COPY, &ids[i]);
    else {
      st = enn_graph_add_input(g, nm, &c->in[i], &ids[i]);
      gin[n_graph_in++] = i;
    }
  }
  if (!st) st = enn_graph_add_node(g, c->op, c->name ? c->name : "node", ids, c->n_in, c->attrs, n_out, oids);
  for (int32_t i = 0; i < n_out && !st; i++) st = enn_graph_add_output(g, oids[i]);
  enn_session_options o;
  enn_session_options_init(&o);
  o.optimize = 0;
  if (!st) st = enn_session_create(g, &o, &s);
  for (int32_t k = 0; k < n_graph_in && !st; k++) {
    const int32_t i = gin[k];
    size_t bytes = enn_tensor_desc_bytes(&c->in[i]);
    if (bytes) memcpy(enn_session_input_buffer(s, k), c->data[i], bytes);
  }
  if (!st) st = enn_session_run(s);
  for (int32_t i = 0; i < n_out && !st; i++) {
    st = enn_session_output_desc(s, i, &out_desc[i], NULL);
    size_t bytes = enn_tensor_desc_bytes(&out_desc[i]);
    out[i] = malloc(bytes + sizeof(float));
    if (bytes && !st) memcpy(out[i], enn_session_output_buffer(s, i), bytes);
  }
  if (st)
    for (int32_t i = 0; i < n_out; i++) {
      free(out[i]);
      out[i] = NULL;
    }
  enn_session_destroy(s);
  enn_graph_destroy(g);
  return st;
}

static inline void oh_free(float **out, int32_t n) {
  for (int32_t i = 0; i < n; i++) free(out[i]);
}

/* Shape descriptor shorthand: oh_desc(&d, rank, (int64_t[]){...}). */
static inline enn_tensor_desc oh_desc(int32_t rank, const int64_t *dims) {
  enn_tensor_desc d;
  enn_tensor_desc_init(&d, ENN_DTYPE_F32, rank, dims);
  return d;
}

/* True if the shape of d is rank/dims. */
static inline int oh_shape_is(const enn_tensor_desc *d, int32_t rank, const int64_t *dims) {
  if (d->rank != rank) return 0;
  for (int32_t i = 0; i < rank; i++)
    if (d->dims[i] != dims[i]) return 0;
  return 1;
}

/* Bitwise float equality over n values (NaN == NaN with the same bits). */
static inline int oh_same_bits(const float *a, const float *b, long n) {
  return n == 0 || memcmp(a, b, (size_t)n * sizeof(float)) == 0;
}

/* Row-major unravel of flat index f over dims[rank]. */
static inline void oh_unravel(long f, int32_t rank, const int64_t *dims, int64_t *idx) {
  for (int32_t k = rank - 1; k >= 0; k--) {
    idx[k] = dims[k] ? f % dims[k] : 0;
    f = dims[k] ? f / (long)dims[k] : 0;
  }
}

/* Deterministic small random integer in [0, n). */
static inline int oh_rand(unsigned long long *s, int n) {
  *s = *s * 6364136223846793005ULL + 1442695040888963407ULL;
  return (int)((*s >> 33) % (unsigned long long)n);
}

#endif
