/*
 * Test harness for the operator tests (tests/ops/): runs ONE node through
 * the public API and hands back what it computed.
 *
 * oh_run_n builds a graph of the given inputs (each a graph input fed
 * before the run, or a graph constant) -> the node -> its outputs, creates a
 * session with optimisation off (the node runs as built, on its reference
 * kernel: the kernel level is capped at ref), runs it and copies every
 * output out; it also reports the node's MACs and the kernel the session
 * chose. oh_run is the one-output form
 * that returns all of it in an oh_out; oh_add_only only adds the node (for
 * error tests: infer runs when a node is added).
 *
 * Also: descriptor / comparison helpers, the fused activations written
 * independently of src/kernels/ref/act.h, deterministic random numbers,
 * shapes and permutations, and OH_CHECK_FAILS for "fails with this status
 * and a message naming the node".
 */
#ifndef ENN_TESTS_OPS_OP_HARNESS_H
#define ENN_TESTS_OPS_OP_HARNESS_H

#include <stdint.h>

#include "kernels/kernels.h"
#include "test.h"

/* ------------------------------------------------------------ tensors */
typedef struct oh_in {
  enn_tensor_desc desc; /* dtype and shape */
  const float *data;    /* values (may be NULL for an empty tensor, or in oh_add_only) */
  int is_const;         /* graph constant (else a graph input fed before the run) */
} oh_in;

/* f32 shape descriptor: oh_desc(rank, (int64_t[]){...}). */
static inline enn_tensor_desc oh_desc(int32_t rank, const int64_t *dims) {
  enn_tensor_desc d;
  enn_tensor_desc_init(&d, ENN_DTYPE_F32, rank, dims);
  return d;
}

static inline oh_in oh_input(enn_tensor_desc desc, const float *data, int is_const) {
  oh_in t;
  memset(&t, 0, sizeof t);
  t.desc = desc;
  t.data = data;
  t.is_const = is_const;
  return t;
}

/* An f32 input of shape rank/dims. */
static inline oh_in oh_tensor(int32_t rank, const int64_t *dims, const float *data, int is_const) {
  return oh_input(oh_desc(rank, dims), data, is_const);
}

static inline long oh_numel(const enn_tensor_desc *d) { return (long)enn_tensor_desc_numel(d); }

static inline long oh_dims_numel(int32_t rank, const int64_t *dims) {
  long n = 1;
  for (int32_t i = 0; i < rank; i++) n *= (long)dims[i];
  return n;
}

/* ------------------------------------------------------------ running */
/* A session of g with optimisation off, so the graph runs as built; *s is
 * NULL when it fails. */
static inline enn_status oh_session(const enn_graph *g, enn_session **s) {
  enn_kernel_set_isa_cap(ENN_ISA_REF); /* reference kernels; the SIMD ones: tests/kernels/ */
  enn_session_options o;
  enn_session_options_init(&o);
  o.optimize = 0;
  *s = NULL;
  return enn_session_create(g, &o, s);
}

/* What the session made of the node. */
typedef struct oh_info {
  int64_t macs;     /* enn_graph_node_macs (0 when the graph could not be built) */
  char kernel[96];  /* the kernel the session chose ("" when none ran) */
} oh_info;

/* Runs ins[0..n_in) -> op(name, attrs) -> n_out outputs (name NULL =
 * "node"). On success out_desc[i] / out[i] hold output i (out[i] malloc'd
 * with one spare float; free it, or oh_free). On failure returns the first
 * failing status (the library message is left in enn_last_error(), cleared
 * first so it is never stale) and every out[i] is NULL. info may be NULL. */
static inline enn_status oh_run_n(enn_op op, const char *name, const enn_attrs *attrs, const oh_in *ins, int32_t n_in,
                                  enn_tensor_desc *out_desc, float **out, int32_t n_out, oh_info *info) {
  for (int32_t i = 0; i < n_out; i++) out[i] = NULL;
  if (info) memset(info, 0, sizeof *info);
  enn_clear_error();
  enn_graph *g = NULL;
  enn_session *s = NULL;
  enn_status st = enn_graph_create(NULL, &g);
  if (st) return st;
  int32_t ids[ENN_MAX_SPLITS], oids[ENN_MAX_SPLITS], gin[ENN_MAX_SPLITS], n_gin = 0;
  for (int32_t i = 0; i < n_in && !st; i++) {
    char nm[32];
    snprintf(nm, sizeof nm, "in%d", i);
    if (ins[i].is_const) st = enn_graph_add_constant(g, nm, &ins[i].desc, ins[i].data, ENN_CONST_COPY, &ids[i]);
    else {
      st = enn_graph_add_input(g, nm, &ins[i].desc, &ids[i]);
      gin[n_gin++] = i;
    }
  }
  if (!st) st = enn_graph_add_node(g, op, name ? name : "node", ids, n_in, attrs, n_out, oids);
  for (int32_t i = 0; i < n_out && !st; i++) st = enn_graph_add_output(g, oids[i]);
  if (!st && info) info->macs = enn_graph_node_macs(g, 0);
  if (!st) st = oh_session(g, &s);
  for (int32_t k = 0; k < n_gin && !st; k++) {
    const oh_in *t = &ins[gin[k]];
    const size_t bytes = enn_tensor_desc_bytes(&t->desc);
    if (bytes) memcpy(enn_session_input_buffer(s, k), t->data, bytes);
  }
  if (!st) st = enn_session_run(s);
  for (int32_t i = 0; i < n_out && !st; i++) {
    st = enn_session_output_desc(s, i, &out_desc[i], NULL);
    const size_t bytes = st ? 0 : enn_tensor_desc_bytes(&out_desc[i]);
    out[i] = malloc(bytes + sizeof(float));
    if (bytes) memcpy(out[i], enn_session_output_buffer(s, i), bytes);
  }
  enn_node_profile p;
  if (!st && info && enn_session_node_profile(s, 0, &p) == ENN_OK && p.kernel)
    snprintf(info->kernel, sizeof info->kernel, "%s", p.kernel);
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

/* The one output of a node, with its MACs and kernel. */
typedef struct oh_out {
  enn_tensor_desc desc;
  float *data; /* malloc'd; oh_out_free */
  long numel;
  int64_t macs;
  char kernel[96];
} oh_out;

/* oh_run_n with one output, into o (all zero but macs on failure). */
static inline enn_status oh_run(enn_op op, const char *name, const enn_attrs *attrs, const oh_in *ins, int32_t n_in,
                                oh_out *o) {
  memset(o, 0, sizeof *o);
  oh_info info;
  const enn_status st = oh_run_n(op, name, attrs, ins, n_in, &o->desc, &o->data, 1, &info);
  if (st) memset(&o->desc, 0, sizeof o->desc);
  else o->numel = oh_numel(&o->desc);
  o->macs = info.macs;
  memcpy(o->kernel, info.kernel, sizeof o->kernel);
  return st;
}

static inline void oh_out_free(oh_out *o) {
  free(o->data);
  o->data = NULL;
}

/* Adds one node over the given inputs and returns its status, for error
 * tests (the graph is discarded; constants are zeros). dtype0 replaces
 * input 0's dtype. */
static inline enn_status oh_add_only(enn_op op, const char *name, const enn_attrs *attrs, const oh_in *ins,
                                     int32_t n_in, enn_dtype dtype0) {
  enn_graph *g = NULL;
  enn_status st = enn_graph_create(NULL, &g);
  if (st) return st;
  int32_t ids[ENN_MAX_SPLITS], y;
  for (int32_t i = 0; i < n_in && !st; i++) {
    enn_tensor_desc d = ins[i].desc;
    if (i == 0) d.dtype = dtype0;
    char nm[32];
    snprintf(nm, sizeof nm, "in%d", i);
    if (ins[i].is_const) st = enn_graph_add_constant(g, nm, &d, NULL, ENN_CONST_COPY, &ids[i]);
    else st = enn_graph_add_input(g, nm, &d, &ids[i]);
  }
  if (!st) st = enn_graph_add_node(g, op, name, ids, n_in, attrs, 1, &y);
  enn_graph_destroy(g);
  return st;
}

/* ------------------------------------------------------------- checks */
/* expr must return `want`, and the library message must name `name`. */
#define OH_CHECK_FAILS(expr, want, name)                                                                  \
  do {                                                                                                    \
    CHECK_STATUS((expr), (want));                                                                         \
    CHECK_MSG(strstr(enn_last_error(), (name)) != NULL, "message does not name %s: %s", (name),           \
              enn_last_error());                                                                          \
  } while (0)

/* Adding the node must fail with `want` and a message naming it. */
#define OH_CHECK_ERR(op, name, attrs, ins, n_in, dtype0, want) \
  OH_CHECK_FAILS(oh_add_only((op), (name), (attrs), (ins), (n_in), (dtype0)), (want), (name))

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

/* ------------------------------------------------------- activations */
/* The fused activations, written from their textbook definitions. */
static inline float oh_act(int act, float v, const enn_attrs *a) {
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
static inline void oh_set_act(enn_attrs *a, int act) {
  a->act = act;
  a->act_min = -0.25f;
  a->act_max = 0.5f;
  if (act == ENN_ACT_LEAKY_RELU) a->alpha = 0.1f;
  if (act == ENN_ACT_HARD_SIGMOID) {
    a->alpha = 0.2f;
    a->beta = 0.5f;
  }
}

/* ------------------------------------------------------------- random */
/* Deterministic random integer in [0, n). */
static inline int oh_rand(unsigned long long *s, int n) {
  *s = *s * 6364136223846793005ULL + 1442695040888963407ULL;
  return (int)((*s >> 33) % (unsigned long long)n);
}

/* malloc'd random floats in [lo, hi). */
static inline float *oh_randn(long n, unsigned long long seed, float lo, float hi) {
  float *p = malloc((size_t)n * sizeof(float) + sizeof(float));
  enn_t_fill(p, n, seed, lo, hi);
  return p;
}

/* Random dims[0..rank) drawn from pool[0..n_pool); a dim that would take
 * the element count past max_numel is 1 instead. Returns the count. */
static inline long oh_rand_dims(unsigned long long *s, int32_t rank, const int64_t *pool, int n_pool, long max_numel,
                                int64_t *dims) {
  long n = 1;
  for (int32_t k = 0; k < rank; k++) {
    dims[k] = pool[oh_rand(s, n_pool)];
    if (n * dims[k] > max_numel) dims[k] = 1;
    n *= (long)dims[k];
  }
  return n;
}

/* Shuffles v[0..n) in place (Fisher-Yates from the end). */
static inline void oh_shuffle(unsigned long long *s, int32_t *v, int32_t n) {
  for (int32_t i = n - 1; i > 0; i--) {
    const int32_t j = oh_rand(s, i + 1), t = v[i];
    v[i] = v[j];
    v[j] = t;
  }
}

#endif
