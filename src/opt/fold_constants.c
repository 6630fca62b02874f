/*
 * Constant folding: a node all of whose inputs are constants computes the
 * same thing on every run, so it is evaluated once here, with the
 * operator's own kernel (enn_rt_eval_node: infer -> prepare -> run), and
 * its outputs become constants of the graph. Readers of the old outputs
 * (nodes and graph outputs) are pointed at the new constants, which keep
 * the old tensors' names; the node is marked dead.
 *
 * One sweep in topological order folds whole constant chains (each folded
 * node turns its readers' inputs into constants before they are visited).
 * A VIEW op (Reshape, Flatten, ...) on a constant folds to a copy of its
 * bytes under the new shape. Quantised nodes fold like any other: the
 * kernel sees the output tensors' quantisation parameters, and the new
 * constants keep them (e.g. a Quantize of float weights becomes an int8
 * constant, a Dequantize of int8 weights a float one).
 */
#include <string.h>

#include "opt/opt.h"
#include "rt/rt.h"

/* An output this much larger than the node's inputs is not folded: a
 * folded constant is stored in the model (file, flash) and stays resident
 * for the session's whole life, while the node's output at run time lives
 * in the arena only as long as it is needed. Folding e.g. a broadcast of a
 * scalar to a large shape, a Resize, or a big Pad of a small constant would
 * trade a little run-time work for a lot of memory, which is the wrong
 * trade on an edge device. Small results are always folded. */
#define FOLD_GROWTH_LIMIT 2
#define FOLD_SMALL_BYTES ((size_t)1 << 20)

static bool all_inputs_const(const enn_graph *g, const enn_node *n) {
  if (n->n_inputs < 1) return false;
  for (int32_t k = 0; k < n->n_inputs; k++)
    if (g->tensors[n->inputs[k]].kind != ENN_TK_CONST) return false;
  return true;
}

static enn_status fold_node(enn_graph *g, int32_t ni, bool *folded) {
  *folded = false;
  const enn_node *n = &g->nodes[ni];
  const int32_t nout = n->n_outputs;
  if (nout < 1 || nout > ENN_MAX_SPLITS) return ENN_OK;
  const enn_op_vtable *vt = enn_op_vtable_get(n->op);
  if (!vt || (!vt->run && !(enn_op_flags(n->op) & ENN_OPF_VIEW))) return ENN_OK;
  enn_tensor_desc out_desc[ENN_MAX_SPLITS];
  enn_status st = enn_ir_infer_node(g, n, out_desc);
  if (st) return st;
  /* Output quantisation is a property of the output tensor (set after the
   * node was added): the kernel must see it (Quantize, int8 ops). */
  for (int32_t k = 0; k < nout; k++) out_desc[k].quant = g->tensors[n->outputs[k]].desc.quant;
  size_t in_bytes = 0, out_bytes = 0;
  bool all_buffers = true;
  for (int32_t k = 0; k < n->n_inputs; k++) {
    const enn_tensor *t = &g->tensors[n->inputs[k]];
    in_bytes += enn_tensor_desc_bytes(&t->desc);
    all_buffers &= (t->flags & ENN_CONST_BUFFER) != 0;
  }
  for (int32_t k = 0; k < nout; k++) out_bytes += enn_tensor_desc_bytes(&out_desc[k]);
  if (out_bytes > FOLD_SMALL_BYTES && out_bytes / FOLD_GROWTH_LIMIT > in_bytes) return ENN_OK;

  void *bufs[ENN_MAX_SPLITS];
  memset(bufs, 0, sizeof bufs);
  for (int32_t k = 0; k < nout; k++) {
    bufs[k] = enn_alloc_aligned(&g->alloc, enn_tensor_desc_bytes(&out_desc[k]), ENN_ALIGN);
    if (!bufs[k]) {
      st = enn_node_err(n, ENN_ERR_NO_MEMORY, "out of memory folding constants");
      goto done;
    }
  }
  if ((st = enn_rt_eval_node(g, n, out_desc, bufs))) goto done;
  /* Results computed: turn each output into a constant. */
  const uint32_t flags = all_buffers ? ENN_CONST_BUFFER : 0u;
  for (int32_t k = 0; k < nout; k++) {
    const int32_t old = g->nodes[ni].outputs[k];
    const enn_tensor_desc d = g->tensors[old].desc; /* keeps quantisation parameters */
    const char *name = g->tensors[old].name;        /* a separate block: survives the array growing */
    int32_t id;
    if ((st = enn_opt_adopt_const(g, name, &d, bufs[k], flags, &id))) goto done;
    bufs[k] = NULL; /* the graph owns it now */
    enn_ir_replace_uses(g, old, id);
  }
  g->nodes[ni].dead = true;
  *folded = true;
done:
  for (int32_t k = 0; k < nout; k++) enn_free(&g->alloc, bufs[k]);
  return st;
}

enn_status enn_opt_fold_constants(enn_graph *g, bool *changed) {
  for (int32_t i = 0; i < g->n_nodes; i++) {
    if (g->nodes[i].dead || !all_inputs_const(g, &g->nodes[i])) continue;
    bool folded;
    enn_status st = fold_node(g, i, &folded);
    if (st) return enn_err_prefix(st, "folding node '%s'", g->nodes[i].name);
    if (folded) *changed = true;
  }
  return ENN_OK;
}
