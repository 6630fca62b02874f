/*
 * Identity removal. A node whose output is its input, unchanged, is
 * bypassed:
 *   Identity;
 *   Reshape / Flatten / Squeeze / Unsqueeze whose output shape equals the
 *   input shape;
 *   Transpose with the identity permutation;
 *   Pad with every pad zero (any mode);
 *   Slice whose output shape equals the input shape with positive steps
 *   (a positive-step slice that keeps every index keeps them in order; a
 *   negative step would reverse, so those stay).
 * Bypassing: when the node's output y is not a graph output, its readers
 * read the input x instead. When y is a graph output, the tensor named y
 * must survive (users address outputs by name): if x is an activation
 * that only this node reads, x's producer writes y directly; otherwise
 * (x is a graph input, a constant, or read elsewhere) the node stays -
 * constant folding turns an Identity of a constant into a constant.
 *
 * Rewrites that keep the node but make it cheaper:
 *   a no-op Transpose / Pad / Slice that has to stay becomes a Reshape;
 *   a chain of views (Reshape / Flatten / Squeeze / Unsqueeze / Identity)
 *   followed by a Reshape / Flatten / Squeeze / Unsqueeze becomes one
 *   Reshape of the chain's input to the explicit final shape (the first
 *   view is left to dead-node removal when nothing else reads it);
 *   a Transpose that only moves size-1 axes (the other axes keep their
 *   order) moves no bytes and becomes a Reshape, which costs nothing.
 */
#include "opt/opt.h"

static bool is_reshape_like(enn_op op) {
  return op == ENN_OP_RESHAPE || op == ENN_OP_FLATTEN || op == ENN_OP_SQUEEZE || op == ENN_OP_UNSQUEEZE;
}

static bool is_noop(const enn_graph *g, const enn_node *n) {
  const enn_tensor_desc *x = &g->tensors[n->inputs[0]].desc, *y = &g->tensors[n->outputs[0]].desc;
  if (!enn_opt_same_desc(x, y)) return false;
  const enn_attrs *a = &n->attrs;
  switch (n->op) {
  case ENN_OP_IDENTITY: return true;
  case ENN_OP_RESHAPE:
  case ENN_OP_FLATTEN:
  case ENN_OP_SQUEEZE:
  case ENN_OP_UNSQUEEZE: return true;
  case ENN_OP_TRANSPOSE:
    for (int32_t i = 0; i < x->rank; i++)
      if (a->perm[i] != i) return false;
    return true;
  case ENN_OP_PAD:
    for (int32_t i = 0; i < x->rank; i++)
      if (a->pad_begin[i] != 0 || a->pad_end[i] != 0) return false;
    return true;
  case ENN_OP_SLICE:
    if (a->n_axes < 0 || a->n_axes > ENN_MAX_RANK) return false;
    for (int32_t i = 0; i < (a->n_axes > 0 ? a->n_axes : x->rank); i++)
      if (a->steps[i] <= 0) return false;
    return true;
  default: return false;
  }
}

/* Turns node n into a Reshape of tensor `src` to its (unchanged) output
 * shape, written out explicitly. False if Reshape cannot express it. */
static bool make_reshape(enn_graph *g, enn_node *n, int32_t src) {
  const enn_tensor_desc *y = &g->tensors[n->outputs[0]].desc;
  const enn_tensor_desc *x = &g->tensors[src].desc;
  if (!enn_op_vtable_get(ENN_OP_RESHAPE)) return false;
  if (x->quant.count && x->quant.axis >= 0) return false; /* Reshape cannot carry per-axis parameters */
  for (int32_t i = 0; i < y->rank; i++)
    if (y->dims[i] <= 0) return false; /* 0 means "copy this dimension" to Reshape */
  enn_attrs a;
  enn_attrs_init_op(&a, ENN_OP_RESHAPE);
  a.shape_rank = y->rank;
  for (int32_t i = 0; i < y->rank; i++) a.shape[i] = y->dims[i];
  n->op = ENN_OP_RESHAPE;
  n->attrs = a;
  n->inputs[0] = src;
  return true;
}

/* Transpose whose non-size-1 axes stay in order: same bytes, new shape. */
static bool transpose_is_reshape(const enn_graph *g, const enn_node *n) {
  const enn_tensor_desc *x = &g->tensors[n->inputs[0]].desc;
  int32_t last = -1;
  for (int32_t i = 0; i < x->rank; i++) {
    int32_t p = n->attrs.perm[i];
    if (p < 0 || p >= x->rank) return false;
    if (x->dims[p] == 1) continue;
    if (p < last) return false;
    last = p;
  }
  return true;
}

/* Bypasses no-op node ni; false if it must stay. */
static bool bypass(enn_graph *g, int32_t ni) {
  enn_node *n = &g->nodes[ni];
  const int32_t x = n->inputs[0], y = n->outputs[0];
  if (!enn_ir_is_output(g, y)) {
    n->dead = true; /* first, so that replace_uses leaves its input alone */
    enn_ir_replace_uses(g, y, x);
    return true;
  }
  const int32_t pi = enn_opt_producer(g, x);
  if (pi < 0 || !enn_opt_sole_use(g, x)) return false;
  enn_opt_take_output(g, pi, x, y);
  n->dead = true;
  return true;
}

enn_status enn_opt_remove_identity(enn_graph *g, bool *changed) {
  for (int32_t i = 0; i < g->n_nodes; i++) {
    enn_node *n = &g->nodes[i];
    if (n->dead || n->n_inputs != 1 || n->n_outputs != 1) continue;
    if (is_noop(g, n)) {
      if (bypass(g, i)) *changed = true;
      /* It has to stay (it names a graph output): as a view it costs nothing. */
      else if ((n->op == ENN_OP_TRANSPOSE || n->op == ENN_OP_PAD || n->op == ENN_OP_SLICE) &&
               make_reshape(g, n, n->inputs[0]))
        *changed = true;
      continue;
    }
    if (is_reshape_like(n->op)) {
      const int32_t pi = enn_opt_producer(g, n->inputs[0]);
      if (pi < 0) continue;
      const enn_node *p = &g->nodes[pi];
      if ((is_reshape_like(p->op) || p->op == ENN_OP_IDENTITY) && p->n_inputs == 1 && make_reshape(g, n, p->inputs[0]))
        *changed = true;
    } else if (n->op == ENN_OP_TRANSPOSE && transpose_is_reshape(g, n)) {
      if (make_reshape(g, n, n->inputs[0])) *changed = true;
    }
  }
  return ENN_OK;
}
