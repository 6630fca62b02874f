/*
 * Weights-only FP16 conversion (include/edgenn/fp16.h).
 *
 * The source graph is checked (float32 only, not converted before), cloned
 * with its constants copied and optimised at level 1 (so the stored
 * weights are the final, batch-norm-folded ones). Then each f32 constant
 * whose every reader is a parameter slot that accepts F16 (Conv2D /
 * FullyConnected weights and bias, Gemm B and C, MatMul B;
 * ops/f16_weights.h) and whose
 * values all fit binary16 is replaced in place by its binary16 rounding
 * (enn_f32_to_f16: round to nearest even; values below the smallest
 * subnormal become +-0). Re-verification re-infers every node with the new
 * dtypes.
 */
#include <math.h>
#include <string.h>

#include "edgenn/fp16.h"
#include "ir/ir.h"

#define F16_MAX 65504.0f

/* The inputs that accept F16 constants (ops/f16_weights.h): weights and
 * bias of Conv2D / FullyConnected, B and C of Gemm, B of MatMul. */
static bool is_weight_slot(const enn_node *n, int32_t k) {
  switch (n->op) {
  case ENN_OP_CONV2D:
  case ENN_OP_FULLY_CONNECTED:
  case ENN_OP_GEMM: return k == 1 || k == 2;
  case ENN_OP_MATMUL: return k == 1;
  default: return false;
  }
}

/* Is tensor id read only as F16-capable weights (and read at all)? */
static bool only_weight_uses(const enn_graph *g, int32_t id) {
  if (enn_ir_is_output(g, id)) return false;
  int32_t uses = 0;
  for (int32_t i = 0; i < g->n_nodes; i++) {
    const enn_node *n = &g->nodes[i];
    if (n->dead) continue;
    for (int32_t k = 0; k < n->n_inputs; k++) {
      if (n->inputs[k] != id) continue;
      if (!is_weight_slot(n, k) || g->tensors[n->inputs[0]].desc.dtype != ENN_DTYPE_F32) return false;
      uses++;
    }
  }
  return uses > 0;
}

static bool fits_f16(const float *x, int64_t n) {
  for (int64_t i = 0; i < n; i++)
    if (!(fabsf(x[i]) <= F16_MAX)) return false; /* NaN fails too */
  return true;
}

/* Refuses graphs that are not plain float32. */
static enn_status check_source(const enn_graph *g) {
  const char *q = enn_graph_get_meta(g, "quantized");
  if (q && strcmp(q, "f16") == 0)
    return enn_err(ENN_ERR_INVALID_ARG, "the graph is already converted to f16 (metadata quantized = f16)");
  if (q && *q)
    return enn_err(ENN_ERR_UNSUPPORTED,
                   "the graph is quantised (metadata quantized = %s): f16 conversion takes a float32 graph", q);
  for (int32_t i = 0; i < g->n_tensors; i++) {
    const enn_tensor *t = &g->tensors[i];
    if (t->desc.dtype == ENN_DTYPE_F16)
      return enn_err(ENN_ERR_INVALID_ARG, "tensor '%s' is already f16: the graph was converted before", t->name);
    if (t->desc.dtype == ENN_DTYPE_I8 || t->desc.dtype == ENN_DTYPE_U8 || t->desc.quant.count > 0)
      return enn_err(ENN_ERR_UNSUPPORTED,
                     "tensor '%s' is quantised (%s): f16 conversion takes a float32 graph, not an int8 one", t->name,
                     enn_dtype_name(t->desc.dtype));
  }
  return ENN_OK;
}

enn_status enn_convert_f16(const enn_graph *src, enn_graph **out) {
  if (!src || !out) return enn_err(ENN_ERR_INVALID_ARG, "enn_convert_f16: NULL argument");
  *out = NULL;
  enn_status st = check_source(src);
  if (st) return st;
  if ((st = enn_graph_verify(src))) return enn_err_prefix(st, "f16 conversion");
  enn_graph *g = NULL;
  if ((st = enn_ir_clone(src, &src->alloc, true, &g))) return st;
  if ((st = enn_graph_optimize(g, 1))) goto fail;
  int32_t converted = 0;
  for (int32_t id = 0; id < g->n_tensors; id++) {
    enn_tensor *t = &g->tensors[id];
    if (t->kind != ENN_TK_CONST || t->desc.dtype != ENN_DTYPE_F32 || !t->data) continue;
    const int64_t n = enn_tensor_desc_numel(&t->desc);
    if (n < 1 || !only_weight_uses(g, id) || !fits_f16(t->data, n)) continue;
    uint16_t *h = enn_alloc_aligned(&g->alloc, (size_t)n * sizeof(uint16_t), ENN_ALIGN);
    if (!h) {
      st = enn_err(ENN_ERR_NO_MEMORY, "out of memory converting '%s' to f16", t->name);
      goto fail;
    }
    const float *x = t->data;
    for (int64_t i = 0; i < n; i++) h[i] = enn_f32_to_f16(x[i]);
    if (t->owned) enn_free(&g->alloc, t->data);
    t->data = h;
    t->owned = true;
    t->flags &= ~(uint32_t)ENN_CONST_BORROW;
    t->desc.dtype = ENN_DTYPE_F16;
    converted++;
  }
  if (converted == 0) {
    st = enn_err(ENN_ERR_UNSUPPORTED,
                 "no weights to convert: f16 stores the constant weights of Conv2D, FullyConnected, MatMul and "
                 "Gemm, and this graph has none that fit f16");
    goto fail;
  }
  if ((st = enn_graph_set_meta(g, "quantized", "f16"))) goto fail;
  if ((st = enn_graph_verify(g))) {
    enn_err_prefix(st, "f16 conversion produced an invalid graph");
    goto fail;
  }
  *out = g;
  return ENN_OK;
fail:
  enn_graph_destroy(g);
  return st;
}
