/*
 * Internal graph representation and the operator interface.
 *
 * A graph owns an array of tensors and a topologically ordered array of
 * nodes (a node may only read tensors that exist before it). Passes edit
 * the arrays in place and call enn_ir_compact() to drop dead nodes.
 */
#ifndef ENN_IR_H
#define ENN_IR_H

#include "base/base.h"

typedef enum enn_tensor_kind {
  ENN_TK_ACT = 0,   /* produced by a node */
  ENN_TK_INPUT = 1, /* graph input, written by the user */
  ENN_TK_CONST = 2  /* constant data */
} enn_tensor_kind;

typedef struct enn_tensor {
  char *name;
  enn_tensor_desc desc; /* quant.scale / zero_point owned by the graph */
  enn_tensor_kind kind;
  uint32_t flags;       /* ENN_CONST_* */
  void *data;           /* CONST: the bytes */
  bool owned;           /* data allocated by the graph */
  int32_t producer;     /* node index, -1 for inputs/constants */
} enn_tensor;

typedef struct enn_node {
  enn_op op;
  char *name;
  enn_attrs attrs;
  int32_t n_inputs, n_outputs;
  int32_t *inputs;  /* tensor ids */
  int32_t *outputs; /* tensor ids */
  bool dead;        /* removed by a pass; dropped by enn_ir_compact */
} enn_node;

typedef struct enn_meta {
  char *key, *value;
} enn_meta;

struct enn_graph {
  enn_allocator alloc;
  enn_tensor *tensors;
  int32_t n_tensors, cap_tensors;
  enn_node *nodes;
  int32_t n_nodes, cap_nodes;
  int32_t *inputs;
  int32_t n_inputs, cap_inputs;
  int32_t *outputs;
  int32_t n_outputs, cap_outputs;
  enn_meta *meta;
  int32_t n_meta, cap_meta;
  /* backing storage of a loaded file (munmap / free on destroy) */
  void *mapping;
  size_t mapping_size;
  void *blob;
};

/* ----------------------------------------------------- operator interface */
typedef struct enn_exec enn_exec;
typedef struct enn_prepare_ctx enn_prepare_ctx;

typedef struct enn_op_vtable {
  /* Validates the node (input count/dtypes/shapes, attrs) and fills
   * out[0..n_outputs). in_data[i] is the constant's bytes or NULL. Errors
   * name the node via enn_node_err. Required. */
  enn_status (*infer)(const enn_node *n, const enn_tensor_desc *const *in, const void *const *in_data,
                      enn_tensor_desc *out);
  /* At session create: choose the kernel (set e->kernel), request scratch
   * (e->scratch_bytes), build per-op state with enn_prepare_alloc. e->in[i]
   * is a constant input's bytes (e.g. weights to pack), NULL for a tensor
   * computed at run time; outputs are not yet placed. A prepare may point a
   * constant input's e->in[i] / e->in_desc[i] at persistent memory of its
   * own (an f32 copy of F16 weights, ops/f16_weights.h); run sees that.
   * Optional. */
  enn_status (*prepare)(enn_exec *e, enn_prepare_ctx *ctx);
  /* Executes. Must not allocate or fail. NULL only for ENN_OPF_VIEW ops. */
  void (*run)(const enn_exec *e);
  /* Multiply-accumulates (conv/fc/matmul). Optional. */
  int64_t (*macs)(const enn_node *n, const enn_tensor_desc *const *in, const enn_tensor_desc *out);
} enn_op_vtable;

/* What a node sees at run time: every pointer resolved at create. */
struct enn_exec {
  const enn_node *node;
  int32_t n_in, n_out;
  const enn_tensor_desc **in_desc; /* [n_in] */
  const enn_tensor_desc **out_desc;/* [n_out] */
  const void **in;                 /* [n_in] */
  void **out;                      /* [n_out] */
  void *scratch;                   /* scratch_bytes of planned arena space */
  size_t scratch_bytes;
  void *state;                     /* from prepare */
  const char *kernel;              /* static string */
  int32_t threads;
  struct enn_threadpool *pool;     /* the session's pool (NULL = run inline); base/threadpool.h */
  /* In a session: its private graph, this node's index there and the
   * session's execs in execution order (execs[index] is this one), so a
   * prepare can see its neighbours (fused blocks, ops/conv2d_fast.c) and a
   * run read a neighbour's resolved pointers. NULL / -1 outside a session. */
  const struct enn_graph *graph;
  int32_t index;
  const enn_exec *execs;
};

/* Persistent per-op memory, owned by the session (zero-filled, 64-aligned). */
void *enn_prepare_alloc(enn_prepare_ctx *ctx, size_t bytes);

/* The table, indexed by enn_op. An op whose implementation is not linked
 * in (e.g. compiled out for a microcontroller) has a NULL entry. */
const enn_op_vtable *enn_op_vtable_get(enn_op op);

/* Error naming a node: "node 'conv_3' (Conv2D): <message>". */
enn_status enn_node_err(const enn_node *n, enn_status s, const char *fmt, ...) ENN_PRINTF(3, 4);

/* --------------------------------------------------------- graph helpers */
enn_status enn_ir_add_tensor(enn_graph *g, const char *name, const enn_tensor_desc *d, enn_tensor_kind kind,
                             int32_t *out);
/* Copies quant arrays of src into t (graph-owned). */
enn_status enn_ir_set_quant(enn_graph *g, enn_tensor *t, const enn_quant *q);
/* Re-infers node i's output descs into `out` (array of n_outputs). */
enn_status enn_ir_infer_node(const enn_graph *g, const enn_node *n, enn_tensor_desc *out);
/* Drops dead nodes and unreferenced non-input tensors, renumbering ids. */
enn_status enn_ir_compact(enn_graph *g);
/* Deep copy; constants are borrowed from src unless copy_consts. */
enn_status enn_ir_clone(const enn_graph *src, const enn_allocator *alloc, bool copy_consts, enn_graph **out);
/* Number of nodes reading tensor id (graph outputs count as one use each). */
int32_t enn_ir_use_count(const enn_graph *g, int32_t id);
bool enn_ir_is_output(const enn_graph *g, int32_t id);
/* Replaces every read of tensor `from` with `to` (nodes and graph outputs). */
void enn_ir_replace_uses(enn_graph *g, int32_t from, int32_t to);
/* Adds a graph-owned constant with a copy of data (data NULL = zeros). */
enn_status enn_ir_add_const(enn_graph *g, const char *name, const enn_tensor_desc *d, const void *data,
                            uint32_t flags, int32_t *out);

/* Descriptor helpers for infer functions. */
bool enn_desc_same_shape(const enn_tensor_desc *a, const enn_tensor_desc *b);
/* Numpy broadcast of a and b into out (dtype from a). */
enn_status enn_desc_broadcast(const enn_tensor_desc *a, const enn_tensor_desc *b, enn_tensor_desc *out);
/* "[1,224,224,3]" */
const char *enn_desc_str(const enn_tensor_desc *d, char *buf, size_t cap);
/* Normalises a possibly negative axis against rank; false if out of range. */
bool enn_axis_norm(int32_t axis, int32_t rank, int32_t *out);

#endif
